"""PPO with parameter sharing on multiwalker_tracks_v0, with a curriculum teacher: CleanRL style, one file.

Every walker is driven by the same policy (one network, the agents form the
batch); the team's mean episodic return goes to the teacher through a
ParallelTeacherWrapper. Writes one run folder: TensorBoard events, agent.ckpt
and teacher.ckpt.

Run:  python baselines/ppo_multiwalker.py --teacher alp-gmm --n-walkers 3 --total-timesteps 500000
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
import tyro
from torch.distributions.normal import Normal
from torch.utils.tensorboard import SummaryWriter
from tqdm import tqdm

import curriculum_gym as cg
from curriculum_gym.checkpoint import save_state
from curriculum_gym.multiagent import multiwalker_tracks_v0


@dataclass
class Args:
    n_walkers: int = 3
    track: str = "stumps"
    body: str = "default"
    teacher: str = "alp-gmm"
    """alp-gmm, random, riac, covar-gmm, or none (tasks drawn uniformly by the env)"""
    seed: int = 1
    total_timesteps: int = 500_000
    """environment steps (each moves every walker once)"""
    max_cycles: int = 500
    runs_dir: str = "runs"
    exp_name: str = "ppo_multiwalker"
    torch_threads: int = 0
    progress: bool = True

    # PPO
    learning_rate: float = 3e-4
    num_steps: int = 512
    anneal_lr: bool = True
    gamma: float = 0.99
    gae_lambda: float = 0.95
    num_minibatches: int = 8
    update_epochs: int = 10
    clip_coef: float = 0.2
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    hidden: int = 128


def make_env(args: Args, teacher):
    env = multiwalker_tracks_v0.parallel_env(n_walkers=args.n_walkers, track=args.track, body=args.body,
                                             max_cycles=args.max_cycles)
    return env if teacher is None else cg.ParallelTeacherWrapper(env, teacher)


def layer_init(layer, std=2**0.5, bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim: int, act_dim: int, hidden: int):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, hidden)), nn.Tanh(),
                                    layer_init(nn.Linear(hidden, hidden)), nn.Tanh(), layer_init(nn.Linear(hidden, 1), std=1.0))
        self.actor_mean = nn.Sequential(layer_init(nn.Linear(obs_dim, hidden)), nn.Tanh(),
                                        layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
                                        layer_init(nn.Linear(hidden, act_dim), std=0.01))
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        mean = self.actor_mean(x)
        probs = Normal(mean, torch.exp(self.actor_logstd.expand_as(mean)))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action).sum(1), probs.entropy().sum(1), self.critic(x)


if __name__ == "__main__":
    args = tyro.cli(Args)
    if args.teacher != "none" and args.teacher not in cg.TEACHERS:
        raise SystemExit(f"--teacher must be one of {sorted(cg.TEACHERS)} or none; got {args.teacher!r}")
    run_dir = Path(args.runs_dir) / f"multiwalker_tracks_v0__{args.exp_name}__{args.teacher}__{args.seed}__{int(time.time())}"
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "args.json").write_text(json.dumps(asdict(args), indent=2))
    writer = SummaryWriter(str(run_dir))
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    probe = multiwalker_tracks_v0.parallel_env(n_walkers=args.n_walkers, track=args.track, body=args.body)
    teacher = None if args.teacher == "none" else cg.make_teacher(args.teacher, probe.task_space, seed=args.seed)
    env = make_env(args, teacher)
    agents = env.possible_agents
    n = len(agents)
    obs_dim, act_dim = env.observation_space(agents[0]).shape[0], env.action_space(agents[0]).shape[0]
    agent = Agent(obs_dim, act_dim, args.hidden)
    optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)

    obs = torch.zeros((args.num_steps, n, obs_dim))
    actions = torch.zeros((args.num_steps, n, act_dim))
    logprobs, rewards = torch.zeros((args.num_steps, n)), torch.zeros((args.num_steps, n))
    dones, values = torch.zeros((args.num_steps, n)), torch.zeros((args.num_steps, n))

    num_iterations = max(1, args.total_timesteps // args.num_steps)
    global_step, episode_return, episode_length, last_return = 0, np.zeros(n), 0, float("nan")
    obs_dict, _ = env.reset(seed=args.seed)
    next_obs = torch.as_tensor(np.stack([obs_dict[a] for a in agents]))
    next_done = torch.zeros(n)
    start_time = time.time()
    bar = tqdm(total=num_iterations * args.num_steps, unit="step", disable=not args.progress, dynamic_ncols=True)

    for iteration in range(1, num_iterations + 1):
        if args.anneal_lr:
            optimizer.param_groups[0]["lr"] = (1.0 - (iteration - 1.0) / num_iterations) * args.learning_rate
        for step in range(args.num_steps):
            global_step += 1
            obs[step], dones[step] = next_obs, next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
            values[step], actions[step], logprobs[step] = value.flatten(), action, logprob
            clipped = np.clip(action.numpy(), -1, 1)
            obs_dict, rew, term, trunc, _ = env.step({a: clipped[i] for i, a in enumerate(agents)})
            r = np.array([rew[a] for a in agents], dtype=np.float32)
            rewards[step] = torch.as_tensor(np.clip(r / 10.0, -10, 10))  # fixed reward scale: -100 penalties -> -10
            episode_return += r
            episode_length += 1
            done = not env.agents
            if done:  # the whole team's episode is over (terminated or truncated)
                last_return = float(episode_return.mean())
                writer.add_scalar("charts/episodic_return", last_return, global_step)
                writer.add_scalar("charts/episodic_length", episode_length, global_step)
                episode_return[:], episode_length = 0.0, 0
                obs_dict, _ = env.reset()
            next_obs = torch.as_tensor(np.stack([obs_dict[a] for a in agents]))
            next_done = torch.full((n,), float(done))

        with torch.no_grad():
            next_value = agent.get_value(next_obs).reshape(1, -1)
            advantages, lastgaelam = torch.zeros_like(rewards), 0
            for t in reversed(range(args.num_steps)):
                nextnonterminal = 1.0 - (next_done if t == args.num_steps - 1 else dones[t + 1])
                nextvalues = next_value if t == args.num_steps - 1 else values[t + 1]
                delta = rewards[t] + args.gamma * nextvalues * nextnonterminal - values[t]
                advantages[t] = lastgaelam = delta + args.gamma * args.gae_lambda * nextnonterminal * lastgaelam
            returns = advantages + values

        b_obs, b_actions = obs.reshape(-1, obs_dim), actions.reshape(-1, act_dim)
        b_logprobs, b_advantages = logprobs.reshape(-1), advantages.reshape(-1)
        b_returns, b_values = returns.reshape(-1), values.reshape(-1)
        b_inds = np.arange(len(b_obs))
        for _epoch in range(args.update_epochs):
            np.random.shuffle(b_inds)
            for mb_inds in np.array_split(b_inds, args.num_minibatches):
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[mb_inds], b_actions[mb_inds])
                ratio = (newlogprob - b_logprobs[mb_inds]).exp()
                mb_adv = b_advantages[mb_inds]
                mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                pg_loss = torch.max(-mb_adv * ratio, -mb_adv * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)).mean()
                v_loss = 0.5 * ((newvalue.view(-1) - b_returns[mb_inds]) ** 2).mean()
                loss = pg_loss - args.ent_coef * entropy.mean() + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()

        sps = int(global_step / (time.time() - start_time))
        writer.add_scalar("charts/SPS", sps, global_step)
        writer.add_scalar("losses/value_loss", v_loss.item(), global_step)
        writer.add_scalar("losses/policy_loss", pg_loss.item(), global_step)
        if teacher is not None:
            for key, value in teacher.metrics().items():
                writer.add_scalar(f"teacher/{key}", value, global_step)
        bar.update(args.num_steps)
        bar.set_postfix(SPS=sps, ret=f"{last_return:.1f}")

    bar.close()
    save_state({"agent": {k: v.numpy() for k, v in agent.state_dict().items()}, "global_step": global_step},
               run_dir / "agent.ckpt")
    if teacher is not None:
        teacher.save(run_dir / "teacher.ckpt")
    writer.close()
    print(f"{args.teacher} on multiwalker_tracks_v0 ({args.n_walkers} walkers), {global_step} steps; "
          f"last team return {last_return:.1f}; run folder: {run_dir}")
