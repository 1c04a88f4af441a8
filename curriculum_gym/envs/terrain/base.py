"""The contract every terrain generator follows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

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
    """

    #: short name used in registration and error messages
    name: str = "track"

    @abstractmethod
    def default_task_space(self) -> TaskSpace:
        """The bounds from the original work."""

    @abstractmethod
    def obstacles(self, task: np.ndarray, rng: np.random.Generator, layout: TrackLayout) -> list[np.ndarray]:
        """Obstacle polygons, each an array (k, 2) of world coordinates, k >= 3."""
