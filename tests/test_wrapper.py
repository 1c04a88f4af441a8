import warnings

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.teachers import RandomTeacher


class RecordingTeacher(RandomTeacher):
    """A random teacher that remembers what it sampled and what it was told."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sampled, self.updates = [], []

    def _sample(self):
        x = super()._sample()
        self.sampled.append(x.copy())
        return x

    def update(self, task, episode_return):
        self.updates.append((np.array(task), float(episode_return)))
        super().update(task, episode_return)


def recording(env_id="StumpTracks-v0"):
    return RecordingTeacher(gym.make(env_id).unwrapped.task_space, seed=0)


def test_reports_terminated_episodes_with_raw_return_and_task():
    teacher = recording()
    env = cg.TeacherWrapper(gym.make("StumpTracks-v0"), teacher)
    env.action_space.seed(0)
    returns, tasks = [], []
    for ep in range(5):
        _, info = env.reset(seed=ep)
        tasks.append(info["task"])
        np.testing.assert_array_equal(info["task"], teacher.sampled[-1])
        total, done = 0.0, False
        while not done:
            _, r, term, trunc, step_info = env.step(env.action_space.sample())
            total += r
            done = term or trunc
        np.testing.assert_array_equal(step_info["task"], info["task"])
        returns.append(total)
    assert len(teacher.updates) == 5
    for (task, ret), t, r in zip(teacher.updates, tasks, returns):
        np.testing.assert_array_equal(task, t)
        assert ret == pytest.approx(r)


@pytest.mark.parametrize("limit", [10, 50])
def test_episode_truncated_by_outer_time_limit_is_reported_on_its_last_step(limit):
    teacher = recording()
    env = gym.make("StumpTracks-v0", teacher=teacher, max_episode_steps=limit)
    env.reset(seed=0, options={"task": None})
    total, n = 0.0, 0
    trunc = term = False
    while not (trunc or term):
        _, r, term, trunc, info = env.step(np.zeros(4, dtype=np.float32))
        total, n = total + r, n + 1
        if not (trunc or term):
            assert teacher.updates == []
    assert trunc and not term and n == limit  # a walker standing still reaches the limit
    np.testing.assert_array_equal(info["task"], teacher.sampled[-1])
    assert len(teacher.updates) == 1 and teacher.updates[0][1] == pytest.approx(total)
    env.reset()
    assert len(teacher.updates) == 1  # reported once, on its last step


def test_the_registered_limit_is_found():
    env = gym.make("StumpTracks-v0", teacher="random")
    env.reset(seed=0)
    assert [limit._max_episode_steps for limit in env.get_wrapper_attr("_outer_limits")] == [2000]


def test_user_time_limit_around_the_wrapper_is_seen_too():
    teacher = recording()
    env = gym.wrappers.TimeLimit(cg.TeacherWrapper(gym.make("StumpTracks-v0"), teacher), 7)
    env.reset(seed=0)
    for _ in range(7):
        *_, trunc, info = env.step(np.zeros(4, dtype=np.float32))
    assert trunc and len(teacher.updates) == 1 and "task" in info


def test_abandoned_episode_is_not_reported():
    teacher = recording()
    env = gym.make("StumpTracks-v0", teacher=teacher)
    env.reset(seed=0)
    for _ in range(10):
        env.step(np.zeros(4, dtype=np.float32))
    env.reset()  # abandoned after 10 steps: its partial return would mislead ALP
    env.reset()  # and one without a single step
    assert teacher.updates == []
    assert env.get_wrapper_attr("episodes_abandoned") == 2


def test_explicit_task_overrides_teacher_and_is_not_reported():
    teacher = recording()
    env = cg.TeacherWrapper(gym.make("StumpTracks-v0", max_episode_steps=5), teacher)
    _, info = env.reset(options={"task": [2.5, 0.5]})
    np.testing.assert_array_equal(info["task"], [2.5, 0.5])
    assert teacher.sampled == []
    for _ in range(5):
        env.step(np.zeros(4, dtype=np.float32))
    env.reset()
    assert teacher.updates == [] and len(teacher.sampled) == 1


def test_spaces_observations_and_rewards_unchanged():
    bare = gym.make("StumpTracks-v0")
    teacher = recording()
    wrapped = cg.TeacherWrapper(gym.make("StumpTracks-v0"), teacher)
    assert wrapped.observation_space == bare.observation_space
    assert wrapped.action_space == bare.action_space
    rng = np.random.default_rng(0)
    obs_w, info = wrapped.reset(seed=4)
    obs_b, _ = bare.reset(seed=4, options={"task": info["task"]})
    np.testing.assert_array_equal(obs_w, obs_b)
    for _ in range(100):
        a = rng.uniform(-1, 1, 4).astype(np.float32)
        ow, rw, tw, uw, _ = wrapped.step(a)
        ob, rb, tb, ub, _ = bare.step(a)
        np.testing.assert_array_equal(ow, ob)
        assert (rw, tw, uw) == (rb, tb, ub)
        if tw:
            break


def test_task_in_obs_appends_normalized_task():
    env = gym.make("StumpTracks-v0", teacher="random", teacher_options={"seed": 0}, task_in_obs=True)
    assert env.observation_space.shape == (26,)
    obs, info = env.reset(seed=0)
    np.testing.assert_allclose(obs[-2:], info["task"] / [3.0, 6.0], rtol=1e-6)
    obs, *_ = env.step(env.action_space.sample())
    assert obs.shape == (26,) and env.observation_space.contains(obs)


def test_gym_make_with_teacher_name_instance_and_wrapper_attr():
    env = gym.make("HexagonTracks-v0", teacher="alp-gmm", teacher_options={"seed": 1, "fit_rate": 20}, body="short")
    teacher = env.get_wrapper_attr("teacher")
    assert teacher.name == "alp-gmm" and teacher.fit_rate == 20 and teacher.return_range == (-150.0, 350.0)
    assert teacher.task_space.dim == 12
    t2 = cg.make_teacher("riac", gym.make("StumpTracks-v0").unwrapped.task_space, seed=0)
    env2 = gym.make("StumpTracks-v0", teacher=t2)
    assert env2.get_wrapper_attr("teacher") is t2


def test_sync_vector_env_shares_one_teacher_and_counts_exactly():
    teacher = recording()
    envs = gym.make_vec("StumpTracks-v0", 3, vectorization_mode="sync", teacher=teacher, max_episode_steps=60)
    envs.action_space.seed(0)
    envs.reset(seed=0)
    finished, steps, prev_done = 0, np.zeros(3, dtype=int), np.zeros(3, dtype=bool)
    for _ in range(400):
        _, _, term, trunc, _ = envs.step(envs.action_space.sample())
        done = term | trunc
        finished += int(done.sum())
        # NEXT_STEP autoreset: the step after a done only resets that sub-env
        steps = np.where(prev_done | done, 0, steps + 1)
        prev_done = done
    envs.reset()  # abandons the running episodes: not reported
    assert len(teacher.updates) == finished
    assert finished > 10
    reported = {tuple(t) for t, _ in teacher.updates}
    assert reported <= {tuple(t) for t in teacher.sampled}


def test_bad_teacher_arguments():
    env = gym.make("StumpTracks-v0")
    with pytest.raises(ValueError, match="unknown teacher"):
        cg.TeacherWrapper(env, "curious")
    with pytest.raises(TypeError, match="sample\\(\\) and update\\(\\)"):
        cg.TeacherWrapper(env, 42)
    with pytest.raises(ValueError, match="task space"):
        cg.TeacherWrapper(env, cg.make_teacher("random", cg.TaskSpace(["a"], [0], [1])))
    with pytest.raises(ValueError, match="only used with a teacher name"):
        cg.TeacherWrapper(env, recording(), seed=3)
    with pytest.raises(ValueError, match="need a teacher"):
        gym.make("StumpTracks-v0", teacher_options={"seed": 0})
    with pytest.raises(TypeError, match="reseed_teacher must be a bool"):
        cg.TeacherWrapper(env, "random", reseed_teacher=1)


# ------------------------------------------------------------ the teacher's return range
class TeacherLike:
    """Has sample() and update(), and optionally a return range and set_return_range."""

    def __init__(self, return_range=None, refuse=False):
        self.space = gym.make("StumpTracks-v0").unwrapped.task_space
        self.return_range, self.refuse, self.set_calls = return_range, refuse, []

    def sample(self, seed=None):
        return self.space.low.copy()

    def update(self, task, episode_return):
        pass

    def set_return_range(self, return_range):
        if self.refuse:
            raise ValueError("return_range is already (0.0, 1.0)")
        self.set_calls.append(tuple(return_range))
        self.return_range = tuple(return_range)


def test_a_teacher_without_a_return_range_gets_the_envs():
    teacher = TeacherLike(return_range=None)
    cg.TeacherWrapper(gym.make("StumpTracks-v0"), teacher)
    assert teacher.set_calls == [(-150.0, 350.0)]
    cg.TeacherWrapper(gym.make("StumpTracks-v0"), teacher)  # a second env of the same teacher: nothing more
    assert teacher.set_calls == [(-150.0, 350.0)]


def test_a_teacher_with_another_return_range_keeps_it_with_a_warning():
    space = gym.make("StumpTracks-v0").unwrapped.task_space
    teacher = cg.make_teacher("random", space, seed=0, return_range=(0.0, 100.0))
    with pytest.warns(cg.CurriculumWarning, match=r"return_range=\(0.0, 100.0\).*\(-150.0, 350.0\)"):
        env = gym.make("StumpTracks-v0", teacher=teacher)
    assert env.get_wrapper_attr("teacher").return_range == (0.0, 100.0)
    refusing = TeacherLike(return_range=None, refuse=True)  # e.g. a handle whose served teacher has another range
    with pytest.warns(cg.CurriculumWarning, match="already"):
        cg.TeacherWrapper(gym.make("StumpTracks-v0"), refusing)


class Minimal:
    """Only sample() and update(): no return range, no set_return_range."""

    def sample(self):
        return np.array([1.0, 1.0])

    def update(self, task, episode_return):
        self.last = (task, episode_return)


def test_teacher_like_objects_without_a_return_range_still_work():
    minimal, same = Minimal(), TeacherLike(return_range=(-150, 350))
    for teacher in (minimal, same):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            env = cg.TeacherWrapper(gym.make("StumpTracks-v0", max_episode_steps=3), teacher)
        env.reset()
        for _ in range(3):
            env.step(np.zeros(4, dtype=np.float32))
    assert same.set_calls == [] and minimal.last[0].tolist() == [1.0, 1.0]


# ------------------------------------------------------------ one bookkeeping for both teacher wrappers
def test_both_wrappers_share_the_episode_rules():
    pettingzoo = pytest.importorskip("pettingzoo")  # noqa: F841
    from curriculum_gym.multiagent import multiwalker_tracks_v0

    single = cg.TeacherWrapper(gym.make("StumpTracks-v0", max_episode_steps=5), recording())
    multi = cg.ParallelTeacherWrapper(
        multiwalker_tracks_v0.parallel_env(n_walkers=2, max_cycles=5),
        RecordingTeacher(multiwalker_tracks_v0.parallel_env().task_space, seed=0),
    )

    def play(env):
        if isinstance(env, gym.Env):
            done = False
            while not done:
                *_, term, trunc, _ = env.step(np.zeros(4, dtype=np.float32))
                done = term or trunc
        else:
            while env.agents:
                env.step({a: np.zeros(4) for a in env.agents})

    for env in (single, multi):
        env.reset(seed=0)
        play(env)  # reported
        env.reset(options={"task": [1.0, 1.0]})
        play(env)  # explicit: not reported
        env.reset()
        env.reset()  # abandoned once
        env.close()  # abandoned again
        teacher = env.teacher
        assert (env.episodes_reported, env.episodes_abandoned) == (1, 2)
        assert len(teacher.updates) == 1 and len(teacher.sampled) == 3
        assert env.reseed_teacher is False  # a teacher object keeps its seed
