"""Oracle: a hand-designed curriculum, a window that moves along a difficulty direction."""

from __future__ import annotations

from typing import Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import Teacher, check_fraction, check_int

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
    option_names = ("start", "step", "window_ratio", "update_every", "threshold")

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
            raise ValueError("the oracle teacher needs expert knowledge: give start (the easy corner) and step "
                             f"(the move towards harder tasks, one number per parameter of {list(task_space.names)})")
        self.start = task_space.validate(start).tolist()
        steps = np.asarray(step, dtype=np.float64)
        if steps.shape != (task_space.dim,) or not np.all(np.isfinite(steps)):
            raise ValueError(f"step must be {task_space.dim} finite numbers; got {step!r}")
        self.step = steps.tolist()
        self.window_ratio = check_fraction("window_ratio", window_ratio, 1e-6, 1.0)
        self.update_every = check_int("update_every", update_every, 1)
        self.threshold = float(threshold)
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

    def _update(self, task: np.ndarray, normalized_return: float) -> None:
        lo, hi = self.return_range
        self.returns_.append(lo + normalized_return * (hi - lo))
        if len(self.returns_) >= self.update_every:
            if np.mean(self.returns_) > self.threshold:
                self.n_moves_ += 1
                corner = np.array(self.start) + self.n_moves_ * np.array(self.step)
                self.window_low_, self.window_high_ = self._window_at(np.clip(corner, self.task_space.low, self.task_space.high))
            self.returns_ = []

    def _metrics(self) -> dict[str, float]:
        m = super()._metrics()
        m["window_moves"] = self.n_moves_
        return m

    def _get_state(self) -> dict[str, Any]:
        return {"window_low": self.window_low_.copy(), "window_high": self.window_high_.copy(),
                "returns": list(self.returns_), "n_moves": self.n_moves_}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.window_low_ = np.asarray(state["window_low"], dtype=np.float64).reshape(self.task_space.dim)
        self.window_high_ = np.asarray(state["window_high"], dtype=np.float64).reshape(self.task_space.dim)
        self.returns_ = [float(v) for v in state["returns"]]
        self.n_moves_ = int(state["n_moves"])
