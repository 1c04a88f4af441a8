"""Stable-Baselines3 PPO with an ALP-GMM curriculum, evaluated on one fixed task by SB3's EvalCallback.

Training envs: a TeacherWrapper picks every episode's task. Evaluation env: the
fixed task ``gym.make("StumpTracks-v0", task=[0.5, 3.0])`` (stumps 0.5 high every
3 units), so EvalCallback's ``eval/mean_reward`` always measures the same thing.
``TeacherCallback`` logs ``teacher/*`` and saves the teacher next to the model's
checkpoints; ``cg.evaluate`` ends with the % of test tasks mastered.

Run:  python examples/sb3_eval_callback.py [--steps 4000 --out runs/sb3_example]
(needs ``pip install stable-baselines3``, part of the ``dev`` extra)
"""

from __future__ import annotations

import argparse
import os

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import CheckpointCallback, EvalCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

import curriculum_gym as cg
from curriculum_gym.integrations.sb3 import TeacherCallback

EVAL_TASK = [0.5, 3.0]  # stump_height, obstacle_spacing


def run(
    steps: int = 4000,
    out: str = "runs/sb3_example",
    n_envs: int = 2,
    eval_freq: int = 1000,
    max_episode_steps: int = 400,
    seed: int = 0,
) -> dict:
    """Train, evaluate on the fixed task every ``eval_freq`` steps, then on 5 test tasks; returns a summary."""
    space = gym.make("StumpTracks-v0").unwrapped.task_space
    teacher = cg.make_teacher("alp-gmm", space, seed=seed, fit_rate=20)  # one teacher shared by the in-process envs
    train_env = DummyVecEnv(
        [lambda: Monitor(gym.make("StumpTracks-v0", teacher=teacher, max_episode_steps=max_episode_steps))] * n_envs
    )
    eval_env = Monitor(gym.make("StumpTracks-v0", task=EVAL_TASK, max_episode_steps=max_episode_steps))

    model = PPO(
        "MlpPolicy",
        train_env,
        n_steps=512,
        batch_size=128,
        n_epochs=4,
        seed=seed,
        device="cpu",
        tensorboard_log=os.path.join(out, "tb"),
        verbose=0,
    )
    freq = max(eval_freq // n_envs, 1)  # SB3's callbacks count calls; one call = n_envs steps
    callbacks = [
        EvalCallback(
            eval_env,
            eval_freq=freq,
            n_eval_episodes=2,
            deterministic=True,
            verbose=0,
            best_model_save_path=out,
            log_path=out,
        ),
        CheckpointCallback(freq, os.path.join(out, "checkpoints")),  # rl_model_{N}_steps.zip
        TeacherCallback(
            teacher, save_path=os.path.join(out, "checkpoints"), save_freq=freq
        ),  # rl_model_teacher_{N}_steps.ckpt
    ]
    model.learn(steps, callback=callbacks)
    model.save(os.path.join(out, "final_model"))

    # the fixed task's evaluations (EvalCallback), and 5 test tasks with cg.evaluate (the model itself is a policy)
    evaluations = [
        (int(t), float(np.mean(r)))
        for t, r in zip(callbacks[0].evaluations_timesteps, callbacks[0].evaluations_results)
    ]
    result = cg.evaluate(
        model,
        "StumpTracks-v0",
        test_set=cg.load_test_set("StumpTracks-v0")[:5],
        max_episode_steps=max_episode_steps,
        num_envs=5,
    )
    summary = {
        "evaluations": evaluations,
        "teacher_episodes": teacher.metrics()["episodes"],
        "teacher_checkpoint": callbacks[2].last_checkpoint,
        "mastered": result.mastered,
        "test_returns": result.mean_returns.round(1).tolist(),
    }
    for step, mean in evaluations:
        print(f"step {step}: mean return on task {EVAL_TASK} = {mean:.1f}")
    print(f"teacher: {summary['teacher_episodes']} episodes; checkpoint {summary['teacher_checkpoint']}")
    print(f"5 test tasks: returns {summary['test_returns']}, mastered {result.mastered:.0%}")
    print(f"TensorBoard: tensorboard --logdir {os.path.join(out, 'tb')}  (eval/mean_reward, teacher/*)")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--out", default="runs/sb3_example")
    parser.add_argument("--eval-freq", type=int, default=1000, help="env steps between evaluations")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    run(args.steps, args.out, eval_freq=args.eval_freq, seed=args.seed)


if __name__ == "__main__":
    main()
