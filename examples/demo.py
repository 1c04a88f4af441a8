"""A first look: random walkers on a few Stump Tracks tasks, and a picture of each track.

Run:  python examples/demo.py [--out demo_tracks.png]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym
import numpy as np

import curriculum_gym  # noqa: F401  (registers StumpTracks-v0 and HexagonTracks-v0)

TASKS = [[0.3, 4.0], [1.5, 2.0], [2.8, 0.5]]  # (stump_height, obstacle_spacing)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="demo_tracks.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    env = gym.make("StumpTracks-v0", render_mode="rgb_array")
    print(
        f"StumpTracks-v0: task space {env.unwrapped.task_space}, obs {env.observation_space.shape}, "
        f"actions {env.action_space.shape}"
    )
    env.action_space.seed(args.seed)
    frames = []
    for k, task in enumerate(TASKS):
        obs, info = env.reset(seed=args.seed + k, options={"task": task})
        ret, steps, terminated, truncated = 0.0, 0, False, False
        while not (terminated or truncated):
            obs, r, terminated, truncated, _ = env.step(env.action_space.sample())
            ret, steps = ret + r, steps + 1
            if steps == 40:  # a few steps in, so the walker is mid-stride in the picture
                frames.append(env.render())
        if steps < 40:
            frames.append(env.render())
        print(
            f"task {dict(zip(env.unwrapped.task_space.names, info['task'].round(2).tolist()))}: "
            f"{len(env.unwrapped.obstacles)} stumps, random walker return {ret:7.1f} after {steps} steps"
        )
    env.close()

    import pygame

    image = np.concatenate(frames, axis=0)  # (3*400, 600, 3)
    pygame.image.save(pygame.surfarray.make_surface(image.transpose(1, 0, 2)), args.out)
    print(f"wrote {args.out} ({image.shape[1]}x{image.shape[0]} px, one track per row)")


if __name__ == "__main__":
    main()
