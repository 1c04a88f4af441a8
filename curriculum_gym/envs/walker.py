"""The parameterized walker environment: a Box2D walker on a procedurally generated track.

Physics, reward and observations follow Gymnasium's ``BipedalWalker`` (as in Portelas et al., CoRL 2019);
the terrain comes from a :class:`~curriculum_gym.envs.terrain.TrackGenerator`
and a task vector chosen at every reset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import Box2D
import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import EzPickle

from curriculum_gym.envs import physics as constants
from curriculum_gym.envs.bodies import BodySpec, get_body
from curriculum_gym.envs.lidar import TerrainLidar
from curriculum_gym.envs.physics import Physics, walker_reward
from curriculum_gym.envs.terrain import TrackGenerator, get_track
from curriculum_gym.envs.walker_body import ContactTracker, Walker
from curriculum_gym.envs.world import build_world, read_only, reset_task, track_layout
from curriculum_gym.tasks import TaskSpace

__all__ = ["Physics", "WalkerTracksEnv", "read_only"]  # Physics and read_only: importable from here as before


class WalkerTracksEnv(gym.Env, EzPickle):
    """A walker on a parameterized obstacle track; the task sets the obstacles.

    ## Description
    Gymnasium's ``BipedalWalker`` (Box2D) on a track whose obstacles come from a
    task vector chosen at every reset (Portelas et al., CoRL 2019): Stump Tracks
    (``stump_height``, ``obstacle_spacing``) or Hexagon Tracks (12 vertex offsets).
    The ground between obstacles is flat; all terrain randomness comes from the
    env's ``np_random``, so a seed, a task and the actions fix the trajectory.

    ## Action Space
    ``Box(-1, 1, (act_dim,), float32)``: a command per motor of the body, in its order
    (its sign sets the direction, its size the torque): for the bipeds leg by leg, hip
    then knee (4); 4 for the fish, 8 to 16 for the other bodies, the climbers' last two being
    grasp commands (``cg.BODIES[name].action_dim``).

    ## Observation Space
    ``Box(-inf, inf, (obs_dim,), float32)``: the reference part's (the hull's) angle,
    angular velocity, horizontal and vertical speed; per motor its angle, its speed and,
    where its part senses the ground (feet, hands), a contact flag; then 10 lidar
    readings (fraction of the 160/30 range to the terrain) (24 numbers for the bipeds, 26 for the fish,
    32 to 54 for the other bodies: ``cg.BODIES[name].obs_dim``; climbers add 2 per hand before
    the lidar, 0s here).

    ## Rewards
    The change of ``130 * x / SCALE - 5 * |hull angle|`` per step (of the reference
    part; ``wheel``, the chimpanzees and ``fish`` have no angle term), minus a torque cost per
    motor and grasp command; -100 when a critical part (the hull; the chimpanzees' head or chest; none for
    ``millipede``, ``fish`` and ``amphibian``) touches the ground or the walker leaves the track backwards. ``return_range`` (-150, 350) is what teachers normalise with;
    ``mastery_threshold`` 230 counts an episode as mastered.

    ## Starting State
    The walker stands on a flat start pad of 20 terrain steps (more, in whole steps,
    for a body wider than 16), pushed forward or backward by a random impulse.

    ## Episode End
    Terminated when a critical part touches the ground, the walker falls behind the start,
    or it crosses the finish line; truncated after 2000 steps by the ``TimeLimit``
    that ``gym.make`` adds (the paper's horizon; stock ``BipedalWalker-v3`` has 1600).

    ## Version History
    - v0 (0.1.0): Stump and Hexagon Tracks, three bodies; 0.2.0 adds ``task=``,
      ``task_transform=``, ``info["task"]`` at every step, pickling, task limits, bodies
      as data with seven TeachMyAgent bodies and ``body_options=``.

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
        body: a body name (one of ``cg.BODIES``: ``"default"``, ``"short"``, ``"quadru"``,
            ``"classic_bipedal"``, ``"small_bipedal"``, ``"big_quadru"``, ``"spider"``,
            ``"millipede"``, ``"wheel"``, ``"chimpanzee"``, ``"fish"``, ``"amphibian"``,
            ``"climber"``, ``"climber_chest"``; the tracks have no water, so the fish just
            flops, and no ceiling, so the climbers' grasp commands only cost torque) or a
            :class:`~curriculum_gym.envs.bodies.BodySpec`.
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
        body_options: options of a named body, e.g. ``{"motors_torque": 120}``,
            ``{"n_leg_pairs": 3}`` (spider), ``{"n_segments": 6}`` (millipede);
            ``ValueError``/``TypeError`` naming what is allowed otherwise.

    Reset options: ``{"task": array-like or {name: value}}``, which overrides
    ``task``. Without either the env draws a task uniformly from its task space.
    ``info["task"]`` holds the episode's task (a float64 array) at reset and at every
    step, so the last step of a truncated episode carries it too; ``task`` holds it
    (read-only). Tasks outside the bounds are refused with ``ValueError``.

    The env pickles and deep-copies as its constructor arguments and ``spec``
    (``EzPickle``): a copy is a fresh env, to be reset before stepping.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 50}
    #: the returns teachers normalise with (Portelas et al., CoRL 2019)
    return_range: tuple[float, float] = constants.RETURN_RANGE
    #: an episode with at least this return counts as mastered (Portelas et al., CoRL 2019)
    mastery_threshold: float = constants.MASTERY_THRESHOLD

    def __init__(
        self,
        track: str | TrackGenerator = "stumps",
        body: str | BodySpec = "default",
        task_bounds: Mapping[str, Sequence[float]] | Sequence[Sequence[float]] | None = None,
        render_mode: str | None = None,
        task: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
        task_transform: Callable[[np.ndarray], Any] | None = None,
        body_options: Mapping[str, Any] | None = None,
    ) -> None:
        EzPickle.__init__(
            self,
            track=track,
            body=body,
            task_bounds=task_bounds,
            render_mode=render_mode,
            task=task,
            task_transform=task_transform,
            body_options=body_options,
        )
        if task_transform is not None and not callable(task_transform):
            raise TypeError(
                f"task_transform must be a callable (task -> task) or None; got {type(task_transform).__name__}"
            )
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unknown render_mode {render_mode!r}; allowed: {self.metadata['render_modes']} or None")
        self.track = get_track(track)
        self.body = get_body(body, body_options)
        self.physics = Physics()
        space = self.track.default_task_space()
        self.task_space: TaskSpace = self.track.check_task_space(
            space if task_bounds is None else space.with_bounds(task_bounds)
        )
        self.fixed_task: np.ndarray | None = None if task is None else read_only(self.task_space.validate(task))
        self.render_mode = render_mode
        self.task_transform = task_transform

        self.startpad_steps = self.physics.startpad_steps(self.body.width)
        self.layout, self.finish_x = track_layout(self.physics, self.startpad_steps)
        self.action_space = spaces.Box(-1.0, 1.0, shape=(self.body.action_dim,), dtype=np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(self.body.obs_dim,), dtype=np.float32)

        self._action_cost = self.body.torque_cost

        self.world: Box2D.b2World | None = None
        self.walker: Walker | None = None
        self.obstacles: list[np.ndarray] = []
        self.task: np.ndarray | None = None
        #: the task the terrain was built from: ``task`` itself, or its image by ``task_transform``
        self.terrain_task: np.ndarray | None = None
        self._prev_shaping: float | None = None
        self._lidar: TerrainLidar | None = None
        self._lidar_fractions = np.ones(self.physics.n_lidar)  # the last readings, for drawing
        self._renderer: Any = None

    # ------------------------------------------------------------------ reset
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        task = reset_task(options, self.fixed_task, self.task_space)  # refused before touching any state
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
            raise ValueError(
                f"task_transform mapped the task {task.tolist()} to {mapped!r}, which the env refuses: {exc}"
            ) from None

    def _build_world(self, terrain_task: np.ndarray) -> None:
        """A fresh Box2D world per episode, its terrain built from ``terrain_task``: no state survives from the last one."""
        p, rng = self.physics, self.np_random
        self.world, self.obstacles, self._lidar = build_world(self.track, terrain_task, rng, self.layout, p)
        push = float(rng.uniform(-p.initial_random, p.initial_random))
        x, y = p.terrain_step * self.startpad_steps / 2, p.terrain_height + self.body.spawn_height / p.scale
        self.walker = Walker(self.world, self.body, p, x, y, push)
        self._contacts = ContactTracker([self.walker])
        self.world.contactListener = self._contacts

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
        self.world.Step(1.0 / p.fps, p.velocity_iterations, p.position_iterations)

        px, py = walker.hull.position
        self._lidar_fractions = lidar = self._lidar.read(px, py)
        state = walker.state()
        state += lidar.tolist()

        reward, terminated, self._prev_shaping = walker_reward(
            px,
            state[0],
            self._prev_shaping,
            self._action_cost * effort,
            walker.fallen,
            self.finish_x,
            p,
            self.body.head_angle_shaping,
        )
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
        return self._renderer.draw(
            self.obstacles, self.layout.ground_y, self.finish_x, [self.walker], [self._lidar_fractions], camera_x
        )

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self.world = self.walker = self._contacts = None  # no Box2D body outlives its world
