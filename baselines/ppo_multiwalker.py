"""PPO with parameter sharing on multiwalker_tracks_v0, with a curriculum teacher: CleanRL style, one file.

Every walker is driven by the same policy (one network, the agents form the
batch); the team's mean episodic return goes to the teacher through a
ParallelTeacherWrapper. Writes one run folder: TensorBoard events, args.json,
run.json, episodes.npz (every episode's task and team return), agent.ckpt and
teacher.ckpt (no pickle).

Run:  python baselines/ppo_multiwalker.py --teacher alp-gmm --n-walkers 3 --total-timesteps 500000
      python examples/watch_agent.py runs/<run folder> --video team.gif   (the trained team)
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
from curriculum_gym import runs
from curriculum_gym.multiagent import multiwalker_tracks_v0


@dataclass
class Args:
    # the environment and its curriculum
    n_walkers: int = 3
    """walkers carrying the package (2 to 4)"""
    track: str = "stumps"
    """the track type: stumps or hexagons"""
    body: str = "default"
    """every walker's body, a name from cg.BODIES that carries the package: default, short, quadru, classic_bipedal, small_bipedal, big_quadru, spider, millipede"""
    teacher: str = "alp-gmm"
    """alp-gmm, random, riac, covar-gmm, adr, oracle, or none: no teacher, the env draws every episode's task
    uniformly from the task space (domain randomisation), or plays --task"""
    teacher_options: tuple[str, ...] = ()
    """the teacher's options as key=value (numbers, true/false, JSON lists), e.g. fit_rate=150 random_task_ratio=0.05"""
    task: tuple[float, ...] = ()
    """with --teacher none only: train on this one task (without it: a task drawn uniformly every episode)"""
    seed: int = 1
    """seed of python, numpy, torch, the teacher and the env"""
    total_timesteps: int = 500_000
    """environment steps (each moves every walker once)"""
    max_cycles: int = 500
    """step limit of an episode (the env truncates it there)"""

    # outputs and the machine
    runs_dir: str = "runs"
    """where new run folders are made"""
    exp_name: str = "ppo_multiwalker"
    """the experiment's name, part of the run folder's name"""
    torch_threads: int = 0
    """torch's intra-op threads (0: torch's default)"""
    progress: bool = True
    """show a progress bar"""

    # PPO
    learning_rate: float = 3e-4
    """Adam's learning rate (at the start, when annealed)"""
    num_steps: int = 512
    """env steps per rollout (each gives one transition per walker)"""
    anneal_lr: bool = True
    """anneal the learning rate linearly to 0 over the run"""
    gamma: float = 0.99
    """discount factor"""
    gae_lambda: float = 0.95
    """lambda of generalised advantage estimation"""
    num_minibatches: int = 8
    """minibatches per epoch"""
    update_epochs: int = 10
    """epochs over each rollout"""
    clip_coef: float = 0.2
    """the surrogate's clipping coefficient"""
    ent_coef: float = 0.0
    """entropy bonus coefficient"""
    vf_coef: float = 0.5
    """value loss coefficient"""
    max_grad_norm: float = 0.5
    """gradients are clipped to this global norm"""
    hidden: int = 128
    """width of the two hidden layers of the actor and of the critic"""


def make_env(args: Args, teacher, render_mode: str | None = None):
    """The team's env: tasks from ``teacher``, or (``--teacher none``) drawn uniformly by the env, or ``--task``."""
    env = multiwalker_tracks_v0.parallel_env(
        n_walkers=args.n_walkers,
        track=args.track,
        body=args.body,
        max_cycles=args.max_cycles,
        task=list(args.task) or None,
        render_mode=render_mode,
    )
    return env if teacher is None else cg.ParallelTeacherWrapper(env, teacher)


def layer_init(layer, std=2**0.5, bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim: int, act_dim: int, hidden: int):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)),
            nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)),
            nn.Tanh(),
            layer_init(nn.Linear(hidden, 1), std=1.0),
        )
        self.actor_mean = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)),
            nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)),
            nn.Tanh(),
            layer_init(nn.Linear(hidden, act_dim), std=0.01),
        )
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        mean = self.actor_mean(x)
        probs = Normal(mean, torch.exp(self.actor_logstd.expand_as(mean)))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action).sum(1), probs.entropy().sum(1), self.critic(x)


def make_eval_policy(agent: Agent):
    """The policy watched (examples/watch_agent.py): deterministic, the Gaussian's mean; one walker's observation, or
    a batch of them (one row per walker), to actions."""

    def policy(obs):
        with torch.inference_mode():
            return np.clip(agent.actor_mean(torch.as_tensor(obs, dtype=torch.float32)).numpy(), -1, 1)

    return policy


if __name__ == "__main__":
    args = tyro.cli(Args)
    runs.check_teacher_flags(args)
    teacher_options = runs.parse_teacher_options(args.teacher_options)
    run_dir = (
        Path(args.runs_dir) / f"multiwalker_tracks_v0__{args.exp_name}__{args.teacher}__{args.seed}__{int(time.time())}"
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "args.json").write_text(json.dumps(asdict(args), indent=2))
    writer = SummaryWriter(str(run_dir))
    writer.add_text(
        "hyperparameters", "|param|value|\n|-|-|\n" + "\n".join(f"|{k}|{v}|" for k, v in asdict(args).items())
    )

    # TRY NOT TO MODIFY: seeding
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    # teacher: on the env's task space and return range (the team's mean return)
    probe = multiwalker_tracks_v0.parallel_env(n_walkers=args.n_walkers, track=args.track, body=args.body)
    task_space = probe.unwrapped.task_space
    return_range, mastery_threshold = runs.env_constants(probe)
    teacher = None
    if args.teacher != "none":
        try:
            teacher = cg.make_teacher(
                args.teacher,
                task_space,
                seed=args.seed,
                return_range=return_range,
                **{**runs.expert_defaults(args.teacher, task_space, mastery_threshold), **teacher_options},
            )
        except (TypeError, ValueError) as exc:
            raise SystemExit(f"--teacher {args.teacher}: {exc} (give them with --teacher-options key=value)") from None

    def write_run_record(finished: bool) -> None:  # what this run trains on (read by plots and watch_agent.py)
        record = {
            "algo": "ppo_multiwalker",
            "env_id": "multiwalker_tracks_v0",
            "n_walkers": args.n_walkers,
            "track": args.track,
            "body": args.body,
            "seed": args.seed,
            "teacher": args.teacher,
            "teacher_options": teacher.get_options() if teacher is not None else {},
            "teacher_options_given": teacher_options,
            "task": list(args.task) or None,
            "task_space": task_space.state_dict(),
            "return_range": list(return_range),
            "mastery_threshold": mastery_threshold,
            "total_timesteps": args.total_timesteps,
            "global_step": global_step,
            "finished": finished,
        }
        (run_dir / "run.json").write_text(json.dumps(record, indent=2, default=str))

    # env setup
    try:
        env = make_env(args, teacher)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"cannot make multiwalker_tracks_v0 with these flags: {exc}") from None
    agents = env.possible_agents
    n = len(agents)
    obs_dim, act_dim = env.observation_space(agents[0]).shape[0], env.action_space(agents[0]).shape[0]
    agent = Agent(obs_dim, act_dim, args.hidden)
    optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)
    folder = runs.RunFolder(run_dir, task_space.dim)  # episodes.npz, agent.ckpt, teacher.ckpt

    # ALGO Logic: Storage setup
    obs = torch.zeros((args.num_steps, n, obs_dim))
    actions = torch.zeros((args.num_steps, n, act_dim))
    logprobs, rewards = torch.zeros((args.num_steps, n)), torch.zeros((args.num_steps, n))
    dones, values = torch.zeros((args.num_steps, n)), torch.zeros((args.num_steps, n))

    # TRY NOT TO MODIFY: start the game
    num_iterations = max(1, args.total_timesteps // args.num_steps)
    global_step, episode_return, episode_length, last_return = 0, np.zeros(n), 0, float("nan")
    write_run_record(False)
    obs_dict, infos = env.reset(seed=args.seed)
    current_task = np.array(infos[agents[0]]["task"], dtype=np.float64)
    next_obs = torch.as_tensor(np.stack([obs_dict[a] for a in agents]))
    next_done = torch.zeros(n)
    start_time = time.time()
    bar = tqdm(total=num_iterations * args.num_steps, unit="step", disable=not args.progress, dynamic_ncols=True)

    for iteration in range(1, num_iterations + 1):
        # Annealing the rate if instructed to do so.
        if args.anneal_lr:
            optimizer.param_groups[0]["lr"] = (1.0 - (iteration - 1.0) / num_iterations) * args.learning_rate
        for step in range(args.num_steps):
            global_step += 1
            obs[step], dones[step] = next_obs, next_done

            # ALGO LOGIC: action logic
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
            values[step], actions[step], logprobs[step] = value.flatten(), action, logprob

            # TRY NOT TO MODIFY: execute the game and log data.
            clipped = np.clip(action.numpy(), -1, 1)
            obs_dict, rew, term, trunc, _ = env.step({a: clipped[i] for i, a in enumerate(agents)})
            r = np.array([rew[a] for a in agents], dtype=np.float32)
            rewards[step] = torch.as_tensor(np.clip(r / 10.0, -10, 10))  # fixed reward scale: -100 penalties -> -10
            episode_return += r
            episode_length += 1
            done = not env.agents
            if done:  # the whole team's episode is over (terminated or truncated)
                last_return = float(episode_return.mean())
                folder.add_episode(global_step, current_task, last_return, episode_length)
                writer.add_scalar("charts/episodic_return", last_return, global_step)
                writer.add_scalar("charts/episodic_length", episode_length, global_step)
                episode_return[:], episode_length = 0.0, 0
                obs_dict, infos = env.reset()
                current_task = np.array(infos[agents[0]]["task"], dtype=np.float64)
            next_obs = torch.as_tensor(np.stack([obs_dict[a] for a in agents]))
            next_done = torch.full((n,), float(done))

        # bootstrap value if not done
        with torch.no_grad():
            next_value = agent.get_value(next_obs).reshape(1, -1)
            advantages, lastgaelam = torch.zeros_like(rewards), 0
            for t in reversed(range(args.num_steps)):
                nextnonterminal = 1.0 - (next_done if t == args.num_steps - 1 else dones[t + 1])
                nextvalues = next_value if t == args.num_steps - 1 else values[t + 1]
                delta = rewards[t] + args.gamma * nextvalues * nextnonterminal - values[t]
                advantages[t] = lastgaelam = delta + args.gamma * args.gae_lambda * nextnonterminal * lastgaelam
            returns = advantages + values

        # flatten the batch
        b_obs, b_actions = obs.reshape(-1, obs_dim), actions.reshape(-1, act_dim)
        b_logprobs, b_advantages = logprobs.reshape(-1), advantages.reshape(-1)
        b_returns, b_values = returns.reshape(-1), values.reshape(-1)

        # Optimizing the policy and value network
        b_inds = np.arange(len(b_obs))
        for _epoch in range(args.update_epochs):
            rng.shuffle(b_inds)
            for mb_inds in np.array_split(b_inds, args.num_minibatches):
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[mb_inds], b_actions[mb_inds])
                ratio = (newlogprob - b_logprobs[mb_inds]).exp()
                mb_adv = b_advantages[mb_inds]
                mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                pg_loss = torch.max(
                    -mb_adv * ratio, -mb_adv * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)
                ).mean()
                v_loss = 0.5 * ((newvalue.view(-1) - b_returns[mb_inds]) ** 2).mean()
                loss = pg_loss - args.ent_coef * entropy.mean() + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()

        # TRY NOT TO MODIFY: record rewards for plotting purposes
        sps = int(global_step / (time.time() - start_time))
        writer.add_scalar("charts/learning_rate", optimizer.param_groups[0]["lr"], global_step)
        writer.add_scalar("charts/SPS", sps, global_step)
        writer.add_scalar("losses/value_loss", v_loss.item(), global_step)
        writer.add_scalar("losses/policy_loss", pg_loss.item(), global_step)
        if teacher is not None:
            for key, value in teacher.metrics().items():
                writer.add_scalar(f"teacher/{key}", value, global_step)
        bar.update(args.num_steps)
        bar.set_postfix(SPS=sps, ret=f"{last_return:.1f}")

    bar.close()
    folder.save({"agent": runs.to_numpy_tree(agent.state_dict()), "global_step": global_step}, teacher)
    write_run_record(True)
    writer.close()
    print(
        f"{args.teacher} on multiwalker_tracks_v0 ({args.n_walkers} walkers), {global_step} steps; "
        f"last team return {last_return:.1f}; run folder: {run_dir}"
    )
