"""Every walker body on the same Stump Track, one frame each, in one picture.

Run:  python examples/bodies.py [--out bodies.png] [--steps 0]

Each body is reset on the same task and seed, takes ``--steps`` steps of a
small constant action (0: the spawn pose), and is drawn by the env's own
renderer; the frames are tiled two per row with the body's name and sizes.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym
import numpy as np

import curriculum_gym as cg

TASK = [1.0, 3.0]  # (stump_height, obstacle_spacing)


def frame(body: str, steps: int, seed: int) -> np.ndarray:
    env = gym.make("StumpTracks-v0", body=body, render_mode="rgb_array")
    env.reset(seed=seed, options={"task": TASK})
    for _ in range(steps):
        env.step(np.full(env.action_space.shape, 0.1, dtype=np.float32))
    image = env.render()
    env.close()
    return image


def label(image: np.ndarray, text: str) -> np.ndarray:
    import pygame

    pygame.font.init()
    surface = pygame.surfarray.make_surface(image.transpose(1, 0, 2))
    surface.blit(pygame.font.Font(None, 30).render(text, True, (0, 0, 0)), (10, 10))
    return pygame.surfarray.array3d(surface).transpose(1, 0, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="bodies.png")
    parser.add_argument("--steps", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    tiles = []
    for name, spec in cg.BODIES.items():
        tiles.append(
            label(frame(name, args.steps, args.seed), f"{name}: obs {spec.obs_dim}, actions {spec.action_dim}")
        )
        print(f"{name:16s} obs {spec.obs_dim:3d}  actions {spec.action_dim:3d}  parts {len(spec.parts):3d}")
    if len(tiles) % 2:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.concatenate(tiles[i : i + 2], axis=1) for i in range(0, len(tiles), 2)]
    image = np.concatenate(rows, axis=0)

    import pygame

    pygame.image.save(pygame.surfarray.make_surface(image.transpose(1, 0, 2)), args.out)
    print(f"wrote {args.out} ({image.shape[1]}x{image.shape[0]} px, {len(cg.BODIES)} bodies)")


if __name__ == "__main__":
    main()
