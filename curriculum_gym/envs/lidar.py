"""Lidar readings computed from the known static terrain, without Box2D ray casts.

The walker's 10 rays only ever hit static terrain: one flat ground edge and
convex obstacle polygons. This module reproduces Box2D 2.3's ray casts
(``b2EdgeShape::RayCast`` and the half-plane clipping of
``b2PolygonShape::RayCast``, closest hit wins) with a few vectorised numpy
operations per step. ``tests/test_lidar.py`` checks it against real ray casts.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np

MAX_VERTICES = 8  # Box2D's b2_maxPolygonVertices


class TerrainLidar:
    """Rays from a point at angles ``1.5 * i / n`` rad from straight down, towards +x.

    Args:
        polygons: convex obstacle polygons in world coordinates, counter-clockwise
            (as Box2D stores them), each with 3..8 vertices.
        ground_y, ground_x0, ground_x1: the flat ground edge.
        n_rays, max_range: the sensor.
    """

    def __init__(
        self,
        polygons: list[np.ndarray],
        ground_y: float,
        ground_x0: float,
        ground_x1: float,
        n_rays: int = 10,
        max_range: float = 160 / 30,
    ) -> None:
        angles = 1.5 * np.arange(n_rays) / n_rays
        self.dx = np.sin(angles) * max_range  # ray vectors, (n_rays,)
        self.dy = -np.cos(angles) * max_range
        self.reach = float(self.dx.max())
        self.ground_y, self.ground_x0, self.ground_x1 = ground_y, ground_x0, ground_x1
        self._inv_drop = 1.0 / -self.dy  # fraction per unit of height above the ground
        self.n_rays = n_rays

        order = sorted(range(len(polygons)), key=lambda i: float(polygons[i][:, 0].min()))
        polys = [np.asarray(polygons[i], dtype=np.float64) for i in order]
        self._xmin = [float(p[:, 0].min()) for p in polys]
        self._max_width = max((float(p[:, 0].max() - p[:, 0].min()) for p in polys), default=0.0)
        p_count = len(polys)
        nx = np.zeros((p_count, MAX_VERTICES))
        ny = np.zeros((p_count, MAX_VERTICES))
        offset = np.zeros((p_count, MAX_VERTICES))
        used = np.zeros((p_count, MAX_VERTICES), dtype=bool)
        for k, p in enumerate(polys):
            e = np.roll(p, -1, axis=0) - p  # edge i goes from vertex i to i + 1
            m = len(p)
            nx[k, :m], ny[k, :m] = e[:, 1], -e[:, 0]  # outward normal of a CCW polygon
            offset[k, :m] = nx[k, :m] * p[:, 0] + ny[k, :m] * p[:, 1]
            used[k, :m] = True
        self._nx, self._ny, self._offset = nx, ny, offset
        # The ray directions are fixed, so the denominators are too: precompute.
        den = nx[..., None] * self.dx + ny[..., None] * self.dy  # (P, V, R)
        entering = used[..., None] & (den < 0)
        exiting = used[..., None] & (den > 0)
        parallel = used[..., None] & (den == 0)
        inv = np.zeros_like(den)
        np.divide(1.0, den, out=inv, where=entering | exiting)
        # A ray parallel to an edge and outside it misses: give that edge a huge
        # entering ratio when numerator < 0 (and a hugely negative one otherwise).
        inv[parallel] = -1e30
        self._inv = inv
        self._lower_pad = np.where(entering | parallel, 0.0, -np.inf)
        self._upper_pad = np.where(exiting, 0.0, np.inf)

    def read(self, px: float, py: float) -> np.ndarray:
        """Hit fractions in [0, 1] (1 = nothing within range) of the rays from (px, py)."""
        fractions = np.ones(self.n_rays)
        height = py - self.ground_y
        if height >= 0.0:
            t = height * self._inv_drop
            qx = px + t * self.dx
            fractions = np.where((t <= 1.0) & (qx >= self.ground_x0) & (qx <= self.ground_x1), t, 1.0)
        i0 = bisect_left(self._xmin, px - self._max_width)
        i1 = bisect_right(self._xmin, px + self.reach)
        if i1 > i0:
            num = self._offset[i0:i1] - self._nx[i0:i1] * px - self._ny[i0:i1] * py  # (P, V)
            ratio = num[..., None] * self._inv[i0:i1]  # (P, V, R)
            lower = (ratio + self._lower_pad[i0:i1]).max(axis=1)
            upper = (ratio + self._upper_pad[i0:i1]).min(axis=1)
            hit = (lower > 0.0) & (lower <= upper)
            np.minimum(fractions, np.where(hit, lower, 1.0).min(axis=0), out=fractions)
        return fractions
