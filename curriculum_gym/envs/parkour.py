"""TeachMyAgent's Parkour (Romac et al., ICML 2021): a CPPN tunnel with water and creepers, for every body.

The terrain (ground and ceiling) comes from a fixed, untrained CPPN conditioned on three task numbers
(:mod:`curriculum_gym.envs.terrain.cppn`); the task also sets the water level and the creepers'
length and spacing. The walker sees the world through :class:`~curriculum_gym.envs.parkour_lidar.ParkourLidar`
and feels the water through :mod:`curriculum_gym.envs.water`.

Decisions where TeachMyAgent's Parkour is odd (PARKOUR.md §7), made on purpose:

- **Water is measured from far below** (GL = -1000 / terrain_cppn_scale): kept. Levels below about
  0.84 leave a flat start pad dry; level 1 reaches the highest ceiling point. The task is TeachMyAgent's.
- **Minimum creepers are always present**: kept. A creepers height of 0 still hangs 0.2 m creepers
  (a spacing of 0 one every 2 steps, from x = 0, over the start pad too). They are sensors: a walker
  passes through them; the lidar sees them (code +1); climbers' hands grip them.
- **Walkers do not die by falling**: kept. In Parkour no walker part is critical (the hull may touch
  the ground) except the chimpanzee's head and chest (``BodySpec.parkour_critical``), with anything.
  Stump Tracks keeps its own critical parts (``BodySpec.critical``).
- **Drowning is not terminal**: kept. After more than 600 consecutive steps with the reference part
  under the surface, the walker is dead until reset: its actions are replaced by zeros (limp motors,
  no torque cost) and ``obs[5]`` is 1; the episode goes on until a normal end or the time limit.
  A fish dies the same way after more than 600 consecutive steps out of the water; an amphibian never.
- **Climbers** (:mod:`curriculum_gym.envs.grasping`) start hanging from the start pad's ceiling (5 + 1
  steps with limp motors and grasp commands 1, whose rewards are dropped), grip ceiling edges (fixtures
  tagged :data:`CEILING_TAG`) and creepers, and their head, chest and lower legs are critical except
  against the ceiling. Ceiling and creepers are one static body each, so a grip ends the hand's
  contacts with all of them (TeachMyAgent: only with the gripped segment).
- **Amphibians get the 'full' lidar fan by default**, as swimmers do (TeachMyAgent's launcher gave them
  none and crashed). The defaults per ``BodySpec.category`` are in :data:`CATEGORY_RULES`.
- **Stale lidar surface codes are fixed**: a ray that hits nothing reads code 0 (the original kept
  its last code).
- **Wide bodies' start pad is fixed**: ``ceil(width / step + 5)`` whole steps (the original's
  fractional start pad crashed Parkour); the track and the finish line move by as much.
- **Observations are float32**, matching the declared space (the original returned float64).
- **terminated vs truncated**: a critical contact, leaving through x < 0 (-100 reward) and crossing the
  finish line terminate; the 2000-step cut is ``gym.make``'s ``TimeLimit`` and truncates.
- Spawn height: every body's own ``spawn_height`` above the start pad (the original's Parkour put
  ``old_classic_bipedal``, our ``default``, 7 px higher than its Stump Tracks height; here it spawns
  as on Stump Tracks, 68 px up, and falls onto the pad either way).
- The water push reads motor torques with TeachMyAgent's factor 60, not 1/dt = 50: see
  :mod:`curriculum_gym.envs.water`.
- ``creepers_width`` and ``terrain_cppn_scale`` are constructor options, not task dimensions (the
  original's 8-number task fixed them in training); ``ceiling_offset`` (200) and
  ``ceiling_clip_offset`` (0) are TeachMyAgent's fixed defaults. No clouds are drawn, so the
  environment's random numbers go to the creepers' lengths, then the spawn push.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any

import Box2D
import gymnasium as gym
import numpy as np
from Box2D.b2 import edgeShape, fixtureDef, polygonShape
from gymnasium import spaces
from gymnasium.utils import EzPickle

from curriculum_gym.envs import physics as constants
from curriculum_gym.envs.bodies import BodySpec, get_body
from curriculum_gym.envs.grasping import Grips
from curriculum_gym.envs.parkour_lidar import LIDAR_FANS, ParkourLidar
from curriculum_gym.envs.physics import Physics, walker_reward
from curriculum_gym.envs.terrain.cppn import (
    CPPN,
    GROUND_LIMIT,
    creeper_rects,
    default_cppn,
    load_cppn_weights,
    terrain_profiles,
    water_surface_y,
)
from curriculum_gym.envs.walker_body import GROUND, HAND, ContactTracker, Walker
from curriculum_gym.envs.water import WATER_CLIP, WATER_DENSITY, WaterContacts, apply_water_forces
from curriculum_gym.envs.world import read_only, reset_task
from curriculum_gym.tasks import TaskSpace

__all__ = ["CATEGORY_RULES", "PARKOUR_TASK_LIMITS", "ParkourEnv"]

#: the task's names, in order, and TeachMyAgent's default ('medium') training bounds
PARKOUR_TASK_BOUNDS: Mapping[str, tuple[float, float]] = {
    "input_vector_0": (-0.35, 0.05),
    "input_vector_1": (0.6, 1.0),
    "input_vector_2": (-0.1, 0.3),
    "water_level": (0.0, 1.0),
    "creepers_height": (0.0, 4.0),
    "creepers_spacing": (0.0, 5.0),
}
#: the widest task bounds the env accepts (the CPPN's input range [-1, 1], water up to the highest ceiling)
PARKOUR_TASK_LIMITS: Mapping[str, tuple[float, float]] = {
    "input_vector_0": (-1.0, 1.0),
    "input_vector_1": (-1.0, 1.0),
    "input_vector_2": (-1.0, 1.0),
    "water_level": (0.0, 1.0),
    "creepers_height": (0.0, 20.0),
    "creepers_spacing": (0.0, 100.0),
}
#: the finish line is this many terrain steps before the last terrain point (TeachMyAgent's TERRAIN_END)
FINISH_MARGIN_STEPS = 5
#: a walker dies after more than this many consecutive steps with its reference part under water
UNDER_WATER_LIMIT = 600
#: a swimmer dies after more than this many consecutive steps with its reference part out of the water
OUT_OF_WATER_LIMIT = 600
#: per ``BodySpec.category``: the default lidar fan, and the steps it survives under water and out of it
#: (None: no limit). TeachMyAgent's launcher gave amphibians no fan (and crashed); they get 'full'.
CATEGORY_RULES: Mapping[str, tuple[str, int | None, int | None]] = {
    "walker": ("down", UNDER_WATER_LIMIT, None),
    "climber": ("up", UNDER_WATER_LIMIT, None),
    "swimmer": ("full", None, OUT_OF_WATER_LIMIT),
    "amphibian": ("full", None, None),
}
#: the returns teachers normalise with (TeachMyAgent's env_reward_lb / ub for Parkour)
RETURN_RANGE = (-150.0, 360.0)
#: constructor options: (lowest, highest) accepted values
OPTION_RANGES: Mapping[str, tuple[float, float]] = {
    "creepers_width": (0.0, 5.0),  # metres; floored at 0.2 as in the original
    "terrain_cppn_scale": (1.0, 100.0),  # divides the CPPN output (TeachMyAgent: 10 in training, 20 in tests)
    "water_clip": (1e-6, 1e6),  # the push's component-wise clip
}
#: Box2D userData of the water's and the creepers' static bodies (the terrain body has None)
WATER_TAG = ("water",)
CREEPER_TAG = ("creeper",)
#: Box2D userData of the ceiling's edge *fixtures* (graspable; the ground's edges have None)
CEILING_TAG = ("ceiling",)
#: a climber starts hanging from the start pad's ceiling: this many steps, then the one whose observation
#: reset returns, all with limp motors and grasp commands 1 (TeachMyAgent's NB_FIRST_STEPS_HANG)
HANG_STEPS = 5


class ParkourContacts(ContactTracker):
    """:class:`ContactTracker` for Parkour: body parts never react to the water or the creepers (sensors);
    parts entering or leaving the water are passed to a :class:`~curriculum_gym.envs.water.WaterContacts`;
    hand sensors meeting the ceiling or a creeper are passed to ``grips``
    (:class:`~curriculum_gym.envs.grasping.Grips`). With ``ceiling_safe`` (climbers) touching the
    ceiling counts for the contact flags but is never critical."""

    def __init__(
        self, walkers: list[Walker], water: WaterContacts, grips: Grips | None = None, ceiling_safe: bool = False
    ) -> None:
        super().__init__(walkers)
        self.water = water
        self.grips = grips
        self.ceiling_safe = ceiling_safe

    def _update(self, contact: Any, delta: int) -> None:
        fa, fb = contact.fixtureA, contact.fixtureB
        a, b = fa.body.userData, fb.body.userData
        for tag, other in ((a, fb), (b, fa)):
            if isinstance(tag, tuple) and tag and tag[0] == HAND:
                graspable = other.userData == CEILING_TAG or other.body.userData == CREEPER_TAG
                if graspable and self.grips is not None:
                    (self.grips.begin if delta > 0 else self.grips.end)(tag[2], other)
                return
        if a == WATER_TAG or b == WATER_TAG:
            part, tag = (fb, b) if a == WATER_TAG else (fa, a)
            if isinstance(tag, tuple) and len(tag) == 3:  # a walker's part
                (self.water.begin if delta > 0 else self.water.end)(part)
            return
        if a == CREEPER_TAG or b == CREEPER_TAG:
            return
        if self.ceiling_safe and (fa.userData == CEILING_TAG or fb.userData == CEILING_TAG):
            index, sensor, _ = b if fa.userData == CEILING_TAG else a
            if sensor is not None:
                self.walkers[index].contacts[sensor] += delta
            return
        super()._update(contact, delta)


class ParkourEnv(gym.Env, EzPickle):
    """A body in a CPPN-generated tunnel with water and creepers; the task shapes all three.

    ## Description
    TeachMyAgent's Parkour (Romac et al., ICML 2021) for the walker, swimmer (``fish``),
    amphibian and climber (``climber``, ``climber_chest``) bodies. A fixed
    CPPN turns three task numbers into a ground and a ceiling profile (a flat start
    pad, then 200 terrain steps); water fills the track up to ``water_level`` (measured
    from far below the terrain: levels under about 0.84 leave a flat start dry) and
    creepers hang from the ceiling (sensors: seen by the lidar, gripped by climbers'
    hands, not touched otherwise). Under
    water, parts feel buoyancy, drag, lift and a push from their motors
    (:mod:`curriculum_gym.envs.water`); the walkers are denser than water and sink, the
    ``fish`` is slightly lighter (it hovers and swims) and the ``amphibian`` floats.
    Climbers hang from the ceiling and move by gripping it or the creepers with their hands.

    ## Action Space
    ``Box(-1, 1, (act_dim,), float32)``: a command per motor, as on Stump Tracks
    (``cg.BODIES[name].action_dim``); climbers add one grasp command per hand (> 0: grip
    what the hand touches and hold on; otherwise let go).

    ## Observation Space
    ``Box(-inf, inf, (obs_dim,), float32)``, ``obs_dim = cg.BODIES[name].obs_dim + 12``
    (36 for the bipeds, 38 for the fish): the reference part's angle, 0.04 x angular velocity,
    0.12 x vx, 0.08 x vy, under water (0/1), dead (0/1); the motor block of Stump
    Tracks (climbers: then per hand touching something graspable (0/1), gripping (0/1));
    10 lidar fractions (of 160/30 m; fan 'down' for walkers, 'full' for the fish and
    the amphibian, 'up' for climbers, by default) and their 10 surface codes (-1 water surface, +1 creeper, 0
    ground, ceiling or nothing).

    ## Rewards
    The change of ``130 * x / 30 - 5 * |angle|`` of the reference part (no angle term for
    ``wheel``, the chimpanzees and ``fish``), minus the body's torque cost (grasp commands
    included); -100 on a critical contact (the chimpanzee's head and chest; the climbers'
    head, chest and lower legs, except against the ceiling) or when the body leaves the
    track backwards. ``return_range`` (-150, 360); ``mastery_threshold`` 230.

    ## Starting State
    On the flat start pad (20 steps, more for a wide body), ``spawn_height`` above it,
    with a horizontal push drawn from U(-5, 5) (the fish spawns 1 m higher than its 9 px centre height).
    Climbers are then lifted until their hands touch the start pad's ceiling and hang there for
    5 steps (limp motors, grasping) before the step whose observation ``reset`` returns.

    ## Episode End
    Terminated on a critical contact, at x < 0 or past the finish line
    (``(200 + start pad - 5)`` steps); truncated after 2000 steps by ``gym.make``'s
    ``TimeLimit``. A walker more than 600 consecutive steps under water, or a fish more
    than 600 out of it, is dead (limp, zero actions, ``obs[5] = 1``) but the episode goes
    on; an amphibian never dies. A dead climber lets go.

    ## Arguments
    ``body``, ``body_options``, ``task_bounds``, ``task``, ``render_mode``: as for
    :class:`~curriculum_gym.envs.walker.WalkerTracksEnv` (task bounds within
    ``PARKOUR_TASK_LIMITS``). Keyword-only: ``creepers_width`` (0.25 m, floored at 0.2),
    ``terrain_cppn_scale`` (10), ``cppn_weights`` (None: the shipped CPPN; or a path for
    :func:`~curriculum_gym.envs.terrain.cppn.load_cppn_weights`), ``lidar_type`` (None:
    the body category's fan, 'down' for walkers, 'full' for swimmers and amphibians; or
    'down', 'up', 'full'), ``water_clip`` (20, the push's clip).

    ## Version History
    - v0 (0.2.0): walker, swimmer (fish), amphibian and climber bodies.

    Example:
        >>> import gymnasium as gym
        >>> import curriculum_gym
        >>> env = gym.make("Parkour-v0", body="classic_bipedal")
        >>> obs, info = env.reset(seed=0, options={"task": [-0.15, 0.8, 0.1, 0.0, 1.0, 2.0]})
        >>> obs.shape, obs.dtype, info["task"].tolist()
        ((36,), dtype('float32'), [-0.15, 0.8, 0.1, 0.0, 1.0, 2.0])
        >>> env.unwrapped.task_space.names[3:]
        ('water_level', 'creepers_height', 'creepers_spacing')

    Change logs:
        0.2.0: added.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 50}
    #: the returns teachers normalise with (TeachMyAgent's Parkour bounds)
    return_range: tuple[float, float] = RETURN_RANGE
    #: an episode with at least this return counts as mastered (TeachMyAgent's success)
    mastery_threshold: float = constants.MASTERY_THRESHOLD

    def __init__(
        self,
        body: str | BodySpec = "default",
        task_bounds: Mapping[str, Sequence[float]] | Sequence[Sequence[float]] | None = None,
        render_mode: str | None = None,
        task: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
        body_options: Mapping[str, Any] | None = None,
        *,
        creepers_width: float = 0.25,
        terrain_cppn_scale: float = 10.0,
        cppn_weights: str | os.PathLike[str] | None = None,
        lidar_type: str | None = None,
        water_clip: float = WATER_CLIP,
    ) -> None:
        EzPickle.__init__(
            self,
            body=body,
            task_bounds=task_bounds,
            render_mode=render_mode,
            task=task,
            body_options=body_options,
            creepers_width=creepers_width,
            terrain_cppn_scale=terrain_cppn_scale,
            cppn_weights=cppn_weights,
            lidar_type=lidar_type,
            water_clip=water_clip,
        )
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unknown render_mode {render_mode!r}; allowed: {self.metadata['render_modes']} or None")
        self.creepers_width = _option("creepers_width", creepers_width)
        self.terrain_cppn_scale = _option("terrain_cppn_scale", terrain_cppn_scale)
        self.water_clip = _option("water_clip", water_clip)
        self.body = get_body(body, body_options)
        default_fan, self.under_water_limit, self.out_of_water_limit = CATEGORY_RULES[self.body.category]
        if lidar_type is None:
            lidar_type = default_fan
        if not isinstance(lidar_type, str):
            raise TypeError(f"lidar_type must be None or one of {list(LIDAR_FANS)}; got {type(lidar_type).__name__}")
        if lidar_type not in LIDAR_FANS:
            raise ValueError(f"lidar_type must be None or one of {list(LIDAR_FANS)}; got {lidar_type!r}")
        self.lidar_type = lidar_type
        if cppn_weights is not None and not isinstance(cppn_weights, (str, os.PathLike)):
            raise TypeError(f"cppn_weights must be None or a path to a weights file; got {type(cppn_weights).__name__}")
        self.cppn_weights = cppn_weights
        self._cppn: CPPN = default_cppn() if cppn_weights is None else load_cppn_weights(cppn_weights)

        self.physics = Physics()
        names = tuple(PARKOUR_TASK_BOUNDS)
        space = TaskSpace(
            names, [b[0] for b in PARKOUR_TASK_BOUNDS.values()], [b[1] for b in PARKOUR_TASK_BOUNDS.values()]
        )
        self.task_space: TaskSpace = _check_task_space(space if task_bounds is None else space.with_bounds(task_bounds))
        self.fixed_task: np.ndarray | None = None if task is None else read_only(self.task_space.validate(task))
        self.render_mode = render_mode

        p = self.physics
        self.startpad_steps = p.startpad_steps(self.body.width)
        self.finish_x = (p.terrain_length + self.startpad_steps - FINISH_MARGIN_STEPS) * p.terrain_step
        n_lidar = 2 * p.n_lidar
        self.action_space = spaces.Box(-1.0, 1.0, shape=(self.body.action_dim,), dtype=np.float32)
        obs_dim = self.body.obs_dim - 4 - p.n_lidar + 6 + n_lidar
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(obs_dim,), dtype=np.float32)
        self._action_cost = self.body.torque_cost

        self.world: Box2D.b2World | None = None
        self.walker: Walker | None = None
        self.task: np.ndarray | None = None
        #: the episode's terrain: x, ground and ceiling (m), shape (N,) each
        self.terrain: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        #: the episode's creepers, rows [x0, x1, y0, y1]
        self.creepers: np.ndarray = np.empty((0, 4))
        #: the water rectangle (x0, x1, bottom, surface)
        self.water: tuple[float, float, float, float] | None = None
        self.under_water_steps = 0
        self.out_of_water_steps = 0
        self._prev_shaping: float | None = None
        self._lidar: ParkourLidar | None = None
        self._lidar_fractions = np.ones(p.n_lidar)
        self._water_contacts = WaterContacts()
        self._contacts: ParkourContacts | None = None
        self._grips: Grips | None = None
        self._joints_of: dict[Any, list[Any]] = {}
        self._renderer: Any = None

    # ------------------------------------------------------------------ reset
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        task = reset_task(options, self.fixed_task, self.task_space)  # refused before touching any state
        super().reset(seed=seed)
        if task is None:
            task = read_only(self.task_space.sample(self.np_random))
        self.task = task
        self._build_world(task)
        self._prev_shaping = None
        self.under_water_steps = self.out_of_water_steps = 0
        first = np.zeros(self.body.action_dim, dtype=np.float32)
        if self._grips is not None:  # hang: limp motors, every hand grasping; these steps' rewards are dropped
            first[self.body.action_dim - len(self.body.hands) :] = 1.0
            for _ in range(HANG_STEPS):
                self.step(first)
        obs = self.step(first)[0]
        self.under_water_steps = self.out_of_water_steps = 0
        if self.render_mode == "human":
            self.render()
        return obs, self._info()

    def _info(self) -> dict[str, np.ndarray]:
        return {"task": self.task.copy()}

    def _build_world(self, task: np.ndarray) -> None:
        """A fresh Box2D world: terrain edges, water and creeper sensors, the walker. Random numbers, in order:
        one normal draw per creeper, then the spawn push."""
        p, rng, scale = self.physics, self.np_random, self.terrain_cppn_scale
        level, height, spacing = float(task[3]), float(task[4]), float(task[5])
        x, ground, ceiling = terrain_profiles(self._cppn, task[:3], scale=scale, startpad=self.startpad_steps)
        water_y = water_surface_y(ceiling, level, scale)
        bottom = GROUND_LIMIT / scale
        creepers = creeper_rects(x, ceiling, width=self.creepers_width, height=height, spacing=spacing, rng=rng)
        self.terrain, self.creepers = (x, ground, ceiling), creepers
        self.water = (float(x[0]), float(x[-1]), bottom, water_y)

        world = Box2D.b2World()
        terrain = world.CreateStaticBody()
        # one definition and one shape for every edge: Box2D copies both into each new fixture
        fixture = fixtureDef(friction=p.friction, categoryBits=GROUND)
        fixture.shape = shape = edgeShape()
        xs = x.tolist()
        for profile, tag in ((ground.tolist(), None), (ceiling.tolist(), CEILING_TAG)):
            fixture.userData = tag
            for i in range(len(xs) - 1):
                shape.vertices = [(xs[i], profile[i]), (xs[i + 1], profile[i + 1])]
                terrain.CreateFixture(fixture)
        water = world.CreateStaticBody(userData=WATER_TAG)
        water.CreateFixture(
            fixtureDef(
                shape=polygonShape(vertices=[(xs[0], bottom), (xs[-1], bottom), (xs[-1], water_y), (xs[0], water_y)]),
                density=WATER_DENSITY,
                isSensor=True,
            )
        )
        if len(creepers):
            hanging = world.CreateStaticBody(userData=CREEPER_TAG)
            sensor = fixtureDef(density=5.0, isSensor=True)
            sensor.shape = box = polygonShape()
            for x0, x1, y0, y1 in creepers.tolist():
                box.vertices = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
                hanging.CreateFixture(sensor)

        push = float(rng.uniform(-p.initial_random, p.initial_random))
        spawn_x = p.terrain_step * self.startpad_steps / 2
        spawn_y = p.terrain_height + self.body.spawn_height / p.scale
        self.world = world
        self.walker = walker = Walker(world, self.body, p, spawn_x, spawn_y, push, critical=self.body.parkour_critical)
        self._water_contacts = WaterContacts()
        self._grips = None
        if walker.sensors:  # hang from the start pad's ceiling: move the body up so its hands touch it
            self._grips = walker.hands = Grips(world, walker.sensors)
            dy = float(ceiling[0]) - walker.sensors[-1].position[1]
            for part in (walker.hull, *walker.parts, *walker.sensors):
                part.position = (part.position[0], part.position[1] + dy)
        self._contacts = ParkourContacts(
            [walker], self._water_contacts, self._grips, ceiling_safe=self.body.category == "climber"
        )
        world.contactListener = self._contacts
        self._joints_of = {}
        for joint in self.walker.joints:
            self._joints_of.setdefault(joint.bodyB, []).append(joint)
        self._lidar = ParkourLidar(
            x,
            ground,
            ceiling,
            water_y=water_y,
            water_x0=float(x[0]),
            water_x1=float(x[-1]),
            water_bottom=bottom,
            creepers=creepers,
            lidar_type=self.lidar_type,
        )

    def __getstate__(self) -> dict[str, Any]:
        return {**EzPickle.__getstate__(self), "spec": self.spec}

    def __setstate__(self, state: dict[str, Any]) -> None:
        EzPickle.__setstate__(self, state)  # a fresh env from the constructor arguments
        self.spec = state.get("spec")

    @property
    def hull(self) -> Any:
        """The walker's reference part (its Box2D body), or None before reset."""
        return None if self.walker is None else self.walker.hull

    @property
    def dead(self) -> bool:
        """Whether the body has drowned (a walker more than 600 consecutive steps under water) or
        suffocated (a fish more than 600 out of it); lasts until reset."""
        under, out = self.under_water_limit, self.out_of_water_limit
        return (under is not None and self.under_water_steps > under) or (
            out is not None and self.out_of_water_steps > out
        )

    # ------------------------------------------------------------------- step
    def step(self, action: np.ndarray):
        if self.world is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        walker, p = self.walker, self.physics
        dead = self.dead
        if dead:  # limp: the action is replaced by zeros (its shape is still checked)
            if np.shape(action) != self.action_space.shape:
                raise ValueError(f"action must have shape {self.action_space.shape}; got {np.shape(action)}")
            action = np.zeros(self.body.action_dim)
        effort = walker.apply_action(action)
        if self._grips is not None:
            self._grips.before_step(walker.grasp)
        self.world.Step(1.0 / p.fps, p.velocity_iterations, p.position_iterations)
        if self._grips is not None:
            self._grips.after_step()
        if self._water_contacts.fixtures:  # they act during the next step
            apply_water_forces(self._water_contacts, self.water, self._joints_of, clip=self.water_clip)

        px, py = walker.hull.position
        fractions, codes = self._lidar.read(px, py)
        self._lidar_fractions = fractions
        under_water = py <= self.water[3]
        if not dead:
            if under_water:
                self.under_water_steps += 1
                self.out_of_water_steps = 0
            else:
                self.out_of_water_steps += 1
                self.under_water_steps = 0
        state = walker.state()
        obs = state[:4] + [1.0 if under_water else 0.0, 1.0 if dead else 0.0] + state[4:]
        obs += fractions.tolist()
        obs += codes.tolist()

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
        return np.array(obs, dtype=np.float32), reward, terminated, False, self._info()

    # ------------------------------------------------------------- rendering
    def render(self):
        if self.render_mode is None:
            gym.logger.warn('render() needs a render_mode, e.g. gym.make("Parkour-v0", render_mode="rgb_array")')
            return None
        if self.world is None:
            raise gym.error.ResetNeeded("call reset() before render()")
        if self._renderer is None:
            from curriculum_gym.envs.rendering import ParkourRenderer

            self._renderer = ParkourRenderer(self.physics, self.render_mode, self.metadata["render_fps"])
        p = self.physics
        px, py = self.walker.hull.position
        rays = self._lidar.ray_vectors * self._lidar_fractions[:, None]
        return self._renderer.draw_parkour(
            self.terrain,
            self.water,
            self.creepers,
            self.finish_x,
            self.walker,
            rays,
            float(px) - p.viewport_w / p.scale / 5,
            float(py) - p.viewport_h / p.scale / 2,
        )

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self.world = self.walker = self._contacts = self._grips = None  # no Box2D body outlives its world
        self._joints_of = {}
        self._water_contacts = WaterContacts()


def _option(name: str, value: Any) -> float:
    """A real constructor option within :data:`OPTION_RANGES`: ``TypeError`` for a non-number, ``ValueError`` outside."""
    low, high = OPTION_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [{low:g}, {high:g}]; got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be a number in [{low:g}, {high:g}]; got {value!r}")
    return value


def _check_task_space(space: TaskSpace) -> TaskSpace:
    """``space``, or ``ValueError`` naming the parameter and :data:`PARKOUR_TASK_LIMITS` when a bound is beyond them."""
    for name, low, high in zip(space.names, space.low.tolist(), space.high.tolist()):
        lowest, highest = PARKOUR_TASK_LIMITS[name]
        if low < lowest or high > highest:
            raise ValueError(
                f"task_bounds for {name!r} = ({low:g}, {high:g}) are beyond what Parkour builds; "
                f"{name} bounds must lie within [{lowest:g}, {highest:g}]"
            )
    return space
