"""A few Parkour tracks, whole and as a body sees them at the start, in one picture.

Run:  python examples/parkour.py [--out parkour.png] [--bodies classic_bipedal spider] [--seed 0]

One row per task: the whole track (ground, ceiling, water and creepers, from the env's
own geometry after a reset), then the env's rendered frame at the start for each body.
The tasks go from a dry, open tunnel to a flooded one with long, dense creepers.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

import curriculum_gym as cg  # noqa: F401  (registers the IDs)

# (input_vector_0, input_vector_1, input_vector_2, water_level, creepers_height, creepers_spacing)
TASKS = {
    "dry, sparse creepers": [-0.15, 0.8, 0.1, 0.0, 0.5, 4.0],
    "other terrain, half-flooded": [0.05, 0.6, 0.3, 0.9, 1.0, 2.0],
    "flooded, dense creepers": [-0.35, 1.0, -0.1, 1.0, 3.0, 0.5],
}


def draw_track(ax: plt.Axes, env: gym.Env) -> None:
    """The whole track of ``env``'s current episode: ground, ceiling, water, creepers."""
    x, ground, ceiling = env.unwrapped.terrain
    x0, x1, _, water_y = env.unwrapped.water
    low, high = ground.min() - 2, ceiling.max() + 2
    ax.fill_between(x, low, ground, color="#8d6e63")
    ax.fill_between(x, ceiling, high, color="#616161")
    if water_y > low:
        ax.add_patch(Rectangle((x0, low), x1 - x0, water_y - low, color="#4fc3f7", alpha=0.4, lw=0))
    for cx0, cx1, cy0, cy1 in env.unwrapped.creepers:
        ax.add_patch(Rectangle((cx0, cy0), cx1 - cx0, cy1 - cy0, color="#2e7d32", lw=0))
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(low, high)
    ax.set_xlabel("x (m)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="parkour.png")
    parser.add_argument("--bodies", nargs="+", default=["classic_bipedal", "spider"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    columns = 1 + len(args.bodies)
    fig, axes = plt.subplots(
        len(TASKS),
        columns,
        figsize=(5 * columns, 3.2 * len(TASKS)),
        squeeze=False,
        width_ratios=[2] + [1] * (columns - 1),
    )
    for row, (title, task) in enumerate(TASKS.items()):
        for col, body in enumerate(args.bodies):
            env = gym.make("Parkour-v0", body=body, render_mode="rgb_array")
            env.reset(seed=args.seed, options={"task": task})
            if col == 0:
                draw_track(axes[row, 0], env)
                axes[row, 0].set_title(f"{title}: {task}", fontsize=9)
            axes[row, col + 1].imshow(env.render())
            axes[row, col + 1].set_title(body, fontsize=9)
            axes[row, col + 1].axis("off")
            env.close()
    fig.tight_layout()
    fig.savefig(args.out, dpi=80)
    print(f"wrote {args.out} ({len(TASKS)} tasks x {len(args.bodies)} bodies)")


if __name__ == "__main__":
    main()
