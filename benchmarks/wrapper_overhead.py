"""What a TeacherWrapper with ALP-GMM costs: steps/s against the bare env, same episodes.

Run:  python benchmarks/wrapper_overhead.py [--episodes 3000] [--repeats 3]

The wrapped env (gym.make("StumpTracks-v0", teacher="alp-gmm")) runs first with
random actions; the bare env then replays the very same episodes (the tasks
ALP-GMM chose, the same seeds and actions), so both do identical physics and
the difference is the wrapper plus the teacher (sampling, ALP, GMM refits).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import gymnasium as gym
import numpy as np

import curriculum_gym  # noqa: F401


def episodes(env, n: int, seed: int, tasks: list | None) -> tuple[int, float, list]:
    used, steps = [], 0
    start = time.perf_counter()
    for ep in range(n):
        options = None if tasks is None else {"task": tasks[ep]}
        _, info = env.reset(seed=seed * 100_000 + ep, options=options)
        used.append(info["task"])
        rng = np.random.default_rng(ep)
        done = False
        while not done:
            _, _, terminated, truncated, _ = env.step(rng.uniform(-1, 1, 4).astype(np.float32))
            steps += 1
            done = terminated or truncated
    return steps, time.perf_counter() - start, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ratios = []
    print(f"python {platform.python_version()}, {platform.machine()}, gymnasium {gym.__version__}")
    for rep in range(args.repeats):
        wrapped = gym.make("StumpTracks-v0", teacher="alp-gmm", teacher_options={"seed": rep})
        w_steps, w_time, tasks = episodes(wrapped, args.episodes, rep, None)
        teacher = wrapped.get_wrapper_attr("teacher")
        bare = gym.make("StumpTracks-v0")
        b_steps, b_time, _ = episodes(bare, args.episodes, rep, tasks)
        assert w_steps == b_steps, "the replay diverged"
        ratio = (w_steps / w_time) / (b_steps / b_time)
        ratios.append(ratio)
        print(
            f"repeat {rep}: {args.episodes} episodes, {w_steps} steps; bare {b_steps / b_time:7.0f} steps/s, "
            f"TeacherWrapper(ALP-GMM) {w_steps / w_time:7.0f} steps/s ({teacher.metrics()['n_fits']} GMM fits, "
            f"{teacher.episodes_reported if hasattr(teacher, 'episodes_reported') else teacher.n_updates_} updates) "
            f"-> ratio {ratio:.3f}"
        )
    print(f"median ratio wrapped / bare: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
