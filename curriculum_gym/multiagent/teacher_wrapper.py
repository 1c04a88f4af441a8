"""ParallelTeacherWrapper: a teacher picks the task of every episode of a PettingZoo ParallelEnv."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pettingzoo.utils.wrappers import BaseParallelWrapper

from curriculum_gym.wrappers.teacher_wrapper import resolve_teacher

AGGREGATES: dict[str, Callable[[np.ndarray], float]] = {"mean": np.mean, "sum": np.sum, "max": np.max, "min": np.min}


class ParallelTeacherWrapper(BaseParallelWrapper):
    """Samples a task at every reset of a ParallelEnv and reports one return per episode.

    The env must have a ``task_space`` and take ``options={"task": ...}`` at reset (as
    ``multiwalker_tracks_v0``). The episode's return is the ``aggregate`` (``"mean"``
    by default, ``"sum"``, ``"max"``, ``"min"`` or a callable on the array of the
    agents' episodic returns) of each agent's summed rewards. Each episode that
    started from a teacher's task is reported exactly once, when its last agent is
    done; an episode abandoned by a ``reset()`` before that is not reported (counted
    in ``episodes_abandoned``); an explicit task in the reset options overrides the
    teacher and is not reported. A teacher built here from a name is re-seeded by
    ``reset(seed=...)``. Spaces and signatures are unchanged. A teacher object stays
    one curriculum in SuperSuit's worker processes (see :class:`~curriculum_gym.Teacher`).

    Example:
        >>> import curriculum_gym as cg
        >>> from curriculum_gym.multiagent import multiwalker_tracks_v0
        >>> env = cg.ParallelTeacherWrapper(multiwalker_tracks_v0.parallel_env(n_walkers=2), "alp-gmm", seed=0)
        >>> observations, infos = env.reset(seed=0)
        >>> infos["walker_0"]["task"].shape
        (2,)
    """

    def __init__(self, env: Any, teacher: Any, *, aggregate: str | Callable[[np.ndarray], float] = "mean",
                 reseed_teacher: bool | None = None, seed: int | None = None, **teacher_options: Any) -> None:
        super().__init__(env)
        teacher, task_space, built = resolve_teacher(env.unwrapped, teacher, seed, teacher_options)
        if isinstance(aggregate, str):
            if aggregate not in AGGREGATES:
                raise ValueError(f"aggregate must be one of {sorted(AGGREGATES)} or a callable; got {aggregate!r}")
            aggregate = AGGREGATES[aggregate]
        elif not callable(aggregate):
            raise TypeError(f"aggregate must be one of {sorted(AGGREGATES)} or a callable; got {aggregate!r}")
        if reseed_teacher is not None and not isinstance(reseed_teacher, bool):
            raise TypeError(f"reseed_teacher must be a bool or None; got {reseed_teacher!r}")
        self.teacher, self.task_space, self.aggregate = teacher, task_space, aggregate
        self.reseed_teacher = built if reseed_teacher is None else reseed_teacher
        self.episodes_reported = 0
        self.episodes_abandoned = 0
        self._task: np.ndarray | None = None
        self._returns: dict[str, float] = {}
        self._open = False

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        if self._open:
            self.episodes_abandoned += 1
        explicit = options is not None and options.get("task") is not None
        if not explicit:
            task = self.teacher.sample(seed=seed) if seed is not None and self.reseed_teacher else self.teacher.sample()
            options = {**(options or {}), "task": task}
        observations, infos = self.env.reset(seed=seed, options=options)
        self._task = np.asarray(self.env.unwrapped.task, dtype=np.float64)
        self._returns = dict.fromkeys(self.env.possible_agents, 0.0)
        self._open = not explicit
        return observations, infos

    def step(self, actions: dict[str, Any]):
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        for agent, reward in rewards.items():
            self._returns[agent] += float(reward)
        if self._open and not self.env.agents:  # every agent is done: the episode is over
            self._open = False
            self.teacher.update(self._task, float(self.aggregate(np.array(list(self._returns.values())))))
            self.episodes_reported += 1
        return observations, rewards, terminations, truncations, infos
