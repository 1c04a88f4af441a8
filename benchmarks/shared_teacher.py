"""Cost of sharing one teacher across processes (cg.serve).

Run:  python benchmarks/shared_teacher.py [--steps 20000] [--repeats 3]

1. Round-trip latency of handle.sample() and handle.update() from another
   process (p50, p99), ALP-GMM behind the server.
2. Env steps/s of gym.make_vec("StumpTracks-v0", 4, vectorization_mode="async")
   with a shared ALP-GMM teacher, against the same vector env without any
   teacher, in interleaved repetitions (random actions, 2000-step horizon):
   with an explicit cg.serve handle, and with the teacher object passed directly
   (shared automatically).
3. The same for Stable-Baselines3's SubprocVecEnv(4) with the teacher object
   passed directly, against SubprocVecEnv(4) without a teacher (if SB3 is installed).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import statistics
import time

import gymnasium as gym
import numpy as np

import curriculum_gym as cg


def latencies(handle, n: int) -> tuple[list[float], list[float]]:
    samples, updates = [], []
    for i in range(n):
        t0 = time.perf_counter()
        task = handle.sample()
        t1 = time.perf_counter()
        handle.update(task, float(i % 300) - 100.0)
        t2 = time.perf_counter()
        samples.append(t1 - t0)
        updates.append(t2 - t1)
    return samples, updates


def vector_sps(teacher_handle, n_steps: int, seed: int) -> float:
    kwargs = {} if teacher_handle is None else {"teacher": teacher_handle}
    envs = gym.make_vec("StumpTracks-v0", 4, vectorization_mode="async", **kwargs)
    envs.action_space.seed(seed)
    envs.reset(seed=seed)
    actions = [envs.action_space.sample() for _ in range(n_steps)]
    start = time.perf_counter()
    for a in actions:
        envs.step(a)
    elapsed = time.perf_counter() - start
    envs.close()
    return 4 * n_steps / elapsed


def sb3_sps(teacher, n_steps: int, seed: int) -> float:
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import SubprocVecEnv

    kwargs = {} if teacher is None else {"teacher": teacher}
    venv = make_vec_env("curriculum_gym:StumpTracks-v0", n_envs=4, seed=seed, vec_env_cls=SubprocVecEnv,
                        env_kwargs=kwargs)
    venv.reset()
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (n_steps, 4, 4)).astype(np.float32)
    start = time.perf_counter()
    for a in actions:
        venv.step(a)
    elapsed = time.perf_counter() - start
    venv.close()
    return 4 * n_steps / elapsed


def compare(name: str, run, space, args: argparse.Namespace) -> None:
    """Interleaved repetitions of `run(teacher_or_None, steps, seed)` without and with a teacher object."""
    ratios = []
    for rep in range(args.repeats):
        bare = run(None, args.steps, rep)
        teacher = cg.make_teacher("alp-gmm", space, seed=rep)
        shared = run(teacher, args.steps, rep)
        ratios.append(shared / bare)
        print(f"repeat {rep}: {name} without teacher {bare:7.0f} steps/s, with an ALP-GMM object passed directly "
              f"{shared:7.0f} steps/s ({teacher.n_updates_} episodes reported to it) -> ratio {shared / bare:.3f}")
    print(f"median ratio {name}, teacher object / no teacher: {statistics.median(ratios):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20000, help="vector steps per measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--round-trips", type=int, default=5000)
    args = parser.parse_args()
    space = gym.make("StumpTracks-v0").unwrapped.task_space
    print(f"python {platform.python_version()}, {platform.machine()}, {mp.cpu_count()} cpus, gymnasium {gym.__version__}")

    teacher = cg.make_teacher("alp-gmm", space, seed=0)
    with cg.serve(teacher) as handle:
        with mp.get_context("spawn").Pool(1) as pool:
            samples, updates = pool.apply(latencies, (handle, args.round_trips))
    for name, values in (("sample", samples), ("update", updates)):
        v = np.array(values) * 1e6
        print(f"{name} round trip from another process: p50 {np.percentile(v, 50):6.0f} us, "
              f"p99 {np.percentile(v, 99):6.0f} us, max {v.max():7.0f} us ({len(v)} calls)")

    ratios = []
    for rep in range(args.repeats):
        bare = vector_sps(None, args.steps, rep)
        teacher = cg.make_teacher("alp-gmm", space, seed=rep)
        with cg.serve(teacher) as handle:
            shared = vector_sps(handle, args.steps, rep)
            episodes = teacher.n_updates_
        ratios.append(shared / bare)
        print(f"repeat {rep}: AsyncVectorEnv(4) without teacher {bare:7.0f} steps/s, with a shared ALP-GMM "
              f"{shared:7.0f} steps/s ({episodes} episodes reported) -> ratio {shared / bare:.3f}")
    print(f"median ratio shared teacher (cg.serve handle) / no teacher: {statistics.median(ratios):.3f}")

    compare("AsyncVectorEnv(4)", vector_sps, space, args)
    try:
        import stable_baselines3  # noqa: F401
    except ImportError:
        print("stable-baselines3 not installed: SubprocVecEnv comparison skipped")
    else:
        compare("SB3 SubprocVecEnv(4)", sb3_sps, space, args)


if __name__ == "__main__":
    main()
