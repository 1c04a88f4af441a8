"""Train on StumpTracks-v0 with plain Ray workers and one shared ALP-GMM teacher.

The learner is Augmented Random Search (Mania et al. 2018, "V1-t"): a linear
policy, perturbed in random directions, each perturbation scored by one episode
on a Ray worker. Every worker's env is ``gym.make("StumpTracks-v0", teacher=handle)``
with the handle of a teacher served as a Ray actor, so all episodes, on any
machine of the cluster, come from and report to the same ALP-GMM.
(RLlib works the same way: pass ``teacher=handle`` in its env config.)

Run:  pip install "curriculum-gym[ray]"; python examples/ray_ars.py [--iterations 30] [--workers 2]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
import ray

import curriculum_gym as cg


@ray.remote
class RolloutWorker:
    def __init__(self, handle, max_steps: int) -> None:
        import curriculum_gym  # noqa: F401  (registers the IDs in this worker)

        self.env = gym.make("StumpTracks-v0", teacher=handle, max_episode_steps=max_steps)

    def rollout(self, weights: np.ndarray, seed: int) -> tuple[float, int]:
        obs, _ = self.env.reset(seed=seed)
        total, steps, done = 0.0, 0, False
        while not done:
            obs, reward, terminated, truncated, _ = self.env.step(np.clip(weights @ obs, -1, 1).astype(np.float32))
            total, steps, done = total + reward, steps + 1, terminated or truncated
        return total, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--directions", type=int, default=8)
    parser.add_argument("--top", type=int, default=4)
    parser.add_argument("--step-size", type=float, default=0.02)
    parser.add_argument("--noise", type=float, default=0.03)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-steps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    env = gym.make("StumpTracks-v0")
    obs_dim, act_dim = env.observation_space.shape[0], env.action_space.shape[0]
    teacher = cg.make_teacher("alp-gmm", env.unwrapped.task_space, seed=args.seed, fit_rate=50)
    handle = cg.serve(teacher, backend="ray")  # the teacher now lives in a Ray actor
    workers = [RolloutWorker.remote(handle, args.max_steps) for _ in range(args.workers)]
    rng = np.random.default_rng(args.seed)
    weights = np.zeros((act_dim, obs_dim))
    total_steps, start = 0, time.time()
    for it in range(1, args.iterations + 1):
        deltas = rng.standard_normal((args.directions, act_dim, obs_dim))
        candidates = [weights + s * args.noise * d for d in deltas for s in (+1, -1)]
        jobs = [workers[i % len(workers)].rollout.remote(c, int(rng.integers(2**31))) for i, c in enumerate(candidates)]
        results = np.array(ray.get(jobs))
        returns = results[:, 0].reshape(args.directions, 2)
        total_steps += int(results[:, 1].sum())
        best = np.argsort(-returns.max(1))[: args.top]
        sigma = returns[best].std() + 1e-8
        weights += (
            args.step_size
            / (args.top * sigma)
            * np.einsum("k,kij->ij", returns[best, 0] - returns[best, 1], deltas[best])
        )
        m = handle.metrics()
        print(
            f"iter {it:3d}  steps {total_steps:7d}  mean return {returns.mean():7.1f}  best {returns.max():7.1f}  "
            f"teacher: {m['episodes']} episodes, {m['n_gaussians']} gaussians, mean ALP {m['mean_alp']:.3f}  "
            f"({time.time() - start:.0f} s)",
            flush=True,
        )
    handle.save("ray_ars_teacher.ckpt")
    print("saved the shared teacher to ray_ars_teacher.ckpt")
    ray.shutdown()


if __name__ == "__main__":
    main()
