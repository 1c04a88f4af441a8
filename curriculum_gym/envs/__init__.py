"""Walker environments: physics, bodies, terrain generators."""

from curriculum_gym.envs.bodies import BODIES, BodySpec, get_body
from curriculum_gym.envs.parkour import ParkourEnv
from curriculum_gym.envs.terrain import TRACKS, HexagonTracks, StumpTracks, TrackGenerator, TrackLayout
from curriculum_gym.envs.walker import Physics, WalkerTracksEnv

__all__ = [
    "BODIES",
    "TRACKS",
    "BodySpec",
    "HexagonTracks",
    "ParkourEnv",
    "Physics",
    "StumpTracks",
    "TrackGenerator",
    "TrackLayout",
    "WalkerTracksEnv",
    "get_body",
]
