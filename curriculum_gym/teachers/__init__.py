"""Teachers: one file per algorithm, a common base class, and a registry by name."""

from __future__ import annotations

import inspect
import os
from typing import Any

from curriculum_gym import checkpoint
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.adr import ADR
from curriculum_gym.teachers.alp_gmm import ALPGMM
from curriculum_gym.teachers.base import STATE_KEYS, WALKER_RETURN_RANGE, Teacher, state_fields
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
    accepted = inspect.signature(cls).parameters
    unknown = sorted(k for k in options if k not in accepted or k in ("task_space", "seed", "return_range"))
    if unknown:  # checked here, so that a TypeError from the constructor is the teacher's own (a wrong type)
        allowed = ", ".join(cls.option_names) or "none"
        raise ValueError(f"unknown option(s) {unknown} for teacher {name!r}; its options: {allowed}")
    return cls(task_space, seed=seed, return_range=return_range, **options)


def load_teacher(path: str | os.PathLike) -> Teacher:
    """Rebuild a teacher saved with ``teacher.save(path)``; continues exactly where it was.

    ``ValueError`` naming the file for anything that is not a valid checkpoint: a malformed
    file (see :mod:`curriculum_gym.checkpoint`), options the teacher's constructor refuses,
    or a state the teacher refuses (``Teacher.load_state_dict``).
    """
    state = checkpoint.load_state(path)
    try:
        state_fields(state, STATE_KEYS, "the teacher state")
        if not isinstance(state["task_space"], dict) or not isinstance(state["options"], dict):
            raise ValueError("task_space and options must be mappings")
        space = TaskSpace.from_state_dict(state["task_space"])
        teacher = make_teacher(state["teacher"], space, seed=state["seed"], return_range=state["return_range"],
                               **state["options"])  # the constructor checks the options
        teacher.load_state_dict(state)
    except Exception as exc:  # noqa: BLE001 (whatever the file's values break, the file is invalid)
        problem = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        problem = problem if len(problem) <= 500 else problem[:500] + "..."
        raise ValueError(f"{path} is not a valid curriculum-gym teacher checkpoint: {problem}") from None
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
