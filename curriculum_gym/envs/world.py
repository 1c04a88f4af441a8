"""What the single- and multi-agent walker envs share at reset: the track's layout, the
reset options, and a fresh Box2D world holding the terrain of a task."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import Box2D
import numpy as np
from Box2D.b2 import edgeShape, fixtureDef, polygonShape

from curriculum_gym.envs.lidar import TerrainLidar
from curriculum_gym.envs.physics import Physics
from curriculum_gym.envs.terrain import TrackGenerator, TrackLayout
from curriculum_gym.envs.walker_body import GROUND
from curriculum_gym.tasks import TaskSpace


def track_layout(physics: Physics, startpad_steps: int) -> tuple[TrackLayout, float]:
    """The layout of a track whose flat start pad is ``startpad_steps`` long, and its finish line's x.

    A longer start pad (a wide body, several walkers) lengthens the track by as much,
    so the obstacles after it are the same.
    """
    p = physics
    extra = startpad_steps - p.terrain_startpad
    layout = TrackLayout(
        terrain_step=p.terrain_step,
        start_x=startpad_steps * p.terrain_step,
        end_x=(p.terrain_length + extra) * p.terrain_step,
        ground_y=p.terrain_height,
    )
    return layout, (p.terrain_length + extra - p.terrain_grass) * p.terrain_step


def reset_task(
    options: Mapping[str, Any] | None, fixed_task: np.ndarray | None, task_space: TaskSpace, ignored: Iterable[str] = ()
) -> np.ndarray | None:
    """The episode's task from ``options["task"]`` (validated, read-only), else ``fixed_task``.

    Unknown options raise ``ValueError`` (``ignored`` names are accepted and ignored), before
    anything of the env changes. ``None``: draw one.
    """
    if not options:
        return fixed_task
    if not isinstance(options, Mapping):
        raise TypeError(f"reset options must be a dict such as {{'task': [...]}}; got {type(options).__name__}")
    ignored = tuple(ignored)
    unknown = [k for k in options if k != "task" and k not in ignored]
    if unknown:
        raise ValueError(f"unknown reset option(s) {unknown}; allowed options: ['task']")
    if options.get("task") is None:
        return fixed_task
    return read_only(task_space.validate(options["task"]))


def read_only(task: np.ndarray) -> np.ndarray:
    """``task``, marked read-only (the env's own copy of an episode's or a fixed task)."""
    task.flags.writeable = False
    return task


def build_world(
    track: TrackGenerator, task: np.ndarray, rng: np.random.Generator, layout: TrackLayout, physics: Physics
) -> tuple[Box2D.b2World, list[np.ndarray], TerrainLidar]:
    """A fresh Box2D world with the terrain of ``task``, its obstacle polygons and a lidar on them."""
    world = Box2D.b2World()
    obstacles = build_terrain(world, track, task, rng, layout, physics.friction)
    lidar = TerrainLidar(obstacles, layout.ground_y, 0.0, layout.end_x, physics.n_lidar, physics.lidar_range)
    return world, obstacles, lidar


def build_terrain(
    world: Box2D.b2World,
    track: TrackGenerator,
    task: np.ndarray,
    rng: np.random.Generator,
    layout: TrackLayout,
    friction: float,
) -> list[np.ndarray]:
    """One static body: the flat ground edge and every obstacle of ``task``. Returns the obstacle
    polygons as Box2D keeps them (convex hulls), for lidar and drawing."""
    ground = [(0.0, layout.ground_y), (layout.end_x, layout.ground_y)]
    terrain = world.CreateStaticBody()
    fixture = fixtureDef(shape=edgeShape(vertices=ground), friction=friction, categoryBits=GROUND)
    terrain.CreateFixture(fixture)
    # one definition and one shape for every obstacle: Box2D copies both into each new fixture
    fixture.shape = shape = polygonShape()
    for poly in track.obstacles(task, rng, layout):
        try:
            shape.vertices = poly.tolist()
        except AssertionError:  # degenerate (flat) polygon: Box2D refuses it; it is no obstacle
            continue
        terrain.CreateFixture(fixture)
    return [np.array(f.shape.vertices) for f in terrain.fixtures if isinstance(f.shape, polygonShape)]
