"""Teachers copied by ``fork``: served just before it, so that the copies can reach them.

A child process made by ``fork`` (Gymnasium's ``AsyncVectorEnv`` and SuperSuit on
Linux, ``SubprocVecEnv(start_method="fork")``) receives a copy of every object
without pickling, so a teacher there cannot learn where its original lives
unless the original was served before the fork. This module keeps a weak set of
live teachers and, right before each ``os.fork``, starts the server of those not
served yet; the copies then forward their calls to it.

This weak set is the package's one process-wide registry, because a fork is a
process-wide event; it holds no teacher alive and changes no teacher's behaviour.
"""

from __future__ import annotations

import os
import warnings
import weakref
from typing import Any

_LIVE_TEACHERS: weakref.WeakSet[Any] = weakref.WeakSet()


def track(teacher: Any) -> None:
    """Serve ``teacher`` before any later fork of this process."""
    _LIVE_TEACHERS.add(teacher)


def _serve_before_fork() -> None:
    pid = os.getpid()
    for teacher in list(_LIVE_TEACHERS):
        if teacher._owner_pid != pid:
            continue  # a copy: its owner is served already
        try:
            teacher._share()
        except Exception as exc:  # never break a fork; the copy will say it cannot reach its owner
            warnings.warn(f"could not serve {teacher!r} before fork: {exc}", RuntimeWarning, stacklevel=2)


os.register_at_fork(before=_serve_before_fork)
