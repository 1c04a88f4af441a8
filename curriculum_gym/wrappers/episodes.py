"""What the teacher wrappers share: the teacher they use, and the bookkeeping of its episodes.

``TeacherWrapper`` (Gymnasium) and ``ParallelTeacherWrapper`` (PettingZoo) differ
only in how an episode ends and what its return is; which task an episode gets,
whether it is reported, abandoned or neither, and the counts are kept here by one
:class:`EpisodeReporter`.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from typing import Any

import numpy as np

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
    options = dict(options)
    return_range = options.pop("return_range", getattr(unwrapped, "return_range", None))  # given: it wins
    return make_teacher(name, task_space, seed=seed, return_range=return_range, **options)


def resolve_teacher(
    unwrapped: Any, teacher: Any, seed: int | None, options: dict[str, Any]
) -> tuple[Any, TaskSpace, bool]:
    """The teacher a wrapper will use, the env's task space, and whether the wrapper built the teacher.

    ``teacher`` is a Teacher, a name for :func:`make_teacher` (then ``seed`` and
    ``options`` are its arguments and the env's ``return_range`` its return range) or
    any object with ``sample()`` and ``update()`` (e.g. a handle from ``cg.serve``);
    such an object gets the env's return range (see :func:`adopt_return_range`).
    """
    task_space = _task_space_of(unwrapped)
    built = isinstance(teacher, str)
    if built:
        teacher = build_named_teacher(unwrapped, teacher, seed, options)
    elif options or seed is not None:
        raise ValueError(
            "seed and teacher options are only used with a teacher name, e.g. TeacherWrapper(env, 'alp-gmm', seed=0)"
        )
    if not (callable(getattr(teacher, "sample", None)) and callable(getattr(teacher, "update", None))):
        raise TypeError(f"teacher must be a Teacher, a teacher name or have sample() and update(); got {teacher!r}")
    teacher_space = getattr(teacher, "task_space", None)
    if teacher_space is not None and teacher_space != task_space:
        raise ValueError(f"the teacher's task space {teacher_space} differs from the env's {task_space}")
    env_range = getattr(unwrapped, "return_range", None)
    if not built:
        adopt_return_range(teacher, env_range)
    if getattr(teacher, "needs_return_range", False) and env_range is None and teacher.return_range is None:
        raise ValueError(
            f"{type(teacher).__name__} normalises returns with a return range, and neither it nor the env "
            f"({type(unwrapped).__name__}, no return_range attribute) has one: pass return_range=(low, high) "
            "(with a teacher name: teacher_options={'return_range': (low, high)})"
        )
    return teacher, task_space, built


def adopt_return_range(teacher: Any, env_range: Any) -> None:
    """Give ``teacher`` the env's return range when it has none; warn when it has another.

    A teacher whose ``return_range`` is None (or that does not say, as a handle)
    gets ``teacher.set_return_range(env_range)``, if it has that method. A teacher
    that normalises returns with another range keeps it, with a
    :class:`CurriculumWarning`: its normalised returns will not span [0, 1] on this env.
    """
    if env_range is None:
        return
    env_range = (float(env_range[0]), float(env_range[1]))
    current = getattr(teacher, "return_range", None)
    if current is not None:
        if (float(current[0]), float(current[1])) != env_range:
            _warn_other_range(teacher, current, env_range)
        return
    setter = getattr(teacher, "set_return_range", None)
    if not callable(setter):
        return
    try:
        setter(env_range)
    except ValueError as exc:  # e.g. a served teacher with another range already set
        _warn_other_range(teacher, None, env_range, str(exc))


def _warn_other_range(teacher: Any, current: Any, env_range: tuple[float, float], detail: str = "") -> None:
    has = f"return_range={tuple(current)}" if current is not None else "another return range"
    warnings.warn(
        f"the teacher {teacher!r} normalises returns with {has}, but this env's return_range is {env_range}; "
        "the teacher keeps its own" + (f" ({detail})" if detail else ""),
        CurriculumWarning,
        stacklevel=6,  # the wrapper's caller
    )


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


class EpisodeReporter:
    """One teacher wrapper's episodes: which task each gets, and which are reported to the teacher.

    Rules (the same for every teacher wrapper):

    - an episode gets the teacher's next task, unless the reset options give one
      (``options["task"]``), which overrides the teacher and is never reported;
    - with ``reseed_teacher``, a seeded reset first re-seeds the teacher
      (``teacher.sample(seed=seed)``);
    - an episode from the teacher is reported once, when the wrapper says it ended
      (:meth:`finish`); one that a reset or ``close()`` abandons before is counted
      in ``abandoned`` and never reported.

    A wrapper calls :meth:`reset_options` before its env's reset, :meth:`started`
    with the task the env took, :meth:`finish` with the episode's return when it
    ends, and :meth:`abandon` on close.

    Example:
        >>> import gymnasium as gym
        >>> from curriculum_gym.wrappers.episodes import EpisodeReporter
        >>> env = gym.make("StumpTracks-v0")
        >>> episodes = EpisodeReporter(env.unwrapped, "random", seed=0)
        >>> options = episodes.reset_options(seed=None, options=None)   # {"task": the teacher's task}
        >>> obs, info = env.reset(options=options)
        >>> episodes.started(info["task"])
        >>> episodes.finish(-100.0), episodes.finish(-100.0)            # reported once
        (True, False)
        >>> episodes.reported, episodes.abandoned
        (1, 0)

    Args:
        unwrapped: the env (its ``task_space``, ``return_range``).
        teacher, seed, options: see :func:`resolve_teacher`.
        reseed_teacher: re-seed the teacher at a seeded reset; default (None): only a
            teacher built here from a name.
    """

    def __init__(
        self,
        unwrapped: Any,
        teacher: Any,
        *,
        reseed_teacher: bool | None = None,
        seed: int | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.teacher, self.task_space, built = resolve_teacher(unwrapped, teacher, seed, options or {})
        if reseed_teacher is not None and not isinstance(reseed_teacher, bool):
            raise TypeError(f"reseed_teacher must be a bool or None; got {reseed_teacher!r}")
        self.reseed_teacher: bool = built if reseed_teacher is None else reseed_teacher
        self.reported = 0
        self.abandoned = 0
        self.task: np.ndarray | None = None  # the current episode's task (float64)
        self.open = False  # an episode from the teacher that has not ended yet
        self._from_teacher = False

    def reset_options(self, seed: int | None, options: dict[str, Any] | None) -> dict[str, Any] | None:
        """The reset options for the env: ``options`` with the teacher's task, unless they name one.

        An episode still open is abandoned.
        """
        self.abandon()
        self._from_teacher = options is None or options.get("task") is None
        if not self._from_teacher:
            return options
        task = self.teacher.sample(seed=seed) if seed is not None and self.reseed_teacher else self.teacher.sample()
        return {**(options or {}), "task": task}

    def started(self, task: Any) -> None:
        """The env has reset with ``task``: the new episode is open if its task came from the teacher."""
        self.task = np.asarray(task, dtype=np.float64)
        self.open = self._from_teacher

    def finish(self, episode_return: float) -> bool:
        """The episode ended with ``episode_return``: report it if it is open; whether it was reported."""
        if not self.open:
            return False
        self.open = False
        self.teacher.update(self.task, float(episode_return))
        self.reported += 1
        return True

    def abandon(self) -> None:
        """The episode ends unfinished (a reset or close before its end): counted, not reported."""
        if self.open:
            self.open = False
            self.abandoned += 1


class TeacherWrapperAttributes:
    """The public attributes of a teacher wrapper, read from its :class:`EpisodeReporter` ``_episodes``."""

    _episodes: EpisodeReporter

    @property
    def teacher(self) -> Any:
        """The teacher (a Teacher, a handle, or any object with ``sample()`` and ``update()``)."""
        return self._episodes.teacher

    @property
    def task_space(self) -> TaskSpace:
        """The env's task space."""
        return self._episodes.task_space

    @property
    def reseed_teacher(self) -> bool:
        """Whether ``reset(seed=...)`` re-seeds the teacher."""
        return self._episodes.reseed_teacher

    @reseed_teacher.setter
    def reseed_teacher(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"reseed_teacher must be a bool; got {value!r}")
        self._episodes.reseed_teacher = value

    @property
    def episodes_reported(self) -> int:
        """Episodes reported to the teacher."""
        return self._episodes.reported

    @property
    def episodes_abandoned(self) -> int:
        """Episodes from the teacher abandoned by a reset or close before they ended (never reported)."""
        return self._episodes.abandoned
