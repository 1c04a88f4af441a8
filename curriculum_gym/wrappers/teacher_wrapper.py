"""TeacherWrapper: a teacher picks the task of every episode; the episode's return goes back to it."""

from __future__ import annotations

import sys
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.wrappers import TimeLimit

from curriculum_gym.teachers import Teacher
from curriculum_gym.wrappers.episodes import (
    CurriculumWarning,
    EpisodeReporter,
    TeacherWrapperAttributes,
    build_named_teacher,
    in_worker_process,
    resolve_teacher,
)
from curriculum_gym.wrappers.task_observation import TaskObservation, appends_task

# CurriculumWarning and the teacher helpers live in wrappers.episodes; importable from here as before
__all__ = [
    "CurriculumWarning",
    "TeacherWrapper",
    "build_named_teacher",
    "in_worker_process",
    "outer_time_limits",
    "resolve_teacher",
]


def outer_time_limits(wrapper: Any, frame: Any) -> list[TimeLimit]:
    """The Gymnasium ``TimeLimit`` wrappers around ``wrapper``, found on the call stack of its ``reset``.

    ``gym.make`` puts its ``TimeLimit`` outside the env its entry point returns, so
    a truncation there is invisible from inside. Every outer wrapper's ``reset``
    calls the next one's, so the outer ``TimeLimit`` objects are the ``self`` of
    ``reset`` frames further up the stack.
    """
    limits = []
    for _ in range(32):
        if frame is None:
            break
        if frame.f_code.co_name == "reset":
            outer = frame.f_locals.get("self")
            if isinstance(outer, TimeLimit) and all(outer is not seen for seen in limits) and _wraps(outer, wrapper):
                limits.append(outer)
        frame = frame.f_back
    return limits


def _wraps(outer: Any, inner: Any) -> bool:
    env = outer
    for _ in range(64):
        if env is inner:
            return True
        env = getattr(env, "env", None)
        if env is None:
            return False
    return False


class TeacherWrapper(TeacherWrapperAttributes, gym.Wrapper):
    """Samples each episode's task from a teacher and reports each finished episode back.

    Example:
        >>> import gymnasium as gym
        >>> import curriculum_gym as cg
        >>> env = cg.TeacherWrapper(gym.make("StumpTracks-v0"), "alp-gmm")
        >>> obs, info = env.reset(seed=0)
        >>> info["task"].shape
        (2,)
        >>> env.get_wrapper_attr("teacher").name
        'alp-gmm'

    Rules:

    - every ``reset`` asks the teacher for a task and passes it as ``options["task"]``;
    - every episode that started from a teacher's task and ended (terminated, or
      truncated here or by a Gymnasium ``TimeLimit`` outside this wrapper, such as
      the one ``gym.make`` adds) is reported exactly once, on its last step, with
      its raw (unwrapped) return; that step's ``info["task"]`` holds the task;
    - an episode abandoned by a ``reset()`` before it ended (or by ``close()``)
      is not reported: its partial return says little about the task. They are
      counted in ``episodes_abandoned``;
    - a task given explicitly (``reset(options={"task": ...})``, e.g. for evaluation)
      overrides the teacher for that episode and is not reported;
    - a teacher built here from a name is re-seeded by ``reset(seed=...)``, like the
      env's own generator (``reseed_teacher=True``), so seeded runs are reproducible
      and ``check_env`` passes; a teacher object you pass is left as you seeded it;
    - a teacher built here gets the env's ``return_range``; a teacher object without
      one gets it too (``teacher.set_return_range``), and one with another range keeps
      its own, with a :class:`CurriculumWarning`;
    - observations, rewards, spaces and signatures are unchanged, unless
      ``task_in_obs=True``, which puts a :class:`~curriculum_gym.TaskObservation`
      around ``env`` (the task normalised to [0, 1] appended to the observation):
      ``TeacherWrapper(env, teacher, task_in_obs=True)`` is
      ``TeacherWrapper(TaskObservation(env), teacher)``.

    The bookkeeping of episodes is an :class:`~curriculum_gym.wrappers.episodes.EpisodeReporter`,
    shared with :class:`~curriculum_gym.ParallelTeacherWrapper`. A teacher object goes
    with the wrapper into worker processes and stays one curriculum (see
    :class:`~curriculum_gym.Teacher`); a teacher *name* resolved in a worker process
    makes a teacher per worker, with a :class:`CurriculumWarning`.

    Args:
        env: an env whose ``unwrapped`` has a ``task_space`` and takes ``options["task"]``.
        teacher: a :class:`~curriculum_gym.teachers.Teacher`, a teacher name for
            :func:`~curriculum_gym.make_teacher`, or any object with ``sample()`` and
            ``update(task, episode_return)`` (e.g. a handle from ``cg.serve``).
        task_in_obs: append the normalised task to observations (a ``TaskObservation``
            around ``env``).
        reseed_teacher: re-seed the teacher at ``reset(seed=...)``; default: only a
            teacher built here from a name.
        seed, **teacher_options: used only when ``teacher`` is a name.

    Change logs:
        0.2.0: episodes are reported on their last step (also under an outer
        ``TimeLimit``), abandoned ones not at all; ``reseed_teacher``;
        ``task_in_obs`` is a ``TaskObservation``; a teacher object gets the env's
        return range.
    """

    def __init__(
        self,
        env: gym.Env,
        teacher: Teacher | str | Any,
        *,
        task_in_obs: bool = False,
        reseed_teacher: bool | None = None,
        seed: int | None = None,
        **teacher_options: Any,
    ) -> None:
        if not isinstance(task_in_obs, (bool, np.bool_)):
            raise TypeError(f"task_in_obs must be a bool; got {task_in_obs!r}")
        self.task_in_obs = bool(task_in_obs)
        if self.task_in_obs:
            if appends_task(env):  # the task once: an env made with task_in_obs=True already has it
                raise ValueError("task_in_obs=True, but the env already appends the task (a TaskObservation)")
            env = TaskObservation(env)
        super().__init__(env)
        self._episodes = EpisodeReporter(
            env.unwrapped, teacher, reseed_teacher=reseed_teacher, seed=seed, options=teacher_options
        )
        self._return = 0.0
        self._outer_limits: list[TimeLimit] = []

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        options = self._episodes.reset_options(seed, options)
        obs, info = self.env.reset(seed=seed, options=options)
        self._episodes.started(info["task"])
        self._return = 0.0
        self._outer_limits = outer_time_limits(self, sys._getframe(1)) if self._episodes.open else []
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._return += float(reward)
        if terminated or truncated or self._truncated_outside():
            if "task" not in info:
                info = {**info, "task": self._episodes.task}
            self._episodes.finish(self._return)
        return obs, reward, terminated, truncated, info

    def close(self) -> None:
        self._episodes.abandon()
        super().close()

    def _truncated_outside(self) -> bool:
        """Whether a TimeLimit around this wrapper truncates the episode on the step now under way."""
        return any(limit._elapsed_steps + 1 >= limit._max_episode_steps for limit in self._outer_limits)
