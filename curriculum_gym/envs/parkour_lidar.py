"""Parkour's lidar computed from the known static world, without Box2D ray casts.

In Parkour the head's 10 rays can hit four kinds of static fixture: the ground and
the ceiling (two polylines of two-sided Box2D edges on the same x points), the water
(one sensor polygon, a rectangle from the water's floor to its surface) and the
creepers (axis-aligned sensor rectangles). The closest hit wins; its surface code is
-1 for the water, +1 for a creeper and 0 for the ground, the ceiling or nothing.

This module reproduces Box2D 2.3's ray casts with a few numpy operations per step.
Every fixture is written as straight segments ("rows"), and a ray's reading is its
first valid crossing of a row:

- a terrain edge (``b2EdgeShape::RayCast``) is hit from either side at a fraction
  t in [0, 1], t = 0 included (a ray starting on an edge reads 0); an edge parallel
  to the ray is never hit, even when the ray runs along it;
- a rectangle (``b2PolygonShape::RayCast``) is hit where the ray *enters* it, at
  t in (0, 1]: only its edges whose outward normal faces the ray count, and t = 0
  does not, so a ray starting inside the rectangle or on its boundary does not see
  it (from under water the surface is invisible). For a convex polygon this first
  entering crossing is exactly Box2D's clipped ``lower`` fraction.

Horizontal rectangle edges are cut into pieces no wider than a terrain segment, so
every row is short and the rows a fan can reach form one slice of a list sorted by x.
Rows are grouped in blocks (ground, ceiling, creepers, the water's sides, surface and
floor); a coarse grid over x says which blocks the fan can reach from a given height,
and only their rows are cast against (a walker far below the ceiling skips it).

``tests/test_parkour_lidar.py`` checks the readings against real Box2D ray casts.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

#: rays per fan (Parkour's NB_LIDAR)
N_LIDAR = 10
#: ray length in metres (160 px); fractions are hit distance / this
LIDAR_RANGE = 160 / 30
#: lidar_type -> (alpha, beta): ray i points at phi_i = alpha * i / n + beta from straight down, towards +x
LIDAR_FANS = MappingProxyType({"down": (1.5, 0.0), "up": (2.3, 1.5), "full": (math.pi, 0.0)})
#: surface codes of the observation: the closest hit is the water polygon, a creeper, or anything else
WATER_CODE, CREEPER_CODE, TERRAIN_CODE = -1.0, 1.0, 0.0

# Blocks of rows; a set of blocks is a bit mask.
_GROUND, _CEILING, _CREEPERS, _SIDES, _SURFACE, _FLOOR = range(6)
_N_BLOCKS = 6
_MARGIN = 1e-6  # metres added to x windows and y reaches, against rounding in their bounds


class _Rows(NamedTuple):
    """Segments sorted by their smallest x, with what ``read`` needs precomputed.

    A row runs from (x0, y0) to (x1, y1); its normal is (nx, ny) = (y1 - y0, x0 - x1),
    outward for the counter-clockwise edges of a polygon.
    """

    xmin: list[float]  # (m,) a Python list, for bisect
    nx: np.ndarray  # (m,)
    ny: np.ndarray  # (m,)
    n_dot_p0: np.ndarray  # (m,) nx * x0 + ny * y0, one float up for polygon rows (t > 0 there)
    neg_inv_den: np.ndarray  # (rays, m) -1 / (normal . ray), NaN where the ray cannot hit the row
    bounds: np.ndarray  # (2, rays, m) [min(c0, c1), -max(c0, c1)], c = dx * y - dy * x at the row's ends
    code: np.ndarray  # (m,) surface code


def _rect_edges(x0: float, x1: float, y0: float, y1: float, piece: float) -> list[tuple[float, float, float, float]]:
    """A rectangle's edges, counter-clockwise, horizontal ones cut into pieces <= ``piece`` wide.

    Order: bottom pieces (left to right), right side, top pieces (right to left), left side.
    """
    n = max(1, math.ceil((x1 - x0) / piece))
    xs = [x0 + (x1 - x0) * i / n for i in range(n + 1)]
    xs[-1] = x1
    bottom = [(xs[i], y0, xs[i + 1], y0) for i in range(n)]
    top = [(xs[i + 1], y1, xs[i], y1) for i in reversed(range(n))]
    return [*bottom, (x1, y0, x1, y1), *top, (x0, y1, x0, y0)]


class ParkourLidar:
    """Parkour's lidar fan over one episode's static world: ground, ceiling, water and creepers.

    Ray i of the fan starts at the head's origin (px, py) and ends at
    (px, py) + ``max_range`` * (sin phi_i, -cos phi_i), with phi_i = alpha * i / n + beta
    (:data:`LIDAR_FANS`): 'down' (walkers) spans 0..1.35 rad from straight down, 'up'
    (climbers) 1.5..3.57 rad (just below forward-horizontal, through straight up),
    'full' (swimmers) 0..0.9 pi, the forward half only. A ray component that is zero
    up to rounding (the 'full' fan's horizontal ray) is set to exactly zero, as Box2D
    sees it once it stores the ray's end in float32 (for any |py| > 1e-8).

    Build one per episode (the world is static); :meth:`read` is called every step.
    Surface codes are recomputed on every read (the original kept a ray's last code
    when it hit nothing; here a miss reads code 0).

    Args:
        x: the terrain points' x, strictly increasing, shape (N,), N >= 2.
        ground, ceiling: the two polylines' y on those x, shape (N,); each pair of
            consecutive points is one two-sided edge.
        water_y, water_bottom: the water rectangle's top (the surface) and bottom, bottom < top.
        water_x0, water_x1: its left and right sides, x0 < x1.
        creepers: creeper rectangles, shape (k, 4), rows ``[x0, x1, y0, y1]`` with
            x0 < x1 and y0 < y1 (k may be 0).
        lidar_type: 'down', 'up' or 'full'.
        n_rays, max_range: the sensor (Parkour: 10 rays of 160 / 30 m).

    Attributes:
        lidar_type: the fan's name.
        ray_vectors: shape (n_rays, 2), each ray's end minus its start.

    Raises:
        TypeError: ``lidar_type`` is not a str, ``n_rays`` not an int, or a scalar not a real number.
        ValueError: an unknown ``lidar_type`` (the message names the allowed ones), or
            shapes, ordering or finiteness of the geometry.

    Example:
        >>> x = np.arange(30) * 14 / 30
        >>> lidar = ParkourLidar(x, np.zeros(30), np.full(30, 20.0), water_y=-50.0, water_x0=0.0,
        ...                      water_x1=float(x[-1]), water_bottom=-100.0,
        ...                      creepers=[[6.0, 6.5, 4.0, 20.0]], lidar_type="full")
        >>> fractions, codes = lidar.read(5.0, 2.0)
        >>> round(float(fractions[0]), 6)    # straight down, 2 m above the ground: 2 / 5.333
        0.375
        >>> codes                            # rays 8 and 9 (up and forward) meet the creeper
        array([0., 0., 0., 0., 0., 0., 0., 0., 1., 1.])
        >>> swimmer = ParkourLidar(x, np.zeros(30), np.full(30, 20.0), water_y=10.0, water_x0=0.0,
        ...                        water_x1=float(x[-1]), water_bottom=-100.0,
        ...                        creepers=np.empty((0, 4)), lidar_type="full")
        >>> swimmer.read(5.0, 12.0)[1][:4], swimmer.read(5.0, 8.0)[1][:4]  # the surface is seen from above only
        (array([-1., -1., -1., -1.]), array([0., 0., 0., 0.]))

    Change logs:
        0.2.0: added.
    """

    def __init__(
        self,
        x: ArrayLike,
        ground: ArrayLike,
        ceiling: ArrayLike,
        *,
        water_y: float,
        water_x0: float,
        water_x1: float,
        water_bottom: float,
        creepers: ArrayLike,
        lidar_type: str,
        n_rays: int = N_LIDAR,
        max_range: float = LIDAR_RANGE,
    ) -> None:
        if not isinstance(lidar_type, str):
            raise TypeError(f"lidar_type must be a str, got {type(lidar_type).__name__}")
        if lidar_type not in LIDAR_FANS:
            raise ValueError(f"lidar_type must be one of {', '.join(map(repr, LIDAR_FANS))}, got {lidar_type!r}")
        if isinstance(n_rays, bool) or not isinstance(n_rays, (int, np.integer)):
            raise TypeError(f"n_rays must be an int, got {type(n_rays).__name__}")
        if n_rays < 1:
            raise ValueError(f"n_rays must be >= 1, got {n_rays}")
        n_rays = int(n_rays)
        max_range = _real("max_range", max_range)
        if max_range <= 0:
            raise ValueError(f"max_range must be > 0, got {max_range}")
        xs = _profile("x", x)
        if len(xs) < 2:
            raise ValueError(f"x must have at least 2 points, got {len(xs)}")
        if not np.all(np.diff(xs) > 0):
            raise ValueError("x must be strictly increasing")
        profiles = [_profile(name, v) for name, v in (("ground", ground), ("ceiling", ceiling))]
        for name, p in zip(("ground", "ceiling"), profiles):
            if len(p) != len(xs):
                raise ValueError(f"{name} must have the same length as x ({len(xs)}), got {len(p)}")
        wy, wb = _real("water_y", water_y), _real("water_bottom", water_bottom)
        wx0, wx1 = _real("water_x0", water_x0), _real("water_x1", water_x1)
        if not wb < wy:
            raise ValueError(f"water_bottom must be < water_y ({wy}), got {wb}")
        if not wx0 < wx1:
            raise ValueError(f"water_x0 must be < water_x1 ({wx1}), got {wx0}")
        rects = np.array(creepers, dtype=np.float64)
        if rects.size == 0:
            rects = rects.reshape(0, 4)
        if rects.ndim != 2 or rects.shape[1] != 4:
            raise ValueError(f"creepers must have shape (k, 4) (rows x0, x1, y0, y1), got {rects.shape}")
        if not np.all(np.isfinite(rects)):
            raise ValueError("creepers must be finite")
        if not (np.all(rects[:, 0] < rects[:, 1]) and np.all(rects[:, 2] < rects[:, 3])):
            raise ValueError("each creeper needs x0 < x1 and y0 < y1")

        self.lidar_type = lidar_type
        alpha, beta = LIDAR_FANS[lidar_type]
        phi = [alpha * i / n_rays + beta for i in range(n_rays)]
        dx = np.array([math.sin(a) * max_range for a in phi])
        dy = np.array([-math.cos(a) * max_range for a in phi])
        dx[np.abs(dx) < 1e-12 * max_range] = 0.0  # Box2D's float32 ray end makes these exact
        dy[np.abs(dy) < 1e-12 * max_range] = 0.0
        self.ray_vectors = np.stack([dx, dy], axis=1)
        self._dx, self._dy = dx[:, None], dy[:, None]
        self._k_dx, self._k_dy = np.stack([self._dx, -self._dx]), np.stack([self._dy, -self._dy])
        self._ray_index = np.arange(n_rays)
        self._n_rays = n_rays
        x_lo, x_hi = min(0.0, float(dx.min())), max(0.0, float(dx.max()))  # the fan's reach around px
        y_lo, y_hi = min(0.0, float(dy.min())), max(0.0, float(dy.max()))  # ... and around py

        # 1. Every fixture as rows (x0, y0, x1, y1, one_sided, code, block).
        piece = float(np.diff(xs).max())
        rows: list[tuple[float, float, float, float, bool, float, int]] = []
        xl = xs.tolist()
        for block, ys in ((_GROUND, profiles[0]), (_CEILING, profiles[1])):
            yl = ys.tolist()
            rows += [(xl[i], yl[i], xl[i + 1], yl[i + 1], False, TERRAIN_CODE, block) for i in range(len(xl) - 1)]
        for a, b, c, d in rects.tolist():
            rows += [(*e, True, CREEPER_CODE, _CREEPERS) for e in _rect_edges(a, b, c, d, piece)]
        water = _rect_edges(wx0, wx1, wb, wy, piece)
        n_pieces = (len(water) - 2) // 2
        rows += [(*e, True, WATER_CODE, _FLOOR) for e in water[:n_pieces]]
        rows += [(*e, True, WATER_CODE, _SIDES) for e in (water[n_pieces], water[-1])]
        rows += [(*e, True, WATER_CODE, _SURFACE) for e in water[n_pieces + 1 : -1]]
        x0, y0, x1, y1, one_sided, code, block = (np.array(c) for c in zip(*rows))

        # 2. What read needs, per row and ray; rows no ray can hit are dropped, the rest sorted by x.
        nx, ny = y1 - y0, x0 - x1
        den = self._dx * nx + self._dy * ny  # (rays, rows): Box2D's dot(normal, d), up to |normal|
        usable = np.where(one_sided, den < 0, den != 0)  # polygons: entering edges only; never parallel ones
        neg_inv_den = np.full_like(den, np.nan)
        np.divide(-1.0, den, out=neg_inv_den, where=usable)
        n_dot_p0 = nx * x0 + ny * y0
        # A polygon needs num = dot(n, p0 - p) < 0 strictly (t > 0); one float up turns that into <= 0.
        n_dot_p0 = np.where(one_sided, np.nextafter(n_dot_p0, np.inf), n_dot_p0)
        c0 = self._dx * y0 - self._dy * x0  # read's k, computed the same way: an end at p gives k exactly
        c1 = self._dx * y1 - self._dy * x1
        xmin = np.minimum(x0, x1)
        pick = np.flatnonzero(usable.any(axis=0))
        pick = pick[np.argsort(xmin[pick], kind="stable")]
        self._all = _Rows(
            xmin=xmin[pick].tolist(),
            nx=nx[pick],
            ny=ny[pick],
            n_dot_p0=n_dot_p0[pick],
            neg_inv_den=neg_inv_den[:, pick],
            bounds=np.stack([np.minimum(c0, c1), -np.maximum(c0, c1)])[:, :, pick],
            code=code[pick],
        )
        self._block = block[pick]
        self._row_sets: dict[int, _Rows] = {}
        self._back = piece - x_lo + _MARGIN  # a row the fan can reach has xmin >= px - back
        self._ahead = x_hi + _MARGIN  # ... and xmin <= px + ahead

        # 3. Which blocks the fan can reach, on a grid over x: from cell b (px + x_lo in
        # [g0 + b h, g0 + (b + 1) h)) it reaches x in [g0 + b h, g0 + (b + 3) h]. Per cell, the
        # heights py from which each block is within the fan's bounding box, as sorted breakpoints.
        self._h = h = max(x_hi - x_lo, piece) / 2
        self._cell_breaks: list[list[float]] = []  # no cells: nothing can be hit (no usable row)
        self._cell_masks: list[list[int]] = []
        self._cell_origin = 0.0
        if len(pick):
            ys = np.stack([y0[pick], y1[pick]])
            self._cell_breaks, self._cell_masks = _block_reach_grid(
                xmin[pick], np.maximum(x0, x1)[pick], ys.min(axis=0), ys.max(axis=0), self._block, h,
                y_reach=(y_lo, y_hi), water=(wb, wy),
            )  # fmt: skip
            self._cell_origin = float(xmin[pick].min()) - 3 * h - x_lo  # so that cell = (px - origin) // h

    def _rows_for(self, mask: int) -> _Rows:
        """The rows of the blocks in ``mask`` (a subset of the sorted rows, so still sorted), built once."""
        rows = self._row_sets.get(mask)
        if rows is None:
            wanted = [blk for blk in range(_N_BLOCKS) if mask >> blk & 1]
            idx = np.flatnonzero(np.isin(self._block, wanted))
            a = self._all
            rows = _Rows(
                xmin=[a.xmin[i] for i in idx.tolist()],
                nx=a.nx[idx],
                ny=a.ny[idx],
                n_dot_p0=a.n_dot_p0[idx],
                neg_inv_den=np.ascontiguousarray(a.neg_inv_den[:, idx]),
                bounds=np.ascontiguousarray(a.bounds[:, :, idx]),
                code=a.code[idx],
            )
            self._row_sets[mask] = rows
        return rows

    def read(self, px: float, py: float) -> tuple[np.ndarray, np.ndarray]:
        """Hit fractions in [0, 1] (1 = nothing within range) and surface codes of the rays from (px, py).

        Both arrays are float64 of shape (n_rays,). A code is -1 (water), +1 (creeper) or
        0 (ground, ceiling, or no hit). Exact ties between two fixtures (coincident
        surfaces) go to the row with the smaller x; Box2D's pick depends on its tree order.
        A non-finite origin raises ``ValueError``.
        """
        if not (math.isfinite(px) and math.isfinite(py)):
            raise ValueError(f"the origin must be finite, got ({px}, {py})")
        cell = (px - self._cell_origin) / self._h  # the grid cell of px + x_lo
        mask = 0
        if 0.0 <= cell < len(self._cell_breaks):
            cell = int(cell)
            mask = self._cell_masks[cell][bisect_right(self._cell_breaks[cell], py)]
        if not mask:
            return np.ones(self._n_rays), np.zeros(self._n_rays)
        rows = self._rows_for(mask)
        i0 = bisect_left(rows.xmin, px - self._back)
        i1 = bisect_right(rows.xmin, px + self._ahead, i0)
        if i1 == i0:
            return np.ones(self._n_rays), np.zeros(self._n_rays)
        # A row is crossed by a ray's line where its two ends are on either side of it (or on it):
        # with k = ray x origin and c = ray x end for each end, min(c) <= k <= max(c).
        k2 = self._k_dx * py - self._k_dy * px  # (2, rays, 1): [k, -k]
        between = rows.bounds[:, :, i0:i1] <= k2
        num = rows.n_dot_p0[i0:i1] - (rows.nx[i0:i1] * px + rows.ny[i0:i1] * py)  # Box2D's dot(normal, p0 - p)
        minus_t = rows.neg_inv_den[:, i0:i1] * num
        # ... and the crossing is ahead: t >= 0 (t > 0 for polygons, by their shifted n_dot_p0).
        candidates = np.where(between[0] & between[1] & (minus_t <= 0.0), minus_t, -np.inf)
        j = candidates.argmax(axis=1)  # the closest valid crossing of each ray
        t = 0.0 - candidates[self._ray_index, j]  # 0.0 - x turns -0.0 into 0.0
        hit = t <= 1.0
        return np.where(hit, t, 1.0), np.where(hit, rows.code[i0:i1][j], TERRAIN_CODE)


def _block_reach_grid(
    xmin: np.ndarray,
    xmax: np.ndarray,
    ymin: np.ndarray,
    ymax: np.ndarray,
    block: np.ndarray,
    h: float,
    *,
    y_reach: tuple[float, float],
    water: tuple[float, float],
) -> tuple[list[list[float]], list[list[int]]]:
    """Per grid cell b (rows spanning x in [g0 + b h, g0 + (b + 3) h], g0 = min(xmin) - 3 h), sorted
    breakpoints in py and, between them, the bit mask of the blocks a fan at that height may reach.

    A block is reachable when its rows' y range meets [py + y_reach[0], py + y_reach[1]]; the water's
    surface only from above it and its floor only from below. Masks err on the side of more blocks.
    """
    y_lo, y_hi = y_reach
    floor_y, surface_y = water
    g0 = float(xmin.min()) - 3 * h
    n_cells = int(math.ceil((float(xmax.max()) - g0) / h)) + 1
    first = np.maximum(np.ceil((xmin - g0 - _MARGIN) / h).astype(int) - 3, 0)
    last = np.minimum(np.floor((xmax - g0 + _MARGIN) / h).astype(int), n_cells - 1)
    count = last - first + 1
    row = np.repeat(np.arange(len(xmin)), count)
    cell = first[row] + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    low = np.full((_N_BLOCKS, n_cells), np.inf)
    high = np.full((_N_BLOCKS, n_cells), -np.inf)
    np.minimum.at(low, (block[row], cell), ymin[row])
    np.maximum.at(high, (block[row], cell), ymax[row])
    breaks_per_cell, masks_per_cell = [], []
    for b in range(n_cells):
        spans = []  # (lowest py, highest py, block)
        for blk in np.flatnonzero(np.isfinite(low[:, b])).tolist():
            if blk == _SURFACE:  # entered from above only
                spans.append((surface_y, surface_y - y_lo, blk))
            elif blk == _FLOOR:  # entered from below only
                spans.append((floor_y - y_hi, floor_y, blk))
            else:
                spans.append((low[blk, b] - y_hi, high[blk, b] - y_lo, blk))
        breaks = sorted({v for a, z, _ in spans for v in (a - _MARGIN, z + _MARGIN)})
        edges = [-math.inf, *breaks, math.inf]  # bisect_right(breaks, py) = i: py in [edges[i], edges[i + 1])
        masks = [
            sum(1 << blk for a, z, blk in spans if a - _MARGIN <= edges[i + 1] and z + _MARGIN >= edges[i])
            for i in range(len(edges) - 1)
        ]
        breaks_per_cell.append(breaks)
        masks_per_cell.append(masks)
    return breaks_per_cell, masks_per_cell


def _real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    return v


def _profile(name: str, value: ArrayLike) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a
