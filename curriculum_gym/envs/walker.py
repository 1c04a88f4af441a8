"""The parameterized walker environment: a Box2D walker on a procedurally generated track.

Physics, reward and observations follow Gymnasium's ``BipedalWalker`` (as in Portelas et al., CoRL 2019);
the terrain comes from a :class:`~curriculum_gym.envs.terrain.TrackGenerator`
and a task vector chosen at every reset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import Box2D
import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import EzPickle

from curriculum_gym.envs.bodies import BodySpec, get_body
from curriculum_gym.envs.lidar import TerrainLidar
from curriculum_gym.envs.terrain import TrackGenerator, TrackLayout, get_track
from curriculum_gym.envs.walker_body import ContactTracker, Walker, build_terrain
from curriculum_gym.tasks import TaskSpace


@dataclass(frozen=True)
class Physics:
    """World constants shared by every body and track (Gymnasium's BipedalWalker values)."""

    scale: float = 30.0
    fps: int = 50
    speed_hip: float = 4.0
    speed_knee: float = 6.0
    friction: float = 2.5
    terrain_step: float = 14 / 30.0
    terrain_length: int = 200  # in terrain steps
    terrain_startpad: int = 20  # in terrain steps
    terrain_grass: int = 10  # the finish line is this many steps before the end
    initial_random: float = 5.0
    n_lidar: int = 10
    lidar_range: float = 160 / 30.0
    viewport_w: int = 600
    viewport_h: int = 400

    @property
    def terrain_height(self) -> float:
        return self.viewport_h / self.scale / 4


class WalkerTracksEnv(gym.Env, EzPickle):
    """A walker on a parameterized obstacle track; the task sets the obstacles.

    ## Description
    Gymnasium's ``BipedalWalker`` (Box2D) on a track whose obstacles come from a
    task vector chosen at every reset (Portelas et al., CoRL 2019): Stump Tracks
    (``stump_height``, ``obstacle_spacing``) or Hexagon Tracks (12 vertex offsets).
    The ground between obstacles is flat; all terrain randomness comes from the
    env's ``np_random``, so a seed, a task and the actions fix the trajectory.

    ## Action Space
    ``Box(-1, 1, (act_dim,), float32)``: a motor command per joint (its sign sets the
    direction, its size the torque), leg by leg, hip then knee (4 for the bipeds, 8 for
    ``quadru``).

    ## Observation Space
    ``Box(-inf, inf, (obs_dim,), float32)``: hull angle, angular velocity, horizontal
    and vertical speed; per leg hip angle, hip speed, knee angle, knee speed, ground
    contact; then 10 lidar readings (fraction of the 160/30 range to the terrain)
    (24 numbers for the bipeds, 34 for ``quadru``).

    ## Rewards
    The change of ``130 * x / SCALE - 5 * |hull angle|`` per step, minus a torque
    cost per joint; -100 when the hull touches the ground or the walker leaves the
    track backwards. ``return_range`` (-150, 350) is what teachers normalise with;
    ``mastery_threshold`` 230 counts an episode as mastered.

    ## Starting State
    The walker stands on a flat start pad of 20 terrain steps, pushed forward or
    backward by a random impulse.

    ## Episode End
    Terminated when the hull touches the ground, the walker falls behind the start,
    or it crosses the finish line; truncated after 2000 steps by the ``TimeLimit``
    that ``gym.make`` adds (the paper's horizon; stock ``BipedalWalker-v3`` has 1600).

    ## Version History
    - v0 (0.1.0): Stump and Hexagon Tracks, three bodies; 0.2.0 adds ``task=``,
      ``task_transform=``, ``info["task"]`` at every step, pickling and task limits.

    Example:
        >>> import gymnasium as gym
        >>> import curriculum_gym
        >>> env = gym.make("StumpTracks-v0", body="short")
        >>> obs, info = env.reset(seed=0, options={"task": [1.0, 3.0]})
        >>> obs.shape, info["task"].tolist()
        ((24,), [1.0, 3.0])
        >>> env.unwrapped.task_space.names
        ('stump_height', 'obstacle_spacing')

    Args:
        track: a track name (``"stumps"``, ``"hexagons"``) or a TrackGenerator.
        body: a body name (``"default"``, ``"short"``, ``"quadru"``) or a BodySpec.
        task_bounds: replaces some or all default bounds: ``{name: (low, high)}``
            or one ``(low, high)`` pair per parameter (e.g. stump height up to 5),
            within the track's ``task_limits`` (stump height [-100, 100], spacing
            [-1000, 1000], hexagon offsets [-100, 100]; ``ValueError`` beyond).
        render_mode: ``None``, ``"rgb_array"`` (400x600x3 frames) or ``"human"``.
        task: a fixed task (array-like or ``{name: value}``) for every reset, kept
            validated in ``fixed_task``; ``None`` (default) draws one per episode.
        task_transform: ``None`` (default), or a picklable callable (e.g. a
            :class:`~curriculum_gym.challenges.RuggedMapping`) that maps each
            episode's task to the task the terrain is built from, which must lie
            inside the bounds. ``info["task"]`` (and a teacher) see the task as
            chosen; ``info["terrain_task"]`` and ``terrain_task`` hold the mapped one.

    Reset options: ``{"task": array-like or {name: value}}``, which overrides
    ``task``. Without either the env draws a task uniformly from its task space.
    ``info["task"]`` holds the episode's task (a float64 array) at reset and at every
    step, so the last step of a truncated episode carries it too; ``task`` holds it
    (read-only). Tasks outside the bounds are refused with ``ValueError``.

    The env pickles and deep-copies as its constructor arguments and ``spec``
    (``EzPickle``): a copy is a fresh env, to be reset before stepping.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 50}

    def __init__(
        self,
        track: str | TrackGenerator = "stumps",
        body: str | BodySpec = "default",
        task_bounds: Mapping[str, Sequence[float]] | Sequence[Sequence[float]] | None = None,
        render_mode: str | None = None,
        task: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
        task_transform: Callable[[np.ndarray], Any] | None = None,
    ) -> None:
        EzPickle.__init__(self, track=track, body=body, task_bounds=task_bounds, render_mode=render_mode, task=task,
                          task_transform=task_transform)
        if task_transform is not None and not callable(task_transform):
            raise TypeError(f"task_transform must be a callable (task -> task) or None; got {type(task_transform).__name__}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unknown render_mode {render_mode!r}; allowed: {self.metadata['render_modes']} or None")
        self.track = get_track(track)
        self.body = get_body(body)
        self.physics = Physics()
        space = self.track.default_task_space()
        self.task_space: TaskSpace = self.track.check_task_space(
            space if task_bounds is None else space.with_bounds(task_bounds))
        self.fixed_task: np.ndarray | None = None if task is None else read_only(self.task_space.validate(task))
        self.render_mode = render_mode
        self.task_transform = task_transform

        p = self.physics
        self.layout = TrackLayout(
            terrain_step=p.terrain_step,
            start_x=p.terrain_startpad * p.terrain_step,
            end_x=p.terrain_length * p.terrain_step,
            ground_y=p.terrain_height,
        )
        self.finish_x = (p.terrain_length - p.terrain_grass) * p.terrain_step
        #: the returns teachers normalise with; >= 230 counts as mastered (Portelas et al., CoRL 2019)
        self.return_range = (-150.0, 350.0)
        self.mastery_threshold = 230.0
        self.action_space = spaces.Box(-1.0, 1.0, shape=(self.body.action_dim,), dtype=np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(self.body.obs_dim,), dtype=np.float32)

        self._action_cost = self.body.torque_penalty * self.body.motors_torque

        self.world: Box2D.b2World | None = None
        self.walker: Walker | None = None
        self.obstacles: list[np.ndarray] = []
        self.task: np.ndarray | None = None
        #: the task the terrain was built from: ``task`` itself, or its image by ``task_transform``
        self.terrain_task: np.ndarray | None = None
        self._prev_shaping: float | None = None
        self._lidar: TerrainLidar | None = None
        self._renderer: Any = None

    # ------------------------------------------------------------------ reset
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        task = self.fixed_task
        if options:
            unknown = [k for k in options if k != "task"]
            if unknown:
                raise ValueError(f"unknown reset option(s) {unknown}; allowed options: ['task']")
            if options.get("task") is not None:
                task = read_only(self.task_space.validate(options["task"]))  # before touching any state
        super().reset(seed=seed)
        if task is None:
            task = read_only(self.task_space.sample(self.np_random))
        terrain_task = self._map_task(task)  # a transform's bad output is refused before the episode changes
        self.task, self.terrain_task = task, terrain_task
        self._build_world(terrain_task)
        self._prev_shaping = None
        obs = self.step(np.zeros(self.body.action_dim, dtype=np.float32))[0]
        if self.render_mode == "human":
            self.render()
        return obs, self._info()

    def _info(self) -> dict[str, np.ndarray]:
        if self.task_transform is None:
            return {"task": self.task.copy()}
        return {"task": self.task.copy(), "terrain_task": self.terrain_task.copy()}

    def _map_task(self, task: np.ndarray) -> np.ndarray:
        """The task the terrain is built from: ``task``, or its image by ``task_transform`` (validated)."""
        if self.task_transform is None:
            return task
        mapped = self.task_transform(task.copy())
        try:
            return read_only(self.task_space.validate(mapped))
        except ValueError as exc:
            raise ValueError(f"task_transform mapped the task {task.tolist()} to {mapped!r}, "
                             f"which the env refuses: {exc}") from None

    def _build_world(self, terrain_task: np.ndarray) -> None:
        """A fresh Box2D world per episode, its terrain built from ``terrain_task``: no state survives from the last one."""
        p, rng = self.physics, self.np_random
        self.world = world = Box2D.b2World()
        self.obstacles = build_terrain(world, self.track, terrain_task, rng, self.layout, p.friction)
        self._lidar = TerrainLidar(self.obstacles, self.layout.ground_y, 0.0, self.layout.end_x, p.n_lidar, p.lidar_range)
        push = float(rng.uniform(-p.initial_random, p.initial_random))
        x, y = p.terrain_step * p.terrain_startpad / 2, p.terrain_height + 2 * self.body.leg_h / p.scale
        self.walker = Walker(world, self.body, p, x, y, push)
        self._contacts = ContactTracker([self.walker])
        world.contactListener = self._contacts

    def __getstate__(self) -> dict[str, Any]:
        return {**EzPickle.__getstate__(self), "spec": self.spec}

    def __setstate__(self, state: dict[str, Any]) -> None:
        EzPickle.__setstate__(self, state)  # a fresh env from the constructor arguments
        self.spec = state.get("spec")

    @property
    def hull(self) -> Any:
        return None if self.walker is None else self.walker.hull

    # ------------------------------------------------------------------- step
    def step(self, action: np.ndarray):
        if self.world is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        walker, p = self.walker, self.physics
        effort = walker.apply_action(action)
        self.world.Step(1.0 / p.fps, 6 * 30, 2 * 30)

        px, py = walker.hull.position
        walker.lidar_fractions = lidar = self._lidar.read(px, py)
        state = walker.state()
        state += lidar.tolist()

        shaping = 130 * px / p.scale - 5.0 * abs(state[0])
        reward = 0.0 if self._prev_shaping is None else shaping - self._prev_shaping
        self._prev_shaping = shaping
        reward -= self._action_cost * effort
        terminated = False
        if walker.fallen or px < 0:
            reward = -100.0
            terminated = True
        if px > self.finish_x:
            terminated = True
        if self.render_mode == "human":
            self.render()
        return np.array(state, dtype=np.float32), reward, terminated, False, self._info()

    # ------------------------------------------------------------- rendering
    def render(self):
        if self.render_mode is None:
            gym.logger.warn('render() needs a render_mode, e.g. gym.make("StumpTracks-v0", render_mode="rgb_array")')
            return None
        if self.world is None:
            raise gym.error.ResetNeeded("call reset() before render()")
        if self._renderer is None:
            from curriculum_gym.envs.rendering import WalkerRenderer

            self._renderer = WalkerRenderer(self.physics, self.render_mode, self.metadata["render_fps"])
        camera_x = float(self.walker.hull.position[0]) - self.physics.viewport_w / self.physics.scale / 5
        return self._renderer.draw(self.obstacles, self.layout.ground_y, self.finish_x, [self.walker], camera_x)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self.world = self.walker = self._contacts = None  # no Box2D body outlives its world


def read_only(task: np.ndarray) -> np.ndarray:
    """``task``, marked read-only (the env's own copy of an episode's or a fixed task)."""
    task.flags.writeable = False
    return task
