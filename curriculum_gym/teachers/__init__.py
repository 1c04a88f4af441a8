"""Teachers: one file per algorithm, a common base class, and a registry by name."""

from __future__ import annotations

import os
from typing import Any

from curriculum_gym import checkpoint
from curriculum_gym.protocols import TeacherLike, TeacherProtocol
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.adr import ADR
from curriculum_gym.teachers.alp_gmm import ALPGMM
from curriculum_gym.teachers.base import Teacher
from curriculum_gym.teachers.covar_gmm import CovarGMM
from curriculum_gym.teachers.gmm import Mixture
from curriculum_gym.teachers.oracle import Oracle
from curriculum_gym.teachers.random import RandomTeacher
from curriculum_gym.teachers.riac import RIAC

TEACHERS: dict[str, type[Teacher]] = {cls.name: cls for cls in (RandomTeacher, ALPGMM, RIAC, CovarGMM, ADR, Oracle)}


def make_teacher(
    name: str,
    task_space: TaskSpace,
    seed: int | None = None,
    return_range: tuple[float, float] | None = None,
    **options: Any,
) -> Teacher:
    """Build a teacher by name: ``"random"``, ``"alp-gmm"``, ``"riac"``, ``"covar-gmm"``, ``"adr"``, ``"oracle"``.

    ``return_range=(low, high)`` is the range of the env's raw returns, which the
    learning-progress teachers (ALP-GMM, RIAC, Covar-GMM) normalise to [0, 1]. Left None,
    ``TeacherWrapper`` and ``gym.make(..., teacher=...)`` give the teacher the env's range
    (``env.unwrapped.return_range``); used without them, such a teacher needs
    ``return_range`` or :meth:`Teacher.set_return_range` before its first update.
    ``options`` go to the teacher's constructor: a wrong type is a ``TypeError``, a bad value or
    an unknown option a ``ValueError``.
    """
    if not isinstance(name, str) or name not in TEACHERS:
        raise ValueError(f"unknown teacher {name!r}; allowed teachers: {sorted(TEACHERS)}")
    cls = TEACHERS[name]
    cls.check_option_names(
        options
    )  # here, so that a TypeError from the constructor is the teacher's own (a wrong type)
    return cls(task_space, seed=seed, return_range=return_range, **options)


def load_teacher(path: str | os.PathLike) -> Teacher:
    """Rebuild a teacher saved with ``teacher.save(path)``; continues exactly where it was.

    ``ValueError`` naming the file for anything that is not a valid checkpoint: a malformed
    file (see :mod:`curriculum_gym.checkpoint`), options the teacher's constructor refuses,
    or a state the teacher refuses (:meth:`Teacher.from_state_dict`).
    """
    state = checkpoint.load_state(path)
    try:
        teacher = Teacher.from_state_dict(state)
    except Exception as exc:  # noqa: BLE001 (whatever the file's values break, the file is invalid)
        problem = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        problem = problem if len(problem) <= 500 else problem[:500] + "..."
        raise ValueError(f"{path} is not a valid curriculum-gym teacher checkpoint: {problem}") from None
    return teacher


def __getattr__(name: str) -> Any:
    if name == "WALKER_RETURN_RANGE":  # deprecated; base's __getattr__ warns
        from curriculum_gym.teachers import base

        return base.__getattr__(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ADR",
    "ALPGMM",
    "RIAC",
    "TEACHERS",
    "CovarGMM",
    "Mixture",
    "Oracle",
    "RandomTeacher",
    "Teacher",
    "TeacherLike",
    "TeacherProtocol",
    "load_teacher",
    "make_teacher",
]
