"""The contract every terrain generator follows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from curriculum_gym.tasks import TaskSpace


@dataclass(frozen=True)
class TrackLayout:
    """Where obstacles may go, in world units: flat ground at ``ground_y``.

    Obstacles start right after the start pad (``start_x``) and are laid while
    their anchor is before ``end_x``.
    """

    terrain_step: float
    start_x: float
    end_x: float
    ground_y: float


class TrackGenerator(ABC):
    """A task space plus a way to lay obstacles from a task.

    Subclasses define :meth:`default_task_space` and :meth:`obstacles`. All
    randomness must come from the ``rng`` argument (the env's ``np_random``).
    They may declare ``task_limits``: the widest bounds of each parameter that
    the physics (Box2D) and the renderer can represent; envs refuse task bounds
    beyond them (:meth:`check_task_space`).
    """

    #: short name used in registration and error messages
    name: str = "track"
    #: ``{parameter: (lowest low bound, highest high bound)}`` this track can build; no entry, no limit
    task_limits: ClassVar[Mapping[str, tuple[float, float]]] = {}

    @abstractmethod
    def default_task_space(self) -> TaskSpace:
        """The bounds from the original work."""

    @abstractmethod
    def obstacles(self, task: np.ndarray, rng: np.random.Generator, layout: TrackLayout) -> list[np.ndarray]:
        """Obstacle polygons, each an array (k, 2) of world coordinates, k >= 3."""

    def check_task_space(self, space: TaskSpace) -> TaskSpace:
        """``space``, or ``ValueError`` naming the parameter, its bound and the limit when a bound is beyond
        :attr:`task_limits` (tasks there would overflow Box2D or take the renderer minutes)."""
        for name, low, high in zip(space.names, space.low.tolist(), space.high.tolist()):
            if name not in self.task_limits:
                continue
            lowest, highest = self.task_limits[name]
            for side, bound, ok in (("low", low, low >= lowest), ("high", high, high <= highest)):
                if not ok:
                    raise ValueError(
                        f"task_bounds for {name!r} = ({low:g}, {high:g}): the {side} bound {bound:g} is beyond what "
                        f"the {self.name} track can build; {name} bounds must lie within [{lowest:g}, {highest:g}]"
                    )
        return space
