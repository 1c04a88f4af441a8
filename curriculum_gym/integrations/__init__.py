"""Bridges to RL libraries, each imported only when used (none is a dependency of curriculum_gym).

- :mod:`curriculum_gym.integrations.sb3`: :class:`~curriculum_gym.integrations.sb3.TeacherCallback`,
  a Stable-Baselines3 callback that logs ``teacher.metrics()`` under ``teacher/*`` and
  checkpoints the teacher next to the model (``pip install stable-baselines3``).
- :mod:`curriculum_gym.integrations.rllib`: ``register_env`` and ``TeacherMetricsCallback``
  for RLlib with a teacher shared through ``cg.serve`` (``pip install "curriculum-gym[rllib]"``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["TeacherCallback"]


def __getattr__(name: str) -> Any:
    """``TeacherCallback`` imports Stable-Baselines3 on first use."""
    if name == "TeacherCallback":
        from curriculum_gym.integrations.sb3 import TeacherCallback

        return TeacherCallback
    raise AttributeError(f"module 'curriculum_gym.integrations' has no attribute {name!r}")
