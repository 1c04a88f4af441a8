"""One teacher shared by many processes: cg.serve and its handle."""

import multiprocessing as mp
import os
import pickle
import signal
import threading
import time
from multiprocessing.connection import Client, Listener, answer_challenge, deliver_challenge

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg

SPACE = gym.make("StumpTracks-v0").unwrapped.task_space


def remote_copy(handle):
    """What a worker process gets: the handle after pickling (no server object)."""
    return pickle.loads(pickle.dumps(handle))


def count_vector_episodes(envs, n_steps):
    """Finished episodes (the open ones that the final reset abandons are not reported)."""
    envs.action_space.seed(0)
    envs.reset(seed=0)
    n = envs.num_envs
    finished, steps, prev_done = 0, np.zeros(n, dtype=int), np.zeros(n, dtype=bool)
    seen_tasks = []
    for _ in range(n_steps):
        _, _, term, trunc, info = envs.step(envs.action_space.sample())
        done = term | trunc
        finished += int(done.sum())
        steps = np.where(prev_done | done, 0, steps + 1)
        if "task" in info:  # tasks of autoreset episodes, and of finished ones
            seen_tasks += [t for t, m in zip(info["task"], info["_task"]) if m]
        prev_done = done
    envs.reset()
    return finished, seen_tasks


def test_async_vector_env_reports_every_episode_exactly_once():
    teacher = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-150, 350), fit_rate=20)
    with cg.serve(teacher) as handle:
        envs = gym.make_vec("StumpTracks-v0", 3, vectorization_mode="async", teacher=handle, max_episode_steps=40)
        expected, seen = count_vector_episodes(envs, 300)
        envs.close()
        server = handle.server
        assert teacher.n_updates_ == expected > 15
        counts = server.client_counts()
        assert len(counts) == 3 and all(c["updates"] > 0 for c in counts.values())
        assert sum(c["updates"] for c in counts.values()) == expected
        sampled = {tuple(task) for _, kind, task in server.records if kind == "sample"}
        assert seen and {tuple(t) for t in seen} <= sampled  # workers used the shared teacher's tasks
        assert teacher.metrics()["n_fits"] >= 1  # one teacher saw all workers' episodes


def test_sb3_subproc_vec_env_with_a_shared_teacher():
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.vec_env import SubprocVecEnv

    teacher = cg.make_teacher("random", SPACE, seed=0)
    with cg.serve(teacher) as handle:
        venv = SubprocVecEnv([lambda: gym.make("StumpTracks-v0", teacher=handle, max_episode_steps=40)] * 2)
        venv.seed(0)
        venv.reset()
        finished = 0
        for _ in range(200):
            _, _, dones, _ = venv.step(np.stack([venv.action_space.sample() for _ in range(2)]))
            finished += int(dones.sum())  # SB3 resets a done sub-env at once: its episode is reported then
        venv.close()  # the open episodes end without a reset: not reported
        assert teacher.n_updates_ == finished > 5


def test_handle_pickles_and_works_from_another_process():
    teacher = cg.make_teacher("random", SPACE, seed=0)
    with cg.serve(teacher) as handle:
        ctx = mp.get_context("spawn")
        with ctx.Pool(2) as pool:
            results = pool.map(_worker_episode, [handle, handle, handle])
        assert teacher.n_updates_ == 3
        assert all(SPACE.contains(r) for r in results)
        assert handle.metrics()["episodes"] == 3


def _worker_episode(handle):
    task = handle.sample()
    handle.update(task, 12.5)
    return task.tolist()


def test_wrong_key_is_refused_and_server_keeps_serving():
    teacher = cg.make_teacher("random", SPACE, seed=0)
    with cg.serve(teacher) as handle:
        with pytest.raises(mp.AuthenticationError):
            Client(handle.address, family="AF_INET", authkey=b"not the key")
        remote = remote_copy(handle)
        remote.update(remote.sample(), 5.0)
        deadline = time.time() + 5
        while handle.server.refused < 1 and time.time() < deadline:
            time.sleep(0.01)
        assert handle.server.refused == 1
        assert teacher.n_updates_ == 1


def test_bad_requests_get_errors_and_change_nothing():
    teacher = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-150, 350))
    with cg.serve(teacher) as handle:
        remote = remote_copy(handle)
        with pytest.raises(ValueError, match="outside its bounds"):
            remote.update([9.0, 1.0], 1.0)
        with pytest.raises(ValueError, match="finite"):
            remote.update([1.0, 1.0], float("nan"))
        assert teacher.n_updates_ == 0
        remote.update(remote.sample(), 3.0)
        assert teacher.n_updates_ == 1


def test_killed_worker_loses_only_its_unfinished_episode():
    teacher = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-150, 350))
    with cg.serve(teacher) as handle:
        ctx = mp.get_context("spawn")
        ready = ctx.Event()
        proc = ctx.Process(target=_sample_then_hang, args=(handle, ready))
        proc.start()
        assert ready.wait(60)
        os.kill(proc.pid, signal.SIGKILL)  # dies mid-episode
        proc.join(10)
        remote = remote_copy(handle)
        for _ in range(5):
            remote.update(remote.sample(), 100.0)
        assert teacher.n_updates_ == 5 and len(teacher.alps_) == 5
        assert teacher.sample().shape == (2,)


def _sample_then_hang(handle, ready):
    handle.sample()
    ready.set()
    time.sleep(60)


def test_dead_server_gives_a_clear_error_fast():
    teacher = cg.make_teacher("random", SPACE, seed=0)
    handle = cg.serve(teacher)
    remote = remote_copy(handle)
    remote.sample()
    handle.close()
    start = time.time()
    with pytest.raises(RuntimeError, match="teacher server"):
        for _ in range(3):  # the first call may still see the old socket drain
            remote.sample()
    with pytest.raises(RuntimeError, match="closed"):
        handle.sample()
    assert time.time() - start < 10


def test_hung_server_times_out():
    key = b"k" * 32
    listener = Listener(("127.0.0.1", 0), family="AF_INET")

    def accept_and_ignore():
        conn = listener.accept()
        deliver_challenge(conn, key)
        answer_challenge(conn, key)
        time.sleep(5)

    threading.Thread(target=accept_and_ignore, daemon=True).start()
    handle = cg.TeacherHandle(listener.address, key, SPACE, timeout=0.5)
    start = time.time()
    with pytest.raises(TimeoutError, match="did not answer within 0.5 s"):
        handle.sample()
    assert time.time() - start < 5
    listener.close()


def test_serve_argument_errors():
    with pytest.raises(TypeError, match="needs a curriculum_gym Teacher"):
        cg.serve("alp-gmm")
    with pytest.raises(ValueError, match="unknown backend"):
        cg.serve(cg.make_teacher("random", SPACE), backend="zmq")
    with pytest.raises(ValueError, match="timeout"):
        cg.serve(cg.make_teacher("random", SPACE), timeout=0)


def test_handle_teacher_and_save_in_the_serving_process(tmp_path):
    teacher = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-150, 350))
    with cg.serve(teacher) as handle:
        env = gym.make("StumpTracks-v0", teacher=handle, max_episode_steps=30)
        for ep in range(3):
            env.reset(seed=ep)
            for _ in range(30):
                env.step(env.action_space.sample())
        env.reset()
        assert handle.teacher is teacher and teacher.n_updates_ == 3
        handle.save(tmp_path / "t.ckpt")
        with pytest.raises(RuntimeError, match="only available in the process"):
            _ = remote_copy(handle).teacher
    assert cg.load_teacher(tmp_path / "t.ckpt").n_updates_ == 3


def test_ray_backend():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        teacher = cg.make_teacher("alp-gmm", SPACE, seed=0, return_range=(-150, 350), fit_rate=10)
        with cg.serve(teacher, backend="ray") as handle:
            handle = pickle.loads(pickle.dumps(handle))  # handles travel to Ray workers
            refs = [_ray_episodes.remote(handle, 10) for _ in range(2)]
            ray.get(refs)
            assert handle.metrics()["episodes"] == 20
            snapshot = handle.teacher
            assert snapshot.n_updates_ == 20 and len(snapshot.fits_) == 2
            with pytest.raises(ValueError, match="outside its bounds"):
                handle.update([9.0, 0.0], 1.0)
            ray.kill(handle.actor)
            deadline = time.monotonic() + 30
            with pytest.raises(RuntimeError, match="teacher actor is gone"):
                while time.monotonic() < deadline:  # ray.kill is asynchronous: a call may land before the actor dies
                    handle.sample()
                    time.sleep(0.1)
    finally:
        ray.shutdown()


try:
    import ray as _ray

    @_ray.remote
    def _ray_episodes(handle, n):
        env = gym.make("StumpTracks-v0", teacher=handle, max_episode_steps=20)
        for ep in range(n):
            env.reset(seed=ep)
            for _ in range(20):
                env.step(env.action_space.sample())
        env.reset()  # reports the last cut episode
        return n
except ImportError:  # pragma: no cover
    pass
