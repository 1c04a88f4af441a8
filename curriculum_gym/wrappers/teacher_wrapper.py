"""TeacherWrapper: a teacher picks the task of every episode; the episode's return goes back to it."""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.wrappers import TimeLimit

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers import Teacher, make_teacher


class CurriculumWarning(UserWarning):
    """A curriculum that works, but probably not as the user meant (e.g. one teacher per worker process)."""


def build_named_teacher(unwrapped: Any, name: str, seed: int | None, options: dict[str, Any]) -> Teacher:
    """``make_teacher(name, ...)`` on the env's task space and return range; warns in a worker process.

    A teacher built from a name inside a worker process (SB3's SubprocVecEnv,
    RLlib's env runners) learns only from that process's episodes: say so.
    """
    task_space = _task_space_of(unwrapped)
    if in_worker_process():
        warnings.warn(
            f"teacher {name!r} is built from its name inside worker process {os.getpid()}: it learns only from "
            "this process's episodes, and every worker has a curriculum of its own. To share one curriculum, "
            "build the teacher in the main process and pass the object: "
            "teacher=cg.make_teacher(name, env.unwrapped.task_space, seed=0) (it is served to the workers "
            "automatically), or a handle from cg.serve(teacher).",
            CurriculumWarning,
            stacklevel=3,
        )
    return make_teacher(name, task_space, seed=seed, return_range=getattr(unwrapped, "return_range", None), **options)


def resolve_teacher(unwrapped: Any, teacher: Any, seed: int | None, options: dict[str, Any]) -> tuple[Any, TaskSpace, bool]:
    """The teacher a wrapper will use, the env's task space, and whether the wrapper built the teacher.

    ``teacher`` is a Teacher, a name for :func:`make_teacher` (then ``seed`` and
    ``options`` are its arguments and the env's ``return_range`` its return range) or
    any object with ``sample()`` and ``update()`` (e.g. a handle from ``cg.serve``).
    """
    task_space = _task_space_of(unwrapped)
    built = isinstance(teacher, str)
    if built:
        teacher = build_named_teacher(unwrapped, teacher, seed, options)
    elif options or seed is not None:
        raise ValueError("seed and teacher options are only used with a teacher name, e.g. TeacherWrapper(env, 'alp-gmm', seed=0)")
    if not (callable(getattr(teacher, "sample", None)) and callable(getattr(teacher, "update", None))):
        raise TypeError(f"teacher must be a Teacher, a teacher name or have sample() and update(); got {teacher!r}")
    teacher_space = getattr(teacher, "task_space", None)
    if teacher_space is not None and teacher_space != task_space:
        raise ValueError(f"the teacher's task space {teacher_space} differs from the env's {task_space}")
    return teacher, task_space, built


def in_worker_process() -> bool:
    """True in a multiprocessing child or a Ray worker: places where a new teacher would be one of many."""
    if multiprocessing.parent_process() is not None:
        return True
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        try:
            worker = ray._private.worker.global_worker
            return worker.mode == ray._private.worker.WORKER_MODE
        except AttributeError:  # Ray's internals moved: assume the driver
            return False
    return False


def _task_space_of(unwrapped: Any) -> TaskSpace:
    task_space = getattr(unwrapped, "task_space", None)
    if not isinstance(task_space, TaskSpace):
        raise ValueError(f"a teacher wrapper needs an env with a TaskSpace `task_space`; {unwrapped} has none")
    return task_space


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


class TeacherWrapper(gym.Wrapper):
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
    - observations, rewards, spaces and signatures are unchanged, unless
      ``task_in_obs=True``, which appends the task normalised to [0, 1] to the
      observation (and widens the observation space to match).

    A teacher object goes with the wrapper into worker processes and stays one
    curriculum (see :class:`~curriculum_gym.Teacher`); a teacher *name* resolved in
    a worker process makes a teacher per worker, with a :class:`CurriculumWarning`.

    Args:
        env: an env whose ``unwrapped`` has a ``task_space`` and takes ``options["task"]``.
        teacher: a :class:`~curriculum_gym.teachers.Teacher`, a teacher name for
            :func:`~curriculum_gym.make_teacher`, or any object with ``sample()`` and
            ``update(task, episode_return)`` (e.g. a handle from ``cg.serve``).
        task_in_obs: append the normalised task to observations.
        reseed_teacher: re-seed the teacher at ``reset(seed=...)``; default: only a
            teacher built here from a name.
        seed, **teacher_options: used only when ``teacher`` is a name.

    Change logs:
        0.2.0: episodes are reported on their last step (also under an outer
        ``TimeLimit``), abandoned ones not at all; ``reseed_teacher``.
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
        super().__init__(env)
        self.teacher, self.task_space, built = resolve_teacher(env.unwrapped, teacher, seed, teacher_options)
        if reseed_teacher is not None and not isinstance(reseed_teacher, bool):
            raise TypeError(f"reseed_teacher must be a bool or None; got {reseed_teacher!r}")
        self.reseed_teacher = built if reseed_teacher is None else reseed_teacher
        self.task_in_obs = bool(task_in_obs)
        if self.task_in_obs:
            base = env.observation_space
            if not (isinstance(base, spaces.Box) and len(base.shape) == 1):
                raise ValueError(f"task_in_obs needs a flat Box observation space; got {base}")
            self.observation_space = spaces.Box(
                np.concatenate([base.low, np.zeros(self.task_space.dim)]).astype(base.dtype),
                np.concatenate([base.high, np.ones(self.task_space.dim)]).astype(base.dtype),
                dtype=base.dtype,
            )
        self.episodes_reported = 0
        self.episodes_abandoned = 0
        self._task: np.ndarray | None = None
        self._task_obs: np.ndarray | None = None
        self._return = 0.0
        self._open = False  # an episode from the teacher that has not ended yet
        self._outer_limits: list[TimeLimit] = []

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if self._open:
            self.episodes_abandoned += 1
        explicit = options is not None and options.get("task") is not None
        if not explicit:
            if seed is not None and self.reseed_teacher:
                task = self.teacher.sample(seed=seed)
            else:
                task = self.teacher.sample()
            options = {**(options or {}), "task": task}
        obs, info = self.env.reset(seed=seed, options=options)
        self._task = np.asarray(info["task"], dtype=np.float64)
        self._open, self._return = not explicit, 0.0
        self._outer_limits = outer_time_limits(self, sys._getframe(1)) if self._open else []
        if self.task_in_obs:
            self._task_obs = self.task_space.normalize(self._task).astype(self.observation_space.dtype)
        return self._observation(obs), info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._return += float(reward)
        if terminated or truncated or self._truncated_outside():
            if "task" not in info:
                info = {**info, "task": self._task}
            if self._open:
                self._open = False
                self.teacher.update(self._task, self._return)
                self.episodes_reported += 1
        return self._observation(obs), reward, terminated, truncated, info

    def close(self) -> None:
        if self._open:
            self._open = False
            self.episodes_abandoned += 1
        super().close()

    def _truncated_outside(self) -> bool:
        """Whether a TimeLimit around this wrapper truncates the episode on the step now under way."""
        return any(limit._elapsed_steps + 1 >= limit._max_episode_steps for limit in self._outer_limits)

    def _observation(self, obs: np.ndarray) -> np.ndarray:
        return np.concatenate([obs, self._task_obs]) if self.task_in_obs else obs
