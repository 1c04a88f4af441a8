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
from curriculum_gym.checkpoint import load_state

pytest.importorskip("torch")
pytest.importorskip("tyro")
ROOT = Path(__file__).resolve().parent.parent
QUICK_EVAL = ["--eval-tasks", "3", "--eval-max-steps", "100", "--no-progress", "--torch-threads", "1"]


def run(script, run_dir, *args):
    cmd = [
        sys.executable,
        "-W",
        "ignore",
        str(ROOT / "baselines" / script),
        "--resume",
        str(run_dir),
        *args,
        *QUICK_EVAL,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return out.stdout


def check_run_folder(run_dir, teacher, n_evals):
    names = {p.name for p in run_dir.iterdir()}
    assert {
        "agent.ckpt",
        "eval.json",
        "episodes.npz",
        "args.json",
        "curriculum.png",
        "mastered.png",
        "test_returns.png",
    } <= names
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


@pytest.mark.slow
@pytest.mark.parametrize("teacher", ["alp-gmm", "random"])
def test_ppo_writes_everything_and_resumes(tmp_path, teacher):
    run_dir = tmp_path / f"ppo_{teacher}"
    out = run(
        "ppo_continuous_action.py",
        run_dir,
        "--teacher",
        teacher,
        "--total-timesteps",
        "4096",
        "--num-envs",
        "4",
        "--num-steps",
        "256",
        "--eval-every",
        "2048",
    )
    assert "test tasks mastered" in out and str(run_dir) in out
    evals = check_run_folder(run_dir, teacher, 2)
    tags = tensorboard_tags(run_dir)
    assert {"charts/episodic_return", "charts/SPS", "losses/value_loss", "eval/mastered", "teacher/episodes"} <= tags
    assert "teacher/task_mean/stump_height" in tags
    with np.load(run_dir / "agent.ckpt") as f:  # a plain npz zip: numpy reads it without pickle
        assert len(f.files) > 5
    # resume: continues from the saved step, model and teacher
    teacher_before = cg.load_teacher(run_dir / "teacher.ckpt").n_updates_
    run(
        "ppo_continuous_action.py",
        run_dir,
        "--teacher",
        teacher,
        "--total-timesteps",
        "6144",
        "--num-envs",
        "4",
        "--num-steps",
        "256",
        "--eval-every",
        "2048",
    )
    evals = check_run_folder(run_dir, teacher, 3)
    assert [e["step"] for e in evals] == [2048, 4096, 6144]
    assert cg.load_teacher(run_dir / "teacher.ckpt").n_updates_ >= teacher_before


@pytest.mark.slow
@pytest.mark.parametrize("env_workers", ["0", "1"])
def test_ppo_with_a_fixed_task(tmp_path, env_workers):
    run_dir = tmp_path / "ppo_none"
    out = run(
        "ppo_continuous_action.py",
        run_dir,
        "--teacher",
        "none",
        "--task",
        "0.5",
        "2.0",
        "--total-timesteps",
        "2048",
        "--num-envs",
        "2",
        "--eval-every",
        "0",
        "--env-workers",
        env_workers,
    )
    assert "training: 2048 steps in" in out
    check_run_folder(run_dir, "none", 1)
    with np.load(run_dir / "episodes.npz") as f:
        assert np.all(f["task"] == [0.5, 2.0])
    # the observation statistics saw every observation once, the worker's included: 2 first ones + 2048 steps
    state = load_state(run_dir / "agent.ckpt")
    assert state["obs_count"] == pytest.approx(2 + 2048, abs=1e-3)


def test_ppo_refuses_a_bad_share_of_local_envs(tmp_path):
    cmd = [sys.executable, "-W", "ignore", str(ROOT / "baselines" / "ppo_continuous_action.py")]
    cmd += ["--teacher", "none", "--num-envs", "2", "--env-workers", "1", "--local-envs", "3", "--no-progress"]
    out = subprocess.run([*cmd, "--runs-dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert "--local-envs must be -1 or between 1 and --num-envs (2), got 3" in out.stderr


def load_ppo_script():
    spec = importlib.util.spec_from_file_location(
        "ppo_continuous_action", ROOT / "baselines" / "ppo_continuous_action.py"
    )
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
    torch.testing.assert_close(
        sampled_logprob, Normal(agent.actor_mean(x), agent.actor_logstd.exp()).log_prob(sampled).sum(1)
    )

    flat = ppo.flatten_parameters(agent)
    (logprob.sum() + entropy.sum() + value.sum()).backward()
    (dist.log_prob(action).sum() + dist.entropy().sum() + reference.critic(x).sum()).backward()
    torch.testing.assert_close(flat.grad, torch.cat([p.grad.reshape(-1) for p in reference.parameters()]))
    torch.optim.Adam([flat], lr=0.1).step()  # updating the flat parameter updates the agent's
    assert not torch.equal(agent.critic[0].weight, reference.critic[0].weight)


def test_ppo_numpy_policy_matches_the_torch_agent_and_follows_its_updates():
    """The rollouts play with a numpy copy of the policy: same log-probability and value as the torch agent."""
    import torch

    ppo = load_ppo_script()
    torch.manual_seed(0)
    agent = ppo.Agent(24, 4, 32)
    flat = ppo.flatten_parameters(agent)
    policy = ppo.numpy_policy(agent, np.random.default_rng(0))
    for _ in range(2):  # the second time after an in-place update of the flat parameters
        with torch.no_grad():
            flat.add_(0.1 * torch.randn_like(flat))
        x = np.random.default_rng(1).standard_normal((16, 24)).astype(np.float32)
        action, logprob, value = policy(x)
        assert action.dtype == logprob.dtype == value.dtype == np.float32
        with torch.no_grad():
            _, torch_logprob, _, torch_value = agent.get_action_and_value(torch.from_numpy(x), torch.from_numpy(action))
        np.testing.assert_allclose(logprob, torch_logprob.numpy(), rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(value, torch_value.numpy(), rtol=1e-5, atol=1e-5)


def load_sac_script():
    spec = importlib.util.spec_from_file_location(
        "sac_continuous_action", ROOT / "baselines" / "sac_continuous_action.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_sac_networks_match_plain_torch_layers():
    """The two-copy critic is two ReLU MLPs; the actor's log-density is the tanh-squashed Normal's."""
    import torch
    from torch.distributions.normal import Normal

    sac = load_sac_script()
    torch.manual_seed(0)
    critic = sac.Critic(24, 4, (32, 16))
    params = critic.flat.detach().split(critic.sizes)
    obs, action = torch.randn(8, 24), torch.rand(8, 4) * 2 - 1
    for copy_index in range(2):
        h = torch.cat([obs, action], 1)
        for k in range(0, len(params), 2):
            w = params[k].view(critic.shapes[k])[copy_index]
            b = params[k + 1].view(critic.shapes[k + 1])[copy_index]
            h = torch.nn.functional.linear(h, w.T, b)
            h = torch.relu(h) if k + 2 < len(params) else h
        torch.testing.assert_close(critic(obs, action)[copy_index], h[:, 0])
    assert not torch.equal(critic(obs, action)[0], critic(obs, action)[1])  # two independent initialisations

    actor = sac.Actor(24, 4, (32, 16))
    torch.manual_seed(1)
    sampled, log_prob = actor.sample(obs)
    torch.manual_seed(1)
    mean, log_std = actor.mean_and_log_std(obs)
    u = mean + log_std.exp() * torch.randn_like(mean)
    torch.testing.assert_close(sampled, torch.tanh(u))
    expected = (Normal(mean, log_std.exp()).log_prob(u) - torch.log(1 - torch.tanh(u) ** 2)).sum(1)
    torch.testing.assert_close(log_prob, expected, rtol=1e-4, atol=1e-4)


def test_sac_update_steps_every_part_and_never_the_critics_from_the_actor_loss():
    import torch

    sac = load_sac_script()
    torch.manual_seed(0)
    args = sac.Args(hidden=(32, 32), tau=0.5)
    student = sac.Student(24, 4, args)
    before = {
        "actor": student.actor.flat.detach().clone(),
        "critic": student.critic.flat.detach().clone(),
        "target": student.critic_target.clone(),
        "log_alpha": student.log_alpha.detach().clone(),
    }
    batch = (torch.randn(16, 24), torch.rand(16, 4) * 2 - 1, torch.randn(16, 24), torch.randn(16), torch.zeros(16))
    losses = student.update(batch, args.gamma, args.tau, student.alpha())
    assert set(losses) == {"qf_loss", "actor_loss"}
    assert not torch.equal(student.actor.flat, before["actor"])
    assert not torch.equal(student.critic.flat, before["critic"])
    assert not torch.equal(student.log_alpha, before["log_alpha"])
    # soft update: target <- target + tau * (critic - target)
    torch.testing.assert_close(student.critic_target, before["target"] + 0.5 * (student.critic.flat - before["target"]))
    # the actor's loss leaves no gradient on the critics: their gradient is the critic loss's alone
    obs, actions, next_obs, rewards, terminated = batch
    student.critic_optimizer.zero_grad()
    student.critic.flat.grad = None
    pi, log_pi = student.actor.sample(obs)
    (student.critic(obs, pi, student.critic.flat.detach()).min(0).values - log_pi).mean().backward()
    assert student.critic.flat.grad is None and student.actor.flat.grad is not None
    # a checkpoint's round trip restores every part
    clone = sac.Student(24, 4, args)
    clone.load_state_dict(student.state_dict())
    for a, b in ((clone.actor.flat, student.actor.flat), (clone.critic.flat, student.critic.flat)):
        assert torch.equal(a, b)
    assert torch.equal(clone.critic_target, student.critic_target)
    with pytest.raises(ValueError, match="older version"):
        clone.load_state_dict({"actor": {}, "qf1": {}})


@pytest.mark.slow
def test_training_throughput_benchmark_quick(tmp_path):
    pytest.importorskip("stable_baselines3")
    spec = importlib.util.spec_from_file_location("training_throughput", ROOT / "benchmarks" / "training_throughput.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.main(["--quick", "--variants", "sb3 PPO", "ours, sync envs"])
    assert set(results) == {"sb3 PPO", "ours, sync envs"}
    assert all(wall > 0 and cpu > 0 for values in results.values() for wall, cpu in values)
    results = bench.main(["--algo", "sac", "--quick", "--variants", "sb3 SAC", "ours, 1 thread"])
    assert set(results) == {"sb3 SAC", "ours, 1 thread"}
    assert all(wall > 0 and cpu > 0 for values in results.values() for wall, cpu in values)
    with pytest.raises(SystemExit):  # a PPO row is not a SAC row
        bench.main(["--algo", "sac", "--quick", "--variants", "ours, sync envs"])


@pytest.mark.slow
@pytest.mark.parametrize("teacher", ["alp-gmm", "random"])
def test_sac_writes_everything_and_resumes(tmp_path, teacher):
    run_dir = tmp_path / f"sac_{teacher}"
    run(
        "sac_continuous_action.py",
        run_dir,
        "--teacher",
        teacher,
        "--total-timesteps",
        "1200",
        "--learning-starts",
        "600",
        "--batch-size",
        "64",
        "--hidden",
        "64",
        "--eval-every",
        "600",
    )
    check_run_folder(run_dir, teacher, 2)
    assert {"losses/qf_loss", "charts/episodic_return", "eval/mastered"} <= tensorboard_tags(run_dir)
    run(
        "sac_continuous_action.py",
        run_dir,
        "--teacher",
        teacher,
        "--total-timesteps",
        "1800",
        "--batch-size",
        "64",
        "--hidden",
        "64",
        "--eval-every",
        "600",
    )
    evals = check_run_folder(run_dir, teacher, 3)
    assert [e["step"] for e in evals] == [600, 1200, 1800]


@pytest.mark.slow
def test_sac_resume_keeps_the_runs_own_flags(tmp_path):
    """--resume alone continues with the run's network sizes, batch, schedule and warm-up (from args.json)."""
    run_dir = tmp_path / "sac_flags"
    own = ["--hidden", "16", "16", "--batch-size", "32", "--train-freq", "50", "--gradient-steps", "2"]
    run("sac_continuous_action.py", run_dir, "--total-timesteps", "300", "--learning-starts", "500", *own)
    state = load_state(run_dir / "agent.ckpt")
    assert int(state["learning_starts"]) == 500  # stopped inside the random warm-up
    run("sac_continuous_action.py", run_dir, "--total-timesteps", "700")  # nothing but the new budget
    recorded = json.loads((run_dir / "args.json").read_text())
    assert recorded["hidden"] == [16, 16] and recorded["batch_size"] == 32 and recorded["train_freq"] == 50
    assert recorded["total_timesteps"] == 700
    assert int(load_state(run_dir / "agent.ckpt")["global_step"]) == 700


def test_sac_fixed_temperature():
    sac = load_sac_script()
    assert sac.Student(24, 4, sac.Args(hidden=(8,), autotune=False, alpha=0.0)).alpha() == 0.0  # no entropy bonus
    assert sac.Student(24, 4, sac.Args(hidden=(8,), autotune=False, alpha=0.3)).alpha() == 0.3
    with pytest.raises(ValueError, match="--alpha must be >= 0"):
        sac.Student(24, 4, sac.Args(hidden=(8,), autotune=False, alpha=-1.0))


@pytest.mark.slow
def test_plot_command_on_a_run_folder(tmp_path):
    run_dir = tmp_path / "ppo_plot"
    run(
        "ppo_continuous_action.py",
        run_dir,
        "--teacher",
        "alp-gmm",
        "--total-timesteps",
        "2048",
        "--num-envs",
        "2",
        "--eval-every",
        "0",
    )
    for png in run_dir.glob("*.png"):
        png.unlink()
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "curriculum_gym.cli", "plot", str(run_dir), "--dims", "1", "0"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    for png in ("curriculum.png", "mastered.png", "test_returns.png"):
        assert (run_dir / png).stat().st_size > 5000 and png in out.stdout
    bad = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "curriculum_gym.cli", "plot", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2 and "no run folder" in bad.stderr


@pytest.mark.slow
def test_capture_video(tmp_path):
    pytest.importorskip("moviepy")
    run_dir = tmp_path / "ppo_video"
    run(
        "ppo_continuous_action.py",
        run_dir,
        "--total-timesteps",
        "1024",
        "--num-envs",
        "2",
        "--num-steps",
        "512",
        "--eval-every",
        "0",
        "--capture-video",
    )
    videos = list((run_dir / "videos").glob("*.mp4"))
    assert videos and videos[0].stat().st_size > 1000


SCRIPTS = ["ppo_continuous_action.py", "sac_continuous_action.py", "ppo_multiwalker.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_args_field_is_documented(script):
    """tyro shows a field's docstring in --help: every field of Args has one."""
    import ast

    tree = ast.parse((ROOT / "baselines" / script).read_text())
    (args,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Args"]
    body = args.body
    fields = [(i, node.target.id) for i, node in enumerate(body) if isinstance(node, ast.AnnAssign)]
    undocumented = [
        name
        for i, name in fields
        if not (i + 1 < len(body) and isinstance(body[i + 1], ast.Expr) and isinstance(body[i + 1].value, ast.Constant))
    ]
    assert len(fields) > 15 and not undocumented


def test_optimizer_state_survives_the_checkpoint(tmp_path):
    """Adam's moments go through agent.ckpt (numpy trees, no pickle) and come back under their parameter indices."""
    import torch

    from curriculum_gym.checkpoint import load_state, save_state
    from curriculum_gym.runs import to_numpy_tree, to_torch_tree

    p = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.Adam([p], lr=0.1)
    p.grad = torch.tensor([1.0, -2.0, 3.0])
    opt.step()
    save_state({"optimizer": to_numpy_tree(opt.state_dict())}, tmp_path / "agent.ckpt")
    q = torch.nn.Parameter(p.detach().clone())
    restored = torch.optim.Adam([q], lr=0.1)
    restored.load_state_dict(to_torch_tree(load_state(tmp_path / "agent.ckpt")["optimizer"], int_keys=True))
    torch.testing.assert_close(restored.state[q]["exp_avg"], torch.tensor([0.1, -0.2, 0.3]))
    assert float(restored.state[q]["step"]) == 1.0


TINY_NONE = {  # --teacher none, no --task: a few short episodes each
    "ppo_continuous_action.py": [
        "--total-timesteps",
        "1024",
        "--num-envs",
        "2",
        "--num-steps",
        "256",
        "--env-workers",
        "0",
        "--hidden",
        "16",
        "--eval-every",
        "0",
        "--eval-tasks",
        "1",
        "--eval-max-steps",
        "30",
        "--no-plots",
    ],
    "sac_continuous_action.py": [
        "--total-timesteps",
        "400",
        "--learning-starts",
        "50",
        "--batch-size",
        "16",
        "--hidden",
        "16",
        "--eval-every",
        "0",
        "--eval-tasks",
        "1",
        "--eval-max-steps",
        "30",
        "--no-plots",
    ],
    "ppo_multiwalker.py": [
        "--total-timesteps",
        "256",
        "--num-steps",
        "128",
        "--max-cycles",
        "40",
        "--n-walkers",
        "2",
        "--hidden",
        "16",
    ],
}


@pytest.fixture(scope="module")
def none_runs(tmp_path_factory):
    """One tiny --teacher none run folder per script."""
    folders = {}
    for script, flags in TINY_NONE.items():
        runs_dir = tmp_path_factory.mktemp(script.removesuffix(".py"))
        cmd = [
            sys.executable,
            "-W",
            "ignore",
            str(ROOT / "baselines" / script),
            "--teacher",
            "none",
            "--runs-dir",
            str(runs_dir),
            "--no-progress",
            "--torch-threads",
            "1",
            *flags,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
        (folders[script],) = runs_dir.iterdir()
    return folders


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_teacher_none_means_tasks_drawn_uniformly_by_the_env(none_runs, script):
    """Every script: --teacher none has no teacher, and each episode plays a task the env drew (not one fixed task)."""
    run_dir = none_runs[script]
    assert not (run_dir / "teacher.ckpt").exists()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["teacher"] == "none" and run["task"] is None and run["finished"]
    with np.load(run_dir / "episodes.npz") as f:
        tasks = f["task"]
    space = cg.TaskSpace.from_state_dict(run["task_space"])
    assert len(tasks) >= 2 and len(np.unique(tasks, axis=0)) == len(tasks)
    assert tasks.shape[1] == space.dim and np.all((tasks >= space.low) & (tasks <= space.high))
    # run.json carries the env's return range and mastery threshold (the plots read them)
    if script == "ppo_multiwalker.py":
        from curriculum_gym.multiagent import multiwalker_tracks_v0

        env = multiwalker_tracks_v0.parallel_env(n_walkers=2).unwrapped
    else:
        env = gym_make_unwrapped(run["env_id"])
    assert run["return_range"] == list(env.return_range)
    assert run["mastery_threshold"] == getattr(env, "mastery_threshold", None)


def gym_make_unwrapped(env_id):
    import gymnasium as gym

    return gym.make(env_id).unwrapped


def load_watch_agent():
    spec = importlib.util.spec_from_file_location("watch_agent", ROOT / "examples" / "watch_agent.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("script", ["ppo_continuous_action.py", "sac_continuous_action.py"])
def test_watch_agent_rebuilds_the_trained_policy(none_runs, script, capsys):
    """examples/watch_agent.py loads agent.ckpt (no pickle) and its evaluation repeats the script's own, return for return."""
    run_dir = none_runs[script]
    watch = load_watch_agent()
    policy, info = watch.load_policy(run_dir)
    assert info["env_id"] == "StumpTracks-v0"
    last = json.loads((run_dir / "eval.json").read_text())[-1]
    result = cg.evaluate(
        policy, info["env_id"], test_set=np.array(last["tasks"]), num_envs=1, max_episode_steps=30, seed=10_000
    )
    np.testing.assert_allclose(result.returns, last["returns"])
    assert watch.main([str(run_dir), "--evaluate", "--eval-tasks", "1", "--max-steps", "30"]) == 0
    assert "of 1 test tasks mastered" in capsys.readouterr().out
    if script == "ppo_continuous_action.py":
        gif = run_dir / "watch.gif"
        assert watch.main([str(run_dir), "--video", str(gif), "--max-steps", "12", "--task", "1.0", "3.0"]) == 0
        out = capsys.readouterr().out
        assert "task [1.0, 3.0]" in out and "13 frames written" in out and gif.stat().st_size > 1000


@pytest.mark.slow
def test_watch_agent_plays_the_multiwalker_team(none_runs, capsys):
    run_dir = none_runs["ppo_multiwalker.py"]
    watch = load_watch_agent()
    returns, frames = watch.run_episodes(run_dir, episodes=2, task=[0.5, 2.0], render_mode="rgb_array", max_steps=10)
    assert len(returns) == 2 and len(frames) == 20 and frames[0].ndim == 3
    assert "task [0.5, 2.0]" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="single-agent"):
        watch.main([str(run_dir), "--evaluate"])


@pytest.mark.slow
def test_body_options_reach_training_evaluation_and_the_watch_example(tmp_path):
    run_dir = tmp_path / "millipede"
    run(
        "ppo_continuous_action.py",
        run_dir,
        "--body",
        "millipede",
        "--body-options",
        "n_segments=2",
        "--teacher",
        "random",
        "--total-timesteps",
        "1024",
        "--num-envs",
        "2",
        "--num-steps",
        "256",
        "--no-plots",
    )
    record = json.loads((run_dir / "run.json").read_text())
    assert record["body"] == "millipede" and record["body_options"] == {"n_segments": 2}
    assert len(json.loads((run_dir / "eval.json").read_text())) == 1  # evaluated on the 2-segment body (obs 34)
    spec = importlib.util.spec_from_file_location("watch_agent", ROOT / "examples" / "watch_agent.py")
    watch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(watch)
    policy, info = watch.load_policy(run_dir)
    assert info["env_kwargs"] == {"body": "millipede", "body_options": {"n_segments": 2}}
    assert np.asarray(policy(np.zeros(4 + 2 * 10 + 10, np.float32))).shape == (8,)
