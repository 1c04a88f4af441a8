"""Stump Tracks: rows of rectangular stumps of random height (Portelas et al., CoRL 2019)."""

from __future__ import annotations

import numpy as np

from curriculum_gym.envs.terrain.base import TrackGenerator, TrackLayout
from curriculum_gym.tasks import TaskSpace

MIN_SPACING = 0.01  # world units of flat ground between two stumps, at least
MIN_HEIGHT = 0.05  # in TERRAIN_STEPs
HEIGHT_STD = 0.1  # in TERRAIN_STEPs
MAX_ABS_HEIGHT = 100.0  # in TERRAIN_STEPs (47 world units): far beyond any learnable stump, still fine for Box2D
MAX_ABS_SPACING = 1000.0  # world units: beyond the track's length (one stump)


class StumpTracks(TrackGenerator):
    """Task ``(stump_height, obstacle_spacing)``, bounds [0, 3] x [0, 6].

    After the start pad the track alternates one stump (one TERRAIN_STEP wide,
    ``max(0.05, N(stump_height, 0.1))`` TERRAIN_STEPs high) and
    ``max(0.01, obstacle_spacing)`` world units of flat ground. Bounds may reach
    [-100, 100] for the height (negative heights give the minimum stumps) and
    [-1000, 1000] for the spacing.
    """

    name = "stumps"
    task_limits = {
        "stump_height": (-MAX_ABS_HEIGHT, MAX_ABS_HEIGHT),
        "obstacle_spacing": (-MAX_ABS_SPACING, MAX_ABS_SPACING),
    }

    def default_task_space(self) -> TaskSpace:
        return TaskSpace(["stump_height", "obstacle_spacing"], [0.0, 0.0], [3.0, 6.0])

    def obstacles(self, task: np.ndarray, rng: np.random.Generator, layout: TrackLayout) -> list[np.ndarray]:
        mean_height, spacing = float(task[0]), max(MIN_SPACING, float(task[1]))
        step = layout.terrain_step
        period = step + spacing
        n = int(np.ceil((layout.end_x - layout.start_x) / period))
        xs = layout.start_x + period * np.arange(n)
        xs = xs[xs < layout.end_x]
        heights = np.maximum(MIN_HEIGHT, rng.normal(mean_height, HEIGHT_STD, size=len(xs))) * step
        y = layout.ground_y
        return [
            np.array([(x, y), (x + step, y), (x + step, y + h), (x, y + h)])
            for x, h in zip(xs.tolist(), heights.tolist())
        ]
