"""Parkour-v0 (TeachMyAgent's Parkour for the walker bodies) and its water physics."""

import math
import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import curriculum_gym as cg
from curriculum_gym.envs.parkour import UNDER_WATER_LIMIT, ParkourEnv
from curriculum_gym.envs.water import (
    MAX_DRAG,
    WaterContacts,
    buoyancy_force,
    drag_and_lift,
    polygon_area_centroid,
    push_force,
    submerged_polygon,
)
from curriculum_gym.evaluation import generate_test_set, test_set_env_options

DRY = [-0.15, 0.8, 0.1, 0.0, 1.0, 2.0]  # water far below the ground
FLOODED = [-0.15, 0.8, 0.1, 1.0, 1.0, 2.0]  # water up to the highest ceiling point

# PARKOUR.md §5 table, Parkour column (obs, act); default is old_classic_bipedal; short and quadru add 12 as the others
SIZES = {
    "default": (36, 4),
    "short": (36, 4),
    "quadru": (46, 8),
    "classic_bipedal": (36, 4),
    "small_bipedal": (36, 4),
    "big_quadru": (46, 8),
    "spider": (54, 12),
    "millipede": (66, 16),
    "wheel": (46, 8),
    "chimpanzee": (62, 14),
    "fish": (38, 4),
    "amphibian": (36, 4),
    "climber": (54, 12),
    "climber_chest": (44, 8),
}


# ------------------------------------------------------------------ water physics
BOX = [(0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (0.0, 1.0)]  # 2 x 1, counter-clockwise


def test_a_submerged_box_is_pushed_up_by_the_weight_of_its_water_at_its_centroid():
    polygon = submerged_polygon(BOX, (-10.0, 10.0, -10.0, 5.0))
    area, centroid = polygon_area_centroid(polygon)
    assert area == pytest.approx(2.0) and centroid == pytest.approx((1.0, 0.5))
    assert buoyancy_force(area, 1.0) == pytest.approx((0.0, 20.0))
    assert buoyancy_force(area, 1.5) == pytest.approx((0.0, 30.0))


def test_half_a_box_under_the_surface_and_none_above_it():
    area, centroid = polygon_area_centroid(submerged_polygon(BOX, (-10.0, 10.0, -10.0, 0.5)))
    assert area == pytest.approx(1.0) and centroid == pytest.approx((1.0, 0.25))
    area, centroid = polygon_area_centroid(submerged_polygon(BOX, (1.5, 10.0, -10.0, 5.0)))  # the water's left side
    assert area == pytest.approx(0.5) and centroid == pytest.approx((1.75, 0.5))
    assert len(submerged_polygon(BOX, (-10.0, 10.0, -10.0, -1.0))) < 3


def test_drag_opposes_the_motion_on_leading_edges_only_and_is_capped():
    right, left = ((2.0, 0.0), (2.0, 1.0)), ((0.0, 1.0), (0.0, 0.0))
    drag, lift = drag_and_lift(*right, (2.0, 0.0))
    assert drag == pytest.approx((-0.25 * 1 * 1.0 * 4, 0.0)) and lift == pytest.approx((0.0, 0.0))
    assert drag_and_lift(*left, (2.0, 0.0)) == ((0.0, 0.0), (0.0, 0.0))  # trailing edge
    assert drag_and_lift(*right, (0.0, 0.0)) == ((0.0, 0.0), (0.0, 0.0))  # no motion
    drag, _ = drag_and_lift(*right, (1000.0, 0.0))
    assert drag == pytest.approx((-MAX_DRAG, 0.0))


def test_an_oblique_flow_gives_lift_across_the_motion():
    # the bottom edge (normal down) of a box moving down and right: leading, with lift
    drag, lift = drag_and_lift((0.0, 0.0), (2.0, 0.0), (1.0, -1.0))
    speed = math.sqrt(2.0)
    d = 1 / speed  # n . u_hat
    assert drag == pytest.approx((-d * 0.25 * 2 * 2 * 1 / speed, d * 0.25 * 2 * 2 * 1 / speed))
    assert np.dot(lift, (1.0, -1.0)) == pytest.approx(0.0, abs=1e-12) and np.hypot(*lift) > 0


def test_the_push_faces_the_joint_force_and_is_clipped_per_component():
    right = ((1.0, -1.0), (1.0, 1.0))
    assert push_force(*right, 1.0, 0.0, (0.0, -1.0)) == pytest.approx((-0.1, 0.0))
    assert push_force(*right, -1.0, 0.0, (0.0, -1.0)) is None  # f points away from this edge
    assert push_force(*right, 100.0, 0.0, (0.0, -1.0), clip=20.0) == pytest.approx((-20.0, 0.0))


def test_water_contacts_keep_the_parts_in_the_water_in_order():
    contacts = WaterContacts()
    contacts.begin("a")
    contacts.begin("b")
    contacts.end("a")
    contacts.end("missing")
    assert contacts.fixtures == ["b"] and len(contacts) == 1


# ------------------------------------------------------------------ the env
@pytest.mark.parametrize("body", ["default", "chimpanzee", "millipede"])
def test_gymnasium_check_env(body):
    check_env(gym.make("Parkour-v0", body=body).unwrapped, skip_render_check=True)


def test_observation_and_action_sizes_per_body():
    assert set(SIZES) == set(cg.BODIES)
    for name, (obs_dim, act_dim) in SIZES.items():
        env = gym.make("Parkour-v0", body=name)
        obs, _ = env.reset(seed=0, options={"task": DRY})
        assert obs.shape == env.observation_space.shape == (obs_dim,), name
        assert obs.dtype == np.float32 and env.action_space.shape == (act_dim,), name
        env.close()


def _rollout(seed, task, n=60):
    env = gym.make("Parkour-v0", body="classic_bipedal")
    obs, _ = env.reset(seed=seed, options={"task": task})
    rng = np.random.default_rng(7)
    out = [obs]
    for _ in range(n):
        obs, reward, *_ = env.step(rng.uniform(-1, 1, 4).astype(np.float32))
        out.append(np.append(obs, reward))
    return out


def test_a_seed_and_a_task_fix_the_trajectory():
    a, b = _rollout(3, FLOODED), _rollout(3, FLOODED)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    c = _rollout(4, FLOODED)
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_the_task_space_and_info():
    env = gym.make("Parkour-v0")
    space = env.unwrapped.task_space
    assert space.names == (
        "input_vector_0",
        "input_vector_1",
        "input_vector_2",
        "water_level",
        "creepers_height",
        "creepers_spacing",
    )
    assert space.low.tolist() == [-0.35, 0.6, -0.1, 0.0, 0.0, 0.0]
    assert space.high.tolist() == [0.05, 1.0, 0.3, 1.0, 4.0, 5.0]
    _, info = env.reset(seed=1)
    assert space.contains(info["task"])
    *_, info = env.step(env.action_space.sample())
    assert info["task"].shape == (6,)
    assert env.unwrapped.mastery_threshold == 230 and env.spec.max_episode_steps == 2000


def test_level_0_leaves_the_start_dry_and_the_walker_stands_on_it():
    env = gym.make("Parkour-v0", body="classic_bipedal")
    obs, _ = env.reset(seed=0, options={"task": DRY})
    assert obs[4] == 0.0 and obs[5] == 0.0
    for _ in range(80):
        obs, _, terminated, *_ = env.step(np.zeros(4))
    u = env.unwrapped
    assert not terminated and obs[4] == 0.0 and u.hull.position[1] > u.physics.terrain_height
    assert u.water[3] < u.physics.terrain_height - 50  # the surface is far below the ground


def test_level_1_floods_the_start_and_the_water_slows_a_sinking_walker():
    heights = {}
    for name, task in (("dry", DRY), ("flooded", FLOODED)):
        env = gym.make("Parkour-v0", body="classic_bipedal")
        obs, _ = env.reset(seed=0, options={"task": task})
        for _ in range(12):
            obs, *_ = env.step(np.zeros(4))
        heights[name] = env.unwrapped.hull.position[1]
        if name == "flooded":
            assert obs[4] == 1.0 and len(env.unwrapped._water_contacts) > 0
            for _ in range(150):
                obs, *_ = env.step(np.zeros(4))
            assert obs[4] == 1.0  # denser than water: it sank to the bottom and stays under
            assert env.unwrapped.hull.position[1] < env.unwrapped.physics.terrain_height + 1.0
    assert heights["flooded"] > heights["dry"]  # buoyancy and drag slow the fall


def test_drowning_makes_the_walker_limp_but_does_not_end_the_episode():
    envs = [gym.make("Parkour-v0", body="classic_bipedal", max_episode_steps=3000) for _ in range(2)]
    for env in envs:
        env.reset(seed=5, options={"task": FLOODED})
    for step in range(1, UNDER_WATER_LIMIT + 2):
        obs = [env.step(np.zeros(4))[0] for env in envs]
        assert obs[0][5] == 0.0, step
    out = [env.step(np.zeros(4)) for env in envs]  # step 602: the first dead observation
    assert out[0][0][5] == 1.0 and not out[0][2] and not out[0][3]
    a = envs[0].step(np.ones(4, dtype=np.float32))
    b = envs[1].step(np.zeros(4, dtype=np.float32))
    np.testing.assert_array_equal(a[0], b[0])  # the action is ignored
    assert a[1] == b[1]  # and costs nothing
    with pytest.raises(ValueError, match="shape"):
        envs[0].step(np.zeros(3))


def test_critical_parts_in_parkour():
    walker = gym.make("Parkour-v0", body="default").unwrapped
    walker.reset(seed=0, options={"task": DRY})
    assert walker.hull.userData[2] is False  # a walker's hull may touch the ground in Parkour
    chimp = gym.make("Parkour-v0", body="chimpanzee").unwrapped
    chimp.reset(seed=0, options={"task": DRY})
    assert chimp.hull.userData[2] is True  # the chimpanzee's head (and chest) end the episode
    stumps = gym.make("StumpTracks-v0", body="default").unwrapped
    stumps.reset(seed=0)
    assert stumps.hull.userData[2] is True  # Stump Tracks keeps its critical hull


def test_creepers_are_sensors_the_lidar_sees():
    env = gym.make("Parkour-v0", body="default", lidar_type="up", task_bounds={"creepers_height": (0, 20)})
    obs, _ = env.reset(seed=0, options={"task": [-0.15, 0.8, 0.1, 0.0, 19.0, 0.0]})
    assert 1.0 in obs[-10:].tolist()  # creepers hang down to the walker
    for _ in range(30):
        obs, _, terminated, *_ = env.step(np.zeros(4))
    assert not terminated and not env.unwrapped.walker.fallen


def test_a_wide_body_gets_a_longer_whole_start_pad():
    env = gym.make("Parkour-v0", body="millipede", body_options={"n_segments": 20})
    env.reset(seed=0, options={"task": DRY})
    u = env.unwrapped
    assert isinstance(u.startpad_steps, int) and u.startpad_steps > 20
    assert len(u.terrain[0]) == u.startpad_steps + 200
    assert u.finish_x == pytest.approx((200 + u.startpad_steps - 5) * u.physics.terrain_step)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"creepers_width": -1.0}, ValueError, r"creepers_width must be a number in \[0, 5\]"),
        ({"creepers_width": "wide"}, TypeError, "creepers_width"),
        ({"terrain_cppn_scale": 0}, ValueError, r"terrain_cppn_scale must be a number in \[1, 100\]"),
        ({"water_clip": float("nan")}, ValueError, "water_clip"),
        ({"lidar_type": "side"}, ValueError, "'down', 'up', 'full'"),
        ({"lidar_type": 3}, TypeError, "lidar_type"),
        ({"cppn_weights": 3}, TypeError, "cppn_weights"),
        ({"task_bounds": {"water_level": (0, 2)}}, ValueError, r"water_level bounds must lie within \[0, 1\]"),
        ({"task": [0, 0, 0, 0, 0, 0]}, ValueError, "input_vector"),
        ({"body": "dog"}, ValueError, "allowed bodies"),
        ({"challenge": "mostly-trivial"}, ValueError, "challenges apply to"),
    ],
)
def test_bad_options_are_refused_naming_what_is_allowed(kwargs, error, match):
    with pytest.raises(error, match=match):
        gym.make("Parkour-v0", **kwargs)


def test_bad_reset_tasks_are_refused():
    env = gym.make("Parkour-v0")
    with pytest.raises(ValueError, match="water_level"):
        env.reset(options={"task": [-0.15, 0.8, 0.1, 1.5, 1.0, 2.0]})
    with pytest.raises(ValueError):
        env.reset(options={"task": [0.0] * 8})


def test_a_teacher_resamples_tasks_at_reset():
    env = gym.make("Parkour-v0", teacher="alp-gmm")
    space = env.unwrapped.task_space
    tasks = []
    for seed in range(3):
        _, info = env.reset(seed=seed)
        tasks.append(info["task"])
        env.step(env.action_space.sample())
    assert all(space.contains(t) for t in tasks)
    assert not np.array_equal(tasks[0], tasks[1])


def test_pickling_rebuilds_the_env():
    env = gym.make("Parkour-v0", body="spider", creepers_width=0.4, terrain_cppn_scale=20)
    copy = pickle.loads(pickle.dumps(env.unwrapped))
    assert isinstance(copy, ParkourEnv) and copy.terrain_cppn_scale == 20.0 and copy.creepers_width == 0.4
    a, _ = env.unwrapped.reset(seed=2, options={"task": FLOODED})
    b, _ = copy.reset(seed=2, options={"task": FLOODED})
    np.testing.assert_array_equal(a, b)


def test_rendering_draws_a_frame():
    pytest.importorskip("pygame")
    env = gym.make("Parkour-v0", render_mode="rgb_array")
    env.reset(seed=0, options={"task": [-0.15, 0.8, 0.1, 0.9, 1.0, 1.0]})
    frame = env.render()
    assert frame.shape == (400, 600, 3) and frame.dtype == np.uint8
    env.close()


# ------------------------------------------------------------------ test sets and evaluation
def test_parkour_test_sets_load():
    uniform = cg.load_test_set("Parkour-v0", "uniform")
    np.testing.assert_array_equal(uniform, generate_test_set("Parkour-v0", "uniform"))
    space = gym.make("Parkour-v0").unwrapped.task_space
    assert uniform.shape == (100, 6) and all(space.contains(t) for t in uniform)
    for kind in ("walking", "swimming", "climbing"):
        tasks = cg.load_test_set("Parkour-v0", kind)
        options = test_set_env_options("Parkour-v0", kind)
        assert tasks.shape == (100, 6) and len(options) == 100
        assert set(options[0]) == {"creepers_width", "terrain_cppn_scale"}
    walking = cg.load_test_set("Parkour-v0", "walking")
    assert walking[28, 3] == 0.75 and {
        o["terrain_cppn_scale"] for o in test_set_env_options("Parkour-v0", "walking")
    } == {20.0}
    with pytest.raises(ValueError, match="transcribed"):
        generate_test_set("Parkour-v0", "walking")


def test_evaluate_runs_on_parkour():
    tasks = cg.load_test_set("Parkour-v0")[:2]
    result = cg.evaluate(lambda obs: np.zeros((len(obs), 4)), "Parkour-v0", test_set=tasks, max_episode_steps=5)
    assert result.returns.shape == (2, 1) and result.threshold == 230.0 and result.lengths.tolist() == [[5], [5]]
    # a transcribed set, with its options and bounds wide enough for it
    walking = cg.load_test_set("Parkour-v0", "walking")[:1]
    options = test_set_env_options("Parkour-v0", "walking")[0]
    wide = {name: (-1.0, 1.0) for name in ("input_vector_0", "input_vector_1", "input_vector_2")}
    result = cg.evaluate(
        lambda obs: np.zeros(4),
        "Parkour-v0",
        test_set=walking,
        max_episode_steps=3,
        env_kwargs={**options, "task_bounds": wide},
    )
    assert result.lengths.tolist() == [[3]]
