"""Every Gymnasium ID of the package, in one place.

Registered on ``import curriculum_gym``; ``gym.make("curriculum_gym:StumpTracks-v0")``
imports the package first, so ID-only scripts work too. Every ID takes
``teacher=`` (a Teacher, a teacher name or a shared handle), ``teacher_options=``
(a dict, with a teacher name) and ``task_in_obs=``, which wrap the env in a
:class:`~curriculum_gym.TeacherWrapper`.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from curriculum_gym.envs.walker import WalkerTracksEnv

#: ID -> the keyword arguments that make it
WALKER_IDS: dict[str, dict[str, Any]] = {
    "StumpTracks-v0": {"track": "stumps"},
    "HexagonTracks-v0": {"track": "hexagons"},
}
MAX_EPISODE_STEPS = 2000
ENTRY_POINT = "curriculum_gym.registration:make_walker"


def make_walker(
    track: str,
    teacher: Any = None,
    teacher_options: dict[str, Any] | None = None,
    task_in_obs: bool = False,
    **env_kwargs: Any,
) -> gym.Env:
    """Entry point of the walker IDs: the env, wrapped in a TeacherWrapper when a teacher is given."""
    env = WalkerTracksEnv(track=track, **env_kwargs)
    if teacher is None:
        if teacher_options or task_in_obs:
            raise ValueError("teacher_options and task_in_obs need a teacher, e.g. gym.make(ID, teacher='alp-gmm')")
        return env
    from curriculum_gym.wrappers import TeacherWrapper

    return TeacherWrapper(env, teacher, task_in_obs=task_in_obs, **(teacher_options or {}))


def register_envs() -> None:
    """Register the IDs (idempotent: IDs already registered are left alone)."""
    for env_id, kwargs in WALKER_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=ENTRY_POINT, kwargs=dict(kwargs), max_episode_steps=MAX_EPISODE_STEPS)
