"""PPO for continuous actions with a curriculum teacher: CleanRL style, one file, top to bottom.

Trains on a curriculum_gym ID (default StumpTracks-v0) whose tasks come from a
teacher (ALP-GMM by default) shared by every env, evaluates on the fixed test
set, and writes one run folder: TensorBoard events, agent.ckpt, teacher.ckpt,
eval.json, episodes.npz and the curriculum plots.

Run:  python baselines/ppo_continuous_action.py --teacher alp-gmm --total-timesteps 1000000
      python baselines/ppo_continuous_action.py --resume runs/<run folder>
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
import tyro
from torch.distributions.normal import Normal
from torch.utils.tensorboard import SummaryWriter
from tqdm import tqdm

import curriculum_gym as cg
from curriculum_gym.checkpoint import load_state, save_state


@dataclass
class Args:
    env_id: str = "StumpTracks-v0"
    """a curriculum_gym ID"""
    body: str = "default"
    """walker body: default, short, quadru"""
    teacher: str = "alp-gmm"
    """alp-gmm, random, riac, covar-gmm, or none (a fixed task, see --task)"""
    task: tuple[float, ...] = ()
    """with --teacher none: the task to train on (default: the easy corner of the space)"""
    seed: int = 1
    total_timesteps: int = 1_000_000
    num_envs: int = 8
    eval_every: int = 250_000
    """evaluate on the test set every this many steps (and at the end)"""
    eval_tasks: int = 0
    """evaluate on the first N test tasks only (0: all)"""
    eval_max_steps: int = 2000
    capture_video: bool = False
    """record videos of env 0 into the run folder (needs moviepy)"""
    resume: str = ""
    """a run folder to continue from (its agent, optimizer, teacher and logs); a new folder starts a run there"""
    runs_dir: str = "runs"
    exp_name: str = "ppo"
    torch_threads: int = 0
    """0: torch's default"""
    progress: bool = True

    # PPO
    learning_rate: float = 3e-4
    num_steps: int = 256
    """steps per env per rollout"""
    anneal_lr: bool = True
    gamma: float = 0.99
    gae_lambda: float = 0.95
    num_minibatches: int = 16
    update_epochs: int = 10
    norm_adv: bool = True
    clip_coef: float = 0.2
    clip_vloss: bool = True
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    target_kl: float | None = None
    hidden: int = 128


def make_env(args: Args, teacher, idx: int, run_dir: Path):
    def thunk():
        kwargs = {"body": args.body}
        if teacher is not None:
            kwargs["teacher"] = teacher  # one teacher shared by every env of the (sync) vector env
        else:  # a fixed task: both bounds at the task
            kwargs["task_bounds"] = [(t, t) for t in args.task]
        render_mode = "rgb_array" if args.capture_video and idx == 0 else None
        env = gym.make(args.env_id, render_mode=render_mode, **kwargs)
        if render_mode:
            env = gym.wrappers.RecordVideo(env, str(run_dir / "videos"), episode_trigger=lambda e: e % 100 == 0)
        return env

    return thunk


def layer_init(layer, std=2**0.5, bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim: int, act_dim: int, hidden: int):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, 1), std=1.0),
        )
        self.actor_mean = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, act_dim), std=0.01),
        )
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        mean = self.actor_mean(x)
        std = torch.exp(self.actor_logstd.expand_as(mean))
        probs = Normal(mean, std)
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action).sum(1), probs.entropy().sum(1), self.critic(x)


def to_numpy_tree(obj):
    """torch state dicts -> nested dicts of numpy arrays and JSON values (string keys), for save_state."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy()
    if isinstance(obj, dict):
        return {str(k): to_numpy_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_numpy_tree(v) for v in obj]
    return obj


def to_torch_tree(obj, int_keys=False):
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, dict):
        return {(int(k) if int_keys and k.isdigit() else k): to_torch_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_torch_tree(v) for v in obj]
    return obj


def normalizer_of(envs):
    """The vector env's observation normalisation, to evaluate with the same statistics."""
    norm = envs
    while not isinstance(norm, gym.wrappers.vector.NormalizeObservation):
        norm = norm.env
    return norm


if __name__ == "__main__":
    args = tyro.cli(Args)
    if args.teacher != "none" and args.teacher not in cg.TEACHERS:
        raise SystemExit(f"--teacher must be one of {sorted(cg.TEACHERS)} or none; got {args.teacher!r}")
    task_space = gym.make(args.env_id, body=args.body).unwrapped.task_space
    if args.teacher == "none":
        args.task = tuple(task_space.validate(list(args.task) or task_space.low.tolist()).tolist())
    run_dir = Path(args.resume) if args.resume else Path(args.runs_dir) / (
        f"{args.env_id}__{args.exp_name}__{args.teacher}__{args.seed}__{int(time.time())}")
    run_dir.mkdir(parents=True, exist_ok=True)
    resuming = (run_dir / "agent.ckpt").exists()
    (run_dir / "args.json").write_text(json.dumps(asdict(args), indent=2))
    writer = SummaryWriter(str(run_dir))
    writer.add_text("hyperparameters", "|param|value|\n|-|-|\n" + "\n".join(f"|{k}|{v}|" for k, v in asdict(args).items()))

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    device = torch.device("cpu")

    # teacher: one instance for all envs; resumed from the run folder if asked
    teacher = None
    if args.teacher != "none":
        if resuming and (run_dir / "teacher.ckpt").exists():
            teacher = cg.load_teacher(run_dir / "teacher.ckpt")
        else:
            teacher = cg.make_teacher(args.teacher, task_space, seed=args.seed)

    # NEXT_STEP autoreset (Gymnasium 1.x): the step after a done only resets that env; it is not trained on
    envs = gym.vector.SyncVectorEnv(
        [make_env(args, teacher, i, run_dir) for i in range(args.num_envs)],
        autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP,
    )
    envs = gym.wrappers.vector.RecordEpisodeStatistics(envs)
    envs = gym.wrappers.vector.ClipAction(envs)
    envs = gym.wrappers.vector.NormalizeObservation(envs)
    envs = gym.wrappers.vector.TransformObservation(envs, lambda obs: np.clip(obs, -10, 10))
    envs = gym.wrappers.vector.NormalizeReward(envs, gamma=args.gamma)
    envs = gym.wrappers.vector.TransformReward(envs, lambda r: np.clip(r, -10, 10))
    obs_norm = normalizer_of(envs)
    obs_dim, act_dim = envs.single_observation_space.shape[0], envs.single_action_space.shape[0]

    agent = Agent(obs_dim, act_dim, args.hidden).to(device)
    optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)
    global_step, evals, episodes = 0, [], {"step": [], "task": [], "return": [], "length": []}
    if resuming:
        state = load_state(run_dir / "agent.ckpt")
        agent.load_state_dict(to_torch_tree(state["agent"]))
        optimizer.load_state_dict(to_torch_tree(state["optimizer"], int_keys=True))
        obs_norm.obs_rms.mean, obs_norm.obs_rms.var = state["obs_mean"], state["obs_var"]
        obs_norm.obs_rms.count = state["obs_count"]
        global_step = state["global_step"]
        evals = json.loads((run_dir / "eval.json").read_text()) if (run_dir / "eval.json").exists() else []
        with np.load(run_dir / "episodes.npz", allow_pickle=False) as f:
            episodes = {k: list(f[k]) for k in episodes}

    def save_checkpoint():
        save_state({"agent": to_numpy_tree(agent.state_dict()), "optimizer": to_numpy_tree(optimizer.state_dict()),
                    "obs_mean": obs_norm.obs_rms.mean, "obs_var": obs_norm.obs_rms.var,
                    "obs_count": float(obs_norm.obs_rms.count), "global_step": global_step}, run_dir / "agent.ckpt")
        if teacher is not None:
            teacher.save(run_dir / "teacher.ckpt")
        np.savez(run_dir / "episodes.npz", step=np.array(episodes["step"], dtype=np.int64),
                 task=np.array(episodes["task"], dtype=np.float64).reshape(-1, task_space.dim),
                 **{"return": np.array(episodes["return"], dtype=np.float64)},
                 length=np.array(episodes["length"], dtype=np.int64))

    def run_evaluation():
        mean, std = obs_norm.obs_rms.mean.copy(), np.sqrt(obs_norm.obs_rms.var + obs_norm.epsilon)

        def policy(obs):  # deterministic: the Gaussian's mean, on frozen normalisation statistics
            x = torch.as_tensor(np.clip((obs - mean) / std, -10, 10), dtype=torch.float32)
            with torch.no_grad():
                return np.clip(agent.actor_mean(x).numpy(), -1, 1)

        tasks = cg.test_set(args.env_id, body=args.body)
        tasks = tasks[: args.eval_tasks] if args.eval_tasks else tasks
        result = cg.evaluate(policy, args.env_id, test_set=tasks, body=args.body, num_envs=min(10, len(tasks)),
                             max_episode_steps=args.eval_max_steps, seed=10_000)
        evals.append({"step": global_step, **result.to_dict()})
        (run_dir / "eval.json").write_text(json.dumps(evals))
        writer.add_scalar("eval/mastered", result.mastered, global_step)
        writer.add_scalar("eval/mean_return", float(result.mean_returns.mean()), global_step)
        return result

    # storage
    obs = torch.zeros((args.num_steps, args.num_envs, obs_dim))
    actions = torch.zeros((args.num_steps, args.num_envs, act_dim))
    logprobs = torch.zeros((args.num_steps, args.num_envs))
    rewards = torch.zeros((args.num_steps, args.num_envs))
    dones = torch.zeros((args.num_steps, args.num_envs))
    values = torch.zeros((args.num_steps, args.num_envs))
    valid = torch.zeros((args.num_steps, args.num_envs), dtype=torch.bool)  # False at autoreset steps

    batch_size = args.num_envs * args.num_steps
    num_iterations = max(1, args.total_timesteps // batch_size)
    start_iteration = global_step // batch_size + 1
    next_eval = (global_step // args.eval_every + 1) * args.eval_every if args.eval_every else None
    next_obs, infos = envs.reset(seed=args.seed + start_iteration)
    current_task = np.array(infos["task"], dtype=np.float64)  # the task each env is playing
    next_obs, next_done = torch.Tensor(next_obs), torch.zeros(args.num_envs)
    autoreset = np.zeros(args.num_envs, dtype=bool)
    start_time, start_step, last_return = time.time(), global_step, float("nan")
    bar = tqdm(total=num_iterations * batch_size, initial=global_step, unit="step", disable=not args.progress,
               dynamic_ncols=True)

    for iteration in range(start_iteration, num_iterations + 1):
        if args.anneal_lr:
            optimizer.param_groups[0]["lr"] = (1.0 - (iteration - 1.0) / num_iterations) * args.learning_rate
        sampled_tasks = []
        for step in range(args.num_steps):
            global_step += args.num_envs
            obs[step], dones[step] = next_obs, next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
                values[step] = value.flatten()
            actions[step], logprobs[step] = action, logprob
            valid[step] = torch.as_tensor(~autoreset)
            next_obs, reward, terminations, truncations, infos = envs.step(action.numpy())
            done = np.logical_or(terminations, truncations)
            rewards[step] = torch.as_tensor(reward, dtype=torch.float32).view(-1)
            next_obs, next_done = torch.Tensor(next_obs), torch.Tensor(done.astype(np.float32))
            for i in np.flatnonzero(autoreset):  # these envs were just reset: their new task is in infos
                current_task[i] = infos["task"][i]
                sampled_tasks.append(current_task[i].copy())
            autoreset = done
            for i in np.flatnonzero(done):
                ret, length = float(infos["episode"]["r"][i]), int(infos["episode"]["l"][i])
                episodes["step"].append(global_step)
                episodes["task"].append(current_task[i].copy())
                episodes["return"].append(ret)
                episodes["length"].append(length)
                writer.add_scalar("charts/episodic_return", ret, global_step)
                writer.add_scalar("charts/episodic_length", length, global_step)
                last_return = ret

        # bootstrap value, GAE
        with torch.no_grad():
            next_value = agent.get_value(next_obs).reshape(1, -1)
            advantages = torch.zeros_like(rewards)
            lastgaelam = 0
            for t in reversed(range(args.num_steps)):
                nextnonterminal = 1.0 - (next_done if t == args.num_steps - 1 else dones[t + 1])
                nextvalues = next_value if t == args.num_steps - 1 else values[t + 1]
                delta = rewards[t] + args.gamma * nextvalues * nextnonterminal - values[t]
                advantages[t] = lastgaelam = delta + args.gamma * args.gae_lambda * nextnonterminal * lastgaelam
            returns = advantages + values

        b_obs, b_logprobs, b_actions = obs.reshape(-1, obs_dim), logprobs.reshape(-1), actions.reshape(-1, act_dim)
        b_advantages, b_returns, b_values = advantages.reshape(-1), returns.reshape(-1), values.reshape(-1)

        # optimise policy and value, on the real transitions only
        b_inds = np.flatnonzero(valid.reshape(-1).numpy())
        clipfracs = []
        for _epoch in range(args.update_epochs):
            np.random.shuffle(b_inds)
            for mb_inds in np.array_split(b_inds, args.num_minibatches):
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[mb_inds], b_actions[mb_inds])
                logratio = newlogprob - b_logprobs[mb_inds]
                ratio = logratio.exp()
                with torch.no_grad():
                    old_approx_kl = (-logratio).mean()
                    approx_kl = ((ratio - 1) - logratio).mean()
                    clipfracs += [((ratio - 1.0).abs() > args.clip_coef).float().mean().item()]
                mb_advantages = b_advantages[mb_inds]
                if args.norm_adv:
                    mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
                pg_loss = torch.max(-mb_advantages * ratio,
                                    -mb_advantages * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)).mean()
                newvalue = newvalue.view(-1)
                if args.clip_vloss:
                    v_loss_unclipped = (newvalue - b_returns[mb_inds]) ** 2
                    v_clipped = b_values[mb_inds] + torch.clamp(newvalue - b_values[mb_inds], -args.clip_coef, args.clip_coef)
                    v_loss = 0.5 * torch.max(v_loss_unclipped, (v_clipped - b_returns[mb_inds]) ** 2).mean()
                else:
                    v_loss = 0.5 * ((newvalue - b_returns[mb_inds]) ** 2).mean()
                entropy_loss = entropy.mean()
                loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()
            if args.target_kl is not None and approx_kl > args.target_kl:
                break

        y_pred, y_true = b_values.numpy()[b_inds], b_returns.numpy()[b_inds]
        var_y = np.var(y_true)
        explained_var = np.nan if var_y == 0 else 1 - np.var(y_true - y_pred) / var_y
        sps = int((global_step - start_step) / (time.time() - start_time))
        writer.add_scalar("charts/learning_rate", optimizer.param_groups[0]["lr"], global_step)
        writer.add_scalar("charts/SPS", sps, global_step)
        writer.add_scalar("losses/value_loss", v_loss.item(), global_step)
        writer.add_scalar("losses/policy_loss", pg_loss.item(), global_step)
        writer.add_scalar("losses/entropy", entropy_loss.item(), global_step)
        writer.add_scalar("losses/old_approx_kl", old_approx_kl.item(), global_step)
        writer.add_scalar("losses/approx_kl", approx_kl.item(), global_step)
        writer.add_scalar("losses/clipfrac", np.mean(clipfracs), global_step)
        writer.add_scalar("losses/explained_variance", explained_var, global_step)
        if teacher is not None:
            for key, value in teacher.metrics().items():
                writer.add_scalar(f"teacher/{key}", value, global_step)
        if sampled_tasks:
            for name, column in zip(task_space.names, np.array(sampled_tasks).T):
                writer.add_scalar(f"teacher/task_mean/{name}", float(column.mean()), global_step)
        bar.update(batch_size)
        bar.set_postfix(SPS=sps, ret=f"{last_return:.1f}")

        if next_eval is not None and global_step >= next_eval and iteration < num_iterations:
            result = run_evaluation()
            bar.write(f"step {global_step}: {100 * result.mastered:.1f}% of test tasks mastered")
            next_eval += args.eval_every
            save_checkpoint()

    bar.close()
    result = run_evaluation()
    save_checkpoint()
    envs.close()
    writer.close()
    plots = cg.plotting.plot_run(run_dir)
    print(f"{args.teacher} on {args.env_id} ({args.body}), {global_step} steps: "
          f"{100 * result.mastered:.1f}% of {len(result.tasks)} test tasks mastered "
          f"(mean test return {result.mean_returns.mean():.1f})")
    print(f"run folder: {run_dir}  (plots: {', '.join(p.name for p in plots)}; tensorboard --logdir {args.runs_dir})")
