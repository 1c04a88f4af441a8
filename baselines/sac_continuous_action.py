"""SAC for continuous actions with a curriculum teacher: CleanRL style, one file, top to bottom.

The setting of the original ALP-GMM experiments (a SAC student). Same run folder
as the PPO baseline: TensorBoard events, agent.ckpt, teacher.ckpt, eval.json,
episodes.npz and the curriculum plots. (The replay buffer is not saved: --resume
continues with the saved networks, optimisers and teacher and a fresh buffer.)

Run:  python baselines/sac_continuous_action.py --teacher alp-gmm --total-timesteps 200000
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
import torch.nn.functional as F  # noqa: N812 (the usual name)
import torch.optim as optim
import tyro
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
    total_timesteps: int = 200_000
    num_envs: int = 1
    eval_every: int = 50_000
    """evaluate on the test set every this many steps (and at the end)"""
    eval_tasks: int = 0
    """evaluate on the first N test tasks only (0: all)"""
    eval_max_steps: int = 2000
    capture_video: bool = False
    """record videos of env 0 into the run folder (needs moviepy)"""
    resume: str = ""
    """a run folder to continue from (its networks, optimisers and teacher); a new folder starts a run there"""
    runs_dir: str = "runs"
    exp_name: str = "sac"
    torch_threads: int = 0
    """0: torch's default"""
    progress: bool = True

    # SAC
    buffer_size: int = 1_000_000
    gamma: float = 0.99
    tau: float = 0.005
    batch_size: int = 256
    learning_starts: int = 5_000
    policy_lr: float = 3e-4
    q_lr: float = 1e-3
    policy_frequency: int = 2
    target_network_frequency: int = 1
    alpha: float = 0.2
    autotune: bool = True
    hidden: int = 256


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


class SoftQNetwork(nn.Module):
    def __init__(self, obs_dim: int, act_dim: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim + act_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 1))

    def forward(self, x, a):
        return self.net(torch.cat([x, a], 1))


LOG_STD_MAX, LOG_STD_MIN = 2, -5


class Actor(nn.Module):
    def __init__(self, obs_dim: int, act_dim: int, hidden: int):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.fc_mean = nn.Linear(hidden, act_dim)
        self.fc_logstd = nn.Linear(hidden, act_dim)

    def forward(self, x):
        h = self.trunk(x)
        log_std = torch.tanh(self.fc_logstd(h))
        log_std = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (log_std + 1)
        return self.fc_mean(h), log_std

    def get_action(self, x):
        mean, log_std = self(x)
        normal = torch.distributions.Normal(mean, log_std.exp())
        x_t = normal.rsample()
        action = torch.tanh(x_t)  # the walkers' actions live in [-1, 1]
        log_prob = (normal.log_prob(x_t) - torch.log(1 - action.pow(2) + 1e-6)).sum(1, keepdim=True)
        return action, log_prob, torch.tanh(mean)


class ReplayBuffer:
    def __init__(self, size: int, obs_dim: int, act_dim: int):
        self.obs = np.zeros((size, obs_dim), dtype=np.float32)
        self.next_obs = np.zeros((size, obs_dim), dtype=np.float32)
        self.actions = np.zeros((size, act_dim), dtype=np.float32)
        self.rewards = np.zeros(size, dtype=np.float32)
        self.dones = np.zeros(size, dtype=np.float32)
        self.size, self.pos, self.full = size, 0, False

    def add(self, obs, next_obs, action, reward, terminated):
        self.obs[self.pos], self.next_obs[self.pos], self.actions[self.pos] = obs, next_obs, action
        self.rewards[self.pos], self.dones[self.pos] = reward, terminated
        self.pos = (self.pos + 1) % self.size
        self.full = self.full or self.pos == 0

    def sample(self, n: int, rng: np.random.Generator):
        idx = rng.integers(0, self.size if self.full else self.pos, size=n)
        return (torch.as_tensor(self.obs[idx]), torch.as_tensor(self.actions[idx]), torch.as_tensor(self.next_obs[idx]),
                torch.as_tensor(self.rewards[idx]), torch.as_tensor(self.dones[idx]))


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
    rng = np.random.default_rng(args.seed)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    teacher = None
    if args.teacher != "none":
        if resuming and (run_dir / "teacher.ckpt").exists():
            teacher = cg.load_teacher(run_dir / "teacher.ckpt")
        else:
            teacher = cg.make_teacher(args.teacher, task_space, seed=args.seed)

    # NEXT_STEP autoreset (Gymnasium 1.x): the step after a done only resets that env; it is not stored
    envs = gym.vector.SyncVectorEnv([make_env(args, teacher, i, run_dir) for i in range(args.num_envs)],
                                    autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    envs = gym.wrappers.vector.RecordEpisodeStatistics(envs)
    obs_dim, act_dim = envs.single_observation_space.shape[0], envs.single_action_space.shape[0]
    envs.single_action_space.seed(args.seed)

    actor = Actor(obs_dim, act_dim, args.hidden)
    qf1, qf2 = SoftQNetwork(obs_dim, act_dim, args.hidden), SoftQNetwork(obs_dim, act_dim, args.hidden)
    qf1_target, qf2_target = SoftQNetwork(obs_dim, act_dim, args.hidden), SoftQNetwork(obs_dim, act_dim, args.hidden)
    qf1_target.load_state_dict(qf1.state_dict())
    qf2_target.load_state_dict(qf2.state_dict())
    q_optimizer = optim.Adam(list(qf1.parameters()) + list(qf2.parameters()), lr=args.q_lr)
    actor_optimizer = optim.Adam(actor.parameters(), lr=args.policy_lr)
    target_entropy = -float(act_dim)
    log_alpha = torch.zeros(1, requires_grad=True)
    a_optimizer = optim.Adam([log_alpha], lr=args.q_lr)
    alpha = log_alpha.exp().item() if args.autotune else args.alpha
    modules = {"actor": actor, "qf1": qf1, "qf2": qf2, "qf1_target": qf1_target, "qf2_target": qf2_target}
    optimizers = {"q_optimizer": q_optimizer, "actor_optimizer": actor_optimizer, "a_optimizer": a_optimizer}

    global_step, evals, episodes = 0, [], {"step": [], "task": [], "return": [], "length": []}
    if resuming:
        state = load_state(run_dir / "agent.ckpt")
        for name, module in modules.items():
            module.load_state_dict(to_torch_tree(state[name]))
        for name, opt in optimizers.items():
            opt.load_state_dict(to_torch_tree(state[name], int_keys=True))
        with torch.no_grad():
            log_alpha.copy_(torch.as_tensor(state["log_alpha"]))
        alpha = log_alpha.exp().item() if args.autotune else args.alpha
        global_step = state["global_step"]
        evals = json.loads((run_dir / "eval.json").read_text()) if (run_dir / "eval.json").exists() else []
        with np.load(run_dir / "episodes.npz", allow_pickle=False) as f:
            episodes = {k: list(f[k]) for k in episodes}

    def save_checkpoint():
        state = {name: to_numpy_tree(m.state_dict()) for name, m in {**modules, **optimizers}.items()}
        save_state({**state, "log_alpha": log_alpha.detach().numpy(), "global_step": global_step}, run_dir / "agent.ckpt")
        if teacher is not None:
            teacher.save(run_dir / "teacher.ckpt")
        np.savez(run_dir / "episodes.npz", step=np.array(episodes["step"], dtype=np.int64),
                 task=np.array(episodes["task"], dtype=np.float64).reshape(-1, task_space.dim),
                 **{"return": np.array(episodes["return"], dtype=np.float64)},
                 length=np.array(episodes["length"], dtype=np.int64))

    def run_evaluation():
        def policy(obs):  # deterministic: tanh of the Gaussian's mean
            with torch.no_grad():
                return actor.get_action(torch.as_tensor(obs, dtype=torch.float32))[2].numpy()

        tasks = cg.test_set(args.env_id, body=args.body)
        tasks = tasks[: args.eval_tasks] if args.eval_tasks else tasks
        result = cg.evaluate(policy, args.env_id, test_set=tasks, body=args.body, num_envs=min(10, len(tasks)),
                             max_episode_steps=args.eval_max_steps, seed=10_000)
        evals.append({"step": global_step, **result.to_dict()})
        (run_dir / "eval.json").write_text(json.dumps(evals))
        writer.add_scalar("eval/mastered", result.mastered, global_step)
        writer.add_scalar("eval/mean_return", float(result.mean_returns.mean()), global_step)
        return result

    rb = ReplayBuffer(min(args.buffer_size, args.total_timesteps), obs_dim, act_dim)
    obs, infos = envs.reset(seed=args.seed + global_step)
    current_task = np.array(infos["task"], dtype=np.float64)
    autoreset = np.zeros(args.num_envs, dtype=bool)
    next_eval = (global_step // args.eval_every + 1) * args.eval_every if args.eval_every else None
    learning_starts = global_step + args.batch_size if resuming else args.learning_starts
    start_time, start_step, last_return = time.time(), global_step, float("nan")
    bar = tqdm(total=args.total_timesteps, initial=global_step, unit="step", disable=not args.progress, dynamic_ncols=True)

    while global_step < args.total_timesteps:
        if global_step < learning_starts:
            actions = np.array([envs.single_action_space.sample() for _ in range(args.num_envs)])
        else:
            with torch.no_grad():
                actions = actor.get_action(torch.as_tensor(obs, dtype=torch.float32))[0].numpy()
        next_obs, rewards, terminations, truncations, infos = envs.step(actions)
        global_step += args.num_envs
        for i in range(args.num_envs):
            if autoreset[i]:  # this env was just reset: no transition; its new task is in infos
                current_task[i] = infos["task"][i]
            else:
                rb.add(obs[i], next_obs[i], actions[i], rewards[i], terminations[i])
        done = np.logical_or(terminations, truncations)
        for i in np.flatnonzero(done):
            ret, length = float(infos["episode"]["r"][i]), int(infos["episode"]["l"][i])
            episodes["step"].append(global_step)
            episodes["task"].append(current_task[i].copy())
            episodes["return"].append(ret)
            episodes["length"].append(length)
            writer.add_scalar("charts/episodic_return", ret, global_step)
            writer.add_scalar("charts/episodic_length", length, global_step)
            last_return = ret
        autoreset = done
        obs = next_obs

        if global_step > learning_starts:
            b_obs, b_actions, b_next_obs, b_rewards, b_dones = rb.sample(args.batch_size, rng)
            with torch.no_grad():
                next_actions, next_log_pi, _ = actor.get_action(b_next_obs)
                min_q_next = torch.min(qf1_target(b_next_obs, next_actions), qf2_target(b_next_obs, next_actions))
                min_q_next = min_q_next - alpha * next_log_pi
                target_q = b_rewards + (1 - b_dones) * args.gamma * min_q_next.view(-1)
            qf1_loss = F.mse_loss(qf1(b_obs, b_actions).view(-1), target_q)
            qf2_loss = F.mse_loss(qf2(b_obs, b_actions).view(-1), target_q)
            qf_loss = qf1_loss + qf2_loss
            q_optimizer.zero_grad()
            qf_loss.backward()
            q_optimizer.step()

            if global_step % args.policy_frequency == 0:  # delayed policy updates, as in TD3
                for _ in range(args.policy_frequency):
                    pi, log_pi, _ = actor.get_action(b_obs)
                    min_q_pi = torch.min(qf1(b_obs, pi), qf2(b_obs, pi))
                    actor_loss = ((alpha * log_pi) - min_q_pi).mean()
                    actor_optimizer.zero_grad()
                    actor_loss.backward()
                    actor_optimizer.step()
                    if args.autotune:
                        with torch.no_grad():
                            _, log_pi, _ = actor.get_action(b_obs)
                        alpha_loss = (-log_alpha.exp() * (log_pi + target_entropy)).mean()
                        a_optimizer.zero_grad()
                        alpha_loss.backward()
                        a_optimizer.step()
                        alpha = log_alpha.exp().item()

            if global_step % args.target_network_frequency == 0:
                for net, target in ((qf1, qf1_target), (qf2, qf2_target)):
                    for p, tp in zip(net.parameters(), target.parameters()):
                        tp.data.copy_(args.tau * p.data + (1 - args.tau) * tp.data)

            if global_step % 1000 < args.num_envs:
                sps = int((global_step - start_step) / (time.time() - start_time))
                writer.add_scalar("losses/qf1_loss", qf1_loss.item(), global_step)
                writer.add_scalar("losses/qf2_loss", qf2_loss.item(), global_step)
                writer.add_scalar("losses/qf_loss", qf_loss.item() / 2.0, global_step)
                writer.add_scalar("losses/actor_loss", actor_loss.item(), global_step)
                writer.add_scalar("losses/alpha", alpha, global_step)
                writer.add_scalar("charts/SPS", sps, global_step)
                if teacher is not None:
                    for key, value in teacher.metrics().items():
                        writer.add_scalar(f"teacher/{key}", value, global_step)
                bar.set_postfix(SPS=sps, ret=f"{last_return:.1f}")
        bar.update(args.num_envs)

        if next_eval is not None and global_step >= next_eval and global_step < args.total_timesteps:
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
