"""The single-file baselines run, write every artefact, and resume."""

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import curriculum_gym as cg

pytest.importorskip("torch")
pytest.importorskip("tyro")
ROOT = Path(__file__).resolve().parent.parent
QUICK_EVAL = ["--eval-tasks", "3", "--eval-max-steps", "100", "--no-progress", "--torch-threads", "1"]


def run(script, run_dir, *args):
    cmd = [sys.executable, "-W", "ignore", str(ROOT / "baselines" / script), "--resume", str(run_dir), *args, *QUICK_EVAL]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return out.stdout


def check_run_folder(run_dir, teacher, n_evals):
    names = {p.name for p in run_dir.iterdir()}
    assert {"agent.ckpt", "eval.json", "episodes.npz", "args.json", "curriculum.png", "mastered.png",
            "test_returns.png"} <= names
    assert any(n.startswith("events.out.tfevents") for n in names)
    evals = json.loads((run_dir / "eval.json").read_text())
    assert len(evals) == n_evals
    assert all(len(e["returns"]) == 3 and 0.0 <= e["mastered"] <= 1.0 for e in evals)
    with np.load(run_dir / "episodes.npz") as f:
        n_episodes = len(f["return"])
        assert n_episodes > 0 and f["task"].shape == (n_episodes, 2)
    if teacher != "none":
        t = cg.load_teacher(run_dir / "teacher.ckpt")
        assert t.name == teacher and t.n_updates_ >= n_episodes
    for png in ("curriculum.png", "mastered.png", "test_returns.png"):
        assert (run_dir / png).stat().st_size > 5000
    return evals


def tensorboard_tags(run_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir))
    acc.Reload()
    return set(acc.Tags()["scalars"])


@pytest.mark.parametrize("teacher", ["alp-gmm", "random"])
def test_ppo_writes_everything_and_resumes(tmp_path, teacher):
    run_dir = tmp_path / f"ppo_{teacher}"
    out = run("ppo_continuous_action.py", run_dir, "--teacher", teacher, "--total-timesteps", "4096", "--num-envs", "4",
              "--num-steps", "256", "--eval-every", "2048")
    assert "test tasks mastered" in out and str(run_dir) in out
    evals = check_run_folder(run_dir, teacher, 2)
    tags = tensorboard_tags(run_dir)
    assert {"charts/episodic_return", "charts/SPS", "losses/value_loss", "eval/mastered", "teacher/episodes"} <= tags
    assert "teacher/task_mean/stump_height" in tags
    with np.load(run_dir / "agent.ckpt") as f:  # a plain npz zip: numpy reads it without pickle
        assert len(f.files) > 5
    # resume: continues from the saved step, model and teacher
    teacher_before = cg.load_teacher(run_dir / "teacher.ckpt").n_updates_
    run("ppo_continuous_action.py", run_dir, "--teacher", teacher, "--total-timesteps", "6144", "--num-envs", "4",
        "--num-steps", "256", "--eval-every", "2048")
    evals = check_run_folder(run_dir, teacher, 3)
    assert [e["step"] for e in evals] == [2048, 4096, 6144]
    assert cg.load_teacher(run_dir / "teacher.ckpt").n_updates_ >= teacher_before


@pytest.mark.parametrize("env_workers", ["0", "1"])
def test_ppo_with_a_fixed_task(tmp_path, env_workers):
    run_dir = tmp_path / "ppo_none"
    out = run("ppo_continuous_action.py", run_dir, "--teacher", "none", "--task", "0.5", "2.0", "--total-timesteps",
              "2048", "--num-envs", "2", "--eval-every", "0", "--env-workers", env_workers)
    assert "training: 2048 steps in" in out
    check_run_folder(run_dir, "none", 1)
    with np.load(run_dir / "episodes.npz") as f:
        assert np.all(f["task"] == [0.5, 2.0])


def load_ppo_script():
    spec = importlib.util.spec_from_file_location("ppo_continuous_action", ROOT / "baselines" / "ppo_continuous_action.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


def test_ppo_gaussian_and_flat_parameters_match_torch():
    """The written-out log-density and entropy are torch.distributions.Normal's; the flat gradient is the parameters'."""
    import torch
    from torch.distributions.normal import Normal

    ppo = load_ppo_script()
    torch.manual_seed(0)
    agent = ppo.Agent(24, 4, 32)
    with torch.no_grad():
        agent.actor_logstd.add_(0.3 * torch.randn(1, 4))
    reference = copy.deepcopy(agent)
    x, action = torch.randn(16, 24), torch.randn(16, 4)
    _, logprob, entropy, value = agent.get_action_and_value(x, action)
    mean = reference.actor_mean(x)
    dist = Normal(mean, reference.actor_logstd.exp().expand_as(mean))
    torch.testing.assert_close(logprob, dist.log_prob(action).sum(1))
    torch.testing.assert_close(entropy, dist.entropy().sum(1))
    sampled, sampled_logprob, _, _ = agent.get_action_and_value(x)
    torch.testing.assert_close(sampled_logprob, Normal(agent.actor_mean(x), agent.actor_logstd.exp()).log_prob(sampled).sum(1))

    flat = ppo.flatten_parameters(agent)
    (logprob.sum() + entropy.sum() + value.sum()).backward()
    (dist.log_prob(action).sum() + dist.entropy().sum() + reference.critic(x).sum()).backward()
    torch.testing.assert_close(flat.grad, torch.cat([p.grad.reshape(-1) for p in reference.parameters()]))
    torch.optim.Adam([flat], lr=0.1).step()  # updating the flat parameter updates the agent's
    assert not torch.equal(agent.critic[0].weight, reference.critic[0].weight)


def test_training_throughput_benchmark_quick(tmp_path):
    pytest.importorskip("stable_baselines3")
    spec = importlib.util.spec_from_file_location("training_throughput", ROOT / "benchmarks" / "training_throughput.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.main(["--quick", "--variants", "sb3 PPO", "ours, sync envs"])
    assert set(results) == {"sb3 PPO", "ours, sync envs"}
    assert all(wall > 0 and cpu > 0 for values in results.values() for wall, cpu in values)


@pytest.mark.parametrize("teacher", ["alp-gmm", "random"])
def test_sac_writes_everything_and_resumes(tmp_path, teacher):
    run_dir = tmp_path / f"sac_{teacher}"
    run("sac_continuous_action.py", run_dir, "--teacher", teacher, "--total-timesteps", "1200", "--learning-starts", "600",
        "--batch-size", "64", "--hidden", "64", "--eval-every", "600")
    check_run_folder(run_dir, teacher, 2)
    assert {"losses/qf_loss", "charts/episodic_return", "eval/mastered"} <= tensorboard_tags(run_dir)
    run("sac_continuous_action.py", run_dir, "--teacher", teacher, "--total-timesteps", "1800", "--batch-size", "64",
        "--hidden", "64", "--eval-every", "600")
    evals = check_run_folder(run_dir, teacher, 3)
    assert [e["step"] for e in evals] == [600, 1200, 1800]


def test_plot_command_on_a_run_folder(tmp_path):
    run_dir = tmp_path / "ppo_plot"
    run("ppo_continuous_action.py", run_dir, "--teacher", "alp-gmm", "--total-timesteps", "2048", "--num-envs", "2",
        "--eval-every", "0")
    for png in run_dir.glob("*.png"):
        png.unlink()
    out = subprocess.run([sys.executable, "-W", "ignore", "-m", "curriculum_gym.cli", "plot", str(run_dir), "--dims", "1", "0"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    for png in ("curriculum.png", "mastered.png", "test_returns.png"):
        assert (run_dir / png).stat().st_size > 5000 and png in out.stdout
    bad = subprocess.run([sys.executable, "-W", "ignore", "-m", "curriculum_gym.cli", "plot", str(tmp_path / "nope")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "no run folder" in bad.stderr


def test_capture_video(tmp_path):
    pytest.importorskip("moviepy")
    run_dir = tmp_path / "ppo_video"
    run("ppo_continuous_action.py", run_dir, "--total-timesteps", "1024", "--num-envs", "2", "--num-steps", "512",
        "--eval-every", "0", "--capture-video")
    videos = list((run_dir / "videos").glob("*.mp4"))
    assert videos and videos[0].stat().st_size > 1000
