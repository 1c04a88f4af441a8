"""Cost of sharing one teacher across processes (cg.serve).

Run:  python benchmarks/shared_teacher.py [--steps 20000] [--repeats 3]

1. Round-trip latency of handle.sample() and handle.update() from another
   process (p50, p99), ALP-GMM behind the server.
2. Env steps/s of gym.make_vec("StumpTracks-v0", 4, vectorization_mode="async")
   with a shared ALP-GMM teacher, against the same vector env without any
   teacher, in interleaved repetitions: with an explicit cg.serve handle, and
   with the teacher object passed directly (shared automatically).
3. The same for Stable-Baselines3's SubprocVecEnv(4) with the teacher object
   passed directly, against SubprocVecEnv(4) without a teacher (if SB3 is installed).

Random actions and the 2000-step horizon by default (`--zero-actions`,
`--episode-steps` to change them). The two sides play different episodes (the
teacher's tasks are other uniform draws than the envs' own), so single ratios
are noisy; the median of interleaved repetitions is the figure.
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


def vector_sps(teacher, n_steps: int, seed: int, args: argparse.Namespace) -> float:
    """Steps/s of gym.make_vec(..., 4, "async") with `teacher` (None, an object or a handle)."""
    kwargs = {} if teacher is None else {"teacher": teacher}
    envs = gym.make_vec("StumpTracks-v0", 4, vectorization_mode="async", max_episode_steps=args.episode_steps, **kwargs)
    envs.reset(seed=seed)
    elapsed = _timed_steps(envs.step, envs.action_space.shape, n_steps, seed, args)
    envs.close()
    return 4 * n_steps / elapsed


def sb3_sps(teacher, n_steps: int, seed: int, args: argparse.Namespace) -> float:
    """Steps/s of SB3's SubprocVecEnv(4) made by make_vec_env, with `teacher` in env_kwargs."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import SubprocVecEnv

    kwargs = {"max_episode_steps": args.episode_steps} | ({} if teacher is None else {"teacher": teacher})
    venv = make_vec_env(
        "curriculum_gym:StumpTracks-v0", n_envs=4, seed=seed, vec_env_cls=SubprocVecEnv, env_kwargs=kwargs
    )
    venv.reset()
    elapsed = _timed_steps(venv.step, (4, 4), n_steps, seed, args)
    venv.close()
    return 4 * n_steps / elapsed


def _timed_steps(step, shape, n_steps: int, seed: int, args: argparse.Namespace) -> float:
    rng = np.random.default_rng(seed)
    actions = np.zeros((n_steps, *shape), dtype=np.float32)
    if not args.zero_actions:
        actions[:] = rng.uniform(-1, 1, actions.shape)
    start = time.perf_counter()
    for a in actions:
        step(a)
    return time.perf_counter() - start


def compare(name: str, run, make_teacher, args: argparse.Namespace) -> None:
    """Interleaved repetitions of `run(teacher_or_None, steps, seed, args)` without and with a teacher."""
    ratios = []
    for rep in range(args.repeats):
        bare = run(None, args.steps, rep, args)
        teacher, label, close = make_teacher(rep)
        shared = run(teacher, args.steps, rep, args)
        close()
        ratios.append(shared / bare)
        print(
            f"repeat {rep}: {name} without teacher {bare:7.0f} steps/s, with {label} {shared:7.0f} steps/s "
            f"-> ratio {shared / bare:.3f}"
        )
    print(
        f"median ratio {name}, with / without teacher: {statistics.median(ratios):.3f} "
        f"(range {min(ratios):.3f}-{max(ratios):.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=10000, help="vector steps per measurement")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--episode-steps", type=int, default=2000, help="time limit of an episode")
    parser.add_argument("--zero-actions", action="store_true", help="zero torques instead of random actions")
    parser.add_argument("--round-trips", type=int, default=5000)
    args = parser.parse_args()
    probe = gym.make("StumpTracks-v0").unwrapped
    space = probe.task_space
    print(
        f"python {platform.python_version()}, {platform.machine()}, {mp.cpu_count()} cpus, gymnasium {gym.__version__}"
    )

    teacher = cg.make_teacher("alp-gmm", space, seed=0, return_range=probe.return_range)  # updated directly
    with cg.serve(teacher) as handle:
        with mp.get_context("spawn").Pool(1) as pool:
            samples, updates = pool.apply(latencies, (handle, args.round_trips))
    for name, values in (("sample", samples), ("update", updates)):
        v = np.array(values) * 1e6
        print(
            f"{name} round trip from another process: p50 {np.percentile(v, 50):6.0f} us, "
            f"p99 {np.percentile(v, 99):6.0f} us, max {v.max():7.0f} us ({len(v)} calls)"
        )

    def served(rep):
        teacher = cg.make_teacher("alp-gmm", space, seed=rep)
        handle = cg.serve(teacher)
        return handle, "a cg.serve handle to ALP-GMM", handle.close

    def direct(rep):
        return cg.make_teacher("alp-gmm", space, seed=rep), "an ALP-GMM object passed directly", lambda: None

    print(
        f"{args.repeats} interleaved repetitions of {args.steps} vector steps x 4 envs, {args.episode_steps}-step "
        f"episodes, {'zero' if args.zero_actions else 'random'} actions"
    )
    compare("AsyncVectorEnv(4)", vector_sps, served, args)
    compare("AsyncVectorEnv(4)", vector_sps, direct, args)
    try:
        import stable_baselines3  # noqa: F401
    except ImportError:
        print("stable-baselines3 not installed: SubprocVecEnv comparison skipped")
    else:
        compare("SB3 SubprocVecEnv(4)", sb3_sps, direct, args)


if __name__ == "__main__":
    main()
