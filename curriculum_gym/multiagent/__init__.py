"""Multi-agent curriculum: PettingZoo environments on parameterized tracks (``pip install curriculum-gym[multiagent]``)."""

from curriculum_gym.multiagent import multiwalker_tracks_v0
from curriculum_gym.multiagent.multiwalker_tracks import MultiWalkerTracksEnv
from curriculum_gym.multiagent.teacher_wrapper import ParallelTeacherWrapper

__all__ = ["MultiWalkerTracksEnv", "ParallelTeacherWrapper", "multiwalker_tracks_v0"]
