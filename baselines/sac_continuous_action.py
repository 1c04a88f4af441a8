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

The algorithm is CleanRL's sac_continuous_action (twin soft Q-networks, a
tanh-squashed Gaussian actor, automatic entropy tuning); the defaults follow
rl-baselines3-zoo's BipedalWalker-v3 SAC (400x300 networks, learning rate
7.3e-4, gamma 0.98, tau 0.02, 64 gradient steps every 64 env steps, 10 000
random steps first; not its gSDE exploration). What differs is how it uses the CPU,
since a gradient step of 400x300 networks is about 1 GFLOP and that is the whole cost:
- the twin Q-networks are one two-copy network (batched matrix products), and
  each network's weights live in one flat tensor: Adam is one fused kernel and
  the target networks' soft update one `lerp_`;
- the actor's loss runs the critics on detached weights, so no gradient is
  computed for weights that its optimiser does not step;
- a round of gradient steps draws all its minibatches with one numpy gather.

Run:  python baselines/sac_continuous_action.py --teacher alp-gmm --total-timesteps 200000
      python baselines/sac_continuous_action.py --teacher alp-gmm --teacher-options preset=teachmyagent \
          --task-bounds 0 9 0 6
      python baselines/sac_continuous_action.py --resume runs/<run folder>
      python examples/watch_agent.py runs/<run folder> --video walker.mp4   (the trained agent)
"""

from __future__ import annotations

import json
import math
import random
import signal
import sys
import time
from collections.abc import Sequence
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
    """body, a name from cg.BODIES: default, short, quadru, classic_bipedal, small_bipedal, big_quadru, spider, millipede, wheel, chimpanzee, amphibian, fish, climber, climber_chest (fish and climbers are made for Parkour-v0)"""
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

    # SAC (defaults in the spirit of rl-baselines3-zoo's BipedalWalker-v3 SAC)
    buffer_size: int = 300_000
    """replay buffer size (at most total_timesteps)"""
    gamma: float = 0.98
    """discount factor"""
    tau: float = 0.02
    """target networks' soft update rate"""
    batch_size: int = 256
    """transitions per gradient step"""
    learning_starts: int = 10_000
    """random actions, and no gradient step, for this many steps (after a student reset too)"""
    learning_rate: float = 7.3e-4
    """Adam's learning rate, for the actor, the critics and the temperature"""
    train_freq: int = 64
    """env steps between two rounds of gradient steps"""
    gradient_steps: int = 64
    """gradient steps per round (each: critics, actor, temperature, soft target update)"""
    alpha: float = 0.2
    """entropy temperature, when not autotuned"""
    autotune: bool = True
    """tune the entropy temperature (from 1.0) towards an entropy of -act_dim"""
    hidden: tuple[int, ...] = (400, 300)
    """widths of the hidden layers of every network"""


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


LOG_STD_MAX, LOG_STD_MIN = 2, -5
LOG_2 = math.log(2.0)
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class MLP(nn.Module):
    """``copies`` independent ReLU networks of one shape, whose weights all live in one flat parameter.

    The copies (the twin Q-networks) run together as batched matrix products. One
    flat parameter makes Adam one fused kernel and the target networks' soft
    update one ``lerp_``; ``forward(x, flat)`` runs the networks with other
    weights of the same layout: a target copy, or ``self.flat.detach()`` (the
    actor's loss: no gradient into the critics' weights, none computed).
    Initialised as ``nn.Linear`` layers are (CleanRL's networks).
    """

    def __init__(self, sizes: Sequence[int], copies: int = 1):
        super().__init__()
        self.shapes: list[tuple[int, int, int]] = []
        chunks = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers = [nn.Linear(n_in, n_out) for _ in range(copies)]
            self.shapes += [(copies, n_in, n_out), (copies, 1, n_out)]
            chunks += [torch.stack([layer.weight.detach().T for layer in layers]).reshape(-1)]
            chunks += [torch.stack([layer.bias.detach() for layer in layers]).reshape(-1)]
        self.sizes = [math.prod(shape) for shape in self.shapes]
        self.copies = copies
        self.flat = nn.Parameter(torch.cat(chunks))

    def forward(self, x: torch.Tensor, flat: torch.Tensor | None = None) -> torch.Tensor:
        """(copies, batch, out) from x of shape (batch, in)."""
        params = (self.flat if flat is None else flat).split(self.sizes)
        h = x.expand(self.copies, *x.shape)
        for k in range(0, len(params), 2):
            h = torch.baddbmm(params[k + 1].view(self.shapes[k + 1]), h, params[k].view(self.shapes[k]))
            if k + 2 < len(params):
                h = torch.relu(h)
        return h


class Actor(MLP):
    """A tanh-squashed Gaussian policy: the network outputs each action's mean and log standard deviation."""

    def __init__(self, obs_dim: int, act_dim: int, hidden: Sequence[int]):
        super().__init__([obs_dim, *hidden, 2 * act_dim])

    def mean_and_log_std(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_std = self(obs)[0].chunk(2, dim=-1)
        log_std = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (torch.tanh(log_std) + 1)
        return mean, log_std

    def sample(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(action, its log-density) with the reparameterisation trick; the walkers' actions live in [-1, 1]."""
        mean, log_std = self.mean_and_log_std(obs)
        noise = torch.randn_like(mean)
        u = mean + log_std.exp() * noise
        # log N(u; mean, std) - log(1 - tanh(u)^2), the second term in a form that stays finite for large |u|
        log_prob = -0.5 * noise.square() - log_std - HALF_LOG_2PI - 2.0 * (LOG_2 - u - F.softplus(-2.0 * u))
        return torch.tanh(u), log_prob.sum(-1)


class Critic(MLP):
    """The twin soft Q-networks, Q(obs, action), as one two-copy network: ``forward`` gives (2, batch)."""

    def __init__(self, obs_dim: int, act_dim: int, hidden: Sequence[int]):
        super().__init__([obs_dim + act_dim, *hidden, 1], copies=2)

    def forward(self, obs: torch.Tensor, action: torch.Tensor, flat: torch.Tensor | None = None) -> torch.Tensor:
        return super().forward(torch.cat([obs, action], 1), flat).squeeze(-1)


class Student:
    """The learner: actor, twin Q-networks and their target copy, entropy temperature, and their optimisers.

    A new Student is what --reset-student-every puts in place of the old one (the teacher keeps its state).
    """

    def __init__(self, obs_dim: int, act_dim: int, args: Args):
        self.actor = Actor(obs_dim, act_dim, args.hidden)
        self.critic = Critic(obs_dim, act_dim, args.hidden)
        self.critic_target = self.critic.flat.detach().clone()  # the target networks: a flat copy, soft-updated
        if not args.autotune and not args.alpha >= 0:
            raise ValueError(f"--alpha must be >= 0 (the fixed entropy temperature), got {args.alpha}")
        self.log_alpha = torch.zeros(1, requires_grad=True)  # the autotuned temperature starts at 1.0
        self.actor_optimizer = optim.Adam([self.actor.flat], lr=args.learning_rate, fused=True)
        self.critic_optimizer = optim.Adam([self.critic.flat], lr=args.learning_rate, fused=True)
        self.alpha_optimizer = optim.Adam([self.log_alpha], lr=args.learning_rate)
        self.autotune, self.fixed_alpha = args.autotune, args.alpha
        self.target_entropy = -float(act_dim)

    def alpha(self) -> float:
        return self.log_alpha.exp().item() if self.autotune else self.fixed_alpha

    def update(self, batch: tuple[torch.Tensor, ...], gamma: float, tau: float, alpha: float) -> dict[str, float]:
        """One gradient step of the critics, the actor and the temperature, then the targets' soft update."""
        obs, actions, next_obs, rewards, terminated = batch
        with torch.no_grad():
            next_actions, next_log_pi = self.actor.sample(next_obs)
            next_q = self.critic(next_obs, next_actions, self.critic_target).min(0).values - alpha * next_log_pi
            target_q = rewards + (1.0 - terminated) * gamma * next_q
        q = self.critic(obs, actions)
        qf_loss = (q - target_q).square().mean(1).sum()  # the two critics' mean squared errors, summed
        self.critic_optimizer.zero_grad()
        qf_loss.backward()
        self.critic_optimizer.step()

        pi, log_pi = self.actor.sample(obs)
        min_q_pi = self.critic(obs, pi, self.critic.flat.detach()).min(0).values
        actor_loss = (alpha * log_pi - min_q_pi).mean()
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()
        if self.autotune:  # towards an entropy of -act_dim
            alpha_loss = -(self.log_alpha * (log_pi.detach() + self.target_entropy)).mean()
            self.alpha_optimizer.zero_grad()
            alpha_loss.backward()
            self.alpha_optimizer.step()
        self.critic_target.lerp_(self.critic.flat.detach(), tau)
        return {"qf_loss": qf_loss, "actor_loss": actor_loss}

    def parts(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "critic": self.critic,
            "actor_optimizer": self.actor_optimizer,
            "critic_optimizer": self.critic_optimizer,
            "alpha_optimizer": self.alpha_optimizer,
        }

    def state_dict(self) -> dict[str, Any]:
        return {
            **{name: runs.to_numpy_tree(part.state_dict()) for name, part in self.parts().items()},
            "critic_target": self.critic_target.numpy().copy(),
            "log_alpha": self.log_alpha.detach().numpy().copy(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "critic" not in state:
            raise ValueError(
                "this checkpoint was written by an older version of the SAC baseline (separate Q-networks); "
                "it cannot be resumed by this version: start a new run"
            )
        for name, part in self.parts().items():
            part.load_state_dict(runs.to_torch_tree(state[name], int_keys=name.endswith("optimizer")))
        with torch.no_grad():
            self.critic_target.copy_(torch.as_tensor(state["critic_target"]))
            self.log_alpha.copy_(torch.as_tensor(state["log_alpha"]))


class ReplayBuffer:
    """Transitions as rows of one float32 array: obs, action, next obs, reward, terminated."""

    def __init__(self, size: int, obs_dim: int, act_dim: int):
        self.split = [obs_dim, act_dim, obs_dim, 1, 1]
        self.data = np.zeros((size, sum(self.split)), dtype=np.float32)
        self.size, self.pos, self.full = size, 0, False

    def add(self, obs, action, next_obs, reward, terminated):
        self.data[self.pos] = np.concatenate([obs, action, next_obs, [reward, terminated]])
        self.pos = (self.pos + 1) % self.size
        self.full = self.full or self.pos == 0

    def clear(self):
        self.pos, self.full = 0, False

    def sample(self, n_batches: int, batch_size: int, rng: np.random.Generator):
        """``n_batches`` minibatches drawn at once (uniformly, with replacement), each (obs, actions, next_obs,
        rewards, terminated)."""
        idx = rng.integers(0, self.size if self.full else self.pos, size=n_batches * batch_size)
        rows = torch.from_numpy(self.data[idx]).view(n_batches, batch_size, -1)
        obs, actions, next_obs, rewards, terminated = rows.split(self.split, dim=-1)
        return [(obs[k], actions[k], next_obs[k], rewards[k, :, 0], terminated[k, :, 0]) for k in range(n_batches)]


def make_eval_policy(actor: Actor):
    """The policy evaluated (and watched, examples/watch_agent.py): deterministic, tanh of the Gaussian's mean."""

    def policy(obs):  # one observation or a batch; draws no random numbers
        with torch.inference_mode():
            x = torch.as_tensor(obs, dtype=torch.float32)
            mean, _ = actor.mean_and_log_std(x.reshape(-1, x.shape[-1]))
            return torch.tanh(mean).reshape(*x.shape[:-1], -1).numpy()

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

    student = Student(obs_dim, act_dim, args)
    global_step, student_resets = 0, 0
    folder = RunFolder(run_dir, task_space.dim)  # episodes.npz, eval.json, agent.ckpt, teacher.ckpt
    if resuming:
        state = load_state(run_dir / "agent.ckpt")
        student.load_state_dict(state)
        global_step, student_resets = int(state["global_step"]), int(state.get("student_resets", 0))
        resumed_learning_starts = int(state.get("learning_starts", 0))
        folder.resume(global_step)  # an episode or evaluation after the checkpoint is redone
    alpha = student.alpha()
    write_run_record(False, global_step)

    def save_checkpoint():
        progress = {"global_step": global_step, "student_resets": student_resets, "learning_starts": learning_starts}
        folder.save({**student.state_dict(), **progress}, teacher)

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
    # random steps first (the rest of them on --resume: the replay buffer starts empty again then, so at least a batch)
    learning_starts = max(resumed_learning_starts, global_step + args.batch_size) if resuming else args.learning_starts
    next_train = global_step + args.train_freq
    start_time, start_cpu, start_step, eval_time = time.time(), time.process_time(), global_step, 0.0
    last_return, losses = None, {}
    bar = tqdm(
        total=args.total_timesteps, initial=global_step, unit="step", disable=not args.progress, dynamic_ncols=True
    )

    while global_step < args.total_timesteps and not stop:
        # ALGO LOGIC: put action logic here
        if global_step < learning_starts:
            actions = np.array([envs.single_action_space.sample() for _ in range(args.num_envs)])
        else:
            with torch.inference_mode():
                actions = student.actor.sample(torch.as_tensor(obs, dtype=torch.float32))[0].numpy()

        # TRY NOT TO MODIFY: execute the game and log data.
        next_obs, rewards, terminations, truncations, infos = envs.step(actions)
        global_step += args.num_envs

        # TRY NOT TO MODIFY: save data to replay buffer (NEXT_STEP autoreset: skip the step that only resets)
        for i in range(args.num_envs):
            if autoreset[i]:  # this env was just reset: no transition; its new task is in infos
                current_task[i] = infos["task"][i]
            else:
                rb.add(obs[i], actions[i], next_obs[i], rewards[i], terminations[i])

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

        # ALGO LOGIC: training: every train_freq env steps, gradient_steps updates on fresh minibatches
        if global_step >= next_train:
            next_train += args.train_freq
            if global_step > learning_starts:
                for batch in rb.sample(args.gradient_steps, args.batch_size, rng):
                    losses = student.update(batch, args.gamma, args.tau, alpha)
                    alpha = student.alpha()
                sps = int((global_step - start_step) / (time.time() - start_time))
                for name, value in losses.items():
                    writer.add_scalar(f"losses/{name}", value.item(), global_step)
                writer.add_scalar("losses/alpha", alpha, global_step)
                writer.add_scalar("charts/SPS", sps, global_step)
                if teacher is not None:
                    for key, value in teacher.metrics().items():
                        writer.add_scalar(f"teacher/{key}", value, global_step)
                bar.set_postfix(SPS=sps, ret="-" if last_return is None else f"{last_return:.1f}")
        bar.update(args.num_envs)

        if next_eval is not None and global_step >= next_eval and global_step < args.total_timesteps:
            eval_start = time.time()
            result = run_evaluation()
            bar.write(f"step {global_step}: {100 * result.mastered:.1f}% of test tasks mastered")
            next_eval += args.eval_every
            save_checkpoint()
            eval_time += time.time() - eval_start

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
    train_time, train_cpu = time.time() - start_time - eval_time, time.process_time() - start_cpu
    print(
        f"training: {global_step - start_step} steps in {train_time:.2f} s "
        f"({(global_step - start_step) / train_time:.0f} steps/s, evaluations excluded; {train_cpu:.2f} s CPU here)"
    )
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
