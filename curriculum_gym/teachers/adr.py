"""ADR: Automatic Domain Randomization (OpenAI et al. 2019, as run in TeachMyAgent)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import (
    Teacher,
    raw_return_bounds,
    short_repr,
    state_array,
    state_fields,
)
from curriculum_gym.teachers.params import Interval, PerDimension, Task


class ADR(Teacher):
    """Grows a box of tasks around an easy initial task while the student copes at its edges.

    The box starts as the single ``initial_task``. Sampling: uniform in the box; with
    probability ``boundary_sampling_p`` one random dimension is set to its lower or
    upper edge. Returns of episodes at an edge fill that edge's queue; when
    ``queue_length`` are in, a mean return >= ``expand_threshold`` moves the edge
    outwards by ``step_size`` (in that dimension's raw units; a number or one per
    dimension), a mean <= ``shrink_threshold`` moves it inwards. Thresholds are raw returns
    (ADR needs no ``return_range``). As in TeachMyAgent, an edge that has reached the task
    space's bound is no longer sampled, so it stays there.

    Example:
        >>> import curriculum_gym as cg
        >>> space = cg.TaskSpace(["stump_height", "obstacle_spacing"], [0, 0], [3, 6])
        >>> t = cg.make_teacher("adr", space, seed=0, initial_task=[0.0, 6.0], step_size=[0.1, 0.2],
        ...                     expand_threshold=230, shrink_threshold=0)
        >>> t.sample().round(2).tolist()
        [0.0, 6.0]
    """

    name = "adr"
    _parameter_constraints = {  # the first four have no default: the expert knowledge ADR needs
        "initial_task": [Task(), None],
        "step_size": [PerDimension(broadcast=True, positive=True), None],
        "expand_threshold": [Interval(Real, None, None), None],  # at least shrink_threshold
        "shrink_threshold": [Interval(Real, None, None), None],
        "boundary_sampling_p": Interval(Real, 0, 1),
        "queue_length": Interval(Integral, 1, None),
    }

    def __init__(
        self,
        task_space: TaskSpace,
        seed: int | None = None,
        return_range: tuple[float, float] | None = None,
        *,
        initial_task: Any = None,
        step_size: Any = None,
        expand_threshold: float | None = None,
        shrink_threshold: float | None = None,
        boundary_sampling_p: float = 0.7,
        queue_length: int = 10,
    ) -> None:
        super().__init__(task_space, seed, return_range)
        missing = [
            n
            for n, v in (
                ("initial_task", initial_task),
                ("step_size", step_size),
                ("expand_threshold", expand_threshold),
                ("shrink_threshold", shrink_threshold),
            )
            if v is None
        ]
        if missing:
            raise ValueError(
                f"the ADR teacher needs expert knowledge: give {missing} (an easy initial task, "
                "the step by which bounds move, and the return thresholds to expand and shrink)"
            )
        self._set_params(locals())
        if self.shrink_threshold > self.expand_threshold:
            raise ValueError(
                f"need shrink_threshold <= expand_threshold; got shrink_threshold={self.shrink_threshold:g}, "
                f"expand_threshold={self.expand_threshold:g}"
            )
        self.low_ = np.array(self.initial_task)
        self.high_ = np.array(self.initial_task)
        d = task_space.dim
        self.low_queues_: list[list[float]] = [[] for _ in range(d)]
        self.high_queues_: list[list[float]] = [[] for _ in range(d)]

    def _sample(self) -> np.ndarray:
        task = self.rng_.uniform(self.low_, self.high_)
        if self.rng_.random() < self.boundary_sampling_p:
            i = int(self.rng_.integers(self.task_space.dim))
            can_low = self.low_[i] > self.task_space.low[i]
            can_high = self.high_[i] < self.task_space.high[i]
            if can_low and can_high:
                task[i] = self.low_[i] if self.rng_.random() < 0.5 else self.high_[i]
            elif can_low:
                task[i] = self.low_[i]
            elif can_high:
                task[i] = self.high_[i]
        return task

    def _update(self, task: np.ndarray, episode_return: float) -> None:
        r = episode_return  # thresholds are raw returns
        space, step = self.task_space, self.step_size
        for i in range(space.dim):
            if task[i] == self.low_[i]:
                self.low_queues_[i].append(r)
                if len(self.low_queues_[i]) >= self.queue_length:
                    mean = float(np.mean(self.low_queues_[i]))
                    if mean >= self.expand_threshold:
                        self.low_[i] = max(self.low_[i] - step[i], space.low[i])
                    elif mean <= self.shrink_threshold:
                        self.low_[i] = min(self.low_[i] + step[i], self.high_[i])
                    self.low_queues_[i] = []
            if task[i] == self.high_[i]:
                self.high_queues_[i].append(r)
                if len(self.high_queues_[i]) >= self.queue_length:
                    mean = float(np.mean(self.high_queues_[i]))
                    if mean >= self.expand_threshold:
                        self.high_[i] = min(self.high_[i] + step[i], space.high[i])
                    elif mean <= self.shrink_threshold:
                        self.high_[i] = max(self.high_[i] - step[i], self.low_[i])
                    self.high_queues_[i] = []

    def _metrics(self) -> dict[str, float]:
        m = super()._metrics()
        m["box_volume_fraction"] = float(
            np.prod(self.task_space.normalize(self.high_) - self.task_space.normalize(self.low_))
        )
        return m

    def _get_state(self) -> dict[str, Any]:
        return {
            "low": self.low_.copy(),
            "high": self.high_.copy(),
            "low_queues": [list(q) for q in self.low_queues_],
            "high_queues": [list(q) for q in self.high_queues_],
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        """The box, checked: finite, ``space.low <= low <= high <= space.high``; one queue per
        dimension and edge, of raw returns within ``return_range``, shorter than ``queue_length``."""
        state = state_fields(state, ("low", "high", "low_queues", "high_queues"), "adr state")
        space, d = self.task_space, self.task_space.dim
        low = state_array(state["low"], "adr low", (d,))
        high = state_array(state["high"], "adr high", (d,))
        if np.any(low > high) or np.any(low < space.low) or np.any(high > space.high):
            raise ValueError(
                f"adr box [{low.tolist()}, {high.tolist()}] must have low <= high within the task "
                f"space bounds {space.bounds_str()}"
            )
        queues, returns = [], raw_return_bounds(self.return_range)
        for edge in ("low_queues", "high_queues"):
            listed = state[edge]
            if not isinstance(listed, list) or len(listed) != d:
                raise ValueError(f"adr {edge} must be a list of {d} queues; got {short_repr(listed)}")
            queues.append(
                [state_array(q, f"adr {edge}[{i}]", (None,), *returns).tolist() for i, q in enumerate(listed)]
            )
            longest = max(len(q) for q in queues[-1])
            if longest >= self.queue_length:
                raise ValueError(
                    f"adr {edge} holds a queue of {longest} returns; queues hold fewer than "
                    f"queue_length={self.queue_length}"
                )
        self.low_, self.high_ = low, high
        self.low_queues_, self.high_queues_ = queues
