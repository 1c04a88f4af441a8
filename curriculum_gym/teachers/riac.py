"""RIAC: Robust Intelligent Adaptive Curiosity (Baranes & Oudeyer 2009, as run in Portelas et al. 2019)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import (
    Teacher,
    proportional_choice,
    short_repr,
    state_array,
    state_count,
    state_fields,
    state_float,
)
from curriculum_gym.teachers.params import Interval

_REGION_KEYS = ("low", "high", "tasks", "returns", "alp", "split_dim", "split_at", "children")


@dataclass
class Region:
    """A box of the (normalised) task space with its recent (task, return) pairs."""

    low: np.ndarray
    high: np.ndarray
    tasks: deque = field(default_factory=deque)
    returns: deque = field(default_factory=deque)
    alp: float = 0.0
    split_dim: int = -1  # -1 while a leaf
    split_at: float = 0.0
    children: tuple[int, int] | None = None


class RIAC(Teacher):
    """Splits the task space into regions and samples where absolute learning progress is high.

    A region's ALP is |mean of the older half - mean of the newer half| of its last
    ``max_region_size`` returns. A leaf holding more than ``max_region_size`` pairs
    is split: of ``n_split_attempts`` random (dimension, threshold) cuts leaving each
    child at least ``min_region_size`` pairs and ``min_dims_range_ratio`` of every
    range, the one maximising ``n_1 * n_2 * |ALP_1 - ALP_2|`` wins (region sizes do
    count, unlike the original code); if none is valid the oldest quarter of the
    pairs is dropped. Sampling: 70 % a region in proportion to its ALP and a uniform
    task inside, 20 % uniform, 10 % the worst task of a region (chosen by ALP)
    mutated with N(., ``mutation_std``). The teacher works in normalised units.

    Example:
        >>> import curriculum_gym as cg
        >>> t = cg.make_teacher("riac", cg.TaskSpace(["x", "y"], [0, 0], [1, 1]), seed=0, return_range=(0, 1))
        >>> for i in range(400):
        ...     x = t.sample(); t.update(x, float(x[0] > 0.5) * min(1, i / 300))
        >>> len(t.regions_) > 1
        True
    """

    name = "riac"
    needs_return_range = True
    _parameter_constraints = {
        "max_region_size": Interval(Integral, 4, None),
        "n_split_attempts": Interval(Integral, 1, None),
        "min_region_size": [Interval(Integral, 1, None), None],  # also at most max_region_size // 2; None: 1/20 of it
        "min_dims_range_ratio": Interval(Real, 0, 0.5),
        "discard_ratio": Interval(Real, 0, 1),
        "mutation_std": Interval(Real, 0, 10),
    }

    def __init__(
        self,
        task_space: TaskSpace,
        seed: int | None = None,
        return_range: tuple[float, float] | None = None,
        *,
        max_region_size: int = 200,
        n_split_attempts: int = 50,
        min_region_size: int | None = None,
        min_dims_range_ratio: float = 1 / 6,
        discard_ratio: float = 0.25,
        mutation_std: float = 0.1,
    ) -> None:
        super().__init__(task_space, seed, return_range)
        self._set_params(locals())
        if self.min_region_size is None:
            self.min_region_size = max(1, self.max_region_size // 20)
        if self.min_region_size > self.max_region_size // 2:
            raise ValueError(
                f"min_region_size must be an integer in [1, max_region_size // 2 = "
                f"{self.max_region_size // 2}]; got {self.min_region_size}"
            )
        d = task_space.dim
        self.regions_: list[Region] = [Region(np.zeros(d), np.ones(d))]

    # ------------------------------------------------------------- sampling
    def _sample(self) -> np.ndarray:
        mode = self.rng_.random()
        alps = np.array([r.alp for r in self.regions_])
        if mode < 0.1:  # mutate the worst task of a region chosen by ALP
            region = self.regions_[proportional_choice(self.rng_, alps)]
            if region.returns:
                worst = region.tasks[int(np.argmin(region.returns))]
                u = np.clip(self.rng_.normal(worst, self.mutation_std), region.low, region.high)
            else:  # nothing seen there yet
                u = self.rng_.uniform(region.low, region.high)
        elif mode < 0.3:  # uniform
            u = self.rng_.random(self.task_space.dim)
        else:
            region = self.regions_[proportional_choice(self.rng_, alps)]
            u = self.rng_.uniform(region.low, region.high)
        return self.task_space.denormalize(u)

    # --------------------------------------------------------------- update
    def _alp(self, returns) -> float:
        n = len(returns)
        if n <= 2:
            return 0.0
        window = list(returns)[-min(n, self.max_region_size) :]
        half = len(window) // 2
        older, newer = np.mean(window[:-half]), np.mean(window[-half:])
        return abs(float(older - newer))

    def _update(self, task: np.ndarray, episode_return: float) -> None:
        normalized_return = self.normalize_return(episode_return)
        u = self.task_space.normalize(task)
        index = 0
        while True:  # every region on the path from the root to the leaf holding u
            region = self.regions_[index]
            region.tasks.append(u)
            region.returns.append(normalized_return)
            if len(region.returns) > self.max_region_size + 1:  # parents keep a sliding window
                region.tasks.popleft()
                region.returns.popleft()
            region.alp = self._alp(region.returns)
            if region.children is None:
                break
            index = region.children[0] if u[region.split_dim] <= region.split_at else region.children[1]
        if len(region.returns) > self.max_region_size:
            self._split(index)

    def _split(self, index: int) -> None:
        region = self.regions_[index]
        tasks = np.array(region.tasks)
        returns = np.array(region.returns)
        min_width = self.min_dims_range_ratio  # of the normalised range 1
        best = None
        for _ in range(self.n_split_attempts):
            dim = int(self.rng_.integers(self.task_space.dim))
            at = float(self.rng_.uniform(region.low[dim], region.high[dim]))
            if at - region.low[dim] < min_width or region.high[dim] - at < min_width:
                continue
            left = tasks[:, dim] <= at
            n1, n2 = int(left.sum()), int((~left).sum())
            if n1 < self.min_region_size or n2 < self.min_region_size:
                continue
            alp1, alp2 = self._alp(returns[left]), self._alp(returns[~left])
            score = n1 * n2 * abs(alp1 - alp2)
            if best is None or score > best[0]:
                best = (score, dim, at, left, alp1, alp2)
        if best is None:  # no valid split: forget the oldest pairs
            drop = int(self.max_region_size * self.discard_ratio)
            for _ in range(drop):
                region.tasks.popleft()
                region.returns.popleft()
            region.alp = self._alp(region.returns)
            return
        _, dim, at, left, alp1, alp2 = best
        low1, high1 = region.low.copy(), region.high.copy()
        high1[dim] = at
        low2, high2 = region.low.copy(), region.high.copy()
        low2[dim] = at
        child1 = Region(low1, high1, deque(tasks[left]), deque(returns[left].tolist()), alp1)
        child2 = Region(low2, high2, deque(tasks[~left]), deque(returns[~left].tolist()), alp2)
        region.split_dim, region.split_at = dim, at
        region.children = (len(self.regions_), len(self.regions_) + 1)
        self.regions_ += [child1, child2]

    def _metrics(self) -> dict[str, float]:
        m = super()._metrics()
        m["n_regions"] = len(self.regions_)
        m["max_region_alp"] = max(r.alp for r in self.regions_)
        return m

    # ---------------------------------------------------------- persistence
    def _get_state(self) -> dict[str, Any]:
        d = self.task_space.dim
        return {
            "regions": [
                {
                    "low": r.low.copy(),
                    "high": r.high.copy(),
                    "tasks": np.array(r.tasks, dtype=np.float64).reshape(-1, d),
                    "returns": np.array(r.returns, dtype=np.float64),
                    "alp": r.alp,
                    "split_dim": r.split_dim,
                    "split_at": r.split_at,
                    "children": None if r.children is None else list(r.children),
                }
                for r in self.regions_
            ]
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        """The regions, checked to form the tree that splitting builds (refused otherwise: a cycle
        would make ``update`` loop forever): region 0 is [0, 1]^d; every other region is the
        child of exactly one region listed before it; children split their parent's box at
        ``split_at`` along ``split_dim``; boxes, tasks, returns and ALPs finite and in [0, 1];
        at most ``max_region_size + 1`` pairs per region."""
        listed = state_fields(state, ("regions",), "riac state")["regions"]
        if not isinstance(listed, list) or not listed:
            raise ValueError("riac state needs a non-empty list of regions")
        d, n = self.task_space.dim, len(listed)
        regions: list[Region] = []
        parent_of: dict[int, int] = {}
        for i, r in enumerate(listed):
            what = f"region {i}"
            r = state_fields(r, _REGION_KEYS, what)
            low = state_array(r["low"], f"{what} low", (d,), 0.0, 1.0)
            high = state_array(r["high"], f"{what} high", (d,), 0.0, 1.0)
            if np.any(low > high):
                raise ValueError(f"{what} has low > high")
            returns = state_array(r["returns"], f"{what} returns", (None,), 0.0, 1.0)
            if len(returns) > self.max_region_size + 1:
                raise ValueError(
                    f"{what} holds {len(returns)} pairs; at most max_region_size + 1 = {self.max_region_size + 1}"
                )
            tasks = state_array(r["tasks"], f"{what} tasks", (len(returns), d), 0.0, 1.0)
            alp = state_float(r["alp"], f"{what} alp", 0.0, 1.0)
            split_at = state_float(r["split_at"], f"{what} split_at")
            split_dim, children = r["split_dim"], r["children"]
            if children is None:
                if isinstance(split_dim, bool) or not isinstance(split_dim, (int, np.integer)) or split_dim != -1:
                    raise ValueError(
                        f"{what} is a leaf (no children), so its split_dim must be -1; got {short_repr(split_dim)}"
                    )
                split_dim = -1
            else:
                if not isinstance(children, list) or len(children) != 2:
                    raise ValueError(
                        f"{what} children must be None or a pair of region indices; got {short_repr(children)}"
                    )
                children = tuple(state_count(c, f"{what} child index", high=n - 1) for c in children)
                if children[0] == children[1] or min(children) <= i:
                    raise ValueError(
                        f"{what} has children {children}; children are two different regions listed after their parent"
                    )
                for c in children:
                    if c in parent_of:
                        raise ValueError(f"region {c} is a child of both region {parent_of[c]} and {what}")
                    parent_of[c] = i
                split_dim = state_count(split_dim, f"{what} split_dim", high=d - 1)
                if not low[split_dim] <= split_at <= high[split_dim]:
                    raise ValueError(
                        f"{what} splits dimension {split_dim} at {split_at}, outside its box "
                        f"[{low[split_dim]}, {high[split_dim]}]"
                    )
            regions.append(Region(low, high, deque(tasks), deque(returns.tolist()), alp, split_dim, split_at, children))
        orphans = [j for j in range(1, n) if j not in parent_of]
        if orphans:
            raise ValueError(f"region {orphans[0]} is no region's child")
        if np.any(regions[0].low != 0.0) or np.any(regions[0].high != 1.0):
            raise ValueError("region 0 must be the whole normalised task space [0, 1]^d")
        for i, r in enumerate(regions):
            if r.children is not None:
                first, second = regions[r.children[0]], regions[r.children[1]]
                cut = np.arange(d) == r.split_dim
                if not (
                    np.array_equal(first.low, r.low)
                    and np.array_equal(first.high, np.where(cut, r.split_at, r.high))
                    and np.array_equal(second.low, np.where(cut, r.split_at, r.low))
                    and np.array_equal(second.high, r.high)
                ):
                    raise ValueError(
                        f"the boxes of region {i}'s children are not its box split at {r.split_at} "
                        f"along dimension {r.split_dim}"
                    )
        self.regions_ = regions
