"""RLlib: the env creator and a metrics hook for a teacher shared by every env runner.

The teacher lives in the driver, served with ``cg.serve`` (a loopback server
thread, or ``backend="ray"`` for a cluster); its picklable handle travels to the
env runners inside ``env_config``, and every runner's ``TeacherWrapper`` samples
tasks from and reports returns to that one teacher::

    handle = cg.serve(teacher)
    register_env("StumpTracks-v0")
    config = (PPOConfig().environment("StumpTracks-v0", env_config={"teacher": handle})
              .callbacks(on_train_result=TeacherMetrics(handle)))   # result["teacher"] = handle.metrics()

Needs ``pip install "curriculum-gym[rllib]"`` (RLlib pins its own Gymnasium
version); ``import curriculum_gym`` does not import Ray. See
``examples/rllib_shared_teacher.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym

__all__ = ["TeacherMetrics", "env_creator", "register_env"]


def _make_env(env_id: str, config: Mapping[str, Any]) -> gym.Env:
    return gym.make(env_id, **dict(config))  # this module's import has registered the IDs, in every process


def env_creator(env_id: str = "StumpTracks-v0") -> Callable[[Mapping[str, Any]], gym.Env]:
    """An RLlib env creator: ``env_config`` becomes ``gym.make(env_id, **env_config)``.

    So ``env_config={"teacher": handle, "body": "short", "max_episode_steps": 500}``
    makes a walker whose ``TeacherWrapper`` uses the served teacher. The creator is a
    ``functools.partial`` of a module function: it pickles by reference, and a worker
    that unpickles it imports ``curriculum_gym`` (which registers the IDs).

    Example:
        >>> import curriculum_gym as cg
        >>> from curriculum_gym.integrations.rllib import env_creator
        >>> env = env_creator("StumpTracks-v0")({"teacher": "random", "max_episode_steps": 100})
        >>> env.get_wrapper_attr("teacher").name, env.spec.max_episode_steps
        ('random', 100)
    """
    if not isinstance(env_id, str):
        raise TypeError(f"env_id must be a registered Gymnasium ID (str); got {type(env_id).__name__}")
    gym.spec(env_id)  # an unknown ID fails here, in the driver, not in every env runner
    return functools.partial(_make_env, env_id)


def register_env(env_id: str = "StumpTracks-v0", name: str | None = None) -> str:
    """Register ``env_creator(env_id)`` with Ray Tune under ``name`` (default: ``env_id``); returns the name.

    Then ``PPOConfig().environment(name, env_config={"teacher": handle, ...})``.
    """
    try:
        from ray.tune.registry import register_env as tune_register_env
    except ImportError as exc:
        raise ImportError(f'register_env needs RLlib: pip install "curriculum-gym[rllib]" ({exc})') from None
    name = env_id if name is None else name
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str or None; got {name!r}")
    tune_register_env(name, env_creator(env_id))
    return name


class TeacherMetrics:
    """An ``on_train_result`` hook: puts ``teacher.metrics()`` into every training result under ``key``.

    ``config.callbacks(on_train_result=TeacherMetrics(handle))``; RLlib's loggers
    (TensorBoard, ``result.json``) then hold ``teacher/episodes``, ``teacher/n_gaussians``, ...
    ``teacher`` is a handle from ``cg.serve`` (or a ``Teacher``, when the envs run in the driver).

    Example:
        >>> import curriculum_gym as cg
        >>> from curriculum_gym.integrations.rllib import TeacherMetrics
        >>> teacher = cg.make_teacher("random", cg.TaskSpace(["x"], [0], [1]), seed=0)
        >>> result = {}
        >>> TeacherMetrics(teacher)(algorithm=None, result=result)
        >>> result["teacher"]["episodes"]
        0
    """

    def __init__(self, teacher: Any, key: str = "teacher") -> None:
        if not callable(getattr(teacher, "metrics", None)):
            raise TypeError(
                "teacher must be a curriculum_gym Teacher or a handle from cg.serve (with metrics()); "
                f"got {type(teacher).__name__}"
            )
        if not isinstance(key, str) or not key:
            raise TypeError(f"key must be a non-empty str; got {key!r}")
        self.teacher, self.key = teacher, key

    def __call__(self, *, algorithm: Any = None, result: dict[str, Any], **kwargs: Any) -> None:
        result[self.key] = dict(self.teacher.metrics())
