"""Wrappers that connect teachers to environments."""

from curriculum_gym.wrappers.teacher_wrapper import TeacherWrapper

__all__ = ["TeacherWrapper"]
