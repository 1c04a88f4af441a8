import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import curriculum_gym as cg

IDS = ["StumpTracks-v0", "HexagonTracks-v0"]
BODIES = {"default": (24, 4), "short": (24, 4), "quadru": (34, 8)}


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("body", list(BODIES))
@pytest.mark.parametrize("render_mode", [None, "rgb_array", "human"])
def test_check_env(env_id, body, render_mode):
    env = gym.make(env_id, body=body, render_mode=render_mode)
    check_env(env.unwrapped, skip_render_check=render_mode is None)
    obs_dim, act_dim = BODIES[body]
    assert env.observation_space.shape == (obs_dim,)
    assert env.action_space.shape == (act_dim,)
    env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_registered_with_2000_step_horizon(env_id):
    env = gym.make(env_id)
    assert env.spec.max_episode_steps == 2000
    assert isinstance(env.unwrapped, cg.WalkerTracksEnv)
    assert env.unwrapped.return_range == (-150.0, 350.0)


def rollout(env, seed, task, n_steps, action_seed=0):
    rng = np.random.default_rng(action_seed)
    obs, info = env.reset(seed=seed, options={"task": task})
    trace = [obs.tobytes()]
    for _ in range(n_steps):
        obs, r, terminated, truncated, _ = env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
        trace.append(obs.tobytes() + np.float64(r).tobytes())
        if terminated or truncated:
            obs, _ = env.reset(options={"task": task})
            trace.append(obs.tobytes())
    return trace


@pytest.mark.parametrize("env_id,task", [("StumpTracks-v0", [1.5, 2.0]), ("HexagonTracks-v0", [1.0] * 12)])
def test_same_seed_task_actions_give_identical_trajectories(env_id, task):
    env = gym.make(env_id)
    a = rollout(env, 7, task, 500)
    b = rollout(env, 7, task, 500)  # same env object, reused
    c = rollout(gym.make(env_id), 7, task, 500)  # fresh env
    assert a == b == c


def test_different_tasks_give_different_terrain():
    env = gym.make("StumpTracks-v0").unwrapped
    env.reset(seed=0, options={"task": [1.0, 1.0]})
    first = [p.copy() for p in env.obstacles]
    env.reset(seed=0, options={"task": [2.0, 4.0]})
    assert len(first) != len(env.obstacles) or not all(np.allclose(p, q) for p, q in zip(first, env.obstacles))
    hexa = gym.make("HexagonTracks-v0").unwrapped
    hexa.reset(seed=0, options={"task": [0.0] * 12})
    a = np.concatenate(hexa.obstacles)
    hexa.reset(seed=0, options={"task": [3.0] * 12})
    b = np.concatenate(hexa.obstacles)
    assert a.shape != b.shape or not np.allclose(a, b)
    assert b[:, 1].max() > a[:, 1].max() + 1.0  # larger dy offsets make taller obstacles


def test_seeded_terrain_is_reproducible():
    env = gym.make("HexagonTracks-v0").unwrapped
    env.reset(seed=11, options={"task": [2.0] * 12})
    a = np.concatenate(env.obstacles)
    env.reset(seed=12, options={"task": [2.0] * 12})
    b = np.concatenate(env.obstacles)
    env.reset(seed=11, options={"task": [2.0] * 12})
    np.testing.assert_array_equal(a, np.concatenate(env.obstacles))
    assert not np.array_equal(a, b)


def test_interleaved_bodies_match_each_alone():
    alone_default = rollout(gym.make("StumpTracks-v0", body="default"), 3, [1.0, 2.0], 200)
    alone_quadru = rollout(gym.make("StumpTracks-v0", body="quadru"), 3, [1.0, 2.0], 200)
    d, q = gym.make("StumpTracks-v0", body="default"), gym.make("StumpTracks-v0", body="quadru")
    rd, rq = np.random.default_rng(0), np.random.default_rng(0)
    traces = {
        "d": [d.reset(seed=3, options={"task": [1.0, 2.0]})[0].tobytes()],
        "q": [q.reset(seed=3, options={"task": [1.0, 2.0]})[0].tobytes()],
    }
    for _ in range(200):
        for key, env, rng in (("d", d, rd), ("q", q, rq)):
            obs, r, te, tr, _ = env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
            traces[key].append(obs.tobytes() + np.float64(r).tobytes())
            if te or tr:
                traces[key].append(env.reset(options={"task": [1.0, 2.0]})[0].tobytes())
    assert traces["d"] == alone_default
    assert traces["q"] == alone_quadru


def test_bare_reset_draws_a_task_uniformly_and_reports_it():
    env = gym.make("StumpTracks-v0")
    tasks = np.array([env.reset(seed=s)[1]["task"] for s in range(200)])
    assert tasks.shape == (200, 2)
    assert tasks[:, 0].min() >= 0 and tasks[:, 0].max() <= 3
    assert tasks[:, 1].min() >= 0 and tasks[:, 1].max() <= 6
    assert 1.2 < tasks[:, 0].mean() < 1.8 and 2.4 < tasks[:, 1].mean() < 3.6
    _, info = env.reset(options={"task": {"stump_height": 0.5, "obstacle_spacing": 1.0}})
    np.testing.assert_array_equal(info["task"], [0.5, 1.0])


def test_task_bounds_widen_and_narrow():
    env = gym.make("StumpTracks-v0", task_bounds={"stump_height": (0, 5)})
    _, info = env.reset(options={"task": [4.5, 1.0]})
    assert info["task"][0] == 4.5
    narrow = gym.make("StumpTracks-v0", task_bounds=[(0.0, 0.5), (1.0, 2.0)])
    with pytest.raises(ValueError, match="outside its bounds"):
        narrow.reset(options={"task": [1.0, 1.5]})
    with pytest.raises(ValueError, match="inverted"):
        gym.make("StumpTracks-v0", task_bounds={"stump_height": (2, 1)})


@pytest.mark.parametrize(
    "options,match",
    [
        ({"task": [1.0]}, r"shape \(2,\)"),
        ({"task": [4.0, 1.0]}, r"'stump_height' = 4 is outside its bounds \[0, 3\]"),
        ({"task": [np.nan, 1.0]}, "must be finite"),
        ({"task": [1.0, np.inf]}, "must be finite"),
        ({"task": {"height": 1.0, "obstacle_spacing": 1.0}}, "unknown task parameter"),
        ({"tsak": [1.0, 1.0]}, "unknown reset option"),
    ],
)
def test_bad_tasks_raise_value_error_and_leave_env_usable(options, match):
    env = gym.make("StumpTracks-v0")
    env.reset(seed=0, options={"task": [1.0, 1.0]})
    with pytest.raises(ValueError, match=match):
        env.reset(options=options)
    obs, _, _, _, _ = env.step(env.action_space.sample())
    assert np.all(np.isfinite(obs))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="unknown body 'tall'.*allowed bodies"):
        gym.make("StumpTracks-v0", body="tall")
    with pytest.raises(ValueError, match="render_mode"):
        gym.make("StumpTracks-v0", render_mode="ascii")


def test_bad_actions():
    env = gym.make("StumpTracks-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError, match="finite"):
        env.step(np.array([np.nan, 0, 0, 0], dtype=np.float32))
    with pytest.raises(ValueError, match="4 values"):
        env.step(np.zeros(3, dtype=np.float32))


def test_rgb_frame_shows_terrain_and_walker():
    env = gym.make("StumpTracks-v0", render_mode="rgb_array")
    env.reset(seed=0, options={"task": [2.0, 1.0]})
    frame = env.render()
    assert frame.shape == (400, 600, 3) and frame.dtype == np.uint8
    colours = {tuple(c) for c in frame.reshape(-1, 3)[::7]}
    assert len(colours) > 5  # sky, ground, stumps, hull, legs...
    assert (frame == [127, 51, 229]).all(axis=-1).sum() > 100  # the hull is in view
    for _ in range(30):
        env.step(env.action_space.sample())
    assert env.render().shape == (400, 600, 3)


def test_fresh_interpreter_make_by_module_prefix():
    code = "import gymnasium as gym; e = gym.make('curriculum_gym:StumpTracks-v0'); print(e.reset(seed=0)[0].shape)"
    out = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", code], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "(24,)" in out.stdout


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    env_id=st.sampled_from(IDS),
    body=st.sampled_from(list(BODIES)),
    unit=st.lists(st.floats(0, 1), min_size=12, max_size=12),
    seed=st.integers(0, 2**31 - 1),
)
def test_any_valid_task_gives_finite_observations(env_id, body, unit, seed):
    env = gym.make(env_id, body=body)
    space = env.unwrapped.task_space
    task = space.denormalize(np.array(unit[: space.dim]))
    obs, _ = env.reset(seed=seed, options={"task": task})
    assert np.all(np.isfinite(obs))
    rng = np.random.default_rng(seed)
    for _ in range(100):
        obs, r, te, tr, _ = env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
        assert np.all(np.isfinite(obs)) and np.isfinite(r)
        if te or tr:
            break


@settings(max_examples=50, deadline=None)
@given(
    task=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=4),
)
def test_every_invalid_task_raises_value_error(task):
    env = gym.make("StumpTracks-v0").unwrapped
    space = env.task_space
    if space.contains(task):
        env.reset(options={"task": task})
    else:
        with pytest.raises(ValueError):
            env.reset(options={"task": task})
