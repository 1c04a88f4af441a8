import numpy as np
import pytest

pytest.importorskip("pettingzoo")
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test  # noqa: E402

import curriculum_gym as cg  # noqa: E402
from curriculum_gym.multiagent import multiwalker_tracks_v0  # noqa: E402


@pytest.mark.parametrize("n", [2, 3])
def test_pettingzoo_api_and_seed_tests(n):
    parallel_api_test(multiwalker_tracks_v0.parallel_env(n_walkers=n), num_cycles=200)
    parallel_seed_test(lambda: multiwalker_tracks_v0.parallel_env(n_walkers=n))
    api_test(multiwalker_tracks_v0.env(n_walkers=n), num_cycles=50)


def test_spaces_and_task_info():
    env = multiwalker_tracks_v0.parallel_env(n_walkers=3, body="quadru", track="hexagons")
    obs, infos = env.reset(seed=0)
    assert env.observation_space("walker_0").shape == (34 + 7,) and env.action_space("walker_2").shape == (8,)
    assert all(o.shape == (41,) for o in obs.values())
    assert infos["walker_1"]["task"].shape == (12,) and env.task_space.contains(infos["walker_1"]["task"])


def rollout(seed, task, steps=150):
    env = multiwalker_tracks_v0.parallel_env(n_walkers=2)
    obs, _ = env.reset(seed=seed, options={"task": task})
    rng = np.random.default_rng(0)
    trace = [b"".join(o.tobytes() for o in obs.values())]
    for _ in range(steps):
        if not env.agents:
            break
        obs, rew, *_ = env.step({a: rng.uniform(-1, 1, 4).astype(np.float32) for a in env.agents})
        trace.append(b"".join(o.tobytes() for o in obs.values()) + np.array(list(rew.values())).tobytes())
    return trace, [p.copy() for p in env.obstacles]


def test_determinism_and_terrain_from_the_task():
    a, terrain_a = rollout(3, [1.0, 2.0])
    b, terrain_b = rollout(3, [1.0, 2.0])
    assert a == b
    _, terrain_c = rollout(3, [2.5, 0.5])
    assert len(terrain_c) != len(terrain_a)
    assert all(np.array_equal(p, q) for p, q in zip(terrain_a, terrain_b))


def test_invalid_tasks_and_arguments():
    env = multiwalker_tracks_v0.parallel_env(n_walkers=2)
    with pytest.raises(ValueError, match="'stump_height' = 4 is outside its bounds"):
        env.reset(options={"task": [4.0, 1.0]})
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        env.reset(options={"task": [1.0]})
    with pytest.raises(ValueError, match="n_walkers"):
        multiwalker_tracks_v0.parallel_env(n_walkers=5)
    with pytest.raises(ValueError, match="unknown body"):
        multiwalker_tracks_v0.parallel_env(body="tall")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="missing for agent"):
        env.step({"walker_0": np.zeros(4)})


def test_episode_ends_when_the_package_falls():
    env = multiwalker_tracks_v0.parallel_env(n_walkers=2, terminate_on_fall=False)
    env.reset(seed=0, options={"task": [0.0, 6.0]})
    total = 0.0
    for _ in range(2000):  # legs folding: the walkers sink and the package slides off
        obs, rew, term, trunc, _ = env.step({a: np.array([1.0, 1.0, -1.0, -1.0]) for a in env.agents})
        total += sum(rew.values())
        if not env.agents:
            break
    assert not env.agents and all(term.values()) and not any(trunc.values())
    assert total < -100  # the terminate penalty was given


def test_wrapper_reports_one_update_per_episode():
    teacher = cg.make_teacher("random", multiwalker_tracks_v0.parallel_env().task_space, seed=0)
    seen = []
    original = teacher.update
    teacher.update = lambda task, ret: (seen.append((np.array(task), ret)), original(task, ret))
    env = cg.ParallelTeacherWrapper(multiwalker_tracks_v0.parallel_env(n_walkers=2, max_cycles=40), teacher)
    rng = np.random.default_rng(0)
    returns = []
    for ep in range(4):
        _, infos = env.reset(seed=ep)
        total = {a: 0.0 for a in env.possible_agents}
        while env.agents:
            _, rew, *_ = env.step({a: rng.uniform(-1, 1, 4) for a in env.agents})
            for a, r in rew.items():
                total[a] += r
        returns.append(np.mean(list(total.values())))
        np.testing.assert_array_equal(seen[-1][0], infos["walker_0"]["task"])
    assert len(seen) == 4 and env.episodes_reported == 4
    np.testing.assert_allclose([r for _, r in seen], returns)
    env.reset(options={"task": [1.0, 1.0]})  # explicit: not reported, nor the zero-step one before
    env.step({a: np.zeros(4) for a in env.agents})
    env.reset()
    assert len(seen) == 4
    assert env.observation_space("walker_0") == env.unwrapped.observation_space("walker_0")


def test_wrapper_aggregate_and_errors():
    base = multiwalker_tracks_v0.parallel_env(n_walkers=2, max_cycles=5)
    env = cg.ParallelTeacherWrapper(base, "alp-gmm", seed=0, aggregate="sum")
    env.reset(seed=0)
    while env.agents:
        env.step({a: np.zeros(4) for a in env.agents})
    assert env.teacher.n_updates_ == 1
    with pytest.raises(ValueError, match="aggregate"):
        cg.ParallelTeacherWrapper(base, "random", aggregate="median")
    with pytest.raises(ValueError, match="unknown teacher"):
        cg.ParallelTeacherWrapper(base, "curious")


@pytest.mark.slow
def test_ppo_multiwalker_baseline_runs_and_logs(tmp_path):
    pytest.importorskip("torch")
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore",
            str(root / "baselines" / "ppo_multiwalker.py"),
            "--teacher",
            "alp-gmm",
            "--total-timesteps",
            "3072",
            "--num-steps",
            "512",
            "--max-cycles",
            "100",
            "--runs-dir",
            str(tmp_path),
            "--no-progress",
            "--torch-threads",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    (run_dir,) = tmp_path.iterdir()
    assert any(p.name.startswith("events.out.tfevents") for p in run_dir.iterdir())
    teacher = cg.load_teacher(run_dir / "teacher.ckpt")
    assert teacher.name == "alp-gmm" and teacher.n_updates_ >= 3072 // 100 - 1
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir))
    acc.Reload()
    assert {"charts/episodic_return", "charts/SPS", "teacher/episodes"} <= set(acc.Tags()["scalars"])
