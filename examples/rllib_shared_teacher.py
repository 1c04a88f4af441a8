"""RLlib PPO (new API stack) on StumpTracks-v0, with one ALP-GMM teacher shared by every env runner.

The teacher lives in this (driver) process; ``cg.serve`` shares it over an
authenticated loopback connection, and its handle travels to the env runners in
``env_config``. Each runner's TeacherWrapper samples its tasks from, and reports
its returns to, that one teacher.

RLlib pins its own Gymnasium (1.2.2 for Ray 2.60), so use a separate venv:

    python3 -m venv /tmp/rllib-venv && /tmp/rllib-venv/bin/pip install -q torch==2.13.0 swig setuptools wheel
    PATH=/tmp/rllib-venv/bin:$PATH /tmp/rllib-venv/bin/pip install -q --no-build-isolation box2d-py==2.3.5
    /tmp/rllib-venv/bin/pip install -q -e ".[rllib]" pytest
    /tmp/rllib-venv/bin/python examples/rllib_shared_teacher.py [--iterations 2 --env-runners 2]

(Gymnasium 1.2.2's ``box2d`` extra needs box2d-py, built from source with SWIG.)
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import gymnasium as gym

import curriculum_gym as cg
from curriculum_gym.integrations.rllib import TeacherMetrics, register_env


def train(
    iterations: int = 2,
    env_runners: int = 2,
    batch_size: int = 1000,
    max_episode_steps: int = 200,
    seed: int = 0,
    checkpoint_dir: str | None = None,
) -> dict[str, Any]:
    """Train for ``iterations`` PPO iterations; returns the shared teacher's metrics and per-runner counts."""
    import ray
    from ray.rllib.algorithms.ppo import PPOConfig

    if not ray.is_initialized():
        # one CPU per env runner and one for the driver's learner, even on a 2-core machine
        ray.init(num_cpus=env_runners + 1, include_dashboard=False, log_to_driver=False)

    space = gym.make("StumpTracks-v0").unwrapped.task_space
    teacher = cg.make_teacher("alp-gmm", space, seed=seed, fit_rate=20)
    with cg.serve(teacher) as handle:  # a server thread here; the handle pickles into the env runners
        # equivalent to tune.register_env("StumpTracks-v0", lambda cfg: gym.make("StumpTracks-v0", **cfg))
        env_name = register_env("StumpTracks-v0")
        config = (
            PPOConfig()  # the new API stack (RLModule, Learner, EnvRunner) is RLlib's default
            .environment(env_name, env_config={"teacher": handle, "max_episode_steps": max_episode_steps})
            .env_runners(
                num_env_runners=env_runners,
                num_envs_per_env_runner=1,
                rollout_fragment_length=batch_size // max(env_runners, 1),
            )
            .training(
                train_batch_size_per_learner=batch_size, minibatch_size=min(250, batch_size), num_epochs=2, lr=3e-4
            )
            .callbacks(on_train_result=TeacherMetrics(handle))  # result["teacher"] = the shared teacher's metrics
            .debugging(seed=seed)
        )
        algo = config.build_algo()
        try:
            for i in range(iterations):
                result = algo.train()
                runners = result.get("env_runners", {})
                print(
                    f"iteration {i + 1}: env steps {runners.get('num_env_steps_sampled_lifetime')}, "
                    f"episode return mean {runners.get('episode_return_mean', float('nan')):.1f}, "
                    f"teacher {result['teacher']}"
                )
            if checkpoint_dir is not None:
                algo.save_to_path(os.path.join(checkpoint_dir, "algorithm"))
                handle.save(os.path.join(checkpoint_dir, "teacher.ckpt"))  # under the server's lock
                print(f"saved {checkpoint_dir}/algorithm and {checkpoint_dir}/teacher.ckpt")
        finally:
            algo.stop()
        metrics = handle.teacher.metrics()  # the live teacher, in this process
        clients = {c: dict(v) for c, v in handle.server.client_counts().items()}
    reporting = [v["updates"] for v in clients.values() if v["samples"]]  # other connections only read metrics
    print(f"the shared teacher received {metrics['episodes']} episodes from {len(reporting)} env runners: {reporting}")
    return {"metrics": metrics, "clients": clients}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--env-runners", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--max-episode-steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint-dir", default=None, help="save the algorithm and teacher.ckpt here")
    args = parser.parse_args()
    out = train(
        args.iterations, args.env_runners, args.batch_size, args.max_episode_steps, args.seed, args.checkpoint_dir
    )
    print(f'handle.teacher.metrics()["episodes"] = {out["metrics"]["episodes"]}')


if __name__ == "__main__":
    main()
