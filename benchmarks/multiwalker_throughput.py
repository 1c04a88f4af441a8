"""Agent-steps/s of multiwalker_tracks_v0 (3 walkers) against PettingZoo's own SISL multiwalker_v9.

Run:  python benchmarks/multiwalker_throughput.py [--steps 10000] [--repeats 3]

Both parallel envs, 3 walkers, random actions from a fixed seed, interleaved
repetitions; an agent-step is one walker moving one step. Medians and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from pettingzoo.sisl import multiwalker_v9

from curriculum_gym.multiagent import multiwalker_tracks_v0


def agent_steps_per_second(make, n_steps: int, seed: int) -> float:
    env = make()
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    agent_steps, elapsed = 0, 0.0
    for _ in range(n_steps):
        actions = {a: rng.uniform(-1, 1, env.action_space(a).shape).astype(np.float32) for a in env.agents}
        t0 = time.perf_counter()
        env.step(actions)
        elapsed += time.perf_counter() - t0
        agent_steps += len(actions)
        if not env.agents:
            env.reset()
    env.close()
    return agent_steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    peers = {
        "pettingzoo multiwalker_v9": lambda: multiwalker_v9.parallel_env(n_walkers=3),
        "multiwalker_tracks_v0": lambda: multiwalker_tracks_v0.parallel_env(n_walkers=3),
    }
    results: dict[str, list[float]] = {k: [] for k in peers}
    for rep in range(args.repeats):
        for name, make in peers.items():
            results[name].append(agent_steps_per_second(make, args.steps, rep))
    base = statistics.median(results["pettingzoo multiwalker_v9"])
    print(f"{args.repeats} repetitions x {args.steps} env steps, 3 walkers, random actions; medians")
    for name, values in results.items():
        print(f"{name:28s} {statistics.median(values):8.0f} agent-steps/s  x{statistics.median(values) / base:.2f}")


if __name__ == "__main__":
    main()
