"""TaskObservation: the episode's task, normalised to [0, 1], appended to every observation."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from curriculum_gym.tasks import TaskSpace


def appends_task(env: gym.Env) -> bool:
    """Whether a :class:`TaskObservation` is among ``env``'s wrappers (the task is appended already)."""
    while env is not None:
        if isinstance(env, TaskObservation):
            return True
        env = getattr(env, "env", None)
    return False


class TaskObservation(gym.ObservationWrapper):
    """Appends the current episode's task, normalised to [0, 1] by the env's task space, to each observation.

    The task is read at every ``reset`` from ``info["task"]`` (the env's
    ``unwrapped.task`` when the info has none) and appended, as the observation's
    dtype, to that reset's and every following step's observation. The observation
    space grows by ``task_space.dim`` entries bounded by [0, 1]. A policy that sees
    the task can be conditioned on it (a contextual policy); evaluate it with
    ``cg.evaluate(..., task_in_obs=True)``.

    ``gym.make(ID, task_in_obs=True)`` and ``TeacherWrapper(env, teacher, task_in_obs=True)``
    put this wrapper right around the env, under the teacher wrapper.

    Example:
        >>> import gymnasium as gym
        >>> import curriculum_gym as cg
        >>> env = cg.TaskObservation(gym.make("StumpTracks-v0"))
        >>> env.observation_space.shape
        (26,)
        >>> obs, info = env.reset(seed=0, options={"task": [1.5, 3.0]})
        >>> obs[-2:].tolist()                  # stump height in [0, 3], spacing in [0, 6]
        [0.5, 0.5]

    Args:
        env: an env with a flat ``Box`` observation space whose ``unwrapped`` has a
            :class:`~curriculum_gym.TaskSpace` ``task_space``.

    Raises:
        TypeError: the observation space is not a ``Box``.
        ValueError: the ``Box`` is not flat, or the env has no ``TaskSpace``.

    Change logs:
        0.2.0: added (was the ``task_in_obs=True`` part of ``TeacherWrapper``).
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        task_space = getattr(env.unwrapped, "task_space", None)
        if not isinstance(task_space, TaskSpace):
            raise ValueError(f"TaskObservation needs an env with a TaskSpace `task_space`; {env.unwrapped} has none")
        base = env.observation_space
        if not isinstance(base, spaces.Box):
            raise TypeError(f"TaskObservation needs a flat Box observation space; got {base}")
        if len(base.shape) != 1:
            raise ValueError(f"TaskObservation needs a flat Box observation space (one dimension); got {base.shape}")
        self.task_space = task_space
        self.observation_space = spaces.Box(
            np.concatenate([base.low, np.zeros(task_space.dim)]).astype(base.dtype),
            np.concatenate([base.high, np.ones(task_space.dim)]).astype(base.dtype),
            dtype=base.dtype,
        )
        self._task_obs: np.ndarray | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Resets the env and reads the episode's task; returns the observation with the task appended."""
        obs, info = self.env.reset(seed=seed, options=options)
        task = info.get("task")
        if task is None:
            task = getattr(self.env.unwrapped, "task", None)
        if task is None:
            raise ValueError("TaskObservation found no task after reset: neither info['task'] nor env.unwrapped.task")
        normalised = self.task_space.normalize(np.asarray(task, dtype=np.float64))
        self._task_obs = normalised.astype(self.observation_space.dtype)
        return self.observation(obs), info

    def observation(self, observation: np.ndarray) -> np.ndarray:
        """The observation with the normalised task of the current episode appended."""
        if self._task_obs is None:
            raise gym.error.ResetNeeded("TaskObservation: call reset() before step()")
        return np.concatenate([observation, self._task_obs])
