"""One curriculum in every worker of every library: vectorisers x (teacher object, teacher name).

For each way users run several envs, the teacher the user can reach must receive
exactly one update per finished episode across all workers, with the tasks the
workers played, and seeded sub-envs must not all draw the same task.
"""

from __future__ import annotations

import pickle
import warnings
from collections import Counter

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym.teachers import RandomTeacher

ENV_ID = "StumpTracks-v0"
SPACE = gym.make(ENV_ID).unwrapped.task_space
LIMIT = 30  # short episodes: many of them end in a few hundred steps


class RecordingTeacher(RandomTeacher):
    """Remembers, in the process that owns it, every task it sampled and every update."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sampled, self.updates = [], []

    def _sample(self):
        task = super()._sample()
        self.sampled.append(tuple(task))
        return task

    def _update(self, task, episode_return):
        self.updates.append(tuple(task))
        super()._update(task, episode_return)


def record_updates(teacher):
    """Record the tasks of the updates a (name-built) teacher receives in this process."""
    teacher.updates = []
    inner = teacher._update

    def _update(task, episode_return):
        teacher.updates.append(tuple(task))
        inner(task, episode_return)

    teacher._update = _update
    return teacher


def key(task):
    return tuple(np.round(np.asarray(task, dtype=float), 12))


def run_gym_vector(envs, n_steps=150):
    """Step a Gymnasium vector env; the tasks of the finished episodes, in any order."""
    envs.action_space.seed(0)
    _, info = envs.reset(seed=0)
    first_tasks = info["task"].copy()
    played = []
    for _ in range(n_steps):
        _, _, term, trunc, info = envs.step(envs.action_space.sample())
        for i in np.flatnonzero(term | trunc):
            played.append(key(info["task"][i]))
    return first_tasks, played


def run_sb3(venv, n_steps=150):
    venv.seed(0)
    venv.reset()
    first_tasks = [info["task"] for info in venv.reset_infos]
    played = []
    for _ in range(n_steps):
        _, _, dones, infos = venv.step(np.stack([venv.action_space.sample() for _ in range(venv.num_envs)]))
        played += [key(infos[i]["task"]) for i in np.flatnonzero(dones)]
    return first_tasks, played


def check_one_curriculum(teacher, first_tasks, played):
    assert len(played) > 5
    assert Counter(key(t) for t in teacher.updates) == Counter(played)  # one update per finished episode
    if hasattr(teacher, "sampled"):
        assert {key(t) for t in played} <= {key(t) for t in teacher.sampled}
    assert len({key(t) for t in first_tasks}) == len(first_tasks)  # sub-envs drew different tasks


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("kind", ["object", "name"])
def test_gym_make_vec(mode, kind):
    teacher = RecordingTeacher(SPACE, seed=0) if kind == "object" else "random"
    envs = gym.make_vec(ENV_ID, 3, vectorization_mode=mode, teacher=teacher, max_episode_steps=LIMIT)
    reachable = envs.spec.kwargs["teacher"]  # a name becomes one teacher, built in this process
    assert isinstance(reachable, cg.Teacher)
    if kind == "object":
        assert reachable is teacher
    else:
        record_updates(reachable)
    first, played = run_gym_vector(envs)
    envs.close()
    check_one_curriculum(reachable, first, played)


@pytest.mark.parametrize("vec_cls", ["DummyVecEnv", "SubprocVecEnv"])
@pytest.mark.parametrize("kind", ["object", "name"])
def test_sb3_make_vec_env(vec_cls, kind):
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common import vec_env
    from stable_baselines3.common.env_util import make_vec_env

    teacher = RecordingTeacher(SPACE, seed=0) if kind == "object" else "random"
    # worker processes import nothing of this test: the "module:ID" form imports curriculum_gym there
    venv = make_vec_env(
        f"curriculum_gym:{ENV_ID}",
        n_envs=2,
        seed=0,
        vec_env_cls=getattr(vec_env, vec_cls),
        env_kwargs={"teacher": teacher, "max_episode_steps": LIMIT},
    )
    if kind == "name" and vec_cls == "SubprocVecEnv":
        # each worker resolves the name itself: a curriculum per worker (with a CurriculumWarning there,
        # see test_a_name_resolved_in_a_worker_process_warns)
        teachers = venv.get_attr("teacher")  # each arrives here as a handle to its worker's teacher
        venv.close()
        assert len({t.address for t in teachers}) == 2
        return
    reachable = teacher if kind == "object" else record_updates(venv.envs[0].get_wrapper_attr("teacher"))
    if kind == "name":
        assert all(e.get_wrapper_attr("teacher") is reachable for e in venv.envs)
    first, played = run_sb3(venv)
    venv.close()
    check_one_curriculum(reachable, first, played)


@pytest.mark.parametrize("kind", ["object", "name"])
def test_supersuit_concat_two_processes(kind):
    ss = pytest.importorskip("supersuit")
    from curriculum_gym.multiagent import multiwalker_tracks_v0

    teacher = RecordingTeacher(SPACE, seed=0) if kind == "object" else "random"
    env = cg.ParallelTeacherWrapper(multiwalker_tracks_v0.parallel_env(n_walkers=2, max_cycles=LIMIT), teacher)
    reachable = env.teacher if kind == "object" else record_updates(env.teacher)
    vec = ss.pettingzoo_env_to_vec_env_v1(ss.black_death_v3(env))
    envs = ss.concat_vec_envs_v1(vec, 2, num_cpus=2, base_class="gymnasium")
    envs.reset(seed=0)
    finished = 0
    for _ in range(150):
        _, _, term, trunc, _ = envs.step(np.stack([envs.action_space.sample() for _ in range(envs.num_envs)]))
        done = (term | trunc).reshape(2, 2)  # 2 sub-envs x 2 walkers
        finished += int(done.all(axis=1).sum())
    envs.close()
    assert finished > 3
    assert len(reachable.updates) == finished


def test_a_pickled_teacher_is_a_handle_to_the_original():
    teacher = RecordingTeacher(SPACE, seed=0)
    copy = pickle.loads(pickle.dumps(teacher))
    assert isinstance(copy, cg.TeacherHandle)
    task = copy.sample()
    copy.update(task, 10.0)
    assert teacher.sampled == [tuple(task)] and teacher.updates == [tuple(task)]
    copy.close()


def test_deepcopy_is_an_independent_teacher():
    import copy

    teacher = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-150, 350))
    twin = copy.deepcopy(teacher)
    twin.update([1.0, 1.0], 5.0)
    assert teacher.n_updates_ == 0 and twin.n_updates_ == 1
    twin = copy.deepcopy(teacher)
    np.testing.assert_array_equal(teacher.sample(), twin.sample())


def test_a_handle_whose_server_cannot_be_reached_names_the_ray_backend():
    teacher = cg.make_teacher("random", SPACE, seed=0)
    with cg.serve(teacher) as handle:
        remote = pickle.loads(pickle.dumps(handle))
    with pytest.raises(RuntimeError, match="backend='ray'"):
        remote.sample()


@pytest.mark.parametrize("body", sorted(cg.BODIES))
@pytest.mark.parametrize("env_id", ["StumpTracks-v0", "HexagonTracks-v0"])
def test_check_env_passes_with_a_teacher_name(env_id, body):
    from gymnasium.utils.env_checker import check_env

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(gym.make(env_id, body=body, teacher="alp-gmm"), skip_render_check=True)
        sb3_env_checker = pytest.importorskip("stable_baselines3.common.env_checker")
        sb3_env_checker.check_env(gym.make(env_id, body=body, teacher="alp-gmm"), warn=False)


def test_same_seeds_same_task_sequences():
    def tasks():
        envs = gym.make_vec(
            ENV_ID,
            2,
            vectorization_mode="sync",
            teacher="alp-gmm",
            teacher_options={"fit_rate": 10},
            max_episode_steps=LIMIT,
        )
        first, played = run_gym_vector(envs, 400)
        envs.close()
        return [key(t) for t in first] + played

    a, b = tasks(), tasks()
    assert len(a) > 25 and a == b


def test_a_local_teacher_passed_to_an_async_env_by_fork_reaches_the_original():
    teacher = RecordingTeacher(SPACE, seed=0)
    fns = [lambda: cg.TeacherWrapper(gym.make(ENV_ID, max_episode_steps=LIMIT), teacher)] * 2
    envs = gym.vector.AsyncVectorEnv(fns, context="fork")
    first, played = run_gym_vector(envs)
    envs.close()
    check_one_curriculum(teacher, first, played)


def _resolve_name_in_child(queue):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gym.make(ENV_ID, teacher="random")
    queue.put([str(w.category.__name__) + ": " + str(w.message) for w in caught])


def test_a_name_resolved_in_a_worker_process_warns():
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_resolve_name_in_child, args=(queue,))
    proc.start()
    messages = queue.get(timeout=60)
    proc.join(timeout=60)
    assert any(m.startswith("CurriculumWarning") and "cg.make_teacher" in m for m in messages)
    with warnings.catch_warnings():
        warnings.simplefilter("error", cg.CurriculumWarning)
        gym.make(ENV_ID, teacher="random")  # in the main process: no warning


def test_sb3_make_vec_env_leaves_the_callers_kwargs_alone():
    """rl-zoo3 builds its eval env from the same env_kwargs: it must get a teacher of its own."""
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.env_util import make_vec_env

    kwargs = {"teacher": "alp-gmm", "max_episode_steps": 20}
    train = make_vec_env("StumpTracks-v0", 2, env_kwargs=kwargs)
    assert kwargs == {"teacher": "alp-gmm", "max_episode_steps": 20}
    evaluation = make_vec_env("StumpTracks-v0", 1, env_kwargs=kwargs)
    first, second = train.get_attr("teacher")
    (other,) = evaluation.get_attr("teacher")
    assert first is second and other is not first
