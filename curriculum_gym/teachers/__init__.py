"""Teachers: one file per algorithm, a common base class, and a registry by name."""

from __future__ import annotations

import os
from typing import Any

from curriculum_gym import checkpoint
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.adr import ADR
from curriculum_gym.teachers.alp_gmm import ALPGMM
from curriculum_gym.teachers.base import WALKER_RETURN_RANGE, Teacher
from curriculum_gym.teachers.covar_gmm import CovarGMM
from curriculum_gym.teachers.gmm import Mixture
from curriculum_gym.teachers.oracle import Oracle
from curriculum_gym.teachers.random import RandomTeacher
from curriculum_gym.teachers.riac import RIAC

TEACHERS: dict[str, type[Teacher]] = {
    cls.name: cls for cls in (RandomTeacher, ALPGMM, RIAC, CovarGMM, ADR, Oracle)
}


def make_teacher(
    name: str,
    task_space: TaskSpace,
    seed: int | None = None,
    return_range: tuple[float, float] | None = None,
    **options: Any,
) -> Teacher:
    """Build a teacher by name: ``"random"``, ``"alp-gmm"``, ``"riac"``, ``"covar-gmm"``, ``"adr"``, ``"oracle"``.

    ``return_range=(low, high)`` says how to normalise returns (default: the walker
    tracks' [-150, 350]); ``options`` go to the teacher's constructor.
    """
    if not isinstance(name, str) or name not in TEACHERS:
        raise ValueError(f"unknown teacher {name!r}; allowed teachers: {sorted(TEACHERS)}")
    cls = TEACHERS[name]
    try:
        return cls(task_space, seed=seed, return_range=return_range, **options)
    except TypeError as exc:  # an option the teacher does not take
        allowed = ", ".join(cls.option_names) or "none"
        raise ValueError(f"invalid option for teacher {name!r}: {exc}; its options: {allowed}") from None


def load_teacher(path: str | os.PathLike) -> Teacher:
    """Rebuild a teacher saved with ``teacher.save(path)``; continues exactly where it was."""
    state = checkpoint.load_state(path)
    try:
        space = TaskSpace.from_state_dict(state["task_space"])
        teacher = make_teacher(state["teacher"], space, seed=state["seed"], return_range=state["return_range"],
                               **state["options"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a valid curriculum-gym teacher checkpoint: {exc!r}") from None
    teacher.load_state_dict(state)
    return teacher


__all__ = [
    "ADR",
    "ALPGMM",
    "RIAC",
    "TEACHERS",
    "WALKER_RETURN_RANGE",
    "CovarGMM",
    "Mixture",
    "Oracle",
    "RandomTeacher",
    "Teacher",
    "load_teacher",
    "make_teacher",
]
