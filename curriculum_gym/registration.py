"""Every Gymnasium ID of the package, in one place.

Registered on ``import curriculum_gym``; ``gym.make("curriculum_gym:StumpTracks-v0")``
imports the package first, so ID-only scripts work too. Every ID takes
``teacher=`` (a Teacher, a teacher name or a shared handle) and ``teacher_options=``
(a dict, with a teacher name), which wrap the env in a
:class:`~curriculum_gym.TeacherWrapper`, or ``task=`` for a fixed task;
``task_in_obs=True`` (a :class:`~curriculum_gym.TaskObservation` around the env, under
the teacher wrapper) and ``challenge=`` (a name of
:data:`curriculum_gym.challenges.CHALLENGES`). ``spec.reward_threshold`` is the return
at which an episode counts as mastered (230).
"""

from __future__ import annotations

import sys
from typing import Any

import gymnasium as gym
import numpy as np

from curriculum_gym.challenges import Challenge, challenge_env_kwargs
from curriculum_gym.envs.parkour import ParkourEnv
from curriculum_gym.envs.walker import WalkerTracksEnv

#: ID -> the keyword arguments that make it
WALKER_IDS: dict[str, dict[str, Any]] = {
    "StumpTracks-v0": {"track": "stumps"},
    "HexagonTracks-v0": {"track": "hexagons"},
}
MAX_EPISODE_STEPS = 2000
#: the spec's ``reward_threshold``: an episode with at least this return is mastered (the env's own constant)
REWARD_THRESHOLD = float(getattr(WalkerTracksEnv, "mastery_threshold", 230.0))
ENTRY_POINT = "curriculum_gym.registration:make_walker"
#: ID -> the keyword arguments that make it (TeachMyAgent's Parkour, walker bodies)
PARKOUR_IDS: dict[str, dict[str, Any]] = {"Parkour-v0": {}}
PARKOUR_ENTRY_POINT = "curriculum_gym.registration:make_parkour"

#: Multi-env constructors whose sub-envs should share one teacher built from a name:
#: (module, function) -> the name of that function's dict of keyword arguments for each sub-env.
VECTOR_CONSTRUCTORS: dict[tuple[str, str], str] = {
    ("gymnasium.envs.registration", "create_single_env"): "env_spec_kwargs",  # gym.make_vec, sync and async
    ("stable_baselines3.common.env_util", "_init"): "env_kwargs",  # SB3's make_vec_env (and rl-zoo3)
}


def make_walker(
    track: str,
    teacher: Any = None,
    teacher_options: dict[str, Any] | None = None,
    task_in_obs: bool = False,
    reseed_teacher: bool | None = None,
    challenge: str | Challenge | None = None,
    **env_kwargs: Any,
) -> gym.Env:
    """Entry point of the walker IDs: the env, wrapped in a TeacherWrapper when a teacher is given.

    ``task_in_obs=True`` puts a :class:`~curriculum_gym.TaskObservation` right around
    the env (under the TeacherWrapper, if any); it needs no teacher (e.g. with ``task=``).

    ``challenge`` (a TeachMyAgent challenge name, see :mod:`curriculum_gym.challenges`)
    sets the env's task bounds, body and rugged task mapping as the challenge says
    (a ``task_bounds``, ``body`` or ``task_transform`` given as well that conflicts
    is refused with ``ValueError``); a teacher gets the env's task space, so the
    challenge's bounds reach it. Learner-side challenges (``"forgetting-student"``)
    leave the env as it is.

    Example:
        >>> import gymnasium as gym
        >>> env = gym.make("StumpTracks-v0", challenge="mostly-unfeasible", teacher="random")
        >>> env.unwrapped.task_space
        TaskSpace(stump_height=[0, 9], obstacle_spacing=[0, 6])
    """
    if challenge is not None:
        env_kwargs = challenge_env_kwargs(challenge, track, env_kwargs)
    if not isinstance(task_in_obs, (bool, np.bool_)):
        raise TypeError(f"task_in_obs must be a bool; got {task_in_obs!r}")
    env = WalkerTracksEnv(track=track, **env_kwargs)
    return _with_teacher(env, teacher, teacher_options, task_in_obs, reseed_teacher, env_kwargs)


def make_parkour(
    teacher: Any = None,
    teacher_options: dict[str, Any] | None = None,
    task_in_obs: bool = False,
    reseed_teacher: bool | None = None,
    challenge: str | Challenge | None = None,
    **env_kwargs: Any,
) -> gym.Env:
    """Entry point of ``Parkour-v0``: a :class:`~curriculum_gym.envs.parkour.ParkourEnv`, wrapped as
    :func:`make_walker` wraps the walker tracks (``teacher=``, ``teacher_options=``, ``task_in_obs=``,
    ``reseed_teacher=``). The TeachMyAgent challenges are defined on Stump Tracks: ``challenge=`` is refused.

    Example:
        >>> import gymnasium as gym
        >>> env = gym.make("Parkour-v0", teacher="random")
        >>> env.unwrapped.task_space.dim
        6
    """
    if challenge is not None:
        raise ValueError(
            f"challenge={challenge!r}: challenges apply to StumpTracks-v0 and HexagonTracks-v0, not Parkour"
        )
    if not isinstance(task_in_obs, (bool, np.bool_)):
        raise TypeError(f"task_in_obs must be a bool; got {task_in_obs!r}")
    env = ParkourEnv(**env_kwargs)
    return _with_teacher(env, teacher, teacher_options, task_in_obs, reseed_teacher, env_kwargs)


def _with_teacher(
    env: gym.Env,
    teacher: Any,
    teacher_options: dict[str, Any] | None,
    task_in_obs: bool,
    reseed_teacher: bool | None,
    env_kwargs: dict[str, Any],
) -> gym.Env:
    """``env`` in a TeacherWrapper when a teacher is given (and a TaskObservation when asked)."""
    if teacher is None:
        if teacher_options or reseed_teacher is not None:
            raise ValueError("teacher_options and reseed_teacher need a teacher, e.g. gym.make(ID, teacher='alp-gmm')")
        if task_in_obs:
            from curriculum_gym.wrappers import TaskObservation

            return TaskObservation(env)
        return env
    if env_kwargs.get("task") is not None:
        raise ValueError("task= fixes every episode's task and teacher= chooses them: give one of the two")
    if teacher_options is not None and not isinstance(teacher_options, dict):
        raise TypeError(f"teacher_options must be a dict of the teacher's options; got {teacher_options!r}")
    from curriculum_gym.wrappers import TeacherWrapper

    if isinstance(teacher, str):
        shared = share_named_teacher(env, teacher, teacher_options or {})
        if shared is not None:
            teacher, teacher_options = shared, None
            reseed_teacher = True if reseed_teacher is None else reseed_teacher
    return TeacherWrapper(
        env, teacher, task_in_obs=task_in_obs, reseed_teacher=reseed_teacher, **(teacher_options or {})
    )


def share_named_teacher(env: gym.Env, name: str, options: dict[str, Any]) -> Any:
    """One teacher for all the sub-envs of one multi-env constructor call, built from ``name``.

    ``gym.make_vec(ID, n, teacher="alp-gmm")`` (sync or async) and SB3's
    ``make_vec_env(ID, n, env_kwargs={"teacher": "alp-gmm"})`` build each sub-env
    from one dict of keyword arguments. When this entry point runs inside such a
    constructor (found on the call stack, see ``VECTOR_CONSTRUCTORS``), the first
    sub-env builds the teacher and every later sub-env receives the same one:
    ``gym.make_vec`` gets the object in its own copy of the kwargs in place of the
    name (an async vector env builds its first env in the calling process, so the
    teacher lives there and reaches the workers as a shared teacher does); SB3's
    dict is the caller's own (it may build an eval env next), so it is left alone
    and the teacher is kept on the ``VecEnv`` under construction. Returns the
    teacher, or None outside such a constructor.
    """
    frame = sys._getframe(2)
    for _ in range(16):
        if frame is None:
            return None
        key = (frame.f_globals.get("__name__"), frame.f_code.co_name)
        if key in VECTOR_CONSTRUCTORS:
            kwargs = frame.f_locals.get(VECTOR_CONSTRUCTORS[key])
            if not (isinstance(kwargs, dict) and kwargs.get("teacher") is name):
                return None
            from curriculum_gym.wrappers.teacher_wrapper import build_named_teacher

            if key[0].startswith("stable_baselines3"):
                # SB3 passes the caller's own env_kwargs dict, which may build an eval env next: leave it
                # alone and keep the teacher on the vector env under construction instead
                vec_env = _vec_env_under_construction(frame)
                if vec_env is None:
                    return None
                shared = vec_env.__dict__.setdefault("_curriculum_gym_teachers", {})
                if name not in shared:
                    options = dict(options)
                    shared[name] = build_named_teacher(env.unwrapped, name, options.pop("seed", None), options)
                return shared[name]
            options = dict(options)  # gym.make_vec's dict is its own copy, and carries the teacher to workers
            teacher = build_named_teacher(env.unwrapped, name, options.pop("seed", None), options)
            kwargs["teacher"] = teacher
            kwargs.pop("teacher_options", None)
            kwargs.setdefault("reseed_teacher", True)
            return teacher
        frame = frame.f_back
    return None


def _vec_env_under_construction(frame: Any) -> Any:
    """The SB3 ``VecEnv`` whose ``__init__`` is on the stack above ``frame`` (its sub-envs are being made)."""
    for _ in range(8):
        frame = frame.f_back
        if frame is None:
            return None
        candidate = frame.f_locals.get("self")
        if candidate is not None and type(candidate).__module__.startswith("stable_baselines3.common.vec_env"):
            return candidate
    return None


def register_envs() -> None:
    """Register the IDs (idempotent: IDs already registered are left alone)."""
    for env_id, kwargs in WALKER_IDS.items():
        if env_id not in gym.registry:
            gym.register(
                id=env_id,
                entry_point=ENTRY_POINT,
                kwargs=dict(kwargs),
                max_episode_steps=MAX_EPISODE_STEPS,
                reward_threshold=REWARD_THRESHOLD,
            )
    for env_id, kwargs in PARKOUR_IDS.items():
        if env_id not in gym.registry:
            gym.register(
                id=env_id,
                entry_point=PARKOUR_ENTRY_POINT,
                kwargs=dict(kwargs),
                max_episode_steps=MAX_EPISODE_STEPS,
                reward_threshold=float(ParkourEnv.mastery_threshold),
            )
