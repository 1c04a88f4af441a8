"""TaskObservation: the normalised task appended to observations, alone or under a TeacherWrapper."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

import curriculum_gym as cg


def test_appends_the_normalised_task_to_the_bare_observations():
    bare = gym.make("StumpTracks-v0")
    env = cg.TaskObservation(gym.make("StumpTracks-v0"))
    assert env.observation_space.shape == (26,) and env.observation_space.dtype == np.float32
    np.testing.assert_array_equal(env.observation_space.low[24:], [0, 0])
    np.testing.assert_array_equal(env.observation_space.high[24:], [1, 1])
    task = [1.2, 4.5]  # bounds [0, 3] x [0, 6]
    expected_tail = np.array([0.4, 0.75], dtype=np.float32)
    obs, info = env.reset(seed=3, options={"task": task})
    obs_b, _ = bare.reset(seed=3, options={"task": task})
    assert obs.dtype == np.float32
    assert obs[:24].tobytes() == obs_b.tobytes()
    np.testing.assert_array_equal(obs[24:], expected_tail)
    rng = np.random.default_rng(0)
    for _ in range(30):
        action = rng.uniform(-1, 1, 4).astype(np.float32)
        obs, reward, *_ = env.step(action)
        obs_b, reward_b, *_ = bare.step(action)
        assert obs[:24].tobytes() == obs_b.tobytes() and reward == reward_b
        np.testing.assert_array_equal(obs[24:], expected_tail)


def test_reads_each_episodes_task_and_needs_a_reset():
    env = cg.TaskObservation(gym.make("HexagonTracks-v0", body="quadru"))
    assert env.observation_space.shape == (34 + 12,)
    with pytest.raises(gym.error.ResetNeeded):
        env.observation(np.zeros(34, dtype=np.float32))
    for task in ([0.0] * 12, [4.0] * 12, [2.0, 1.0] * 6):
        obs, _ = env.reset(seed=0, options={"task": task})
        np.testing.assert_allclose(obs[34:], np.array(task) / 4.0)


def test_gym_make_task_in_obs_without_a_teacher():
    env = gym.make("StumpTracks-v0", task=[3.0, 0.0], task_in_obs=True)
    obs, _ = env.reset(seed=0)
    np.testing.assert_array_equal(obs[-2:], [1.0, 0.0])
    assert env.spec.kwargs["task_in_obs"] is True
    with pytest.raises(TypeError, match="task_in_obs must be a bool"):
        gym.make("StumpTracks-v0", task_in_obs="yes")


def test_teacher_wrapper_task_in_obs_is_a_task_observation_inside():
    teacher = cg.make_teacher("random", gym.make("StumpTracks-v0").unwrapped.task_space, seed=0)
    env = cg.TeacherWrapper(gym.make("StumpTracks-v0"), teacher, task_in_obs=True)
    assert isinstance(env.env, cg.TaskObservation) and env.observation_space.shape == (26,)
    obs, info = env.reset(seed=0)
    np.testing.assert_allclose(obs[-2:], info["task"] / [3.0, 6.0], rtol=1e-6)
    # gym.make composes the same way: TimeLimit(...(TeacherWrapper(TaskObservation(env))))
    made = gym.make("StumpTracks-v0", teacher="random", task_in_obs=True)
    wrapper = made
    while not isinstance(wrapper, cg.TeacherWrapper):
        wrapper = wrapper.env
    assert isinstance(wrapper.env, cg.TaskObservation) and wrapper.task_in_obs


class _NoTaskSpace(gym.Env):
    observation_space = spaces.Box(-1, 1, (3,))
    action_space = spaces.Box(-1, 1, (1,))


class _DictObservations(gym.Env):
    observation_space = spaces.Dict({"x": spaces.Box(-1, 1, (3,))})
    action_space = spaces.Box(-1, 1, (1,))
    task_space = cg.TaskSpace(["a"], [0], [1])


class _ImageObservations(_DictObservations):
    observation_space = spaces.Box(0, 1, (4, 4))


def test_refuses_envs_it_cannot_extend():
    with pytest.raises(ValueError, match="TaskSpace"):
        cg.TaskObservation(_NoTaskSpace())
    with pytest.raises(TypeError, match="flat Box"):
        cg.TaskObservation(_DictObservations())
    with pytest.raises(ValueError, match=r"one dimension.*\(4, 4\)"):
        cg.TaskObservation(_ImageObservations())
