"""ParallelTeacherWrapper: a teacher picks the task of every episode of a PettingZoo ParallelEnv."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pettingzoo.utils.wrappers import BaseParallelWrapper

from curriculum_gym.wrappers.episodes import EpisodeReporter, TeacherWrapperAttributes

AGGREGATES: dict[str, Callable[[np.ndarray], float]] = {"mean": np.mean, "sum": np.sum, "max": np.max, "min": np.min}


class ParallelTeacherWrapper(TeacherWrapperAttributes, BaseParallelWrapper):
    """Samples a task at every reset of a ParallelEnv and reports one return per episode.

    The env must have a ``task_space`` and take ``options={"task": ...}`` at reset (as
    ``multiwalker_tracks_v0``). The episode's return is the ``aggregate`` (``"mean"``
    by default, ``"sum"``, ``"max"``, ``"min"`` or a callable on the array of the
    agents' episodic returns) of each agent's summed rewards. Each episode that
    started from a teacher's task is reported exactly once, when its last agent is
    done; an episode abandoned by a ``reset()`` before that is not reported (counted
    in ``episodes_abandoned``); an explicit task in the reset options overrides the
    teacher and is not reported. A teacher built here from a name is re-seeded by
    ``reset(seed=...)``; a teacher object without a return range gets the env's. Spaces
    and signatures are unchanged. A teacher object stays one curriculum in SuperSuit's
    worker processes (see :class:`~curriculum_gym.Teacher`). The bookkeeping is the
    :class:`~curriculum_gym.wrappers.episodes.EpisodeReporter` of
    :class:`~curriculum_gym.TeacherWrapper`.

    Example:
        >>> import curriculum_gym as cg
        >>> from curriculum_gym.multiagent import multiwalker_tracks_v0
        >>> env = cg.ParallelTeacherWrapper(multiwalker_tracks_v0.parallel_env(n_walkers=2), "alp-gmm", seed=0)
        >>> observations, infos = env.reset(seed=0)
        >>> infos["walker_0"]["task"].shape
        (2,)
    """

    def __init__(
        self,
        env: Any,
        teacher: Any,
        *,
        aggregate: str | Callable[[np.ndarray], float] = "mean",
        reseed_teacher: bool | None = None,
        seed: int | None = None,
        **teacher_options: Any,
    ) -> None:
        super().__init__(env)
        if isinstance(aggregate, str):
            if aggregate not in AGGREGATES:
                raise ValueError(f"aggregate must be one of {sorted(AGGREGATES)} or a callable; got {aggregate!r}")
            aggregate = AGGREGATES[aggregate]
        elif not callable(aggregate):
            raise TypeError(f"aggregate must be one of {sorted(AGGREGATES)} or a callable; got {aggregate!r}")
        self.aggregate = aggregate
        self._episodes = EpisodeReporter(
            env.unwrapped, teacher, reseed_teacher=reseed_teacher, seed=seed, options=teacher_options
        )
        self._returns: dict[str, float] = {}

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        options = self._episodes.reset_options(seed, options)
        observations, infos = self.env.reset(seed=seed, options=options)
        self._episodes.started(self.env.unwrapped.task)
        self._returns = dict.fromkeys(self.env.possible_agents, 0.0)
        return observations, infos

    def step(self, actions: dict[str, Any]):
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        for agent, reward in rewards.items():
            self._returns[agent] += float(reward)
        if not self.env.agents:  # every agent is done: the episode is over
            self._episodes.finish(float(self.aggregate(np.array(list(self._returns.values())))))
        return observations, rewards, terminations, truncations, infos

    def close(self) -> None:
        self._episodes.abandon()
        super().close()
