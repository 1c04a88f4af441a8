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
    started from a teacher's task is reported exactly once: when its last agent is
    done, or at the next reset if it was cut off; an explicit task in the reset
    options overrides the teacher and is not reported. Spaces and signatures are
    unchanged.

    Example:
        >>> import curriculum_gym as cg
        >>> from curriculum_gym.multiagent import multiwalker_tracks_v0
        >>> env = cg.ParallelTeacherWrapper(multiwalker_tracks_v0.parallel_env(n_walkers=2), "alp-gmm", seed=0)
        >>> observations, infos = env.reset(seed=0)
        >>> infos["walker_0"]["task"].shape
        (2,)
    """

    def __init__(self, env: Any, teacher: Any, *, aggregate: str | Callable[[np.ndarray], float] = "mean",
                 seed: int | None = None, **teacher_options: Any) -> None:
        super().__init__(env)
        teacher, task_space = resolve_teacher(env.unwrapped, teacher, seed, teacher_options)
        if isinstance(aggregate, str):
            if aggregate not in AGGREGATES:
                raise ValueError(f"aggregate must be one of {sorted(AGGREGATES)} or a callable; got {aggregate!r}")
            aggregate = AGGREGATES[aggregate]
        elif not callable(aggregate):
            raise ValueError(f"aggregate must be one of {sorted(AGGREGATES)} or a callable; got {aggregate!r}")
        self.teacher, self.task_space, self.aggregate = teacher, task_space, aggregate
        self.episodes_reported = 0
        self._task: np.ndarray | None = None
        self._returns: dict[str, float] = {}
        self._steps = 0
        self._open = False

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        if self._open and self._steps > 0:
            self._report()
        explicit = options is not None and options.get("task") is not None
        if not explicit:
            options = {**(options or {}), "task": self.teacher.sample()}
        observations, infos = self.env.reset(seed=seed, options=options)
        self._task = np.asarray(self.env.unwrapped.task, dtype=np.float64)
        self._returns = dict.fromkeys(self.env.possible_agents, 0.0)
        self._open, self._steps = not explicit, 0
        return observations, infos

    def step(self, actions: dict[str, Any]):
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        for agent, reward in rewards.items():
            self._returns[agent] += float(reward)
        self._steps += 1
        if self._open and not self.env.agents:  # every agent is done: the episode is over
            self._report()
        return observations, rewards, terminations, truncations, infos

    def _report(self) -> None:
        self._open = False
        self.teacher.update(self._task, float(self.aggregate(np.array(list(self._returns.values())))))
        self.episodes_reported += 1
