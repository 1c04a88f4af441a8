"""SAC for continuous actions with a curriculum teacher: CleanRL style, one file, top to bottom.

The setting of the original ALP-GMM experiments (a SAC student). Same run folder
as the PPO baseline: TensorBoard events, agent.ckpt, teacher.ckpt, eval.json,
episodes.npz and the curriculum plots, plus run.json: the run's teacher and its
options, task bounds and challenge, which `curriculum-gym plot` reads. (The replay
buffer is not saved: --resume continues with the saved networks, optimisers and
teacher and a fresh buffer.) A SIGTERM saves a checkpoint and exits with code 143;
--resume continues from it.

Training can differ from the standard env (--task-bounds, --challenge); evaluation
never does: always the standard test set on the standard env.

Run:  python baselines/sac_continuous_action.py --teacher alp-gmm --total-timesteps 200000
      python baselines/sac_continuous_action.py --teacher alp-gmm --teacher-options preset=teachmyagent \
          --task-bounds 0 9 0 6
      python baselines/sac_continuous_action.py --resume runs/<run folder>
      python examples/watch_agent.py runs/<run folder> --video walker.mp4   (the trained agent)
"""

from __future__ import annotations

import json
import random
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

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
from curriculum_gym import runs
from curriculum_gym.checkpoint import load_state
from curriculum_gym.runs import RunFolder, env_kwargs, make_run_teacher, resolve_settings, settings_from_run


@dataclass
class Args:
    # the environment and its curriculum
    env_id: str = "StumpTracks-v0"
    """a curriculum_gym ID"""
    body: str = "default"
    """walker body, a name from cg.BODIES: default, short, quadru, classic_bipedal, small_bipedal, big_quadru, spider, millipede, wheel, chimpanzee"""
    body_options: tuple[str, ...] = ()
    """the body's options as key=value, e.g. n_segments=6 (millipede), n_leg_pairs=3 (spider), motors_torque=120"""
    teacher: str = "alp-gmm"
    """alp-gmm, random, riac, covar-gmm, adr, oracle, or none: no teacher, the env draws every episode's task
    uniformly from the task space (domain randomisation), or plays --task"""
    teacher_options: tuple[str, ...] = ()
    """the teacher's options as key=value (numbers, true/false, JSON lists), e.g. fit_rate=150 random_task_ratio=0.05, or preset=teachmyagent"""
    task: tuple[float, ...] = ()
    """with --teacher none only: train on this one task (without it: a task drawn uniformly every episode)"""
    task_bounds: tuple[float, ...] = ()
    """training task bounds, low high per parameter (e.g. 0 9 0 6: stump height up to 9); evaluation stays on the standard test set"""
    challenge: str = ""
    """a named TeachMyAgent challenge (mostly-unfeasible, mostly-trivial, rugged-difficulty, forgetting-student, robustness-short, ...), passed as gym.make(env_id, challenge=...); training only"""
    reset_student_every: int | None = None
    """forgetting student: new networks, optimisers and replay buffer every N steps, the teacher keeps its state (None: never, or the challenge's share of --total-timesteps, 35 % for forgetting-student)"""
    seed: int = 1
    """seed of python, numpy, torch, the teacher and the envs"""
    total_timesteps: int = 200_000
    """env steps to train for"""
    num_envs: int = 1
    """envs stepped in turn (one teacher serves them all)"""

    # evaluation
    eval_every: int = 50_000
    """evaluate on the test set every this many steps (and at the end; 0: at the end only)"""
    eval_tasks: int = 0
    """evaluate on the first N test tasks only (0: all)"""
    eval_max_steps: int = 2000
    """step limit of an evaluation episode"""

    # outputs
    capture_video: bool = False
    """record videos of env 0 into the run folder (needs moviepy)"""
    resume: str = ""
    """a run folder to continue from (its networks, optimisers, teacher and settings); a new folder starts a run there"""
    runs_dir: str = "runs"
    """where new run folders are made"""
    exp_name: str = "sac"
    """the experiment's name, part of the run folder's name"""
    torch_threads: int = 0
    """torch's intra-op threads (0: torch's default)"""
    progress: bool = True
    """show a progress bar"""
    plots: bool = True
    """draw the run's plots at the end (curriculum.png, training_returns.png, mastered.png, test_returns.png)"""

    # SAC
    buffer_size: int = 1_000_000
    """replay buffer size (at most total_timesteps)"""
    gamma: float = 0.99
    """discount factor"""
    tau: float = 0.005
    """target networks' soft update rate"""
    batch_size: int = 256
    """transitions per gradient step"""
    learning_starts: int = 5_000
    """random actions, and no gradient step, for this many steps (after a student reset too)"""
    policy_lr: float = 3e-4
    """the actor's learning rate"""
    q_lr: float = 1e-3
    """the Q-networks' (and the temperature's) learning rate"""
    policy_frequency: int = 2
    """actor updates every this many steps (that many at once, as in TD3)"""
    target_network_frequency: int = 1
    """target networks updated every this many steps"""
    alpha: float = 0.2
    """entropy temperature, when not autotuned"""
    autotune: bool = True
    """tune the entropy temperature towards an entropy of -act_dim"""
    hidden: int = 256
    """width of the two hidden layers of every network"""


def make_env(args: Args, teacher, idx: int, run_dir: Path):
    def thunk():
        kwargs = env_kwargs(args)
        if teacher is not None:
            kwargs["teacher"] = teacher  # one teacher shared by every env of the (sync) vector env
        render_mode = "rgb_array" if args.capture_video and idx == 0 else None
        env = gym.make(args.env_id, render_mode=render_mode, **kwargs)
        if render_mode:
            env = gym.wrappers.RecordVideo(env, str(run_dir / "videos"), episode_trigger=lambda e: e % 100 == 0)
        return env

    return thunk


class SoftQNetwork(nn.Module):
    def __init__(self, obs_dim: int, act_dim: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(obs_dim + act_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1)
        )

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


class Student:
    """The learner: actor, twin Q-networks and their targets, entropy temperature, and their optimisers.

    A new Student is what --reset-student-every puts in place of the old one (the teacher keeps its state).
    """

    def __init__(self, obs_dim: int, act_dim: int, args: Args):
        self.actor = Actor(obs_dim, act_dim, args.hidden)
        self.qf1, self.qf2 = SoftQNetwork(obs_dim, act_dim, args.hidden), SoftQNetwork(obs_dim, act_dim, args.hidden)
        self.qf1_target = SoftQNetwork(obs_dim, act_dim, args.hidden)
        self.qf2_target = SoftQNetwork(obs_dim, act_dim, args.hidden)
        self.qf1_target.load_state_dict(self.qf1.state_dict())
        self.qf2_target.load_state_dict(self.qf2.state_dict())
        self.q_optimizer = optim.Adam(list(self.qf1.parameters()) + list(self.qf2.parameters()), lr=args.q_lr)
        self.actor_optimizer = optim.Adam(self.actor.parameters(), lr=args.policy_lr)
        self.log_alpha = torch.zeros(1, requires_grad=True)
        self.a_optimizer = optim.Adam([self.log_alpha], lr=args.q_lr)
        self.autotune, self.fixed_alpha = args.autotune, args.alpha

    def alpha(self) -> float:
        return self.log_alpha.exp().item() if self.autotune else self.fixed_alpha

    def parts(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "qf1": self.qf1,
            "qf2": self.qf2,
            "qf1_target": self.qf1_target,
            "qf2_target": self.qf2_target,
            "q_optimizer": self.q_optimizer,
            "actor_optimizer": self.actor_optimizer,
            "a_optimizer": self.a_optimizer,
        }

    def state_dict(self) -> dict[str, Any]:
        return {
            **{name: runs.to_numpy_tree(part.state_dict()) for name, part in self.parts().items()},
            "log_alpha": self.log_alpha.detach().numpy().copy(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, part in self.parts().items():
            part.load_state_dict(runs.to_torch_tree(state[name], int_keys=name.endswith("optimizer")))
        with torch.no_grad():
            self.log_alpha.copy_(torch.as_tensor(state["log_alpha"]))


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

    def clear(self):
        self.pos, self.full = 0, False

    def sample(self, n: int, rng: np.random.Generator):
        idx = rng.integers(0, self.size if self.full else self.pos, size=n)
        return (
            torch.as_tensor(self.obs[idx]),
            torch.as_tensor(self.actions[idx]),
            torch.as_tensor(self.next_obs[idx]),
            torch.as_tensor(self.rewards[idx]),
            torch.as_tensor(self.dones[idx]),
        )


def make_eval_policy(actor: Actor):
    """The policy evaluated (and watched, examples/watch_agent.py): deterministic, tanh of the Gaussian's mean."""

    def policy(obs):  # one observation or a batch; draws no random numbers
        with torch.no_grad():
            return torch.tanh(actor(torch.as_tensor(obs, dtype=torch.float32))[0]).numpy()

    return policy


if __name__ == "__main__":
    args = tyro.cli(Args)
    run_dir = (
        Path(args.resume)
        if args.resume
        else Path(args.runs_dir) / (f"{args.env_id}__{args.exp_name}__{args.teacher}__{args.seed}__{int(time.time())}")
    )
    resuming = (run_dir / "agent.ckpt").exists()
    if resuming:
        settings_from_run(args, Args(), run_dir)

    # the run's settings: teacher and its options, training task bounds, challenge, student resets
    settings = resolve_settings(args, Args())
    task_space, reset_every = settings.task_space, settings.reset_every

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

    teacher = make_run_teacher(args, settings, run_dir, resuming)

    def write_run_record(finished: bool, step: int) -> None:
        runs.write_run_record(run_dir, "sac", args, settings, teacher, finished, step)

    # env setup: NEXT_STEP autoreset (Gymnasium 1.x): the step after a done only resets that env; it is not stored
    envs = gym.vector.SyncVectorEnv(
        [make_env(args, teacher, i, run_dir) for i in range(args.num_envs)],
        autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP,
    )
    envs = gym.wrappers.vector.RecordEpisodeStatistics(envs)
    obs_dim, act_dim = envs.single_observation_space.shape[0], envs.single_action_space.shape[0]
    envs.single_action_space.seed(args.seed)
    target_entropy = -float(act_dim)

    student = Student(obs_dim, act_dim, args)  # (with the automatic entropy tuning's log_alpha)
    global_step, student_resets = 0, 0
    folder = RunFolder(run_dir, task_space.dim)  # episodes.npz, eval.json, agent.ckpt, teacher.ckpt
    if resuming:
        state = load_state(run_dir / "agent.ckpt")
        student.load_state_dict(state)
        global_step, student_resets = int(state["global_step"]), int(state.get("student_resets", 0))
        folder.resume(global_step)  # an episode or evaluation after the checkpoint is redone
    alpha = student.alpha()
    write_run_record(False, global_step)

    def save_checkpoint():
        folder.save({**student.state_dict(), "global_step": global_step, "student_resets": student_resets}, teacher)

    def run_evaluation():  # the standard test set on the standard env (no --task-bounds, no --challenge)
        return folder.evaluate(make_eval_policy(student.actor), args, settings, global_step, writer)

    stop = []  # a SIGTERM (e.g. benchmarks/learning.py's time limit) ends the run at the next step, with a checkpoint
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    rb = ReplayBuffer(min(args.buffer_size, args.total_timesteps), obs_dim, act_dim)

    # TRY NOT TO MODIFY: start the game
    obs, infos = envs.reset(seed=args.seed + global_step)
    current_task = np.array(infos["task"], dtype=np.float64)
    autoreset = np.zeros(args.num_envs, dtype=bool)
    next_eval = (global_step // args.eval_every + 1) * args.eval_every if args.eval_every else None
    learning_starts = global_step + args.batch_size if resuming else args.learning_starts
    start_time, start_step, last_return, actor_loss = time.time(), global_step, float("nan"), None
    bar = tqdm(
        total=args.total_timesteps, initial=global_step, unit="step", disable=not args.progress, dynamic_ncols=True
    )

    while global_step < args.total_timesteps and not stop:
        # ALGO LOGIC: put action logic here
        if global_step < learning_starts:
            actions = np.array([envs.single_action_space.sample() for _ in range(args.num_envs)])
        else:
            with torch.no_grad():
                actions = student.actor.get_action(torch.as_tensor(obs, dtype=torch.float32))[0].numpy()

        # TRY NOT TO MODIFY: execute the game and log data.
        next_obs, rewards, terminations, truncations, infos = envs.step(actions)
        global_step += args.num_envs

        # TRY NOT TO MODIFY: save data to replay buffer (NEXT_STEP autoreset: skip the step that only resets)
        for i in range(args.num_envs):
            if autoreset[i]:  # this env was just reset: no transition; its new task is in infos
                current_task[i] = infos["task"][i]
            else:
                rb.add(obs[i], next_obs[i], actions[i], rewards[i], terminations[i])

        # TRY NOT TO MODIFY: record rewards for plotting purposes
        done = np.logical_or(terminations, truncations)
        for i in np.flatnonzero(done):
            ret, length = float(infos["episode"]["r"][i]), int(infos["episode"]["l"][i])
            folder.add_episode(global_step, current_task[i], ret, length)
            writer.add_scalar("charts/episodic_return", ret, global_step)
            writer.add_scalar("charts/episodic_length", length, global_step)
            last_return = ret
        autoreset = done

        # TRY NOT TO MODIFY: CRUCIAL step easy to overlook
        obs = next_obs

        # ALGO LOGIC: training.
        if global_step > learning_starts:
            s = student
            b_obs, b_actions, b_next_obs, b_rewards, b_dones = rb.sample(args.batch_size, rng)
            with torch.no_grad():
                next_actions, next_log_pi, _ = s.actor.get_action(b_next_obs)
                min_q_next = torch.min(s.qf1_target(b_next_obs, next_actions), s.qf2_target(b_next_obs, next_actions))
                min_q_next = min_q_next - alpha * next_log_pi
                target_q = b_rewards + (1 - b_dones) * args.gamma * min_q_next.view(-1)
            qf1_loss = F.mse_loss(s.qf1(b_obs, b_actions).view(-1), target_q)
            qf2_loss = F.mse_loss(s.qf2(b_obs, b_actions).view(-1), target_q)
            qf_loss = qf1_loss + qf2_loss
            s.q_optimizer.zero_grad()
            qf_loss.backward()
            s.q_optimizer.step()

            if global_step % args.policy_frequency == 0:  # TD 3 Delayed update support
                for _ in range(args.policy_frequency):  # compensate for the delay by doing 'policy_frequency' updates
                    pi, log_pi, _ = s.actor.get_action(b_obs)
                    min_q_pi = torch.min(s.qf1(b_obs, pi), s.qf2(b_obs, pi))
                    actor_loss = ((alpha * log_pi) - min_q_pi).mean()
                    s.actor_optimizer.zero_grad()
                    actor_loss.backward()
                    s.actor_optimizer.step()
                    if args.autotune:
                        with torch.no_grad():
                            _, log_pi, _ = s.actor.get_action(b_obs)
                        alpha_loss = (-s.log_alpha.exp() * (log_pi + target_entropy)).mean()
                        s.a_optimizer.zero_grad()
                        alpha_loss.backward()
                        s.a_optimizer.step()
                        alpha = s.alpha()

            # update the target networks
            if global_step % args.target_network_frequency == 0:
                for net, target in ((s.qf1, s.qf1_target), (s.qf2, s.qf2_target)):
                    for p, tp in zip(net.parameters(), target.parameters()):
                        tp.data.copy_(args.tau * p.data + (1 - args.tau) * tp.data)

            if global_step % 1000 < args.num_envs:
                sps = int((global_step - start_step) / (time.time() - start_time))
                writer.add_scalar("losses/qf1_loss", qf1_loss.item(), global_step)
                writer.add_scalar("losses/qf2_loss", qf2_loss.item(), global_step)
                writer.add_scalar("losses/qf_loss", qf_loss.item() / 2.0, global_step)
                if actor_loss is not None:
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

        # forgetting student: a new learner every reset_every steps (after that step's evaluation); same teacher
        if reset_every and student_resets < global_step // reset_every and global_step < args.total_timesteps:
            student, student_resets = Student(obs_dim, act_dim, args), student_resets + 1
            alpha = student.alpha()
            rb.clear()
            learning_starts = global_step + args.learning_starts
            writer.add_scalar("charts/student_resets", student_resets, global_step)
            bar.write(f"step {global_step}: student reset ({student_resets}); the teacher keeps its state")

    bar.close()
    if stop:
        save_checkpoint()
        write_run_record(False, global_step)
        envs.close()
        writer.close()
        print(f"stopped by SIGTERM at step {global_step}; continue with --resume {run_dir}")
        sys.exit(143)
    result = run_evaluation()
    save_checkpoint()
    write_run_record(True, global_step)
    envs.close()
    writer.close()
    plots = cg.plotting.plot_run(run_dir) if args.plots else []
    print(
        f"{args.teacher} on {args.env_id} ({args.body}), {global_step} steps: "
        f"{100 * result.mastered:.1f}% of {len(result.tasks)} test tasks mastered "
        f"(mean test return {result.mean_returns.mean():.1f})"
    )
    print(
        f"run folder: {run_dir}  (plots: {', '.join(p.name for p in plots) or 'none'}; "
        f"tensorboard --logdir {args.runs_dir})"
    )
