"""Parkour-v0 with the swimmer (``fish``), the amphibian and the climbers: sizes, buoyancy, survival,
grasping, category defaults."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import curriculum_gym as cg
from curriculum_gym.envs.bodies import BODIES, BodySpec
from curriculum_gym.envs.parkour import CATEGORY_RULES, HANG_STEPS, OUT_OF_WATER_LIMIT
from curriculum_gym.multiagent import multiwalker_tracks_v0

DRY = [-0.15, 0.8, 0.1, 0.0, 1.0, 2.0]  # water far below the ground
FLOODED = [-0.15, 0.8, 0.1, 1.0, 1.0, 2.0]  # water up to the highest ceiling point
#: PARKOUR.md §5: (Parkour obs, Stump obs, actions, total mass in kg)
FACTS = {
    "fish": (38, 26, 4, 1.540),
    "amphibian": (36, 24, 4, 1.628),
    "climber": (54, 42, 12, 7.990),
    "climber_chest": (44, 32, 8, 7.094),
}
CLIMBERS = ("climber", "climber_chest")


def _parkour(body, task, seed=0, **kwargs):
    env = gym.make("Parkour-v0", body=body, **kwargs)
    obs, _ = env.reset(seed=seed, options={"task": task})
    return env, obs


@pytest.mark.parametrize("body", sorted(FACTS))
def test_sizes_and_mass_on_parkour_and_the_tracks(body):
    parkour_obs, stump_obs, act, mass = FACTS[body]
    env, obs = _parkour(body, DRY)
    assert obs.shape == env.observation_space.shape == (parkour_obs,) and env.action_space.shape == (act,)
    walker = env.unwrapped.walker
    parts = (walker.hull, *walker.parts, *walker.sensors)
    assert sum(p.mass for p in parts) == pytest.approx(mass, abs=1e-3)
    for env_id in ("StumpTracks-v0", "HexagonTracks-v0"):
        env = gym.make(env_id, body=body)
        obs, _ = env.reset(seed=0)
        assert obs.shape == env.observation_space.shape == (stump_obs,) and env.action_space.shape == (act,)
        for _ in range(20):  # no water there: the fish just flops, nothing breaks
            obs, reward, terminated, *_ = env.step(env.action_space.sample())
            assert np.isfinite(obs).all() and np.isfinite(reward)
            assert body in CLIMBERS or not terminated  # the fish and the amphibian have no critical part


@pytest.mark.parametrize("body", sorted(FACTS))
def test_gymnasium_check_env(body):
    check_env(gym.make("Parkour-v0", body=body).unwrapped, skip_render_check=True)


def test_categories_pick_the_lidar_fan_and_the_survival_limits():
    assert BODIES["fish"].category == "swimmer" and BODIES["amphibian"].category == "amphibian"
    assert {name for name, spec in BODIES.items() if spec.category == "walker"} == set(BODIES) - set(FACTS)
    assert {BODIES[name].category for name in CLIMBERS} == {"climber"}
    assert gym.make("Parkour-v0", body="climber").unwrapped.lidar_type == "up"
    assert gym.make("Parkour-v0", body="fish").unwrapped.lidar_type == "full"
    assert gym.make("Parkour-v0", body="amphibian").unwrapped.lidar_type == "full"
    assert gym.make("Parkour-v0", body="default").unwrapped.lidar_type == "down"
    assert gym.make("Parkour-v0", body="fish", lidar_type="up").unwrapped.lidar_type == "up"
    assert CATEGORY_RULES["climber"][0] == "up"
    assert not BODIES["fish"].head_angle_shaping and BODIES["amphibian"].head_angle_shaping
    assert BODIES["fish"].parkour_critical == BODIES["fish"].critical == ()
    assert BODIES["amphibian"].parkour_critical == BODIES["amphibian"].critical == ()
    with pytest.raises(ValueError, match="category must be one of"):
        BodySpec("x", BODIES["default"].parts, BODIES["default"].joints, "hull", (), 80, 0.1, 10, 10, category="bird")


def test_the_fish_hovers_in_water_and_swims_when_it_wiggles():
    env, obs = _parkour("fish", FLOODED)
    u = env.unwrapped
    spawn_y = u.hull.position[1]
    assert spawn_y == pytest.approx(u.physics.terrain_height + 39 / 30, abs=0.05)  # 9 px + 1 m above the pad
    heights = []
    for _ in range(300):  # limp: slightly lighter than water, it never reaches the floor
        obs, *_ = env.step(np.zeros(4, np.float32))
        assert obs[4] == 1.0 and not any(u.walker.contacts)
        heights.append(u.hull.position[1])
    assert min(heights) > u.physics.terrain_height + 0.8 and heights[-1] > heights[100]  # it rises, slowly
    x0 = u.hull.position[0]
    for t in range(200):  # a travelling wave along the body
        env.step(np.sin(0.3 * t + np.arange(4)).astype(np.float32))
    assert abs(u.hull.position[0] - x0) > 1.0
    walker, _ = _parkour("classic_bipedal", FLOODED)
    for _ in range(150):
        walker.step(np.zeros(4, np.float32))
    assert any(walker.unwrapped.walker.contacts)  # a walker sinks and stands on the floor


def test_the_amphibian_floats_up():
    env, obs = _parkour("amphibian", FLOODED)
    spawn_y = env.unwrapped.hull.position[1]
    for _ in range(150):
        obs, *_ = env.step(np.zeros(4, np.float32))
    assert obs[4] == 1.0 and env.unwrapped.hull.position[1] > spawn_y + 1.0


def test_a_fish_out_of_water_dies_after_600_steps_and_an_amphibian_never():
    env, obs = _parkour("fish", DRY, max_episode_steps=3000)
    assert obs[4] == 0.0
    for step in range(1, OUT_OF_WATER_LIMIT + 2):
        obs, _, terminated, truncated, _ = env.step(np.ones(4, np.float32))
        assert obs[5] == 0.0 and not terminated, step
    obs, reward, terminated, truncated, _ = env.step(np.ones(4, np.float32))  # step 602: dead, not terminal
    assert obs[5] == 1.0 and env.unwrapped.dead and not terminated and not truncated
    fish, _ = _parkour("fish", FLOODED)
    fish.unwrapped.under_water_steps = 10**6
    assert not fish.unwrapped.dead  # a fish cannot drown
    amphibian, _ = _parkour("amphibian", FLOODED)
    amphibian.unwrapped.under_water_steps = amphibian.unwrapped.out_of_water_steps = 10**6
    assert not amphibian.unwrapped.dead


def test_the_fish_has_no_head_angle_term():
    env, _ = _parkour("fish", DRY)
    u = env.unwrapped
    x0 = u.hull.position[0]
    _, reward, *_ = env.step(np.zeros(4, np.float32))
    assert reward == pytest.approx(130 / 30 * (u.hull.position[0] - x0), abs=1e-9)


def test_multiwalker_refuses_the_fish_and_takes_the_amphibian():
    with pytest.raises(ValueError, match="'fish' cannot carry the package; allowed bodies: \\['amphibian'"):
        multiwalker_tracks_v0.parallel_env(body="fish")
    env = multiwalker_tracks_v0.parallel_env(n_walkers=2, body="amphibian")
    env.reset(seed=0)
    for _ in range(60):  # light, but the package stays on the hulls under limp motors
        env.step({a: np.zeros(env.action_space(a).shape, np.float32) for a in env.agents})
    assert env.agents and not env.unwrapped._contacts.package_dropped
    assert cg.BODIES is BODIES or dict(cg.BODIES) == dict(BODIES)


# ------------------------------------------------------------------ climbers
def _hang_action(env, grasp):
    action = np.zeros(env.action_space.shape, np.float32)
    action[-2:] = grasp
    return action


@pytest.mark.parametrize("body", CLIMBERS)
def test_a_climber_starts_hanging_holds_on_and_falls_when_it_lets_go(body):
    env, obs = _parkour(body, DRY)
    u = env.unwrapped
    ceiling = u.terrain[2][0]
    assert all(s.position[1] == pytest.approx(ceiling, abs=0.1) for s in u.walker.sensors)
    assert obs[-24:-20].tolist()[1::2] == [1.0, 1.0]  # both hands grip after the hang steps
    start = u.hull.position[1]
    assert start > u.physics.terrain_height + 10  # hanging far above the start pad
    for _ in range(100):  # limp motors, grasping: it hangs
        obs, reward, terminated, *_ = env.step(_hang_action(env, 1.0))
        assert not terminated
    assert abs(u.hull.position[1] - start) < 0.2 and obs[-24:-20].tolist()[1::2] == [1.0, 1.0]
    for _ in range(30):  # let go: it falls
        obs, *_ = env.step(_hang_action(env, -1.0))
    assert u.hull.position[1] < start - 1.0 and obs[-24:-20].tolist() == [0.0, 0.0, 0.0, 0.0]
    for _ in range(300):  # and lands: its chest, head or lower legs on the ground end the episode
        obs, reward, terminated, *_ = env.step(_hang_action(env, -1.0))
        if terminated:
            break
    assert terminated and reward == -100.0


def test_climbers_critical_parts():
    climber = BODIES["climber"]
    assert climber.parkour_critical == ("head", "chest", "lower_leg_0", "lower_leg_1")
    assert climber.critical == BODIES["climber_chest"].critical == BODIES["climber_chest"].parkour_critical
    assert climber.critical == ("head", "chest")  # standing on the tracks, its feet touch the ground


def test_the_hang_steps_are_not_part_of_the_episode():
    assert HANG_STEPS == 5
    env, _ = _parkour("climber", DRY)
    u = env.unwrapped
    assert u.under_water_steps == u.out_of_water_steps == 0 and u._contacts.ceiling_safe
    assert not gym.make("Parkour-v0", body="chimpanzee").unwrapped.reset(seed=0)[0][5]  # walkers: no hang


def test_grasp_commands_cost_torque_and_the_tracks_have_nothing_to_grip():
    rewards = {}
    for grasp in (0.0, 1.0):
        env = gym.make("StumpTracks-v0", body="climber")
        env.reset(seed=0, options={"task": [0.0, 6.0]})
        obs, rewards[grasp], *_ = env.step(_hang_action(env, grasp))
        assert obs[-14:-10].tolist() == [0.0, 0.0, 0.0, 0.0]  # no ceiling on the tracks
    assert rewards[0.0] - rewards[1.0] == pytest.approx(2 * BODIES["climber"].torque_cost)
    with pytest.raises(ValueError, match="action must have 12 values"):
        env.step(np.zeros(10, np.float32))


def test_a_dead_climber_lets_go():
    env, _ = _parkour("climber", DRY)
    u = env.unwrapped
    u.under_water_steps = 10**6  # as if drowned
    obs, reward, *_ = env.step(_hang_action(env, 1.0))
    assert obs[5] == 1.0 and not u._grips.holding and obs[-24:-20].tolist()[1::2] == [0.0, 0.0]


def test_a_climber_grips_a_creeper():
    env = gym.make("Parkour-v0", body="climber", task_bounds={"creepers_height": (0, 20)})
    env.reset(seed=0, options={"task": [-0.15, 0.8, 0.1, 0.0, 3.0, 0.0]})  # 3 m creepers every 2 steps
    grips = env.unwrapped._grips
    assert grips.holding
    assert ("creeper",) in [joint.bodyB.userData for joint in grips.joints if joint is not None]


@pytest.mark.parametrize(("body", "kind", "act"), [("fish", "swimming", 4), ("climber", "climbing", 12)])
def test_teachmyagent_test_sets_evaluate_with_their_bodies(body, kind, act):
    from curriculum_gym.evaluation import test_set_env_options

    tasks = cg.load_test_set("Parkour-v0", kind)[:1]
    options = test_set_env_options("Parkour-v0", kind)[0]
    wide = {name: (-1.0, 1.0) for name in ("input_vector_0", "input_vector_1", "input_vector_2")}
    result = cg.evaluate(
        lambda obs: np.zeros(act),
        "Parkour-v0",
        test_set=tasks,
        max_episode_steps=3,
        env_kwargs={**options, "task_bounds": wide, "body": body},
    )
    assert result.lengths.tolist() == [[3]]
