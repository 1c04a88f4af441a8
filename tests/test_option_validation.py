"""Constructor options are refused at construction (ValueError for a bad value, TypeError for a wrong type),
and task bounds the physics cannot represent are refused; huge allowed obstacles still render fast."""

from __future__ import annotations

import inspect
import math
import time

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.envs import HexagonTracks, StumpTracks
from curriculum_gym.envs.rendering import OBSTACLE, clip_polygon
from curriculum_gym.teachers import CovarGMM, Oracle

SPACE = cg.TaskSpace(["stump_height", "obstacle_spacing"], [0, 0], [3, 6])


# ------------------------------------------------------------------ oracle
@pytest.mark.parametrize(
    "options,error,match",
    [
        ({"threshold": math.nan}, ValueError, "threshold must be a finite real number; got nan"),
        ({"threshold": math.inf}, ValueError, "threshold"),
        ({"threshold": 10**400}, ValueError, "threshold"),
        ({"threshold": "230"}, TypeError, "threshold must be a finite real number; got str '230'"),
        ({"threshold": True}, TypeError, "threshold"),
        ({"window_ratio": math.nan}, ValueError, r"window_ratio must be a finite real number in \(0, 1\]"),
        ({"window_ratio": 0.0}, ValueError, "window_ratio"),
        ({"window_ratio": "0.5"}, TypeError, "window_ratio"),
        ({"step": [math.nan, 0.1]}, ValueError, "step must be 2 finite numbers"),
        ({"step": [0.1]}, ValueError, "step"),
        ({"step": ["a", 0.1]}, TypeError, "step"),
        ({"step": [True, 0.1]}, TypeError, "step"),
        ({"start": [9.0, 0.0]}, ValueError, "start must be a task inside the bounds"),
    ],
)
def test_oracle_refuses_bad_options(options, error, match):
    with pytest.raises(error, match=match):
        Oracle(SPACE, seed=0, **options)
    with pytest.raises((ValueError, TypeError), match=match):  # make_teacher may turn a TypeError into a ValueError
        cg.make_teacher("oracle", SPACE, seed=0, **options)


def test_oracle_accepts_numbers_of_any_real_type():
    t = cg.make_teacher("oracle", SPACE, seed=0, threshold=np.float32(200), window_ratio=np.float64(0.25), step=(0, 1))
    assert t.threshold == 200.0 and type(t.threshold) is float and t.window_ratio == 0.25 and t.step == [0.0, 1.0]


# --------------------------------------------------------------- covar-gmm
@pytest.mark.parametrize(
    "options,error,match",
    [
        ({"absolute_lp": "no"}, TypeError, "absolute_lp must be True or False"),
        ({"absolute_lp": 1}, TypeError, "absolute_lp"),
        ({"absolute_lp": None}, TypeError, "absolute_lp"),
        ({"normalize_tasks": "yes"}, TypeError, "normalize_tasks must be True or False"),
        ({"random_task_ratio": math.nan}, ValueError, r"random_task_ratio must be a finite real number in \[0, 1\]"),
        ({"random_task_ratio": 1.5}, ValueError, "random_task_ratio"),
        ({"random_task_ratio": "0.2"}, TypeError, "random_task_ratio"),
        ({"random_task_ratio": False}, TypeError, "random_task_ratio"),
    ],
)
def test_covar_gmm_refuses_bad_options(options, error, match):
    with pytest.raises(error, match=match):
        CovarGMM(SPACE, seed=0, **options)
    with pytest.raises((ValueError, TypeError), match=match):
        cg.make_teacher("covar-gmm", SPACE, seed=0, **options)


def test_covar_gmm_stores_plain_bools():
    t = cg.make_teacher("covar-gmm", SPACE, seed=0, absolute_lp=np.bool_(True), normalize_tasks=False)
    assert t.absolute_lp is True and t.normalize_tasks is False


# ------------------------------------------------------- one table per teacher
def test_every_teacher_declares_every_option_once():
    for name, cls in cg.TEACHERS.items():
        keyword_only = [
            p.name
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        ]
        assert sorted(cls._parameter_constraints) == sorted(keyword_only), name
        assert list(cls.option_names) == [k for k in keyword_only if k not in cls._not_saved], name
    assert CovarGMM.option_names == (
        "fit_rate",
        "random_task_ratio",
        "potential_ks",
        "absolute_lp",
        "normalize_tasks",
        "gmm_backend",
    )
    assert "preset" not in cg.TEACHERS["alp-gmm"].option_names


@pytest.mark.parametrize("name", ["alp-gmm", "covar-gmm"])
@pytest.mark.parametrize("value", ["no", 0, 1, None, 1.0])
def test_gmm_teachers_agree_on_normalize_tasks(name, value):
    with pytest.raises(TypeError, match="normalize_tasks must be True or False"):
        cg.make_teacher(name, SPACE, normalize_tasks=value)


OPTION_ERRORS = [  # (teacher, option, value, error, what the message says)
    ("alp-gmm", "background_fit", 1, TypeError, "background_fit must be True or False; got int 1"),
    ("alp-gmm", "background_fit", "yes", TypeError, "background_fit must be True or False"),
    ("alp-gmm", "fit_rate", "250", TypeError, "fit_rate must be an integer >= 2; got str"),
    ("alp-gmm", "fit_rate", 2.5, TypeError, "fit_rate must be an integer"),
    ("alp-gmm", "fit_rate", True, TypeError, "fit_rate must be an integer"),
    ("alp-gmm", "fit_rate", 1, ValueError, "fit_rate must be an integer >= 2; got 1"),
    ("alp-gmm", "random_task_ratio", -0.1, ValueError, r"random_task_ratio must be a finite real number in \[0, 1\]"),
    ("alp-gmm", "random_task_ratio", "0.2", TypeError, "random_task_ratio"),
    ("alp-gmm", "potential_ks", "23", TypeError, "potential_ks must be a non-empty list of integers >= 1"),
    ("alp-gmm", "potential_ks", [2, 2.5], TypeError, "potential_ks"),
    ("alp-gmm", "potential_ks", [0, 2], ValueError, "potential_ks must be a non-empty list of integers >= 1"),
    ("alp-gmm", "potential_ks", [2, 300], ValueError, r"potential_ks must be integers in \[1, fit_rate=250\]"),
    ("alp-gmm", "criterion", "aicc", ValueError, r"criterion must be one of \['aic', 'bic'\]; got 'aicc'"),
    ("alp-gmm", "criterion", 1, TypeError, "criterion must be one of"),
    ("alp-gmm", "gmm_backend", "torch", ValueError, r"gmm_backend must be one of \['numpy', 'sklearn'\]"),
    ("alp-gmm", "preset", "paper", ValueError, r"preset must be one of \['corl2019', 'teachmyagent'\]"),
    ("alp-gmm", "max_history", 100, ValueError, "max_history must be an integer >= fit_rate=250"),
    ("alp-gmm", "max_history", 1e4, TypeError, "max_history"),
    ("covar-gmm", "fit_rate", 1, ValueError, "fit_rate must be an integer >= 2"),
    ("covar-gmm", "gmm_backend", None, TypeError, "gmm_backend must be one of"),
    ("riac", "max_region_size", 3, ValueError, "max_region_size must be an integer >= 4; got 3"),
    ("riac", "min_region_size", 150, ValueError, r"min_region_size must be an integer in \[1, max_region_size // 2"),
    (
        "riac",
        "min_dims_range_ratio",
        0.6,
        ValueError,
        r"min_dims_range_ratio must be a finite real number in \[0, 0.5\]",
    ),
    ("riac", "mutation_std", "0.1", TypeError, "mutation_std must be a finite real number"),
    ("riac", "n_split_attempts", 0, ValueError, "n_split_attempts must be an integer >= 1"),
    ("adr", "queue_length", 0, ValueError, "queue_length must be an integer >= 1"),
    ("adr", "boundary_sampling_p", 2, ValueError, r"boundary_sampling_p must be a finite real number in \[0, 1\]"),
    ("adr", "step_size", -0.1, ValueError, "step_size must be 2 positive finite numbers"),
    ("adr", "step_size", "big", TypeError, "step_size"),
    ("adr", "expand_threshold", "230", TypeError, "expand_threshold must be a finite real number"),
    ("adr", "shrink_threshold", 300, ValueError, "shrink_threshold <= expand_threshold"),
    ("adr", "initial_task", [5.0, 0.0], ValueError, "initial_task must be a task inside the bounds"),
    ("oracle", "update_every", 0, ValueError, "update_every must be an integer >= 1"),
    ("oracle", "window_ratio", 1.5, ValueError, r"window_ratio must be a finite real number in \(0, 1\]"),
]
ADR_KNOWLEDGE = {"initial_task": [0.0, 6.0], "step_size": 0.1, "expand_threshold": 230, "shrink_threshold": 0}


@pytest.mark.parametrize("name,option,value,error,match", OPTION_ERRORS)
def test_options_are_checked_from_the_table(name, option, value, error, match):
    options = {**(ADR_KNOWLEDGE if name == "adr" else {}), option: value}
    with pytest.raises(error, match=match):
        cg.make_teacher(name, SPACE, seed=0, **options)


def test_options_are_stored_as_plain_values():
    t = cg.make_teacher(
        "alp-gmm",
        SPACE,
        fit_rate=np.int64(50),
        random_task_ratio=np.float32(0.5),
        potential_ks=np.array([4, 2, 2]),
        background_fit=np.bool_(False),
    )
    assert (t.fit_rate, t.random_task_ratio, t.potential_ks, t.background_fit) == (50, 0.5, [2, 4], False)
    assert type(t.fit_rate) is int and type(t.random_task_ratio) is float and type(t.background_fit) is bool
    t = cg.make_teacher("alp-gmm", SPACE, preset="teachmyagent", random_task_ratio=0)
    assert (t.fit_rate, t.random_task_ratio, t.potential_ks) == (150, 0.0, list(range(2, 10)))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"seed": "0"}, TypeError, "seed must be a non-negative int"),
        ({"seed": 1.0}, TypeError, "seed"),
        ({"seed": -1}, ValueError, "seed must be a non-negative int"),
        ({"return_range": "ab"}, TypeError, "return_range must be a"),
        ({"return_range": (1, 1)}, ValueError, "return_range must have low < high"),
        ({"fit_rate": 10}, ValueError, "unknown option.*'fit_rate'.*for teacher 'oracle'; its options: start, step"),
    ],
)
def test_common_arguments_are_checked(kwargs, error, match):
    with pytest.raises(error, match=match):
        cg.make_teacher("oracle", SPACE, **kwargs)


def test_task_space_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="task_space must be a curriculum_gym.TaskSpace"):
        Oracle([[0, 0], [3, 6]], seed=0)


# -------------------------------------------------------------- multiwalker
@pytest.mark.parametrize(
    "options,error,match",
    [
        ({"fall_reward": math.nan}, ValueError, "fall_reward must be finite"),
        ({"terminate_reward": math.nan}, ValueError, "terminate_reward must be finite"),
        ({"terminate_reward": -math.inf}, ValueError, "terminate_reward"),
        ({"fall_reward": -1e300}, ValueError, r"fall_reward .*\[-1e\+06, 1e\+06\]"),
        ({"fall_reward": "-10"}, TypeError, "fall_reward must be a real number"),
        ({"terminate_reward": None}, TypeError, "terminate_reward"),
        ({"terminate_on_fall": "no"}, TypeError, "terminate_on_fall must be True or False"),
        ({"task_bounds": {"stump_height": (0, 1e8)}}, ValueError, "stump_height"),
    ],
)
def test_multiwalker_refuses_bad_options(options, error, match):
    multiwalker = pytest.importorskip("curriculum_gym.multiagent")
    with pytest.raises(error, match=match):
        multiwalker.MultiWalkerTracksEnv(n_walkers=2, **options)


def test_multiwalker_accepts_integer_rewards():
    multiwalker = pytest.importorskip("curriculum_gym.multiagent")
    env = multiwalker.MultiWalkerTracksEnv(n_walkers=2, fall_reward=-5, terminate_reward=np.float32(-50))
    assert (env.fall_reward, env.terminate_reward) == (-5.0, -50.0) and type(env.terminate_reward) is float


# ------------------------------------------------------------- task bounds
@pytest.mark.parametrize(
    "env_id,bounds,match",
    [
        (
            "StumpTracks-v0",
            {"stump_height": (0, 1e8)},
            r"'stump_height' = \(0, 1e\+08\).*high bound 1e\+08.*\[-100, 100\]",
        ),
        ("StumpTracks-v0", {"stump_height": (0, 1e300)}, "stump_height"),
        ("StumpTracks-v0", {"stump_height": (-101, 3)}, r"low bound -101.*\[-100, 100\]"),
        ("StumpTracks-v0", {"obstacle_spacing": (0, 1e4)}, r"obstacle_spacing.*\[-1000, 1000\]"),
        ("HexagonTracks-v0", {"dy3": (0, 1e6)}, r"'dy3'.*\[-100, 100\]"),
    ],
)
def test_bounds_beyond_the_physics_are_refused_at_construction(env_id, bounds, match):
    with pytest.raises(ValueError, match=match):
        gym.make(env_id, task_bounds=bounds)


@pytest.mark.parametrize(
    "bounds,task",
    [
        ({"stump_height": (-3, 3)}, [-3.0, 6.0]),
        ({"stump_height": (-100, 100)}, [100.0, 6.0]),
        ({"obstacle_spacing": (-1000, 1000)}, [3.0, 1000.0]),
    ],
)
def test_bounds_within_the_limits_are_accepted(bounds, task):
    env = gym.make("StumpTracks-v0", task_bounds=bounds)
    _, info = env.reset(seed=0, options={"task": task})
    assert info["task"].tolist() == task
    env.close()


def test_every_default_space_lies_within_its_track_limits():
    for track in (StumpTracks(), HexagonTracks()):
        space = track.default_task_space()
        assert track.check_task_space(space) is space and set(track.task_limits) == set(space.names)


def test_the_highest_allowed_stumps_render_quickly():
    env = gym.make("StumpTracks-v0", task_bounds={"stump_height": (0, 100)}, render_mode="rgb_array")
    env.reset(seed=0, options={"task": [100.0, 6.0]})
    env.render()  # the first one also imports pygame
    start = time.perf_counter()
    frame = env.render()
    assert time.perf_counter() - start < 2.0  # 20 s per frame before polygons were cut to the view
    assert frame.shape == (400, 600, 3)
    assert np.all(frame[:300, :].reshape(-1, 3) == OBSTACLE, axis=1).any()  # a stump fills the view up to the top
    env.close()


def test_a_huge_polygon_renders_as_fast_as_a_small_one():
    from curriculum_gym.envs.rendering import WalkerRenderer

    env = gym.make("StumpTracks-v0", render_mode="rgb_array")
    env.reset(seed=0)
    u = env.unwrapped
    renderer = WalkerRenderer(u.physics, "rgb_array", 50)
    x, ground = float(u.walker.hull.position[0]), u.layout.ground_y
    tower = np.array([[x + 1, ground], [x + 1.5, ground], [x + 1.5, 1e7], [x + 1, 1e7]])  # 3e8 pixels tall
    lidars = [np.ones(10)]  # every ray at full range
    renderer.draw([tower], ground, u.finish_x, [u.walker], lidars, x - 4)  # warm-up
    start = time.perf_counter()
    frame = renderer.draw([tower], ground, u.finish_x, [u.walker], lidars, x - 4)
    assert time.perf_counter() - start < 1.0  # 15 s before polygons were cut to the view
    assert np.all(frame[0, 152:164] == OBSTACLE)  # it still reaches the top of the view
    renderer.close()
    env.close()


# ------------------------------------------------------------ clip_polygon
def test_clip_polygon_keeps_polygons_inside_the_box_as_they_are():
    square = [(0.5, 0.5), (9.5, 0.5), (9.5, 9.5), (0.5, 9.5)]
    assert clip_polygon(square, 0, 0, 10, 10) == square


def test_clip_polygon_cuts_huge_and_drops_outside_polygons():
    huge = [(-1e12, -1e12), (1e12, -1e12), (1e12, 1e12), (-1e12, 1e12)]
    assert sorted(clip_polygon(huge, 0, 0, 10, 10)) == [(0, 0), (0, 10), (10, 0), (10, 10)]
    tall = [(2.0, 5.0), (4.0, 5.0), (4.0, 1e9), (2.0, 1e9)]  # a stump through the top of the view
    assert sorted(clip_polygon(tall, 0, 0, 10, 10)) == [(2.0, 5.0), (2.0, 10), (4.0, 5.0), (4.0, 10)]
    triangle = [(0.0, 0.0), (20.0, 0.0), (0.0, 20.0)]  # the cut follows the slanted edge
    assert set(clip_polygon(triangle, -1, -1, 10, 10)) == {(0, 0), (0, 10), (10, 0), (10, 10)}  # (10, 10) twice
    assert clip_polygon([(20, 20), (30, 20), (30, 30)], 0, 0, 10, 10) == []
