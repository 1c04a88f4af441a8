"""Wrappers that connect teachers to environments, and sharing one teacher across processes."""

from curriculum_gym.wrappers.shared import TeacherHandle, TeacherServer, serve
from curriculum_gym.wrappers.teacher_wrapper import TeacherWrapper

__all__ = ["TeacherHandle", "TeacherServer", "TeacherWrapper", "serve"]
