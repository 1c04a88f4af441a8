"""Oracle: a hand-designed curriculum, a window that moves along a difficulty direction."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import (
    Teacher,
    raw_return_bounds,
    state_array,
    state_count,
    state_fields,
)
from curriculum_gym.teachers.params import Interval, PerDimension, Task

#: Stump Tracks: start at low stumps far apart, move towards high stumps close together.
STUMP_TRACKS_DEFAULTS = {"start": [0.0, 6.0], "step": [0.1, -0.2]}


class Oracle(Teacher):
    """Samples uniformly in a window (``window_ratio`` of each range) that starts at the
    easy ``start`` corner and moves by ``step`` (raw units) every ``update_every``
    episodes while their mean raw return exceeds ``threshold``.

    Needs expert knowledge: ``start`` and ``step``. For the Stump Tracks task space
    they default to the paper's (easy corner: height 0, spacing 6; step +0.1 height,
    -0.2 spacing).

    Example:
        >>> import curriculum_gym as cg
        >>> space = cg.TaskSpace(["stump_height", "obstacle_spacing"], [0, 0], [3, 6])
        >>> t = cg.make_teacher("oracle", space, seed=0)
        >>> t.window_low_.tolist(), t.window_high_.tolist()
        ([0.0, 5.0], [0.5, 6.0])
    """

    name = "oracle"
    _parameter_constraints = {
        "start": Task(),  # None: the Stump Tracks default, for that task space only
        "step": PerDimension(),
        "window_ratio": Interval(Real, 0, 1, closed="right"),
        "update_every": Interval(Integral, 1, None),
        "threshold": Interval(Real, None, None),
    }

    def __init__(
        self,
        task_space: TaskSpace,
        seed: int | None = None,
        return_range: tuple[float, float] | None = None,
        *,
        start: Any = None,
        step: Any = None,
        window_ratio: float = 1 / 6,
        update_every: int = 50,
        threshold: float = 230.0,
    ) -> None:
        super().__init__(task_space, seed, return_range)
        if (start is None or step is None) and task_space.names == ("stump_height", "obstacle_spacing"):
            start = STUMP_TRACKS_DEFAULTS["start"] if start is None else start
            step = STUMP_TRACKS_DEFAULTS["step"] if step is None else step
        if start is None or step is None:
            raise ValueError(
                "the oracle teacher needs expert knowledge: give start (the easy corner) and step "
                f"(the move towards harder tasks, one number per parameter of {list(task_space.names)})"
            )
        self._set_params(locals())
        self.window_low_, self.window_high_ = self._window_at(np.array(self.start))
        self.n_moves_ = 0
        self.returns_: list[float] = []

    def _window_at(self, corner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The window with ``corner`` as its corner on the side ``start`` lies, kept inside the bounds."""
        space = self.task_space
        size = self.window_ratio * space.width
        # the window extends from the corner in the direction of the rest of the space
        toward = np.where(corner - space.low <= space.high - corner, 1.0, -1.0)
        a, b = corner, corner + toward * size
        low, high = np.minimum(a, b), np.maximum(a, b)
        shift = np.maximum(space.low - low, 0) - np.maximum(high - space.high, 0)
        return low + shift, high + shift

    def _sample(self) -> np.ndarray:
        return self.rng_.uniform(self.window_low_, self.window_high_)

    def _update(self, task: np.ndarray, episode_return: float) -> None:
        self.returns_.append(episode_return)  # the threshold is a raw return
        if len(self.returns_) >= self.update_every:
            if np.mean(self.returns_) > self.threshold:
                self.n_moves_ += 1
                corner = np.array(self.start) + self.n_moves_ * np.array(self.step)
                self.window_low_, self.window_high_ = self._window_at(
                    np.clip(corner, self.task_space.low, self.task_space.high)
                )
            self.returns_ = []

    def _metrics(self) -> dict[str, float]:
        m = super()._metrics()
        m["window_moves"] = self.n_moves_
        return m

    def _get_state(self) -> dict[str, Any]:
        return {
            "window_low": self.window_low_.copy(),
            "window_high": self.window_high_.copy(),
            "returns": list(self.returns_),
            "n_moves": self.n_moves_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        """The window, checked: finite, low <= high, inside the bounds (to rounding); fewer than
        ``update_every`` raw returns (within ``return_range``) waiting; a non-negative number of moves."""
        state = state_fields(state, ("window_low", "window_high", "returns", "n_moves"), "oracle state")
        space, d = self.task_space, self.task_space.dim
        low = state_array(state["window_low"], "oracle window_low", (d,))
        high = state_array(state["window_high"], "oracle window_high", (d,))
        slack = 1e-9 * np.maximum(space.width, 1.0)  # _window_at shifts the window back inside, with rounding
        if np.any(low > high) or np.any(low < space.low - slack) or np.any(high > space.high + slack):
            raise ValueError(
                f"oracle window [{low.tolist()}, {high.tolist()}] must have low <= high within the "
                f"task space bounds {space.bounds_str()}"
            )
        returns = state_array(state["returns"], "oracle returns", (None,), *raw_return_bounds(self.return_range))
        if len(returns) >= self.update_every:
            raise ValueError(f"oracle holds {len(returns)} returns; fewer than update_every={self.update_every} wait")
        self.window_low_, self.window_high_ = low, high
        self.returns_ = returns.tolist()
        self.n_moves_ = state_count(state["n_moves"], "oracle n_moves")
