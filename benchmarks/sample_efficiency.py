"""Steps and wall-clock time to reach a mean return of 230 on the easy Stump Track: our PPO and SAC
against Stable-Baselines3's PPO and SAC with rl-baselines3-zoo's BipedalWalker-v3 hyperparameters.

Run:  python benchmarks/sample_efficiency.py [--algos ours-ppo sb3-ppo ours-sac sb3-sac] [--seeds 3]
                                             [--max-minutes 30] [--target 230] [--window 20] [--jobs 1]

Every run trains on ``StumpTracks-v0`` with the one easy task (stump height 0, spacing
6: a few 0.05-high bumps), no teacher, on the same machine, one run at a time (each gets
the whole machine, as a user's run would), runs alternating between implementations. A
run reaches the target when the mean return of its last ``--window`` training episodes
is at least ``--target``; it stops then, or after ``--max-minutes`` of wall-clock time.
With ``--jobs N`` (N > 1) up to N runs train at once, each pinned to one
thread (BLAS and torch), so that N cores give every run one core of its own.
Prints, per implementation, how many seeds reached the target, and the median steps
and minutes to reach it (the ratio of ours to SB3's); the per-run numbers go to
``--out`` (JSON).

- ``ours-ppo`` / ``ours-sac``: ``baselines/ppo_continuous_action.py`` and
  ``baselines/sac_continuous_action.py`` with their defaults and ``--teacher none --task 0 6``
  (episode returns read from their TensorBoard logs while they train).
- ``sb3-ppo``: SB3 PPO with the zoo's BipedalWalker-v3 settings: 32 envs x 2048 steps,
  minibatch 64, 10 epochs, gamma 0.999, GAE 0.95, learning rate 3e-4, clip 0.18, no
  entropy bonus, observations and rewards normalised (``VecNormalize``).
- ``sb3-sac``: SB3 SAC with the zoo's settings: learning rate 7.3e-4, buffer 300 000,
  batch 256, gamma 0.98, tau 0.02, 64 gradient steps every 64 env steps, 10 000 warm-up
  steps, gSDE (``log_std_init=-3``), networks 400 x 300, automatic entropy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_ID = "StumpTracks-v0"
EASY_TASK = [0.0, 6.0]
SCRIPTS = {
    "ours-ppo": ROOT / "baselines" / "ppo_continuous_action.py",
    "ours-sac": ROOT / "baselines" / "sac_continuous_action.py",
}
ALGOS = ("ours-ppo", "sb3-ppo", "ours-sac", "sb3-sac")
POLL_SECONDS = 15
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def reached(episodes: list[tuple[int, float, float]], target: float, window: int) -> tuple[int, float] | None:
    """(steps, seconds) at the first episode whose ``window``-episode mean return is >= ``target``."""
    returns = [r for _, _, r in episodes]
    for i in range(window - 1, len(episodes)):
        if sum(returns[i - window + 1 : i + 1]) / window >= target:
            return episodes[i][0], episodes[i][1]
    return None


# ------------------------------------------------------------------ our baselines
def tensorboard_episodes(run_dir: Path, start: float) -> list[tuple[int, float, float]]:
    """(step, seconds since ``start``, return) of every training episode logged so far."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    episodes = []
    for events in run_dir.rglob("events.out.tfevents.*"):
        acc = EventAccumulator(str(events.parent), size_guidance={"scalars": 0})
        acc.Reload()
        if "charts/episodic_return" in acc.Tags().get("scalars", []):
            episodes += [(e.step, e.wall_time - start, e.value) for e in acc.Scalars("charts/episodic_return")]
    return sorted(episodes)


def run_ours(algo: str, seed: int, max_minutes: float, target: float, window: int, one_thread: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-W",
            "ignore",
            str(SCRIPTS[algo]),
            "--env-id",
            ENV_ID,
            "--teacher",
            "none",
            "--task",
            *map(str, EASY_TASK),
            "--seed",
            str(seed),
            "--total-timesteps",
            str(100_000_000),
            "--eval-every",
            "0",
            "--eval-tasks",
            "1",
            "--no-plots",
            "--no-progress",
            "--runs-dir",
            tmp,
            *(["--torch-threads", "1"] if one_thread else []),
        ]
        start = time.time()
        env = {**os.environ, **(ONE_THREAD if one_thread else {})}
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        hit = None
        while proc.poll() is None and time.time() - start < max_minutes * 60:
            time.sleep(POLL_SECONDS)
            episodes = tensorboard_episodes(Path(tmp), start)
            hit = reached(episodes, target, window)
            if hit is not None:
                break
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the baselines checkpoint and stop at the next iteration
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
        episodes = tensorboard_episodes(Path(tmp), start)
        if proc.returncode not in (0, 143, -signal.SIGTERM):
            raise RuntimeError(f"{algo} seed {seed} failed ({proc.returncode}): {proc.stderr.read()[-2000:]}")
    return summary(algo, seed, episodes, target, window)


def summary(algo: str, seed: int, episodes: list[tuple[int, float, float]], target: float, window: int) -> dict:
    hit = reached(episodes, target, window)
    means = [sum(r for *_, r in episodes[i - window + 1 : i + 1]) / window for i in range(window - 1, len(episodes))]
    return {
        "algo": algo,
        "seed": seed,
        "reached": hit is not None,
        "steps": None if hit is None else hit[0],
        "minutes": None if hit is None else hit[1] / 60,
        "episodes": len(episodes),
        "last_step": episodes[-1][0] if episodes else 0,
        "best_mean_return": max(means, default=None),
    }


# ---------------------------------------------------------------- Stable-Baselines3
def run_sb3(algo: str, seed: int, max_minutes: float, target: float, window: int, one_thread: bool) -> dict:
    """Trains in a child process (its own interpreter, like our scripts); returns its summary."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "episodes.json"
        cmd = [
            sys.executable,
            "-W",
            "ignore",
            __file__,
            "--child",
            algo,
            "--seeds",
            str(seed),
            "--max-minutes",
            str(max_minutes),
            "--target",
            str(target),
            "--window",
            str(window),
            "--out",
            str(out),
        ]
        env = {**os.environ, **(ONE_THREAD if one_thread else {})}
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        episodes = [tuple(e) for e in json.loads(out.read_text())]
    return summary(algo, seed, episodes, target, window)


def sb3_child(algo: str, seed: int, max_minutes: float, target: float, window: int, out: Path) -> None:
    import gymnasium as gym
    import torch
    from stable_baselines3 import PPO, SAC
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    import curriculum_gym  # noqa: F401  (registers the IDs)

    if os.environ.get("OMP_NUM_THREADS") == "1":  # --jobs > 1: one thread per run
        torch.set_num_threads(1)
    start = time.time()

    def make() -> gym.Env:
        return gym.make(ENV_ID, task=EASY_TASK)

    if algo == "sb3-ppo":
        venv = VecNormalize(make_vec_env(make, n_envs=32, seed=seed), gamma=0.999)
        model = PPO(
            "MlpPolicy",
            venv,
            n_steps=2048,
            batch_size=64,
            gae_lambda=0.95,
            gamma=0.999,
            n_epochs=10,
            ent_coef=0.0,
            learning_rate=3e-4,
            clip_range=0.18,
            seed=seed,
            device="cpu",
            verbose=0,
        )
    else:
        venv = make_vec_env(make, n_envs=1, seed=seed)
        model = SAC(
            "MlpPolicy",
            venv,
            learning_rate=7.3e-4,
            buffer_size=300_000,
            batch_size=256,
            ent_coef="auto",
            gamma=0.98,
            tau=0.02,
            train_freq=64,
            gradient_steps=64,
            learning_starts=10_000,
            use_sde=True,
            policy_kwargs={"log_std_init": -3, "net_arch": [400, 300]},
            seed=seed,
            device="cpu",
            verbose=0,
        )
    episodes: list[tuple[int, float, float]] = []

    class Watch(BaseCallback):
        def _on_step(self) -> bool:
            for info in self.locals["infos"]:
                if "episode" in info:  # SB3's Monitor: the raw episode return
                    episodes.append((self.num_timesteps, time.time() - start, float(info["episode"]["r"])))
            return reached(episodes, target, window) is None and time.time() - start < max_minutes * 60

    model.learn(total_timesteps=100_000_000, callback=Watch())
    out.write_text(json.dumps(episodes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--algos", nargs="+", default=list(ALGOS), choices=ALGOS)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N (the child mode: the one seed)")
    parser.add_argument("--max-minutes", type=float, default=30.0, help="wall-clock limit of one run")
    parser.add_argument("--target", type=float, default=230.0)
    parser.add_argument("--window", type=int, default=20, help="training episodes in the mean")
    parser.add_argument(
        "--jobs", type=int, default=1, help="runs at once, each on one thread (at most the number of cores)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "sample_efficiency.json")
    parser.add_argument("--child", choices=("sb3-ppo", "sb3-sac"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sb3_child(args.child, args.seeds, args.max_minutes, args.target, args.window, args.out)
        return

    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    jobs = [(algo, seed) for seed in range(1, args.seeds + 1) for algo in args.algos]

    def train(job: tuple[str, int]) -> dict:
        algo, seed = job
        run = run_ours if algo.startswith("ours") else run_sb3
        r = run(algo, seed, args.max_minutes, args.target, args.window, args.jobs > 1)
        best = float("nan") if r["best_mean_return"] is None else r["best_mean_return"]
        if r["reached"]:
            print(f"{algo:9s} seed {seed}: reached at {r['steps']:,} steps, {r['minutes']:.1f} min", flush=True)
        else:
            print(
                f"{algo:9s} seed {seed}: not reached in {args.max_minutes:g} min ({r['last_step']:,} steps, "
                f"best {args.window}-episode mean {best:.1f})",
                flush=True,
            )
        return r

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:  # each run is its own process; threads only wait
        runs = list(pool.map(train, jobs))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "target": args.target,
                "window": args.window,
                "max_minutes": args.max_minutes,
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "jobs": args.jobs,
                "runs": runs,
            },
            indent=2,
        )
    )

    print(
        f"\npython {platform.python_version()}, {os.cpu_count()} cores; target: mean of the last {args.window} "
        f"training returns >= {args.target:g}, at most {args.max_minutes:g} min per run"
    )
    print(f"{'algo':9s} {'reached':>8s} {'median steps':>13s} {'median min':>11s}")
    medians = {}
    for algo in args.algos:
        done = [r for r in runs if r["algo"] == algo and r["reached"]]
        n = sum(r["algo"] == algo for r in runs)
        steps = statistics.median(r["steps"] for r in done) if done else None
        minutes = statistics.median(r["minutes"] for r in done) if done else None
        medians[algo] = (steps, minutes)
        print(f"{algo:9s} {len(done):>4d}/{n:<3d} {steps or float('nan'):13,.0f} {minutes or float('nan'):11.1f}")
    for kind in ("ppo", "sac"):
        ours, sb3 = medians.get(f"ours-{kind}"), medians.get(f"sb3-{kind}")
        if ours and sb3 and ours[1] and sb3[1]:
            print(f"{kind}: ours / SB3 wall-clock {ours[1] / sb3[1]:.2f}, steps {ours[0] / sb3[0]:.2f}")
        elif ours and sb3:
            print(f"{kind}: no ratio (a side did not reach the target in time)")


if __name__ == "__main__":
    main()
