"""PPO for continuous actions with a curriculum teacher: CleanRL style, one file, top to bottom.

Trains on a curriculum_gym ID (default StumpTracks-v0) whose tasks come from a
teacher (ALP-GMM by default) shared by every env, evaluates on the fixed test
set, and writes one run folder: TensorBoard events, agent.ckpt, teacher.ckpt,
eval.json, episodes.npz and the curriculum plots.

The algorithm is CleanRL's ppo_continuous_action (same losses, observation and
reward normalisation, GAE, clipping); what differs is how it uses the CPU:
- a worker process (the second core) plays half the envs with a copy of the
  policy while this process plays the other half: one message each way per
  rollout (`--env-workers 1`, the default; 0 keeps every env in this process);
- Gymnasium's SAME_STEP autoreset: no step of the rollout is wasted on a reset;
- the rollouts play the policy in numpy (a batch of a few observations costs
  torch more in per-op overhead than in arithmetic), GAE in numpy;
- the Gaussian's log-density and entropy are written out (fewer ops than
  `torch.distributions.Normal`), each epoch permutes the batch once (the
  minibatches are slices), and all parameters live in one flat tensor, so that
  gradient clipping and Adam are a few ops on one tensor per gradient step.

Run:  python baselines/ppo_continuous_action.py --teacher alp-gmm --total-timesteps 1000000
      python baselines/ppo_continuous_action.py --resume runs/<run folder>
      python examples/watch_agent.py runs/<run folder> --video walker.mp4   (the trained agent)
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import random
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
import tyro
from gymnasium.wrappers.utils import RunningMeanStd
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
    """forgetting student: new networks, optimiser and normalisation statistics every N steps, the teacher keeps its state (None: never, or the challenge's share of --total-timesteps, 35 % for forgetting-student)"""
    seed: int = 1
    """seed of python, numpy, torch, the teacher and the envs (a run repeats exactly with --env-workers 0; with env
    workers and a teacher, the order in which envs in different processes reach the teacher depends on timing)"""
    total_timesteps: int = 1_000_000
    """env steps to train for (rounded down to whole rollouts of num_envs x num_steps)"""
    num_envs: int = 8
    """parallel envs (one teacher serves them all)"""

    # how the machine is used
    env_workers: int = 1
    """worker processes that each play a share of the envs with a copy of the policy while this process plays its
    own share (one message each way per rollout; 1 uses a second core: 1.04-1.14x the steps/s of 0 on 2 cores in
    benchmarks/training_throughput.py, and less CPU time in this process). 0: every env in this process, one core (use it when every core runs
    its own training run, as benchmarks/learning.py does). Within a rollout, each process normalises observations
    with statistics updated by its own envs; after it, the learner's statistics take in every observation"""
    local_envs: int = -1
    """with env workers: how many envs this process plays itself (-1: an equal share, num_envs // (env_workers + 1))"""
    torch_threads: int = 1
    """torch's intra-op threads (0: torch's default, one per core); one is fastest for these small networks"""

    # evaluation
    eval_every: int = 250_000
    """evaluate on the test set every this many steps (and at the end; 0: at the end only)"""
    eval_tasks: int = 0
    """evaluate on the first N test tasks only (0: all)"""
    eval_max_steps: int = 2000
    """step limit of an evaluation episode"""

    # outputs
    capture_video: bool = False
    """record videos of env 0 into the run folder (needs moviepy)"""
    resume: str = ""
    """a run folder to continue from (its agent, optimizer, teacher and logs); a new folder starts a run there"""
    runs_dir: str = "runs"
    """where new run folders are made"""
    exp_name: str = "ppo"
    """the experiment's name, part of the run folder's name"""
    progress: bool = True
    """show a progress bar"""
    plots: bool = True
    """draw the run's plots at the end (curriculum.png, training_returns.png, mastered.png, test_returns.png)"""

    # PPO
    learning_rate: float = 3e-4
    """Adam's learning rate (at the start, when annealed)"""
    num_steps: int = 256
    """steps per env per rollout"""
    anneal_lr: bool = True
    """anneal the learning rate linearly to 0 over the run"""
    gamma: float = 0.99
    """discount factor (also of the reward normalisation)"""
    gae_lambda: float = 0.95
    """lambda of generalised advantage estimation"""
    num_minibatches: int = 16
    """minibatches per epoch"""
    update_epochs: int = 10
    """epochs over each rollout"""
    norm_adv: bool = True
    """normalise advantages per minibatch"""
    clip_coef: float = 0.2
    """the surrogate's clipping coefficient"""
    clip_vloss: bool = True
    """clip the value loss too (with clip_coef)"""
    ent_coef: float = 0.0
    """entropy bonus coefficient"""
    vf_coef: float = 0.5
    """value loss coefficient"""
    max_grad_norm: float = 0.5
    """gradients are clipped to this global norm"""
    target_kl: float | None = None
    """stop an update's epochs early when the approximate KL exceeds this"""
    hidden: int = 128
    """width of the two hidden layers of the actor and of the critic"""


def make_env(args: Args, teacher, idx: int, run_dir: Path):
    def thunk():
        kwargs = env_kwargs(args)  # body, task bounds, challenge, or a fixed task
        if teacher is not None:
            kwargs["teacher"] = teacher  # one teacher (or a handle to it) for every env
        render_mode = "rgb_array" if args.capture_video and idx == 0 else None
        env = gym.make(args.env_id, render_mode=render_mode, **kwargs)
        if render_mode:
            env = gym.wrappers.RecordVideo(env, str(run_dir / "videos"), episode_trigger=lambda e: e % 100 == 0)
        return env

    return thunk


def sync_envs(args: Args, teacher, indices, run_dir: Path) -> gym.vector.SyncVectorEnv:
    # SAME_STEP autoreset: when an env's episode ends, the obs it returns is already its next episode's first
    return gym.vector.SyncVectorEnv(
        [make_env(args, teacher, i, run_dir) for i in indices], autoreset_mode=gym.vector.AutoresetMode.SAME_STEP
    )


def normalized(obs_rms: RunningMeanStd, raw_obs: np.ndarray, epsilon: float = 1e-8) -> np.ndarray:
    """Observations normalised as Gymnasium's NormalizeObservation does, then clipped to +-10."""
    return np.clip((raw_obs - obs_rms.mean) / np.sqrt(obs_rms.var + epsilon), -10, 10).astype(np.float32)


class Rollouts:
    """Plays a vector env with the current stochastic policy, `num_steps` vector steps at a time.

    The same code runs in this process and in each env worker. The observation
    statistics are updated with every new observation (Gymnasium's
    NormalizeObservation), here with this share of the envs only; the learner
    merges the workers' observations into its statistics after each rollout.
    Rewards come back raw: the learner normalises them, in step order, after the
    rollout (they do not change the actions).
    """

    def __init__(self, envs: gym.vector.SyncVectorEnv, rng: np.random.Generator):
        self.envs, self.rng = envs, rng  # rng: the policy's action noise
        self.raw_obs: np.ndarray | None = None  # after a reset: not yet normalised
        self.next_obs: np.ndarray | None = None
        self.next_done = np.zeros(envs.num_envs, dtype=np.float32)

    def reset(self, seed: int):
        self.raw_obs, infos = self.envs.reset(seed=seed)
        self.next_obs, self.next_done[:] = None, 0.0
        return self.raw_obs, infos["task"]

    def collect(self, agent: Agent, obs_rms: RunningMeanStd, num_steps: int) -> dict[str, np.ndarray]:
        if self.next_obs is None:  # the first rollout after a reset: obs_rms has already seen these observations
            self.next_obs = normalized(obs_rms, self.raw_obs)
        space, n, policy = self.envs.single_action_space, self.envs.num_envs, numpy_policy(agent, self.rng)
        out = {
            "obs": np.zeros((num_steps, n, self.next_obs.shape[1]), dtype=np.float32),
            "raw_obs": np.zeros((num_steps, n, self.next_obs.shape[1]), dtype=self.envs.single_observation_space.dtype),
            "rewards": np.zeros((num_steps, n)),
            "actions": np.zeros((num_steps, n, space.shape[0]), dtype=np.float32),
            "tasks": np.full((num_steps, n, self.envs.envs[0].unwrapped.task_space.dim), np.nan),
            **{k: np.zeros((num_steps, n), dtype=np.float32) for k in ("logprobs", "values", "dones")},
            **{k: np.zeros((num_steps, n), dtype=bool) for k in ("terminations", "truncations")},
        }
        for step in range(num_steps):
            out["obs"][step], out["dones"][step] = self.next_obs, self.next_done
            out["actions"][step], out["logprobs"][step], out["values"][step] = policy(self.next_obs)
            raw_obs, reward, terminations, truncations, infos = self.envs.step(
                np.clip(out["actions"][step], space.low, space.high)
            )
            done = np.logical_or(terminations, truncations)
            out["rewards"][step], out["terminations"][step], out["truncations"][step] = (
                reward,
                terminations,
                truncations,
            )
            if done.any():  # SAME_STEP autoreset: those envs have started their next episode, on a new task
                out["tasks"][step, done] = infos["task"][done]
            out["raw_obs"][step] = raw_obs
            obs_rms.update(raw_obs)
            self.next_obs, self.next_done = normalized(obs_rms, raw_obs), done.astype(np.float32)
        out["next_value"] = policy(self.next_obs)[2]
        out["next_done"] = self.next_done.copy()
        return out


def env_worker(remote, args: Args, teacher, indices: list[int], run_dir: Path, seed: list[int]):
    """Runs in a worker process: plays whole rollouts of its share of the envs with the policy the learner sends.

    One message each way per rollout (the policy's parameters and the observation
    statistics in, the rollout out), so the worker and the learner play at the same
    time without a round trip per step.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a signal to the process group is for the learner, which
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # checkpoints and then closes this worker
    torch.set_num_threads(1)
    rollouts = Rollouts(sync_envs(args, teacher, indices, run_dir), np.random.default_rng(seed))
    space = rollouts.envs.single_observation_space
    agent = Agent(space.shape[0], rollouts.envs.single_action_space.shape[0], args.hidden)
    flat_params, obs_rms = flatten_parameters(agent), RunningMeanStd(shape=space.shape)
    try:
        while True:
            command, data = remote.recv()
            if command == "rollout":
                params, obs_rms.mean, obs_rms.var, obs_rms.count = data
                flat_params.data.copy_(torch.from_numpy(params))
                remote.send(rollouts.collect(agent, obs_rms, args.num_steps))
            elif command == "reset":
                remote.send(rollouts.reset(data))
            else:
                break
    finally:
        rollouts.envs.close()


class Envs:
    """`num_envs` envs: this process plays the first share while worker processes play the others, at the same time.

    `collect` returns one rollout of all envs (arrays of shape (num_steps, num_envs, ...)).
    """

    def __init__(self, args: Args, teacher, run_dir: Path):
        if args.env_workers < 0:
            raise ValueError(f"--env-workers must be >= 0, got {args.env_workers}")
        n_local = args.num_envs
        if args.env_workers:
            n_local = args.local_envs if args.local_envs >= 0 else max(1, args.num_envs // (args.env_workers + 1))
            if not 1 <= n_local <= args.num_envs:
                raise ValueError(
                    f"--local-envs must be -1 or between 1 and --num-envs ({args.num_envs}), got {n_local}"
                )
        self.local = Rollouts(sync_envs(args, teacher, range(n_local), run_dir), np.random.default_rng(args.seed))
        self.single_observation_space = self.local.envs.single_observation_space
        self.single_action_space = self.local.envs.single_action_space
        self.workers = []  # (the slice of envs it plays, its pipe, its process)
        ctx = mp.get_context("spawn")  # a fresh interpreter: no fork of this process's threads
        shares = np.array_split(np.arange(n_local, args.num_envs), args.env_workers or 1)
        for k, indices in enumerate(shares):
            if len(indices):
                remote, child = ctx.Pipe()
                seed = [args.seed, k + 1]  # the worker's action noise
                process = ctx.Process(
                    target=env_worker, args=(child, args, teacher, indices.tolist(), run_dir, seed), daemon=True
                )
                process.start()
                child.close()
                self.workers.append((slice(int(indices[0]), int(indices[-1]) + 1), remote, process))

    def reset(self, seed: int):
        for worker in self.workers:  # env i is seeded with seed + i, as in one SyncVectorEnv
            self.send(worker, ("reset", seed + worker[0].start))
        results = [self.local.reset(seed)] + [self.receive(worker) for worker in self.workers]
        return np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results])

    def collect(self, agent: Agent, flat_params: torch.Tensor, obs_rms: RunningMeanStd, num_steps: int):
        stats = (flat_params.detach().numpy(), obs_rms.mean, obs_rms.var, obs_rms.count)
        for worker in self.workers:  # the workers play their envs while this process plays its own
            self.send(worker, ("rollout", stats))
        results = [self.local.collect(agent, obs_rms, num_steps)] + [self.receive(worker) for worker in self.workers]
        for result in results[1:]:  # the workers' observations join this process's statistics
            obs_rms.update(result["raw_obs"].reshape(-1, result["raw_obs"].shape[-1]))
        return {k: np.concatenate([r[k] for r in results], axis=-1 if k.startswith("next") else 1) for k in results[0]}

    @staticmethod
    def send(worker, message) -> None:
        try:
            worker[1].send(message)
        except OSError:
            raise Envs.died(worker) from None

    @staticmethod
    def receive(worker):
        try:
            return worker[1].recv()
        except (EOFError, OSError):
            raise Envs.died(worker) from None

    @staticmethod
    def died(worker) -> RuntimeError:
        envs, _, process = worker
        process.join(timeout=1)
        return RuntimeError(
            f"the env worker playing envs {envs.start}-{envs.stop - 1} died (exit code {process.exitcode}); "
            "its traceback, if any, is above"
        )

    def close(self):
        for _, remote, process in self.workers:
            try:
                remote.send(("close", None))
            except OSError:  # it has died already
                pass
            process.join(timeout=10)
        self.local.envs.close()


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
        """(action, log-probability, entropy, value); samples the action when none is given."""
        mean = self.actor_mean(x)
        logstd = self.actor_logstd
        # the diagonal Gaussian's log-density and entropy, written out (what torch.distributions.Normal computes)
        if action is None:  # sampling: (action - mean) / std is the standard normal noise itself
            noise = torch.randn_like(mean)
            action = mean + torch.exp(logstd) * noise
        else:
            noise = (action - mean) * torch.exp(-logstd)
        logprob = -0.5 * noise.square().sum(1) - (logstd.sum() + HALF_LOG_2PI * mean.shape[1])
        entropy = (logstd.sum() + (0.5 + HALF_LOG_2PI) * mean.shape[1]).expand(len(x))
        return action, logprob, entropy, self.critic(x).view(-1)


HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def numpy_policy(agent: Agent, rng: np.random.Generator):
    """`agent.get_action_and_value(x)` (sampling) in numpy: action, log-probability and value, for playing.

    At a batch of a few envs the torch version's time goes to per-op overhead
    (about 200 us a call against 60 us here). The arrays are views of the
    agent's parameters, so the policy follows updates made in place.
    """
    actor = [(layer.weight.detach().numpy().T, layer.bias.detach().numpy()) for layer in agent.actor_mean[::2]]
    critic = [(layer.weight.detach().numpy().T, layer.bias.detach().numpy()) for layer in agent.critic[::2]]
    logstd = agent.actor_logstd.detach().numpy()[0]

    def mlp(layers, x):
        for w, b in layers[:-1]:
            x = np.tanh(x @ w + b)
        return x @ layers[-1][0] + layers[-1][1]

    def policy(x: np.ndarray):
        mean = mlp(actor, x)
        noise = rng.standard_normal(mean.shape, dtype=np.float32)
        logprob = -0.5 * np.square(noise).sum(1) - (logstd.sum() + HALF_LOG_2PI * mean.shape[1])
        return mean + np.exp(logstd) * noise, logprob, mlp(critic, x)[:, 0]

    return policy


def flatten_parameters(module: nn.Module) -> nn.Parameter:
    """One flat parameter whose slices are `module`'s parameters, and whose `.grad` slices are their gradients.

    Backward accumulates each parameter's gradient into its slice of the flat
    gradient, so clipping the global norm and Adam's update take a few ops on
    one tensor instead of a few per parameter. Zero the flat gradient in place
    (`flat.grad.zero_()`): setting it to None would break the link.
    """
    params = list(module.parameters())
    flat = nn.Parameter(torch.cat([p.detach().reshape(-1) for p in params]))
    flat.grad = torch.zeros_like(flat)
    offset = 0
    for p in params:
        n = p.numel()
        p.data = flat.data[offset : offset + n].view_as(p)
        p.grad = flat.grad[offset : offset + n].view_as(p)
        offset += n
    return flat


def make_eval_policy(agent: Agent, obs_mean: np.ndarray, obs_var: np.ndarray, epsilon: float = 1e-8):
    """The policy evaluated (and watched, examples/watch_agent.py): deterministic, the Gaussian's mean, on frozen
    observation normalisation statistics."""
    mean, std = np.array(obs_mean, copy=True), np.sqrt(obs_var + epsilon)

    def policy(obs):
        x = torch.as_tensor(np.clip((obs - mean) / std, -10, 10), dtype=torch.float32)
        with torch.inference_mode():
            return np.clip(agent.actor_mean(x).numpy(), -1, 1)

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
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    # teacher: one instance for all envs; resumed from the run folder if asked. Envs in worker processes
    # reach it through a handle served from this process (every episode of every env is reported to it).
    teacher = make_run_teacher(args, settings, run_dir, resuming)
    shared_teacher = cg.serve(teacher) if teacher is not None and args.env_workers else teacher

    # env setup: SAME_STEP autoreset, so every step of a rollout is trained on; observation and reward
    # normalisation as Gymnasium's NormalizeObservation / NormalizeReward (+ clipping at 10) compute them
    envs = Envs(args, shared_teacher, run_dir)
    obs_dim, act_dim = envs.single_observation_space.shape[0], envs.single_action_space.shape[0]
    obs_rms, return_rms, epsilon = RunningMeanStd(shape=(obs_dim,)), RunningMeanStd(shape=()), 1e-8
    discounted_return = np.zeros(args.num_envs)

    def normalize_reward(reward, terminated, done):
        discounted_return[:] = discounted_return * args.gamma * (1 - terminated) + reward
        return_rms.update(discounted_return)
        discounted_return[done] = 0.0  # those envs have already started their next episode
        return np.clip(reward / np.sqrt(return_rms.var + epsilon), -10, 10)

    agent = Agent(obs_dim, act_dim, args.hidden)
    global_step, student_resets = 0, 0
    folder = RunFolder(run_dir, task_space.dim)  # episodes.npz, eval.json, agent.ckpt, teacher.ckpt
    if resuming:
        state = load_state(run_dir / "agent.ckpt")
        agent.load_state_dict(runs.to_torch_tree(state["agent"]))
        obs_rms.mean, obs_rms.var, obs_rms.count = state["obs_mean"], state["obs_var"], state["obs_count"]
        if "return_var" in state:  # (older checkpoints restart the reward normalisation)
            return_rms.mean, return_rms.var, return_rms.count = (
                state["return_mean"],
                state["return_var"],
                state["return_count"],
            )
        global_step, student_resets = int(state["global_step"]), int(state.get("student_resets", 0))
        folder.resume(global_step)  # an episode or evaluation after the checkpoint is redone
    flat_params = flatten_parameters(agent)  # after loading: the agent's parameters become slices of flat_params
    optimizer = optim.Adam([flat_params], lr=args.learning_rate, eps=1e-5, fused=True)  # one kernel for all
    if resuming and len(state["optimizer"]["param_groups"][0]["params"]) == 1:
        optimizer.load_state_dict(runs.to_torch_tree(state["optimizer"], int_keys=True))
    elif resuming:  # a checkpoint of the script before flat parameters: one Adam state per parameter
        print("agent.ckpt holds an optimizer state per parameter (an older version of this script): Adam restarts")

    def write_run_record(finished: bool) -> None:
        runs.write_run_record(run_dir, "ppo", args, settings, teacher, finished, global_step)

    write_run_record(False)

    def save_checkpoint():
        folder.save(
            {
                "agent": runs.to_numpy_tree(agent.state_dict()),
                "optimizer": runs.to_numpy_tree(optimizer.state_dict()),
                "obs_mean": obs_rms.mean,
                "obs_var": obs_rms.var,
                "obs_count": float(obs_rms.count),
                "return_mean": return_rms.mean,
                "return_var": return_rms.var,
                "return_count": float(return_rms.count),
                "global_step": global_step,
                "student_resets": student_resets,
            },
            shared_teacher,
        )

    def run_evaluation():  # the standard test set on the standard env (no --task-bounds, no --challenge)
        policy = make_eval_policy(agent, obs_rms.mean, obs_rms.var, epsilon)
        return folder.evaluate(policy, args, settings, global_step, writer)

    # ALGO Logic: Storage setup
    # each rollout comes as numpy arrays; the update reads them through torch.from_numpy (no copies)
    rewards = np.zeros((args.num_steps, args.num_envs), dtype=np.float32)  # normalised

    batch_size = args.num_envs * args.num_steps
    minibatch_size = batch_size // args.num_minibatches
    num_iterations = max(1, args.total_timesteps // batch_size)
    start_iteration = global_step // batch_size + 1
    next_eval = (global_step // args.eval_every + 1) * args.eval_every if args.eval_every else None

    # TRY NOT TO MODIFY: start the game
    raw_obs, current_task = envs.reset(seed=args.seed + start_iteration)  # current_task: the task each env is playing
    current_task = np.array(current_task, dtype=np.float64)
    obs_rms.update(raw_obs)  # every env's first observation (the rollouts normalise them)
    episode_return, episode_length = np.zeros(args.num_envs), np.zeros(args.num_envs, dtype=np.int64)
    start_time, start_cpu, start_step, eval_time, last_return = (
        time.time(),
        time.process_time(),
        global_step,
        0.0,
        float("nan"),
    )
    bar = tqdm(
        total=num_iterations * batch_size,
        initial=global_step,
        unit="step",
        disable=not args.progress,
        dynamic_ncols=True,
    )

    stop = []  # a SIGTERM (e.g. benchmarks/learning.py's time budget) ends the run at the next iteration
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    for iteration in range(start_iteration, num_iterations + 1):
        if stop:
            break
        # Annealing the rate if instructed to do so.
        if args.anneal_lr:
            optimizer.param_groups[0]["lr"] = (1.0 - (iteration - 1.0) / num_iterations) * args.learning_rate
        sampled_tasks = []
        rollout = envs.collect(agent, flat_params, obs_rms, args.num_steps)  # every env, args.num_steps steps
        obs, actions, logprobs, values, dones = (rollout[k] for k in ("obs", "actions", "logprobs", "values", "dones"))
        for step in range(args.num_steps):  # in step order: reward normalisation and the episodes that ended
            global_step += args.num_envs
            reward, terminations = rollout["rewards"][step], rollout["terminations"][step]
            done = np.logical_or(terminations, rollout["truncations"][step])
            rewards[step] = normalize_reward(reward, terminations, done)
            episode_return += reward
            episode_length += 1
            for i in np.flatnonzero(done):  # episode over; env i has already started its next one (SAME_STEP)
                ret, length = float(episode_return[i]), int(episode_length[i])
                folder.add_episode(global_step, current_task[i], ret, length)
                writer.add_scalar("charts/episodic_return", ret, global_step)
                writer.add_scalar("charts/episodic_length", length, global_step)
                last_return = ret
                current_task[i] = rollout["tasks"][step, i]  # the new episode's task
                sampled_tasks.append(current_task[i].copy())
            episode_return[done], episode_length[done] = 0.0, 0

        # bootstrap value if not done (GAE, in numpy)
        next_value, next_done = rollout["next_value"], rollout["next_done"]
        advantages = np.zeros_like(rewards)
        lastgaelam = 0.0
        for t in reversed(range(args.num_steps)):
            nextnonterminal = 1.0 - (next_done if t == args.num_steps - 1 else dones[t + 1])
            nextvalues = next_value if t == args.num_steps - 1 else values[t + 1]
            delta = rewards[t] + args.gamma * nextvalues * nextnonterminal - values[t]
            advantages[t] = lastgaelam = delta + args.gamma * args.gae_lambda * nextnonterminal * lastgaelam
        returns = advantages + values

        # flatten the batch (views of the numpy buffers)
        b_obs, b_logprobs, b_actions = (
            torch.from_numpy(x) for x in (obs.reshape(-1, obs_dim), logprobs.reshape(-1), actions.reshape(-1, act_dim))
        )
        b_advantages, b_returns, b_values = (torch.from_numpy(x.reshape(-1)) for x in (advantages, returns, values))

        # Optimizing the policy and value network
        clipfracs = []
        for _epoch in range(args.update_epochs):
            # one shuffle per epoch: every minibatch below is then a slice (a view, no gather)
            perm = torch.randperm(batch_size)
            e_obs, e_logprobs, e_actions, e_advantages, e_returns, e_values = (
                x[perm] for x in (b_obs, b_logprobs, b_actions, b_advantages, b_returns, b_values)
            )
            if args.norm_adv:  # each minibatch's advantages normalised on their own, all minibatches in one go
                e_advantages = e_advantages[: args.num_minibatches * minibatch_size].view(args.num_minibatches, -1)
                e_advantages = (
                    (e_advantages - e_advantages.mean(1, keepdim=True)) / (e_advantages.std(1, keepdim=True) + 1e-8)
                ).view(-1)
            for start in range(0, args.num_minibatches * minibatch_size, minibatch_size):
                mb = slice(start, start + minibatch_size)
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(e_obs[mb], e_actions[mb])
                logratio = newlogprob - e_logprobs[mb]
                ratio = logratio.exp()
                with torch.no_grad():
                    clipfracs.append(((ratio - 1.0).abs() > args.clip_coef).float().mean())
                mb_advantages = e_advantages[mb]

                # Policy loss
                pg_loss = torch.max(
                    -mb_advantages * ratio, -mb_advantages * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)
                ).mean()

                # Value loss
                if args.clip_vloss:
                    v_loss_unclipped = (newvalue - e_returns[mb]) ** 2
                    v_clipped = e_values[mb] + torch.clamp(newvalue - e_values[mb], -args.clip_coef, args.clip_coef)
                    v_loss = 0.5 * torch.max(v_loss_unclipped, (v_clipped - e_returns[mb]) ** 2).mean()
                else:
                    v_loss = 0.5 * ((newvalue - e_returns[mb]) ** 2).mean()

                entropy_loss = entropy.mean()
                loss = pg_loss + v_loss * args.vf_coef
                if args.ent_coef:  # (the entropy depends on actor_logstd only)
                    loss = loss - args.ent_coef * entropy_loss

                flat_params.grad.zero_()  # in place: the parameters' gradients are slices of it
                loss.backward()
                # clip the global gradient norm (as nn.utils.clip_grad_norm_), on the one flat gradient
                grad_norm = flat_params.grad.norm()
                flat_params.grad.mul_(torch.clamp(args.max_grad_norm / (grad_norm + 1e-6), max=1.0))
                optimizer.step()

            with (
                torch.no_grad()
            ):  # the epoch's last minibatch; calculate approx_kl http://joschu.net/blog/kl-approx.html
                old_approx_kl = (-logratio).mean()
                approx_kl = ((ratio - 1) - logratio).mean()
            if args.target_kl is not None and approx_kl.item() > args.target_kl:
                break

        y_pred, y_true = values.reshape(-1), returns.reshape(-1)
        var_y = np.var(y_true)
        explained_var = np.nan if var_y == 0 else 1 - np.var(y_true - y_pred) / var_y

        # TRY NOT TO MODIFY: record rewards for plotting purposes
        sps = int((global_step - start_step) / (time.time() - start_time - eval_time))
        writer.add_scalar("charts/learning_rate", optimizer.param_groups[0]["lr"], global_step)
        writer.add_scalar("charts/SPS", sps, global_step)
        writer.add_scalar("losses/value_loss", v_loss.item(), global_step)
        writer.add_scalar("losses/policy_loss", pg_loss.item(), global_step)
        writer.add_scalar("losses/entropy", entropy_loss.item(), global_step)
        writer.add_scalar("losses/old_approx_kl", old_approx_kl.item(), global_step)
        writer.add_scalar("losses/approx_kl", approx_kl.item(), global_step)
        writer.add_scalar("losses/clipfrac", torch.stack(clipfracs).mean().item(), global_step)
        writer.add_scalar("losses/explained_variance", explained_var, global_step)
        if teacher is not None:
            for key, value in shared_teacher.metrics().items():
                writer.add_scalar(f"teacher/{key}", value, global_step)
        if sampled_tasks:
            for name, column in zip(task_space.names, np.array(sampled_tasks).T):
                writer.add_scalar(f"teacher/task_mean/{name}", float(column.mean()), global_step)
        bar.update(batch_size)
        bar.set_postfix(SPS=sps, ret=f"{last_return:.1f}")

        if next_eval is not None and global_step >= next_eval and iteration < num_iterations:
            eval_start = time.time()
            result = run_evaluation()
            bar.write(f"step {global_step}: {100 * result.mastered:.1f}% of test tasks mastered")
            next_eval += args.eval_every
            save_checkpoint()
            eval_time += time.time() - eval_start

        # forgetting student: a new learner (networks, optimiser, normalisation); the teacher keeps its state
        if reset_every and student_resets < global_step // reset_every and iteration < num_iterations:
            agent = Agent(obs_dim, act_dim, args.hidden)
            flat_params = flatten_parameters(agent)
            optimizer = optim.Adam([flat_params], lr=args.learning_rate, eps=1e-5, fused=True)
            obs_rms, return_rms = RunningMeanStd(shape=(obs_dim,)), RunningMeanStd(shape=())
            discounted_return[:] = 0.0
            student_resets += 1
            writer.add_scalar("charts/student_resets", student_resets, global_step)
            bar.write(
                f"step {global_step}: the student is re-initialised ({student_resets}); the teacher keeps its state"
            )

    bar.close()
    if stop:  # stopped from outside: a checkpoint to --resume from
        save_checkpoint()
        write_run_record(False)
        envs.close()
        if shared_teacher is not teacher:
            shared_teacher.close()
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
    envs.close()
    if shared_teacher is not teacher:
        shared_teacher.close()
    writer.close()
    write_run_record(True)
    plots = cg.plotting.plot_run(run_dir) if args.plots else []
    print(
        f"{args.teacher} on {args.env_id} ({args.body}), {global_step} steps: "
        f"{100 * result.mastered:.1f}% of {len(result.tasks)} test tasks mastered "
        f"(mean test return {result.mean_returns.mean():.1f})"
    )
    if teacher is not None and len(folder.episodes["task"]) >= 20:  # what the curriculum did
        tasks_played, tenth = np.array(folder.episodes["task"]), max(1, len(folder.episodes["task"]) // 10)
        first, last = tasks_played[:tenth].mean(axis=0), tasks_played[-tenth:].mean(axis=0)
        moved = ", ".join(f"{n} {a:.2f} -> {b:.2f}" for n, a, b in zip(task_space.names, first, last))
        print(
            f"curriculum: {len(tasks_played)} episodes; mean task of the first and last tenth: {moved}"
            + (f"; {teacher.metrics()['n_fits']} mixtures fitted" if "n_fits" in teacher.metrics() else "")
        )
    print(f"run folder: {run_dir}  (plots: {', '.join(p.name for p in plots)}; tensorboard --logdir {args.runs_dir})")
