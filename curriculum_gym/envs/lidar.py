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

        # every polygon's vertices in one (P, MAX_VERTICES) array, padded; sorted by leftmost x
        counts = np.array([len(poly) for poly in polygons], dtype=np.intp)
        used = np.arange(MAX_VERTICES) < counts[:, None]
        vx, vy = np.zeros(used.shape), np.zeros(used.shape)
        if len(polygons):
            vx[used], vy[used] = np.concatenate([np.asarray(poly, dtype=np.float64) for poly in polygons]).T
        xmin = np.where(used, vx, np.inf).min(axis=1)
        order = np.argsort(xmin, kind="stable")
        counts, used, vx, vy, xmin = counts[order], used[order], vx[order], vy[order], xmin[order]
        self._xmin = xmin.tolist()
        widths = np.where(used, vx, -np.inf).max(axis=1) - xmin
        self._max_width = float(widths.max()) if len(widths) else 0.0
        # edge i goes from vertex i to i + 1 (the last back to the first)
        following = (np.arange(MAX_VERTICES) + 1) % np.maximum(counts, 1)[:, None]
        ex = np.take_along_axis(vx, following, axis=1) - vx
        ey = np.take_along_axis(vy, following, axis=1) - vy
        nx, ny = np.where(used, ey, 0.0), np.where(used, -ex, 0.0)  # outward normal of a CCW polygon
        offset = np.where(used, nx * vx + ny * vy, 0.0)
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
