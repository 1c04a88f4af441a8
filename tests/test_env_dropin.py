"""Drop-in behaviour of the envs: fixed tasks, the task in every info, pickling, close and reset options."""

import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg  # noqa: F401 (registers the IDs)
from curriculum_gym.envs.walker import WalkerTracksEnv

TASK = [1.0, 3.0]
CLONES = {"pickle": lambda env: pickle.loads(pickle.dumps(env)), "deepcopy": copy.deepcopy}


def rollout(env, seed, n_steps=200, options=None, action_seed=0):
    """Observations and rewards as bytes, resetting with the same options when an episode ends."""
    rng = np.random.default_rng(action_seed)
    obs, _ = env.reset(seed=seed, options=options)
    trace = [obs.tobytes()]
    for _ in range(n_steps):
        obs, r, terminated, truncated, _ = env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
        trace.append(obs.tobytes() + np.float64(r).tobytes())
        if terminated or truncated:
            trace.append(env.reset(options=options)[0].tobytes())
    return trace


# ------------------------------------------------------------------ fixed tasks
@pytest.mark.parametrize("env_id,task", [("StumpTracks-v0", TASK), ("HexagonTracks-v0", [1.0] * 12)])
def test_fixed_task_is_used_at_every_reset(env_id, task):
    env = gym.make(env_id, task=task)
    fixed = env.unwrapped.fixed_task
    assert fixed.dtype == np.float64 and not fixed.flags.writeable
    np.testing.assert_array_equal(fixed, task)
    for seed in (0, None, 1):
        _, info = env.reset(seed=seed)
        np.testing.assert_array_equal(info["task"], task)
    # the same trajectory as the task given at reset to an env without one
    assert rollout(env, 5) == rollout(gym.make(env_id), 5, options={"task": task})


def test_reset_option_overrides_the_fixed_task_for_one_episode():
    env = gym.make("StumpTracks-v0", task={"stump_height": 1.0, "obstacle_spacing": 3.0})
    np.testing.assert_array_equal(env.unwrapped.fixed_task, TASK)
    _, info = env.reset(seed=0, options={"task": [0.5, 1.0]})
    np.testing.assert_array_equal(info["task"], [0.5, 1.0])
    _, info = env.reset()
    np.testing.assert_array_equal(info["task"], TASK)
    assert gym.make("StumpTracks-v0").unwrapped.fixed_task is None


@pytest.mark.parametrize(
    "task,match",
    [
        ([4.0, 1.0], r"'stump_height' = 4 is outside its bounds \[0, 3\]"),
        ([1.0], r"shape \(2,\)"),
        ([np.nan, 1.0], "must be finite"),
        ({"height": 1.0, "obstacle_spacing": 1.0}, "unknown task parameter"),
    ],
)
def test_bad_fixed_task_is_refused_at_construction(task, match):
    with pytest.raises(ValueError, match=match):
        gym.make("StumpTracks-v0", task=task)
    with pytest.raises(ValueError, match=match):
        WalkerTracksEnv(task=task)


def test_fixed_task_is_validated_against_the_given_bounds():
    env = gym.make("StumpTracks-v0", task=[4.5, 1.0], task_bounds={"stump_height": (0, 5)})
    assert env.reset(seed=0)[1]["task"][0] == 4.5


# ------------------------------------------------------------ info["task"]
def test_info_task_on_every_step():
    env = gym.make("StumpTracks-v0", max_episode_steps=30)
    for seed in (0, 1):
        _, info = env.reset(seed=seed)
        task = info["task"]
        assert task.dtype == np.float64 and task.shape == (2,)
        np.testing.assert_array_equal(env.unwrapped.task, task)
        truncated, previous = False, task
        while not truncated:
            _, _, terminated, truncated, info = env.step(np.zeros(4, dtype=np.float32))
            np.testing.assert_array_equal(info["task"], task)  # the last, truncated step too
            assert info["task"].dtype == np.float64 and not np.shares_memory(info["task"], previous)
            previous = info["task"]
            assert not terminated
    with pytest.raises(ValueError):  # the env's own copy is read-only
        env.unwrapped.task[0] = 0.0


def test_vector_env_reports_the_task_on_every_step():
    envs = gym.make_vec("StumpTracks-v0", 2, vectorization_mode="sync", task=TASK, max_episode_steps=20)
    envs.reset(seed=0)
    for _ in range(25):  # across the truncation and the autoreset
        _, _, _, _, infos = envs.step(envs.action_space.sample())
        np.testing.assert_array_equal(infos["task"], [TASK, TASK])
    envs.close()


# -------------------------------------------------------------- pickling
@pytest.mark.parametrize("how", list(CLONES))
def test_env_copies_before_and_after_reset(how):
    roundtrip = CLONES[how]
    env = WalkerTracksEnv(track="stumps", body="short", task=TASK)
    fresh = roundtrip(env)
    assert fresh.body == env.body and np.array_equal(fresh.fixed_task, TASK)
    env.reset(seed=0)
    env.step(env.action_space.sample())
    copied = roundtrip(env)
    assert isinstance(copied, WalkerTracksEnv) and copied.world is None  # a fresh env, rebuilt from its arguments
    with pytest.raises(gym.error.ResetNeeded):
        copied.step(copied.action_space.sample())
    assert rollout(copied, 3, options={"task": [2.0, 1.0]}) == rollout(env, 3, options={"task": [2.0, 1.0]})


def test_made_env_pickles_after_reset():
    env = gym.make("HexagonTracks-v0", body="quadru")
    env.reset(seed=0)
    env.step(env.action_space.sample())
    for copied in (clone(env) for clone in CLONES.values()):
        assert copied.spec.max_episode_steps == 2000
        assert rollout(copied, 4, 50, options={"task": [2.0] * 12}) == rollout(env, 4, 50, options={"task": [2.0] * 12})


def test_close_drops_the_world():
    env = WalkerTracksEnv()
    env.reset(seed=0)
    env.close()
    assert env.world is None and env.hull is None
    with pytest.raises(gym.error.ResetNeeded):
        env.step(np.zeros(4, dtype=np.float32))
    env.reset(seed=0)
    env.step(np.zeros(4, dtype=np.float32))


# ------------------------------------------------------------ multiwalker
@pytest.fixture
def mw():
    """The multiwalker module (the tests that use it are skipped without PettingZoo)."""
    pytest.importorskip("pettingzoo")
    from curriculum_gym.multiagent import multiwalker_tracks_v0

    return multiwalker_tracks_v0


def par_rollout(env, seed, n_steps=200, options=None):
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=seed, options=options)
    trace = [b"".join(o.tobytes() for o in obs.values())]
    for _ in range(n_steps):
        if not env.agents:
            obs, _ = env.reset(options=options)
            trace.append(b"".join(o.tobytes() for o in obs.values()))
        actions = {a: rng.uniform(-1, 1, env.action_space(a).shape).astype(np.float32) for a in env.agents}
        obs, rew, *_ = env.step(actions)
        trace.append(b"".join(o.tobytes() for o in obs.values()) + np.array(list(rew.values())).tobytes())
    return trace


def test_multiwalker_fixed_task(mw):
    env = mw.parallel_env(n_walkers=2, task=TASK)
    _, infos = env.reset(seed=0)
    assert all(np.array_equal(info["task"], TASK) for info in infos.values())
    _, infos = env.reset(options={"task": [0.5, 1.0]})
    np.testing.assert_array_equal(infos["walker_1"]["task"], [0.5, 1.0])
    assert par_rollout(env, 2) == par_rollout(mw.parallel_env(n_walkers=2), 2, options={"task": TASK})
    aec = mw.env(n_walkers=2, task=TASK)
    aec.reset(seed=0)
    np.testing.assert_array_equal(aec.infos["walker_0"]["task"], TASK)
    with pytest.raises(ValueError, match=r"'obstacle_spacing' = 7 is outside its bounds \[0, 6\]"):
        mw.parallel_env(task=[1.0, 7.0])


def test_multiwalker_infos_carry_the_task_on_every_step(mw):
    env = mw.parallel_env(n_walkers=3, max_cycles=25)
    _, infos = env.reset(seed=0)
    task = env.task
    assert not task.flags.writeable
    while env.agents:
        _, _, _, truncations, infos = env.step({a: np.zeros(4, dtype=np.float32) for a in env.agents})
        assert set(infos) == set(env.possible_agents)
        assert all(np.array_equal(info["task"], task) and info["task"].dtype == np.float64 for info in infos.values())
    assert all(truncations.values())  # the last, truncated step carries the task too
    infos["walker_0"]["task"][0] = -1.0  # every agent's info is its own
    assert infos["walker_1"]["task"][0] == task[0]


@pytest.mark.parametrize("how", list(CLONES))
def test_multiwalker_copies_before_and_after_reset(how, mw):
    roundtrip = CLONES[how]
    env = mw.parallel_env(n_walkers=2, track="hexagons", max_cycles=80)
    roundtrip(env)
    env.reset(seed=0)
    env.step({a: np.zeros(4, dtype=np.float32) for a in env.agents})
    copied = roundtrip(env)
    assert isinstance(copied, mw.raw_env) and copied.max_cycles == 80
    assert copied.task_space == env.task_space and copied.n_walkers == 2
    with pytest.raises(gym.error.ResetNeeded):
        copied.step({a: np.zeros(4, dtype=np.float32) for a in copied.possible_agents})
    task = [1.5] * 12
    assert par_rollout(copied, 1, options={"task": task}) == par_rollout(env, 1, options={"task": task})
    aec = mw.env(n_walkers=2)
    aec.reset(seed=0)
    roundtrip(aec).reset(seed=0)


def test_multiwalker_close_then_step_raises_reset_needed(mw):
    env = mw.parallel_env(n_walkers=2)
    with pytest.raises(gym.error.ResetNeeded):
        env.step({})
    env.reset(seed=0)
    env.step({a: np.zeros(4, dtype=np.float32) for a in env.agents})
    env.close()
    assert env.agents == []
    for call in (lambda: env.step({a: np.zeros(4, dtype=np.float32) for a in env.possible_agents}), env.state):
        with pytest.raises(gym.error.ResetNeeded):
            call()
    env.reset(seed=0)  # usable again
    env.step({a: np.zeros(4, dtype=np.float32) for a in env.agents})


def test_multiwalker_step_after_the_end_returns_empty_dicts(mw):
    env = mw.parallel_env(n_walkers=2, max_cycles=3)
    env.reset(seed=0)
    while env.agents:
        env.step({a: np.zeros(4, dtype=np.float32) for a in env.agents})
    before = env.state()
    assert env.step({}) == ({}, {}, {}, {}, {})  # as PettingZoo's multiwalker_v9 (SuperSuit's black_death does this)
    np.testing.assert_array_equal(env.state(), before)  # nothing moved


def test_multiwalker_refuses_unknown_reset_options(mw):
    env = mw.parallel_env(n_walkers=2)
    env.reset(seed=0, options={"task": TASK})
    with pytest.raises(ValueError, match=r"unknown reset option\(s\) \['tsak'\]; allowed options: \['task'\]"):
        env.reset(options={"tsak": [1.0, 1.0]})
    env.step({a: np.zeros(4, dtype=np.float32) for a in env.agents})  # the episode goes on
    np.testing.assert_array_equal(env.task, TASK)
    env.reset(seed=0, options={"options": 1})  # PettingZoo's API tests probe reset with this
