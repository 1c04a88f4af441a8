"""Training throughput of the PPO baseline against Stable-Baselines3's PPO, side by side.

Run:  python benchmarks/training_throughput.py [--steps 50000] [--repeats 2] [--quick]

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
- `ours, env worker`: the same settings; a worker process (the second core) steps 5 of the
  8 envs while the learner process steps the other 3 and runs the policy (`--env-workers 1`).
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


def run_ours(extra: list[str], steps: int, seed: int) -> tuple[float, float]:
    """Trains our baseline in its own process; returns its training steps/s."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-W",
            "ignore",
            str(SCRIPT),
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
        out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **ONE_THREAD}, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout[-2000:]}{out.stderr[-3000:]}")
    return parse(out.stdout)


def parse(stdout: str) -> tuple[float, float]:
    """(steps/s of wall time, steps per CPU second of the learner process) from a run's `training:` line."""
    match = re.search(r"training: (\d+) steps in ([\d.]+) s .*?([\d.]+) s CPU", stdout)
    steps, wall, cpu = int(match.group(1)), float(match.group(2)), float(match.group(3))
    return steps / wall, steps / cpu


def sb3_child(steps: int, seed: int) -> None:
    """Trains Stable-Baselines3's PPO with the same settings (run in its own process); prints its steps/s."""
    import gymnasium as gym
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

    import curriculum_gym as cg

    torch.set_num_threads(1)
    task_space = gym.make(ENV_ID).unwrapped.task_space
    teacher = cg.make_teacher("alp-gmm", task_space, seed=seed)  # one teacher for all envs, as in ours
    venv = DummyVecEnv([lambda: gym.make(ENV_ID, teacher=teacher) for _ in range(NUM_ENVS)])
    venv = VecNormalize(venv, norm_obs=True, norm_reward=True, clip_obs=10.0, clip_reward=10.0, gamma=0.99)
    model = PPO(
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
    start, start_cpu = time.perf_counter(), time.process_time()
    model.learn(total_timesteps=steps)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"training: {model.num_timesteps} steps in {elapsed:.3f} s ({cpu:.3f} s CPU here)")


def run_sb3(steps: int, seed: int) -> tuple[float, float]:
    cmd = [sys.executable, "-W", "ignore", __file__, "--sb3-child", "--steps", str(steps), "--seed", str(seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **ONE_THREAD}, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"SB3 run failed:\n{out.stdout[-2000:]}{out.stderr[-3000:]}")
    return parse(out.stdout)


def main(argv: list[str] | None = None) -> dict[str, list[tuple[float, float]]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=50_000, help="training steps per run")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved repetitions of every variant")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--variants",
        nargs="+",
        default=list(VARIANTS),
        choices=list(VARIANTS),
        metavar="NAME",
        help=f"which rows to run (default: all of {list(VARIANTS)})",
    )
    parser.add_argument("--quick", action="store_true", help="one short repetition: a smoke test, not a measurement")
    parser.add_argument("--sb3-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sb3_child:
        sb3_child(args.steps, args.seed)
        return {}
    if args.quick:
        args.steps, args.repeats = NUM_ENVS * NUM_STEPS * 2, 1

    print(
        f"PPO on {ENV_ID} (ALP-GMM teacher), {args.steps} steps per run, {args.repeats} interleaved repetitions; "
        f"{NUM_ENVS} envs x {NUM_STEPS} steps, {NUM_MINIBATCHES} minibatches, {UPDATE_EPOCHS} epochs, "
        f"{HIDDEN}x{HIDDEN} tanh nets, obs/reward normalisation, 1 torch thread; "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in args.variants}
    for repeat in range(args.repeats):
        for name in args.variants:
            sps = (
                run_sb3(args.steps, args.seed)
                if VARIANTS[name] is None
                else run_ours(VARIANTS[name], args.steps, args.seed)
            )
            results[name].append(sps)
            print(f"  repeat {repeat}: {name:<18} {sps[0]:7.0f} steps/s  {sps[1]:7.0f} steps/CPU-s", flush=True)
    print(
        "medians; steps/CPU-s: per CPU second of the learner process (without its env workers), "
        "steadier than wall time on a busy machine"
    )
    print(f"{'variant':<18} {'steps/s':>8} {'x sb3':>6} {'steps/CPU-s':>12} {'x sb3':>6}")
    peer = [
        statistics.median(v[k] for v in results["sb3 PPO"]) if "sb3 PPO" in results else float("nan") for k in (0, 1)
    ]
    for name, values in results.items():
        wall, cpu = (statistics.median(v[k] for v in values) for k in (0, 1))
        print(f"{name:<18} {wall:8.0f} {wall / peer[0]:6.2f} {cpu:12.0f} {cpu / peer[1]:6.2f}")
    return results


if __name__ == "__main__":
    main()
