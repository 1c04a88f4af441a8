"""Hexagon Tracks: deformed hexagon-like obstacles from 12 parameters (Portelas et al., CoRL 2019)."""

from __future__ import annotations

import numpy as np

from curriculum_gym.envs.terrain.base import TrackGenerator, TrackLayout
from curriculum_gym.tasks import TaskSpace

#: the base obstacle, in TERRAIN_STEPs around its anchor on the ground
BASE_HEXAGON = np.array([(-0.5, 0.0), (-0.5, 0.25), (-0.25, 0.5), (0.25, 0.5), (0.5, 0.25), (0.5, 0.0)])
OFFSET_STD = 0.1  # in TERRAIN_STEPs
SPACING = 8.0  # world units of flat ground after each obstacle
ADVANCE = 1.0  # world units an obstacle's anchor takes on the track
MAX_ABS_OFFSET = 100.0  # in TERRAIN_STEPs (47 world units): far beyond any learnable obstacle, still fine for Box2D


class HexagonTracks(TrackGenerator):
    """Task of 12 numbers in [0, 4]: the mean (dx, dy) offsets of the 6 vertices.

    Each vertex moves by ``N(offset, 0.1)`` TERRAIN_STEPs; the first and last
    vertices move in x only, so every obstacle stands on the ground. Obstacles
    are ``SPACING + ADVANCE`` = 9 world units apart (about 10 per track). Bounds
    may reach [-100, 100] for every offset.
    """

    name = "hexagons"
    task_limits = {f"{axis}{i}": (-MAX_ABS_OFFSET, MAX_ABS_OFFSET) for i in range(6) for axis in ("dx", "dy")}

    def default_task_space(self) -> TaskSpace:
        names = [f"{axis}{i}" for i in range(6) for axis in ("dx", "dy")]
        return TaskSpace(names, np.zeros(12), np.full(12, 4.0))

    def obstacles(self, task: np.ndarray, rng: np.random.Generator, layout: TrackLayout) -> list[np.ndarray]:
        step = layout.terrain_step
        period = SPACING + ADVANCE
        n = int(np.ceil((layout.end_x - layout.start_x) / period))
        anchors = layout.start_x + period * np.arange(n)
        anchors = anchors[anchors < layout.end_x]
        offsets = rng.normal(np.asarray(task, dtype=np.float64), OFFSET_STD, size=(len(anchors), 12)).reshape(-1, 6, 2)
        offsets[:, [0, 5], 1] = 0.0  # ground vertices stay on the ground
        polys = (BASE_HEXAGON[None] + offsets) * step
        polys[..., 0] += anchors[:, None]
        polys[..., 1] += layout.ground_y
        return list(polys)
