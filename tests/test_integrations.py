"""Integrations with RL libraries: Stable-Baselines3's TeacherCallback, and RLlib with a served teacher."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg

ROOT = Path(__file__).resolve().parent.parent


def test_importing_curriculum_gym_imports_no_rl_library():
    code = (
        "import sys, curriculum_gym, curriculum_gym.integrations; "
        "print(sorted(m for m in ('stable_baselines3', 'ray', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ----------------------------------------------------------------- Stable-Baselines3
def _ppo(env, tmp_path):
    sb3 = pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.logger import configure

    model = sb3.PPO("MlpPolicy", env, n_steps=64, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.set_logger(configure(str(tmp_path / "logs"), ["csv"]))
    return model


def _logged(tmp_path):
    with open(tmp_path / "logs" / "progress.csv") as f:
        return list(csv.DictReader(f))


def test_teacher_callback_logs_metrics_and_saves_checkpoints_next_to_the_model(tmp_path):
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.callbacks import CheckpointCallback

    from curriculum_gym.integrations.sb3 import TeacherCallback

    space = gym.make("StumpTracks-v0").unwrapped.task_space
    teacher = cg.make_teacher("random", space, seed=0)
    env = gym.make("StumpTracks-v0", teacher=teacher, max_episode_steps=20)
    model = _ppo(env, tmp_path)
    checkpoints = tmp_path / "checkpoints"
    callback = TeacherCallback(teacher, save_path=checkpoints, save_freq=128)
    model.learn(320, callback=[CheckpointCallback(128, str(checkpoints)), callback])

    rows = _logged(tmp_path)
    assert len(rows) == 5  # one line per PPO iteration of 64 steps
    episodes = [float(r["teacher/episodes"]) for r in rows]
    assert episodes == sorted(episodes) and episodes[-1] == teacher.metrics()["episodes"] >= 320 // 20 - 1
    assert {f"teacher/{k}" for k in teacher.metrics()} <= set(rows[0])
    # the teacher's checkpoints pair with the model's, plus one at the end
    names = sorted(os.listdir(checkpoints))
    assert names == [
        "rl_model_128_steps.zip",
        "rl_model_256_steps.zip",
        "rl_model_teacher_128_steps.ckpt",
        "rl_model_teacher_256_steps.ckpt",
        "rl_model_teacher_320_steps.ckpt",
    ]
    assert callback.last_checkpoint == str(checkpoints / "rl_model_teacher_320_steps.ckpt")
    restored = cg.load_teacher(callback.last_checkpoint)
    assert restored.metrics() == teacher.metrics()
    np.testing.assert_array_equal(restored.sample(), teacher.sample())  # it continues exactly where it was
    assert cg.load_teacher(checkpoints / "rl_model_teacher_128_steps.ckpt").metrics()["episodes"] < episodes[-1]


def test_teacher_callback_finds_the_env_teacher_or_says_why_not(tmp_path):
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

    from curriculum_gym.integrations.sb3 import TeacherCallback

    env = gym.make("StumpTracks-v0", teacher="alp-gmm", teacher_options={"seed": 0}, max_episode_steps=20)
    model = _ppo(env, tmp_path)
    callback = TeacherCallback()  # logs only, no checkpoints
    model.learn(64, callback=callback)
    assert callback.teacher is env.get_wrapper_attr("teacher")
    assert float(_logged(tmp_path)[-1]["teacher/episodes"]) == callback.teacher.metrics()["episodes"] > 0

    teacher = cg.make_teacher("random", env.unwrapped.task_space, seed=0)
    shared = VecNormalize(DummyVecEnv([lambda: gym.make("StumpTracks-v0", teacher=teacher)] * 2))
    model = _ppo(shared, tmp_path)
    model.learn(1, callback=(found := TeacherCallback()))
    assert found.teacher is teacher

    separate = DummyVecEnv([lambda: gym.make("StumpTracks-v0", teacher="random")] * 2)
    with pytest.raises(ValueError, match="2 training envs have 2 different teachers"):
        _ppo(separate, tmp_path).learn(1, callback=TeacherCallback())
    with pytest.raises(ValueError, match="no TeacherWrapper"):
        _ppo(gym.make("StumpTracks-v0"), tmp_path).learn(1, callback=TeacherCallback())


def test_teacher_callback_with_a_served_teacher_and_worker_processes(tmp_path):
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.vec_env import SubprocVecEnv

    from curriculum_gym.integrations.sb3 import TeacherCallback

    space = gym.make("StumpTracks-v0").unwrapped.task_space
    with cg.serve(cg.make_teacher("random", space, seed=0)) as handle:
        envs = SubprocVecEnv(
            [lambda: gym.make("StumpTracks-v0", teacher=handle, max_episode_steps=20)] * 2, start_method="fork"
        )
        try:
            with pytest.raises(ValueError, match="SubprocVecEnv, whose envs hold copies.*TeacherCallback\\(handle\\)"):
                _ppo(envs, tmp_path).learn(1, callback=TeacherCallback())
            model = _ppo(envs, tmp_path)
            callback = TeacherCallback(handle, save_path=tmp_path, save_freq=32, name_prefix="ppo")
            model.learn(128, callback=callback)
        finally:
            envs.close()
        assert len(handle.server.client_counts()) == 2  # both workers reported to the one teacher
        assert float(_logged(tmp_path)[-1]["teacher/episodes"]) == handle.metrics()["episodes"] > 0
        assert sorted(p.name for p in tmp_path.glob("*.ckpt")) == [
            "ppo_teacher_128_steps.ckpt",
            "ppo_teacher_64_steps.ckpt",
        ]
        assert cg.load_teacher(callback.last_checkpoint).metrics() == handle.metrics()


def test_teacher_callback_argument_errors():
    pytest.importorskip("stable_baselines3")
    from curriculum_gym.integrations.sb3 import TeacherCallback

    teacher = cg.make_teacher("random", cg.TaskSpace(["x"], [0], [1]), seed=0)
    with pytest.raises(TypeError, match="teacher must be a curriculum_gym Teacher, a handle from cg.serve.*got int"):
        TeacherCallback(3)
    with pytest.raises(TypeError, match="save_freq must be an int"):
        TeacherCallback(teacher, save_path="x", save_freq="10")
    with pytest.raises(ValueError, match="save_freq must be >= 1"):
        TeacherCallback(teacher, save_path="x", save_freq=0)
    with pytest.raises(ValueError, match="save_freq needs a save_path"):
        TeacherCallback(teacher, save_freq=10)
    with pytest.raises(TypeError, match="save_path must be a folder path"):
        TeacherCallback(teacher, save_path=3)
    with pytest.raises(ValueError, match="no save_path"):
        TeacherCallback(teacher).save()
    from curriculum_gym import integrations

    assert integrations.TeacherCallback is TeacherCallback  # lazily imported


def _load_example(name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_sb3_eval_callback_example_runs_on_a_fixed_task(tmp_path, capsys):
    pytest.importorskip("stable_baselines3")
    example = _load_example("sb3_eval_callback")
    eval_env = gym.make("StumpTracks-v0", task=example.EVAL_TASK)
    for seed in (0, 1):  # the fixed task at every reset, whatever the seed
        assert eval_env.reset(seed=seed)[1]["task"].tolist() == example.EVAL_TASK
    summary = example.run(steps=1024, out=str(tmp_path), eval_freq=512, max_episode_steps=60)
    assert [step for step, _ in summary["evaluations"]] == [512, 1024]
    assert (tmp_path / "best_model.zip").exists() and (tmp_path / "evaluations.npz").exists()
    assert cg.load_teacher(summary["teacher_checkpoint"]).metrics()["episodes"] == summary["teacher_episodes"] > 0
    assert 0.0 <= summary["mastered"] <= 1.0 and len(summary["test_returns"]) == 5
    assert "mean return on task [0.5, 3.0]" in capsys.readouterr().out


# ----------------------------------------------------------------------------- RLlib
def test_rllib_env_creator_and_metrics_hook_need_no_ray():
    from curriculum_gym.integrations.rllib import TeacherMetrics, env_creator

    env = env_creator("HexagonTracks-v0")({"teacher": "random", "body": "quadru", "max_episode_steps": 10})
    assert env.observation_space.shape == (34,) and env.get_wrapper_attr("teacher").name == "random"
    with pytest.raises(gym.error.Error):
        env_creator("NoSuchTracks-v0")
    with pytest.raises(TypeError, match="env_id must be a registered Gymnasium ID"):
        env_creator(3)
    with pytest.raises(TypeError, match="teacher must be a curriculum_gym Teacher or a handle"):
        TeacherMetrics("alp-gmm")


@pytest.mark.slow
def test_rllib_ppo_with_a_teacher_shared_by_two_env_runners(tmp_path):
    try:  # RLlib needs its own extra (ray[rllib]), not in dev; a partial install fails with other ImportErrors
        import ray.rllib.algorithms.ppo  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"RLlib is not usable here: {exc}")
    pytest.importorskip("torch")
    import ray

    example = _load_example("rllib_shared_teacher")
    started_here = not ray.is_initialized()
    try:
        out = example.train(
            iterations=1, env_runners=2, batch_size=200, max_episode_steps=40, checkpoint_dir=str(tmp_path)
        )
    finally:
        if started_here:
            ray.shutdown()
    reporting = [c["updates"] for c in out["clients"].values() if c["samples"]]
    assert len(reporting) == 2 and all(n > 0 for n in reporting)  # both env runners reported to the one teacher
    assert out["metrics"]["episodes"] == sum(reporting) >= 200 // 40 - 2
    assert cg.load_teacher(tmp_path / "teacher.ckpt").metrics()["episodes"] == out["metrics"]["episodes"]
