"""Where a teacher's return range comes from: given, the env's, or a clear error when there is none."""

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.toy import SimulatedStudent, run_teacher


class _RangelessEnv(gym.Env):
    """A task env without a return_range attribute."""

    observation_space = gym.spaces.Box(-1, 1, (2,))
    action_space = gym.spaces.Box(-1, 1, (1,))
    task_space = cg.TaskSpace(["x"], [0], [1])

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(2, np.float32), {"task": np.zeros(1)}

    def step(self, action):
        return np.zeros(2, np.float32), 0.0, True, False, {}


def test_a_teacher_name_takes_a_given_return_range_over_the_envs():
    env = gym.make("StumpTracks-v0", teacher="alp-gmm", teacher_options={"return_range": (0, 300)})
    assert env.get_wrapper_attr("teacher").return_range == (0.0, 300.0)
    wrapped = cg.TeacherWrapper(gym.make("StumpTracks-v0"), "alp-gmm", return_range=(0, 3))
    assert wrapped.teacher.return_range == (0.0, 3.0)
    assert cg.TeacherWrapper(gym.make("StumpTracks-v0"), "alp-gmm").teacher.return_range == (-150.0, 350.0)


def test_a_learning_progress_teacher_on_an_env_without_a_range_is_refused_at_once():
    with pytest.raises(ValueError, match="neither it nor the env .* has one: pass return_range"):
        cg.TeacherWrapper(_RangelessEnv(), "alp-gmm")
    assert cg.TeacherWrapper(_RangelessEnv(), "alp-gmm", return_range=(0, 1)).teacher.return_range == (0.0, 1.0)
    assert cg.TeacherWrapper(_RangelessEnv(), "random").teacher.return_range is None  # needs none


def test_an_infinite_span_is_refused():
    with pytest.raises(ValueError, match="finite width"):
        cg.make_teacher("alp-gmm", cg.TaskSpace(["x"], [0], [1]), return_range=(-1e308, 1e308))


def test_the_simulated_student_gives_its_range_to_a_teacher_without_one():
    student = SimulatedStudent()
    teacher = cg.make_teacher("alp-gmm", student.task_space, seed=0)
    run_teacher(teacher, student, 50)
    assert teacher.return_range == (0.0, 1.0) and teacher.n_updates_ == 50


def test_the_task_is_appended_once():
    with pytest.raises(ValueError, match="already appends the task"):
        cg.TeacherWrapper(gym.make("StumpTracks-v0", task_in_obs=True), "random", task_in_obs=True)
    assert cg.TeacherWrapper(gym.make("StumpTracks-v0", task_in_obs=True), "random").observation_space.shape == (26,)
