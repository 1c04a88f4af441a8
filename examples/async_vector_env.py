"""Four async workers, one shared ALP-GMM teacher: who reported how many episodes.

Run:  python examples/async_vector_env.py [--steps 3000]
"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np

import curriculum_gym as cg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    task_space = gym.make("StumpTracks-v0").unwrapped.task_space
    teacher = cg.make_teacher("alp-gmm", task_space, seed=0, fit_rate=50)
    with cg.serve(teacher) as handle:  # a server thread here; the handle travels to the workers
        envs = gym.make_vec(
            "StumpTracks-v0", args.workers, vectorization_mode="async", teacher=handle, max_episode_steps=200
        )
        envs.action_space.seed(0)
        envs.reset(seed=0)
        finished = np.zeros(args.workers, dtype=int)
        for _ in range(args.steps):
            _, _, terminated, truncated, _ = envs.step(envs.action_space.sample())
            finished += terminated | truncated
        envs.close()
        print(f"{args.workers} async workers, {args.steps} vector steps, random actions")
        for client, counts in sorted(handle.server.client_counts().items()):
            print(
                f"  worker connection {client}: {counts['samples']} tasks sampled, {counts['updates']} episodes reported"
            )
        print(f"episodes finished per worker (seen by this process): {finished.tolist()}")
        print(
            f"the shared teacher received {teacher.n_updates_} episodes in total and fitted {len(teacher.fits_)} GMMs"
        )


if __name__ == "__main__":
    main()
