"""Several walkers carry a long package over a parameterized track (PettingZoo ParallelEnv).

The idea of PettingZoo's SISL multiwalker, on curriculum_gym's tracks and bodies:
the terrain comes from the same task parameters, bounds and validation as the
single-agent track, so any teacher can drive it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import Box2D
import gymnasium
import numpy as np
from Box2D.b2 import fixtureDef, polygonShape
from gymnasium.utils import EzPickle, seeding
from pettingzoo import ParallelEnv

from curriculum_gym.envs import physics as constants
from curriculum_gym.envs.bodies import BODIES, BodySpec, get_body
from curriculum_gym.envs.physics import Physics, angle_shaping, progress_shaping
from curriculum_gym.envs.terrain import TrackGenerator, get_track
from curriculum_gym.envs.walker_body import GROUND, PACKAGE, WALKER, ContactTracker, Walker
from curriculum_gym.envs.world import build_world, read_only, reset_task, track_layout
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import check_bool, check_real

WALKER_SEPARATION = 10  # terrain steps between two walkers' start positions
PACKAGE_COLORS = ((127, 102, 229), (76, 76, 127))
PROBE_OPTIONS = ("options",)  # PettingZoo's api_test and parallel_api_test call reset(options={"options": 1})
#: the largest |fall_reward| and |terminate_reward|: far beyond the return range, yet summed returns stay finite
MAX_REWARD = 1e6


class MultiWalkerTracksEnv(ParallelEnv, EzPickle):
    """``n_walkers`` walkers (2..4) carry a package over a track made from a task.

    Any body that carries (``BodySpec.carries_package``: not ``wheel``, ``fish`` or the chimpanzees)
    and is at most as wide as the walkers' spacing; the package rests on the reference
    parts ("hulls"). Observations (per agent): its own body state (as in the
    single-agent env: 4 + per motor 2 or 3), its 10 lidar
    readings, the positions of its left and right neighbours relative to its hull
    (0 when it has none), and the package's position relative to its hull and its
    angle; distances are divided by the package length. Rewards: the package's
    forward progress (130 * dx / SCALE) shared by all, each walker's change of
    -5 |hull angle|, minus its torque cost; a walker whose critical part (its hull;
    the millipede and the amphibian have none) touches the ground gets ``fall_reward``;
    when the package touches the ground or falls behind the start, or (``terminate_on_fall``) any walker falls, every agent gets
    ``terminate_reward`` and the episode ends (both finite, in [-1e6, 1e6]: ``ValueError``
    at construction otherwise; ``terminate_on_fall`` must be a bool). It also ends when the package
    passes the finish line; ``max_cycles`` steps truncate it. Agents leave ``agents``
    only when the episode ends, all at once; a step after that (with no live agent,
    as SuperSuit's ``black_death_v3`` makes) returns empty dicts, as PettingZoo's
    ``multiwalker_v9`` does. A step before ``reset()`` or after ``close()`` raises
    ``gymnasium.error.ResetNeeded``.

    ``task`` (array-like or ``{name: value}``, validated into ``fixed_task``) fixes
    the task of every reset. Reset options: ``{"task": ...}``, which overrides it;
    without either a task is drawn uniformly; other keys are refused with
    ``ValueError``. ``infos[agent]["task"]`` holds the episode's task (a float64 array)
    at reset and at every step; ``task`` holds it (read-only). The env pickles and deep-copies as
    its constructor arguments (``EzPickle``): a copy is a fresh env, to be reset.
    """

    metadata = {
        "render_modes": ["human", "rgb_array"],
        "name": "multiwalker_tracks_v0",
        "is_parallelizable": True,
        "render_fps": 50,
    }
    #: the returns teachers normalise with (Portelas et al., CoRL 2019)
    return_range: tuple[float, float] = constants.RETURN_RANGE
    #: a walker's return that counts as mastered (Portelas et al., CoRL 2019)
    mastery_threshold: float = constants.MASTERY_THRESHOLD

    def __init__(
        self,
        n_walkers: int = 3,
        track: str | TrackGenerator = "stumps",
        body: str | BodySpec = "default",
        task_bounds: Mapping[str, Sequence[float]] | Sequence[Sequence[float]] | None = None,
        max_cycles: int = 2000,
        terminate_on_fall: bool = True,
        fall_reward: float = -10.0,
        terminate_reward: float = -100.0,
        render_mode: str | None = None,
        task: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
        body_options: Mapping[str, Any] | None = None,
    ) -> None:
        EzPickle.__init__(
            self,
            n_walkers=n_walkers,
            track=track,
            body=body,
            task_bounds=task_bounds,
            max_cycles=max_cycles,
            terminate_on_fall=terminate_on_fall,
            fall_reward=fall_reward,
            terminate_reward=terminate_reward,
            render_mode=render_mode,
            task=task,
            body_options=body_options,
        )
        if isinstance(n_walkers, bool) or not isinstance(n_walkers, int) or not 2 <= n_walkers <= 4:
            raise ValueError(f"n_walkers must be an integer in [2, 4]; got {n_walkers!r}")
        if isinstance(max_cycles, bool) or not isinstance(max_cycles, int) or max_cycles < 1:
            raise ValueError(f"max_cycles must be a positive integer; got {max_cycles!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unknown render_mode {render_mode!r}; allowed: {self.metadata['render_modes']} or None")
        self.n_walkers = n_walkers
        self.track = get_track(track)
        self.body = get_body(body, body_options)
        self.physics = Physics()
        if not self.body.carries_package:
            carriers = sorted(name for name, spec in BODIES.items() if spec.carries_package)
            raise ValueError(f"body {self.body.name!r} cannot carry the package; allowed bodies: {carriers}")
        max_width = WALKER_SEPARATION * self.physics.terrain_step * self.physics.scale
        if self.body.width > max_width:
            raise ValueError(
                f"body {self.body.name!r} is {self.body.width:g} px wide; walkers stand "
                f"{max_width:g} px apart, so a carrier may be at most that wide (e.g. millipede "
                f"n_segments <= {int(max_width // 20)})"
            )
        space = self.track.default_task_space()
        self.task_space: TaskSpace = self.track.check_task_space(
            space if task_bounds is None else space.with_bounds(task_bounds)
        )
        self.fixed_task: np.ndarray | None = None if task is None else read_only(self.task_space.validate(task))
        self.max_cycles = max_cycles
        self.terminate_on_fall = check_bool("terminate_on_fall", terminate_on_fall)
        self.fall_reward = check_real("fall_reward", fall_reward, -MAX_REWARD, MAX_REWARD)
        self.terminate_reward = check_real("terminate_reward", terminate_reward, -MAX_REWARD, MAX_REWARD)
        self.render_mode = render_mode

        p = self.physics
        self.body_startpad = p.startpad_steps(self.body.width)  # the first walker stands in the middle of this
        # a longer start pad and track: every walker starts on flat ground
        self.layout, self.finish_x = track_layout(p, self.body_startpad + WALKER_SEPARATION * (n_walkers - 1))
        self.package_length = 240 / p.scale * n_walkers / 1.75
        self.possible_agents = [f"walker_{i}" for i in range(n_walkers)]
        self.agents: list[str] = []
        obs_dim = self.body.obs_dim + 4 + 3
        self._observation_space = gymnasium.spaces.Box(-np.inf, np.inf, shape=(obs_dim,), dtype=np.float32)
        self._action_space = gymnasium.spaces.Box(-1.0, 1.0, shape=(self.body.action_dim,), dtype=np.float32)
        self.observation_spaces = dict.fromkeys(self.possible_agents, self._observation_space)
        self.action_spaces = dict.fromkeys(self.possible_agents, self._action_space)
        self._action_cost = self.body.torque_cost
        self.np_random, _ = seeding.np_random(None)
        self.world: Box2D.b2World | None = None
        self.walkers: list[Walker] = []
        self.package: Any = None
        self.obstacles: list[np.ndarray] = []
        self.task: np.ndarray | None = None
        self._lidar_fractions = [np.ones(self.physics.n_lidar)] * n_walkers  # the last readings, for drawing
        self._renderer: Any = None

    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gymnasium.spaces.Box:
        return self.action_spaces[agent]

    # ------------------------------------------------------------------ reset
    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        task = reset_task(options, self.fixed_task, self.task_space, ignored=PROBE_OPTIONS)
        if seed is not None:
            self.np_random, _ = seeding.np_random(seed)
        if task is None:
            task = read_only(self.task_space.sample(self.np_random))
        self.task = task
        self._build_world(task)
        self.agents = list(self.possible_agents)
        self._cycles = 0
        self._prev_angle_shaping = [0.0] * self.n_walkers
        self._prev_package_shaping = progress_shaping(self.package.position[0], self.physics)
        observations = self._observe()
        self._prev_angle_shaping = [self._angle_shaping(w) for w in self.walkers]
        if self.render_mode == "human":
            self.render()
        return observations, {agent: {"task": task.copy()} for agent in self.agents}

    def _build_world(self, task: np.ndarray) -> None:
        p, rng, body = self.physics, self.np_random, self.body
        self.world, self.obstacles, self._lidar = build_world(self.track, task, rng, self.layout, p)
        world = self.world
        x0 = p.terrain_step * self.body_startpad / 2
        y = p.terrain_height + body.spawn_height / p.scale
        xs = [x0 + WALKER_SEPARATION * i * p.terrain_step for i in range(self.n_walkers)]
        self.walkers = [
            Walker(
                world,
                body,
                p,
                x,
                y,
                float(rng.uniform(-p.initial_random, p.initial_random)),
                index=i,
                hull_mask=GROUND | PACKAGE,
            )
            for i, x in enumerate(xs)
        ]
        half = self.package_length / 2
        carrier = body.part(body.reference)  # the package rests on the reference parts (their hulls)
        carrier_x, carrier_y = carrier.position[0] / p.scale, carrier.position[1] / p.scale
        self.package = world.CreateDynamicBody(
            position=(float(np.mean(xs)) + carrier_x, y + carrier_y + carrier.top / p.scale + 0.2),
            fixtures=fixtureDef(
                shape=polygonShape(
                    vertices=[(-half, 5 / p.scale), (half, 5 / p.scale), (half, -5 / p.scale), (-half, -5 / p.scale)]
                ),
                density=1.0,
                friction=0.5,
                categoryBits=PACKAGE,
                maskBits=GROUND | WALKER,
                restitution=0.0,
            ),
            userData=("package",),
        )
        self._contacts = ContactTracker(self.walkers)
        world.contactListener = self._contacts

    # ------------------------------------------------------------------- step
    def _observe(self) -> dict[str, np.ndarray]:
        out = {}
        pkg_x, pkg_y = self.package.position
        pkg_angle, scale = self.package.angle, self.package_length
        positions = [tuple(w.hull.position) for w in self.walkers]
        for i, walker in enumerate(self.walkers):
            x, y = positions[i]
            self._lidar_fractions[i] = lidar = self._lidar.read(x, y)
            obs = walker.state()
            obs += lidar.tolist()
            for j in (i - 1, i + 1):
                if 0 <= j < self.n_walkers:
                    obs += [(positions[j][0] - x) / scale, (positions[j][1] - y) / scale]
                else:
                    obs += [0.0, 0.0]
            obs += [(pkg_x - x) / scale, (pkg_y - y) / scale, pkg_angle]
            out[self.possible_agents[i]] = np.array(obs, dtype=np.float32)
        return out

    def _angle_shaping(self, walker: Walker) -> float:
        return angle_shaping(walker.hull.angle) if self.body.head_angle_shaping else 0.0

    def step(self, actions: dict[str, np.ndarray]):
        if self.world is None:
            raise gymnasium.error.ResetNeeded("call reset() before step()")
        if not self.agents:  # the episode is over: a no-op, as in PettingZoo's multiwalker_v9 (SuperSuit's
            return {}, {}, {}, {}, {}  # black_death_v3 steps once more after the end)
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"actions are missing for agent(s) {missing}; every live agent acts each step")
        efforts = [w.apply_action(actions[a]) for w, a in zip(self.walkers, self.possible_agents)]
        p = self.physics
        self.world.Step(1.0 / p.fps, p.velocity_iterations, p.position_iterations)
        self._cycles += 1
        observations = self._observe()

        pkg_x = self.package.position[0]
        package_shaping = progress_shaping(pkg_x, p)
        shared = package_shaping - self._prev_package_shaping
        self._prev_package_shaping = package_shaping
        rewards = {}
        for i, (walker, agent) in enumerate(zip(self.walkers, self.possible_agents)):
            posture = self._angle_shaping(walker)
            r = shared + posture - self._prev_angle_shaping[i] - self._action_cost * efforts[i]
            self._prev_angle_shaping[i] = posture
            if walker.fallen:
                r += self.fall_reward
            rewards[agent] = r
        fallen = any(w.fallen for w in self.walkers)
        failed = self._contacts.package_dropped or pkg_x < 0 or (self.terminate_on_fall and fallen)
        if failed:
            rewards = {a: r + self.terminate_reward for a, r in rewards.items()}
        done = failed or pkg_x > self.finish_x
        truncate = not done and self._cycles >= self.max_cycles
        terminations = dict.fromkeys(self.agents, done)
        truncations = dict.fromkeys(self.agents, truncate)
        infos = {a: {"task": self.task.copy()} for a in self.agents}
        if done or truncate:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return observations, rewards, terminations, truncations, infos

    # -------------------------------------------------------------- rendering
    def render(self):
        if self.render_mode is None:
            gymnasium.logger.warn("render() needs a render_mode, e.g. parallel_env(render_mode='rgb_array')")
            return None
        if self.world is None:
            raise gymnasium.error.ResetNeeded("call reset() before render()")
        if self._renderer is None:
            from curriculum_gym.envs.rendering import WalkerRenderer

            self._renderer = WalkerRenderer(self.physics, self.render_mode, self.metadata["render_fps"])
        p = self.physics
        camera_x = float(self.walkers[0].hull.position[0]) - p.viewport_w / p.scale / 8
        return self._renderer.draw(
            self.obstacles,
            self.layout.ground_y,
            self.finish_x,
            self.walkers,
            self._lidar_fractions,
            camera_x,
            [(self.package, *PACKAGE_COLORS)],
        )

    def state(self) -> np.ndarray:
        if self.world is None:
            raise gymnasium.error.ResetNeeded("call reset() before state()")
        return np.concatenate([self._observe()[a] for a in self.possible_agents])

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self.world, self.walkers, self.package, self._contacts = None, [], None, None  # no body outlives its world
        self.agents = []
