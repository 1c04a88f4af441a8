"""Terrain generators: one file per track type.

A generator is its :class:`~curriculum_gym.tasks.TaskSpace` plus a pure function
``(task, rng, layout) -> list of obstacle polygons``; the walker env turns the
polygons into Box2D fixtures, lidar geometry and drawings.
"""

from curriculum_gym.envs.terrain.base import TrackGenerator, TrackLayout
from curriculum_gym.envs.terrain.hexagons import HexagonTracks
from curriculum_gym.envs.terrain.stumps import StumpTracks

TRACKS: dict[str, type[TrackGenerator]] = {"stumps": StumpTracks, "hexagons": HexagonTracks}


def get_track(track: str | TrackGenerator) -> TrackGenerator:
    if isinstance(track, TrackGenerator):
        return track
    if track not in TRACKS:
        raise ValueError(f"unknown track {track!r}; allowed tracks: {sorted(TRACKS)}")
    return TRACKS[track]()


__all__ = ["TRACKS", "HexagonTracks", "StumpTracks", "TrackGenerator", "TrackLayout", "get_track"]
