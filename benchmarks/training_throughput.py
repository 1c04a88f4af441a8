"""Training throughput of the PPO and SAC baselines against Stable-Baselines3's, side by side.

Run:  python benchmarks/training_throughput.py [--steps 50000] [--repeats 2] [--quick]
      python benchmarks/training_throughput.py --algo sac [--steps 6000] [--repeats 2] [--quick]

SAC (``--algo sac``): both train SAC on StumpTracks-v0 with an ALP-GMM teacher and the
settings of our baseline's defaults (rl-baselines3-zoo's BipedalWalker-v3 SAC without
gSDE): one env, 400x300 ReLU networks, batch 256, 64 gradient steps every 64 env
steps, learning rate 7.3e-4, gamma 0.98, tau 0.02, automatic entropy, buffer
300 000; 1 000 random steps first, so that a run of ``--steps`` steps is mostly
gradient steps. Rows: ``sb3 SAC``, ``ours, 1 thread`` (same settings, one torch
thread each) and ``ours, defaults`` (torch's default threads: the machine's cores).

PPO (the default):

Both train PPO on StumpTracks-v0 with an ALP-GMM teacher and the same settings:
8 envs x 256 steps per rollout, 16 minibatches, 10 epochs, two 128x128 tanh
networks (actor and critic), observation and reward normalisation (clipped at
10), clipped value loss, gradient clipping 0.5, learning rate annealed from 3e-4,
one torch thread. Every run is its own process; the runs alternate (ours, SB3,
ours, ...) so that machine noise hits them alike. Steps/s count training time
only (ours: the training loop, without the final evaluation; SB3: `learn()`).

Rows:
- `sb3 PPO`: Stable-Baselines3 with a DummyVecEnv (envs stepped in the same process).
- `ours, sync envs`: our script with every env in its own process too (`--env-workers 0`: one core).
- `ours, env worker`: the same settings; a worker process (the second core) plays 4 of the
  8 envs with its own copy of the policy while the learner process plays the other 4
  (`--env-workers 1`: one message each way per rollout).
- `ours, defaults`: our script with all its defaults (what `python baselines/ppo_continuous_action.py` runs).

Besides steps/s of wall time, each run reports steps per CPU second of its
learner process (for `env worker`, without the worker's CPU): on a machine
busy with other work that figure moves less than wall time does. Final
numbers should be measured on a quiet machine.

`--quick` runs a few thousand steps once: a smoke test, not a measurement.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(os.environ.get("PPO_SCRIPT", ROOT / "baselines" / "ppo_continuous_action.py"))
ENV_ID = "StumpTracks-v0"
# the like-for-like settings, for both implementations
NUM_ENVS, NUM_STEPS, NUM_MINIBATCHES, UPDATE_EPOCHS, HIDDEN = 8, 256, 16, 10, 128
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SAME = [
    "--num-envs",
    str(NUM_ENVS),
    "--num-steps",
    str(NUM_STEPS),
    "--num-minibatches",
    str(NUM_MINIBATCHES),
    "--update-epochs",
    str(UPDATE_EPOCHS),
    "--hidden",
    str(HIDDEN),
    "--torch-threads",
    "1",
]
VARIANTS = {
    "sb3 PPO": None,
    "ours, sync envs": SAME + ["--env-workers", "0"],
    "ours, env worker": SAME + ["--env-workers", "1"],
    "ours, defaults": [],
}
SAC_SCRIPT = Path(os.environ.get("SAC_SCRIPT", ROOT / "baselines" / "sac_continuous_action.py"))
SAC_WARMUP = 1_000  # random steps before the first gradient step (both sides)
SAC_VARIANTS = {
    "sb3 SAC": None,
    "ours, 1 thread": ["--learning-starts", str(SAC_WARMUP), "--torch-threads", "1"],
    "ours, defaults": ["--learning-starts", str(SAC_WARMUP)],
}


def run_ours(
    extra: list[str], steps: int, seed: int, script: Path = SCRIPT, one_thread: bool = True
) -> tuple[float, float]:
    """Trains our baseline in its own process (BLAS on one thread unless ``one_thread`` is false);
    returns its training steps/s."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-W",
            "ignore",
            str(script),
            "--env-id",
            ENV_ID,
            "--teacher",
            "alp-gmm",
            "--total-timesteps",
            str(steps),
            "--seed",
            str(seed),
            "--eval-every",
            "0",
            "--eval-tasks",
            "1",
            "--eval-max-steps",
            "10",
            "--no-progress",
            "--no-plots",
            "--runs-dir",
            tmp,
            *extra,
        ]
        out = subprocess.run(
            cmd, capture_output=True, text=True, env={**os.environ, **(ONE_THREAD if one_thread else {})}, timeout=3600
        )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout[-2000:]}{out.stderr[-3000:]}")
    return parse(out.stdout)


def parse(stdout: str) -> tuple[float, float]:
    """(steps/s of wall time, steps per CPU second of the learner process) from a run's `training:` line."""
    match = re.search(r"training: (\d+) steps in ([\d.]+) s .*?([\d.]+) s CPU", stdout)
    steps, wall, cpu = int(match.group(1)), float(match.group(2)), float(match.group(3))
    return steps / wall, steps / cpu


def sb3_model(algo: str, seed: int):
    """Stable-Baselines3's PPO or SAC with the same settings as ours (built in the child process)."""
    import gymnasium as gym
    import torch
    from stable_baselines3 import PPO, SAC
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

    import curriculum_gym as cg

    torch.set_num_threads(1)
    task_space = gym.make(ENV_ID).unwrapped.task_space
    teacher = cg.make_teacher("alp-gmm", task_space, seed=seed)  # one teacher for all envs, as in ours
    if algo == "sac":
        return SAC(
            "MlpPolicy",
            DummyVecEnv([lambda: gym.make(ENV_ID, teacher=teacher)]),
            learning_rate=7.3e-4,
            buffer_size=300_000,
            batch_size=256,
            ent_coef="auto",
            gamma=0.98,
            tau=0.02,
            train_freq=64,
            gradient_steps=64,
            learning_starts=SAC_WARMUP,
            policy_kwargs={"net_arch": [400, 300]},
            seed=seed,
            device="cpu",
            verbose=0,
        )
    venv = DummyVecEnv([lambda: gym.make(ENV_ID, teacher=teacher) for _ in range(NUM_ENVS)])
    venv = VecNormalize(venv, norm_obs=True, norm_reward=True, clip_obs=10.0, clip_reward=10.0, gamma=0.99)
    return PPO(
        "MlpPolicy",
        venv,
        learning_rate=lambda remaining: 3e-4 * remaining,
        n_steps=NUM_STEPS,
        batch_size=NUM_ENVS * NUM_STEPS // NUM_MINIBATCHES,
        n_epochs=UPDATE_EPOCHS,
        gamma=0.99,
        gae_lambda=0.95,
        clip_range=0.2,
        clip_range_vf=0.2,
        ent_coef=0.0,
        vf_coef=0.5,
        max_grad_norm=0.5,
        policy_kwargs={
            "net_arch": {"pi": [HIDDEN, HIDDEN], "vf": [HIDDEN, HIDDEN]},
            "activation_fn": torch.nn.Tanh,
            "log_std_init": 0.0,
        },
        seed=seed,
        device="cpu",
        verbose=0,
    )


def sb3_child(algo: str, steps: int, seed: int) -> None:
    """Trains Stable-Baselines3's PPO or SAC (in its own process); prints its steps/s."""
    model = sb3_model(algo, seed)
    start, start_cpu = time.perf_counter(), time.process_time()
    model.learn(total_timesteps=steps)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"training: {model.num_timesteps} steps in {elapsed:.3f} s ({cpu:.3f} s CPU here)")


def run_sb3(algo: str, steps: int, seed: int) -> tuple[float, float]:
    cmd = [sys.executable, "-W", "ignore", __file__, "--sb3-child", algo, "--steps", str(steps), "--seed", str(seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **ONE_THREAD}, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"SB3 run failed:\n{out.stdout[-2000:]}{out.stderr[-3000:]}")
    return parse(out.stdout)


def main(argv: list[str] | None = None) -> dict[str, list[tuple[float, float]]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--algo", default="ppo", choices=["ppo", "sac"])
    parser.add_argument("--steps", type=int, help="training steps per run (default: 50 000 for PPO, 6 000 for SAC)")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved repetitions of every variant")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=sorted(set(VARIANTS) | set(SAC_VARIANTS)),
        metavar="NAME",
        help=f"which rows to run (default: all; PPO: {list(VARIANTS)}, SAC: {list(SAC_VARIANTS)})",
    )
    parser.add_argument("--quick", action="store_true", help="one short repetition: a smoke test, not a measurement")
    parser.add_argument("--sb3-child", choices=["ppo", "sac"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sb3_child:
        sb3_child(args.sb3_child, args.steps, args.seed)
        return {}
    variants = SAC_VARIANTS if args.algo == "sac" else VARIANTS
    peer_name = "sb3 SAC" if args.algo == "sac" else "sb3 PPO"
    names = args.variants or list(variants)
    if unknown := [name for name in names if name not in variants]:
        parser.error(f"--variants {unknown} are not {args.algo.upper()} rows; its rows: {list(variants)}")
    if args.steps is None:
        args.steps = 6_000 if args.algo == "sac" else 50_000
    if args.quick:
        args.steps, args.repeats = (SAC_WARMUP + 256 if args.algo == "sac" else NUM_ENVS * NUM_STEPS * 2), 1

    if args.algo == "sac":
        print(
            f"SAC on {ENV_ID} (ALP-GMM teacher), {args.steps} steps per run ({SAC_WARMUP} random first), "
            f"{args.repeats} interleaved repetitions; 1 env, 400x300 ReLU nets, batch 256, 64 gradient steps "
            f"every 64 env steps; {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
    else:
        print(
            f"PPO on {ENV_ID} (ALP-GMM teacher), {args.steps} steps per run, {args.repeats} interleaved repetitions; "
            f"{NUM_ENVS} envs x {NUM_STEPS} steps, {NUM_MINIBATCHES} minibatches, {UPDATE_EPOCHS} epochs, "
            f"{HIDDEN}x{HIDDEN} tanh nets, obs/reward normalisation, 1 torch thread; "
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
    script = SAC_SCRIPT if args.algo == "sac" else SCRIPT
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for repeat in range(args.repeats):
        for name in names:
            if variants[name] is None:
                sps = run_sb3(args.algo, args.steps, args.seed)
            else:  # SAC with its defaults uses torch's default threads
                one_thread = not (args.algo == "sac" and name == "ours, defaults")
                sps = run_ours(variants[name], args.steps, args.seed, script, one_thread)
            results[name].append(sps)
            print(f"  repeat {repeat}: {name:<18} {sps[0]:7.0f} steps/s  {sps[1]:7.0f} steps/CPU-s", flush=True)
    print(
        "medians; steps/CPU-s: per CPU second of the learner process (without its env workers), "
        "steadier than wall time on a busy machine"
    )
    print(f"{'variant':<18} {'steps/s':>8} {'x sb3':>6} {'steps/CPU-s':>12} {'x sb3':>6}")
    peer = [
        statistics.median(v[k] for v in results[peer_name]) if peer_name in results else float("nan") for k in (0, 1)
    ]
    for name, values in results.items():
        wall, cpu = (statistics.median(v[k] for v in values) for k in (0, 1))
        print(f"{name:<18} {wall:8.0f} {wall / peer[0]:6.2f} {cpu:12.0f} {cpu / peer[1]:6.2f}")
    return results


if __name__ == "__main__":
    main()
