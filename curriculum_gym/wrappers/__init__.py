"""Wrappers that connect teachers to environments (one concern each)."""

from curriculum_gym.wrappers.task_observation import TaskObservation
from curriculum_gym.wrappers.teacher_wrapper import TeacherWrapper

__all__ = ["TaskObservation", "TeacherWrapper"]
