"""Random teacher: uniform tasks over the bounds (domain randomization)."""

from __future__ import annotations

import numpy as np

from curriculum_gym.teachers.base import Teacher


class RandomTeacher(Teacher):
    """Samples every task uniformly; learns nothing.

    Example:
        >>> import curriculum_gym as cg
        >>> t = cg.make_teacher("random", cg.TaskSpace(["x"], [0], [2]), seed=1)
        >>> bool(0 <= t.sample()[0] <= 2)
        True
    """

    name = "random"

    def _sample(self) -> np.ndarray:
        return self.task_space.sample(self.rng_)

    def _update(self, task: np.ndarray, episode_return: float) -> None:
        pass
