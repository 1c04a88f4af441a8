"""Step throughput and reset time of our envs against Gymnasium's BipedalWalkerHardcore-v3.

Run:  python benchmarks/env_throughput.py [--steps 20000] [--repeats 5] [--envs StumpTracks-v0 Parkour-v0 ...]

Every body is measured on Stump Tracks; Parkour-v0 with the default walker and, when the
catalogue has them, a swimmer (``fish``) and a climber (``climber``), each on tasks
drawn uniformly at every reset (a random teacher would do the same). Each env is made with gym.make (same
wrappers for every env), driven by random actions from a fixed seed, in
interleaved repetitions so that machine noise hits every env alike. Prints the
median steps/s and reset time of each env and their ratios to the stock env
measured in the same run.

When EnvPool is installed (``pip install envpool``), its C++
BipedalWalkerHardcore-v3 is a second peer: 8 envs stepped as one batch on one
thread, steps/s counting every env's step (its resets happen inside the batch
step, so it has no reset time).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import gymnasium as gym
import numpy as np

import curriculum_gym  # registers the IDs

PEER = "BipedalWalkerHardcore-v3"
CANDIDATES = {
    PEER: {},
    "StumpTracks-v0": {},
    "HexagonTracks-v0": {},
    **{f"StumpTracks-v0 ({body})": {"body": body} for body in curriculum_gym.BODIES if body != "default"},
    "Parkour-v0": {},
    **{f"Parkour-v0 ({body})": {"body": body} for body in ("fish", "climber") if body in curriculum_gym.BODIES},
}


def make(label: str) -> gym.Env:
    env_id = label.split(" ")[0]
    if env_id == PEER:
        return gym.make("BipedalWalker-v3", hardcore=True)
    return gym.make(env_id, **CANDIDATES[label])


def measure_steps(label: str, n_steps: int, seed: int) -> float:
    env = make(label)
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, size=(n_steps, env.action_space.shape[0])).astype(np.float32)
    env.reset(seed=seed)
    step_time = 0.0
    for a in actions:
        t0 = time.perf_counter()
        _, _, terminated, truncated, _ = env.step(a)
        step_time += time.perf_counter() - t0
        if terminated or truncated:
            env.reset()
    env.close()
    return n_steps / step_time


def measure_envpool_steps(n_steps: int, seed: int, n_envs: int = 8) -> float:
    import envpool

    env = envpool.make(PEER, env_type="gymnasium", num_envs=n_envs, batch_size=n_envs, num_threads=1, seed=seed)
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, size=(n_steps // n_envs, n_envs, env.action_space.shape[0])).astype(np.float32)
    env.reset()
    t0 = time.perf_counter()
    for a in actions:
        env.step(a)  # finished envs reset themselves on their next step
    dt = time.perf_counter() - t0
    env.close()
    return len(actions) * n_envs / dt


def measure_resets(label: str, n_resets: int, seed: int) -> float:
    env = make(label)
    env.reset(seed=seed)
    t0 = time.perf_counter()
    for _ in range(n_resets):
        env.reset()
    dt = (time.perf_counter() - t0) / n_resets
    env.close()
    return dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--resets", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--envs", nargs="+", metavar="ID", help="measure only the rows of these IDs (the stock peer always runs)"
    )
    args = parser.parse_args()
    labels = [label for label in CANDIDATES if label == PEER or not args.envs or label.split(" ")[0] in args.envs]
    try:
        import envpool  # noqa: F401
    except ImportError:
        envpool_sps = None
    else:
        envpool_sps = []

    sps: dict[str, list[float]] = {k: [] for k in labels}
    reset: dict[str, list[float]] = {k: [] for k in labels}
    for rep in range(args.repeats):
        for label in labels:
            sps[label].append(measure_steps(label, args.steps, seed=rep))
            reset[label].append(measure_resets(label, args.resets, seed=rep))
        if envpool_sps is not None:
            envpool_sps.append(measure_envpool_steps(args.steps, seed=rep))

    print(f"python {platform.python_version()}, {platform.machine()}, gymnasium {gym.__version__}")
    print(f"{args.repeats} repetitions x {args.steps} random-action steps, {args.resets} resets; medians")
    print(f"{'env':34s} {'steps/s':>9s} {'x peer':>7s} {'reset ms':>9s} {'x peer':>7s}")
    peer_sps, peer_reset = statistics.median(sps[PEER]), statistics.median(reset[PEER])
    for label in labels:
        s, r = statistics.median(sps[label]), statistics.median(reset[label])
        print(f"{label:34s} {s:9.0f} {s / peer_sps:7.2f} {r * 1e3:9.2f} {r / peer_reset:7.2f}")
    if envpool_sps is not None:
        s = statistics.median(envpool_sps)
        print(f"{'EnvPool (C++, 8 batched, 1 thread)':34s} {s:9.0f} {s / peer_sps:7.2f}")
        print(
            "ours / EnvPool: "
            + ", ".join(f"{label} {statistics.median(sps[label]) / s:.2f}" for label in labels if label != PEER)
        )


if __name__ == "__main__":
    main()
