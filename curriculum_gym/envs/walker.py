"""The parameterized walker environment: a Box2D walker on a procedurally generated track.

Physics, reward and observations follow Gymnasium's ``BipedalWalker`` (SPEC §2);
the terrain comes from a :class:`~curriculum_gym.envs.terrain.TrackGenerator`
and a task vector chosen at every reset.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import Box2D  # noqa: I001  (after gymnasium: its import order keeps SWIG quiet)
import gymnasium as gym
import numpy as np
from Box2D.b2 import contactListener, edgeShape, fixtureDef, polygonShape, revoluteJointDef
from gymnasium import spaces

from curriculum_gym.envs.bodies import BodySpec, get_body
from curriculum_gym.envs.lidar import TerrainLidar
from curriculum_gym.envs.terrain import TrackGenerator, TrackLayout, get_track
from curriculum_gym.tasks import TaskSpace

_HULL = -1  # userData tag of the hull; lower legs carry their index


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


class _ContactDetector(contactListener):
    """Flags a fallen hull and counts the contacts of each lower leg."""

    def __init__(self, env: WalkerTracksEnv) -> None:
        contactListener.__init__(self)
        self.env = env

    def _update(self, contact: Any, delta: int) -> None:
        for body in (contact.fixtureA.body, contact.fixtureB.body):
            tag = body.userData
            if tag is None:
                continue
            if tag == _HULL:
                if delta > 0:
                    self.env.game_over = True
            else:
                self.env._leg_contacts[tag] += delta

    def BeginContact(self, contact: Any) -> None:  # noqa: N802 (Box2D's name)
        self._update(contact, +1)

    def EndContact(self, contact: Any) -> None:  # noqa: N802
        self._update(contact, -1)


class WalkerTracksEnv(gym.Env):
    """A walker on a parameterized obstacle track; the task sets the obstacles.

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
            or one ``(low, high)`` pair per parameter (e.g. stump height up to 5).
        render_mode: ``None``, ``"rgb_array"`` (400x600x3 frames) or ``"human"``.

    Reset options: ``{"task": array-like or {name: value}}``. Without a task the
    env draws one uniformly from its task space. ``info["task"]`` holds the task
    of the episode. Tasks outside the bounds are refused with ``ValueError``.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 50}

    def __init__(
        self,
        track: str | TrackGenerator = "stumps",
        body: str | BodySpec = "default",
        task_bounds: Mapping[str, Sequence[float]] | Sequence[Sequence[float]] | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unknown render_mode {render_mode!r}; allowed: {self.metadata['render_modes']} or None")
        self.track = get_track(track)
        self.body = get_body(body)
        self.physics = Physics()
        space = self.track.default_task_space()
        self.task_space: TaskSpace = space if task_bounds is None else space.with_bounds(task_bounds)
        self.render_mode = render_mode

        p = self.physics
        self.layout = TrackLayout(
            terrain_step=p.terrain_step,
            start_x=p.terrain_startpad * p.terrain_step,
            end_x=p.terrain_length * p.terrain_step,
            ground_y=p.terrain_height,
        )
        self.finish_x = (p.terrain_length - p.terrain_grass) * p.terrain_step
        #: the returns teachers normalise with; >= 230 counts as mastered (SPEC §2)
        self.return_range = (-150.0, 350.0)
        self.mastery_threshold = 230.0
        self.action_space = spaces.Box(-1.0, 1.0, shape=(self.body.action_dim,), dtype=np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(self.body.obs_dim,), dtype=np.float32)

        # Per-joint constants, in the order of the action vector (hip, knee per leg).
        n_legs = self.body.n_legs
        self._joint_speeds = [p.speed_hip, p.speed_knee] * n_legs
        self._torque = float(self.body.motors_torque)
        self._action_cost = self.body.torque_penalty * self.body.motors_torque

        self.world: Box2D.b2World | None = None
        self.hull: Any = None
        self.legs: list[Any] = []
        self.joints: list[Any] = []
        self.obstacles: list[np.ndarray] = []
        self.task: np.ndarray | None = None
        self.game_over = False
        self._leg_contacts = [0] * n_legs
        self._prev_shaping: float | None = None
        self._lidar: TerrainLidar | None = None
        self.lidar_fractions = np.ones(p.n_lidar)
        self._renderer: Any = None

    # ------------------------------------------------------------------ reset
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        task = None
        if options:
            unknown = [k for k in options if k != "task"]
            if unknown:
                raise ValueError(f"unknown reset option(s) {unknown}; allowed options: ['task']")
            if options.get("task") is not None:
                task = self.task_space.validate(options["task"])  # before touching any state
        super().reset(seed=seed)
        if task is None:
            task = self.task_space.sample(self.np_random)
        self.task = task
        self._build_world(task)
        self._prev_shaping = None
        obs = self.step(np.zeros(self.body.action_dim, dtype=np.float32))[0]
        if self.render_mode == "human":
            self.render()
        return obs, {"task": task.copy()}

    def _build_world(self, task: np.ndarray) -> None:
        """A fresh Box2D world per episode: no state survives from the last one."""
        p, body, rng = self.physics, self.body, self.np_random
        self.world = world = Box2D.b2World()
        self._listener = _ContactDetector(self)
        world.contactListener = self._listener
        self.game_over = False
        self._leg_contacts = [0] * body.n_legs

        # Terrain: one static body holding the flat ground and every obstacle.
        fixtures = [fixtureDef(shape=edgeShape(vertices=[(0.0, self.layout.ground_y), (self.layout.end_x, self.layout.ground_y)]),
                               friction=p.friction, categoryBits=0x0001)]
        for poly in self.track.obstacles(task, rng, self.layout):
            try:
                shape = polygonShape(vertices=[tuple(v) for v in poly.tolist()])
            except AssertionError:  # degenerate (flat) polygon: Box2D refuses it; it is no obstacle
                continue
            fixtures.append(fixtureDef(shape=shape, friction=p.friction, categoryBits=0x0001))
        terrain = world.CreateStaticBody(fixtures=fixtures)
        # Box2D keeps the convex hull of each polygon: draw and sense exactly that.
        self.obstacles = [np.array(f.shape.vertices) for f in terrain.fixtures if isinstance(f.shape, Box2D.b2PolygonShape)]
        self._lidar = TerrainLidar(self.obstacles, self.layout.ground_y, 0.0, self.layout.end_x, p.n_lidar, p.lidar_range)

        # Walker.
        s = p.scale
        leg_w, leg_h, leg_down = body.leg_w / s, body.leg_h / s, body.leg_down / s
        init_x = p.terrain_step * p.terrain_startpad / 2
        init_y = p.terrain_height + 2 * leg_h
        hull_fd = fixtureDef(shape=polygonShape(vertices=[(x / s, y / s) for x, y in body.hull_poly]),
                             density=5.0, friction=0.1, categoryBits=0x0020, maskBits=0x001, restitution=0.0)
        leg_fd = fixtureDef(shape=polygonShape(box=(leg_w / 2, leg_h / 2)), density=1.0, restitution=0.0,
                            categoryBits=0x0020, maskBits=0x001)
        lower_fd = fixtureDef(shape=polygonShape(box=(0.8 * leg_w / 2, leg_h / 2)), density=1.0, restitution=0.0,
                              categoryBits=0x0020, maskBits=0x001)
        self.hull = world.CreateDynamicBody(position=(init_x, init_y), fixtures=hull_fd, userData=_HULL)
        self.hull.ApplyForceToCenter((float(rng.uniform(-p.initial_random, p.initial_random)), 0.0), True)
        self.legs, self.joints = [], []
        torque = self._torque
        for pair_x in body.leg_pairs_x:
            x = init_x + pair_x
            for side in (-1, +1):
                leg = world.CreateDynamicBody(position=(x, init_y - leg_h / 2 - leg_down), angle=side * 0.05, fixtures=leg_fd)
                self.joints.append(world.CreateJoint(revoluteJointDef(
                    bodyA=self.hull, bodyB=leg, localAnchorA=(pair_x, leg_down), localAnchorB=(0, leg_h / 2),
                    enableMotor=True, enableLimit=True, maxMotorTorque=torque, motorSpeed=side,
                    lowerAngle=-0.8, upperAngle=1.1)))
                lower = world.CreateDynamicBody(position=(x, init_y - leg_h * 3 / 2 - leg_down), angle=side * 0.05,
                                                fixtures=lower_fd, userData=len(self.legs) // 2)
                self.joints.append(world.CreateJoint(revoluteJointDef(
                    bodyA=leg, bodyB=lower, localAnchorA=(0, -leg_h / 2), localAnchorB=(0, leg_h / 2),
                    enableMotor=True, enableLimit=True, maxMotorTorque=torque, motorSpeed=1,
                    lowerAngle=-1.6, upperAngle=-0.1)))
                self.legs += [leg, lower]

    # ------------------------------------------------------------------- step
    def step(self, action: np.ndarray):
        if self.world is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        acts = action.tolist() if isinstance(action, np.ndarray) else list(action)
        if len(acts) != len(self.joints):
            raise ValueError(f"action must have {len(self.joints)} values in [-1, 1]; got {len(acts)}")
        torque, cost = self._torque, 0.0
        for joint, speed, a in zip(self.joints, self._joint_speeds, acts):
            if not -math.inf < a < math.inf:
                raise ValueError(f"action values must be finite; got {acts}")
            m = min(abs(a), 1.0)
            joint.motorSpeed = speed if a > 0 else (-speed if a < 0 else 0.0)
            joint.maxMotorTorque = torque * m
            cost += m
        p = self.physics
        self.world.Step(1.0 / p.fps, 6 * 30, 2 * 30)

        hull = self.hull
        px, py = hull.position
        vx, vy = hull.linearVelocity
        angle = hull.angle
        self.lidar_fractions = lidar = self._lidar.read(px, py)
        state = [angle, 2.0 * hull.angularVelocity / p.fps,
                 0.3 * vx * (p.viewport_w / p.scale) / p.fps, 0.3 * vy * (p.viewport_h / p.scale) / p.fps]
        joints, contacts = self.joints, self._leg_contacts
        for leg in range(len(contacts)):
            hip, knee = joints[2 * leg], joints[2 * leg + 1]
            state += [hip.angle, hip.speed / p.speed_hip, knee.angle + 1.0, knee.speed / p.speed_knee,
                      1.0 if contacts[leg] > 0 else 0.0]
        state += lidar.tolist()

        shaping = 130 * px / p.scale - 5.0 * abs(angle)
        reward = 0.0 if self._prev_shaping is None else shaping - self._prev_shaping
        self._prev_shaping = shaping
        reward -= self._action_cost * cost
        terminated = False
        if self.game_over or px < 0:
            reward = -100.0
            terminated = True
        if px > self.finish_x:
            terminated = True
        if self.render_mode == "human":
            self.render()
        return np.array(state, dtype=np.float32), reward, terminated, False, {}

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
        return self._renderer.draw(self)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self.world = None
