"""The SAC baseline's run settings: teacher options, task bounds, challenges, student resets, and the plots that use them."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym import cli
from curriculum_gym.plotting import plot_run, run_task_space

pytestmark = pytest.mark.slow  # every test here trains in a subprocess

pytest.importorskip("torch")
pytest.importorskip("tyro")
ROOT = Path(__file__).resolve().parent.parent
SAC = str(ROOT / "baselines" / "sac_continuous_action.py")
TINY = [
    "--learning-starts",
    "50",
    "--batch-size",
    "16",
    "--hidden",
    "16",
    "--eval-tasks",
    "2",
    "--eval-max-steps",
    "30",
    "--no-progress",
    "--torch-threads",
    "1",
]


def sac(run_dir, *args, check=True):
    out = subprocess.run(
        [sys.executable, "-W", "ignore", SAC, "--resume", str(run_dir), *args, *TINY],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return out


def axis_limits(monkeypatch, run_dir, **kwargs):
    """plot_run's figures' axis limits, by file name (captured as each figure is saved)."""
    from matplotlib.figure import Figure

    limits, save = {}, Figure.savefig

    def capture(fig, path, *a, **k):
        limits[Path(path).name] = [(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes if ax.get_label() != "<colorbar>"]
        return save(fig, path, *a, **k)

    monkeypatch.setattr(Figure, "savefig", capture)
    plot_run(run_dir, **kwargs)
    return limits


def test_teacher_options_and_task_bounds_go_into_the_run_folder(tmp_path, monkeypatch):
    run_dir = tmp_path / "sac"
    sac(
        run_dir,
        "--teacher",
        "alp-gmm",
        "--teacher-options",
        "preset=teachmyagent",
        "fit_rate=20",
        "random_task_ratio=0.5",
        "--task-bounds",
        "0",
        "9",
        "0",
        "6",
        "--total-timesteps",
        "300",
        "--eval-every",
        "0",
    )
    run = json.loads((run_dir / "run.json").read_text())
    assert run["teacher"] == "alp-gmm" and run["finished"] and run["global_step"] == 300
    assert run["teacher_options_given"] == {"preset": "teachmyagent", "fit_rate": 20, "random_task_ratio": 0.5}
    assert run["teacher_options"]["fit_rate"] == 20 and run["teacher_options"]["potential_ks"] == list(range(2, 10))
    assert run["task_space"]["high"] == [9.0, 6.0] and run["eval_task_space"]["high"] == [3.0, 6.0]
    teacher = cg.load_teacher(run_dir / "teacher.ckpt")
    assert teacher.fit_rate == 20 and teacher.random_task_ratio == 0.5
    assert teacher.task_space.high.tolist() == [9.0, 6.0]
    evals = json.loads((run_dir / "eval.json").read_text())
    assert np.array(evals[-1]["tasks"]).max(axis=0)[0] <= 3.0  # evaluation: the standard test set
    # the plots: the curriculum on the run's bounds, the test returns on the standard ones
    assert run_task_space(run_dir).high.tolist() == [9.0, 6.0]
    limits = axis_limits(monkeypatch, run_dir)
    assert all(lim == ((0.0, 9.0), (0.0, 6.0)) for lim in limits["curriculum.png"])
    assert limits["test_returns.png"][0] == ((0.0, 3.0), (0.0, 6.0))
    # --resume alone continues with the run's settings; a contradicting flag is refused
    sac(run_dir, "--total-timesteps", "400", "--eval-every", "0", "--no-plots")
    run = json.loads((run_dir / "run.json").read_text())
    assert run["global_step"] == 400 and run["task_space"]["high"] == [9.0, 6.0]
    assert json.loads((run_dir / "args.json").read_text())["task_bounds"] == [0.0, 9.0, 0.0, 6.0]
    bad = sac(run_dir, "--teacher", "random", "--total-timesteps", "500", check=False)
    assert bad.returncode != 0 and "was started with --teacher alp-gmm" in bad.stderr


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--task", "1.0", "3.0"], "--task fixes every episode's task and --teacher alp-gmm chooses them"),
        (["--teacher", "random", "--task", "1.0", "3.0"], "give --teacher none with --task"),
        (["--teacher-options", "fit_rate"], "--teacher-options takes key=value pairs"),
        (["--teacher-options", "no_such_option=1"], "unknown option(s) ['no_such_option'] for teacher 'alp-gmm'"),
        (["--task-bounds", "0", "9", "0"], "--task-bounds takes low high per parameter"),
    ],
)
def test_bad_flags_are_refused_clearly(tmp_path, flags, message):
    out = sac(tmp_path / "bad", *flags, "--total-timesteps", "100", check=False)
    assert out.returncode != 0 and message in out.stderr, out.stderr[-2000:]
    assert not (tmp_path / "bad" / "agent.ckpt").exists()


def test_adr_runs_with_defaults_for_the_env(tmp_path):
    run_dir = tmp_path / "adr"
    sac(run_dir, "--teacher", "adr", "--total-timesteps", "200", "--eval-every", "0", "--no-plots")
    teacher = cg.load_teacher(run_dir / "teacher.ckpt")
    assert teacher.name == "adr" and teacher.initial_task == [0.0, 6.0]  # the easy corner: no height, far apart
    assert teacher.expand_threshold == 230.0 and teacher.n_updates_ >= 1
    assert json.loads((run_dir / "run.json").read_text())["teacher_options"]["step_size"] == [0.15, 0.3]


def test_challenge_trains_on_its_bounds_and_evaluates_on_the_standard_set(tmp_path):
    if not hasattr(cg, "get_challenge"):
        pytest.skip("this curriculum_gym has no challenges")
    run_dir = tmp_path / "unfeasible"
    sac(
        run_dir,
        "--challenge",
        "mostly-unfeasible",
        "--teacher",
        "random",
        "--total-timesteps",
        "200",
        "--eval-every",
        "0",
        "--no-plots",
    )
    run = json.loads((run_dir / "run.json").read_text())
    assert run["challenge"] == "mostly-unfeasible" and run["task_space"]["high"] == [9.0, 6.0]
    assert run["reset_student_every"] == 0
    assert cg.load_teacher(run_dir / "teacher.ckpt").task_space.high.tolist() == [9.0, 6.0]
    evals = json.loads((run_dir / "eval.json").read_text())
    assert evals[-1]["tasks"] == cg.load_test_set("StumpTracks-v0")[:2].tolist()
    clash = sac(
        tmp_path / "clash", "--challenge", "mostly-unfeasible", "--task-bounds", "0", "4", "0", "6", check=False
    )
    assert clash.returncode != 0 and "not both" in clash.stderr


def test_student_resets_and_a_sigterm_checkpoint_resume(tmp_path):
    """--reset-student-every swaps in a new student; SIGTERM saves a checkpoint that --resume continues from."""
    run_dir = tmp_path / "forgetting"
    cmd = [
        sys.executable,
        "-W",
        "ignore",
        SAC,
        "--resume",
        str(run_dir),
        "--teacher",
        "random",
        "--reset-student-every",
        "100",
        "--total-timesteps",
        "100000",
        "--eval-every",
        "100",
        *TINY,
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "student reset (1)" in line:
            proc.send_signal(signal.SIGTERM)
            break
    rest = proc.communicate(timeout=120)[0]
    assert proc.returncode == 143, "".join(lines) + rest
    assert "continue with --resume" in rest
    run = json.loads((run_dir / "run.json").read_text())
    assert not run["finished"] and run["reset_student_every"] == 100
    stopped_at = run["global_step"]
    assert stopped_at >= 100
    # the checkpoint holds the step, the resets, and the teacher: the run continues from there
    n_episodes = cg.load_teacher(run_dir / "teacher.ckpt").n_updates_
    out = sac(run_dir, "--total-timesteps", str(stopped_at + 150), "--no-plots")
    steps = [e["step"] for e in json.loads((run_dir / "eval.json").read_text())]
    assert steps == sorted(set(steps)) and steps[-1] == stopped_at + 150
    assert "student reset" in out.stdout  # the next period's reset, same teacher
    assert cg.load_teacher(run_dir / "teacher.ckpt").n_updates_ >= n_episodes


def test_plots_read_the_bounds_from_the_run_folder(tmp_path, monkeypatch):
    """A run folder written by hand: run.json's bounds, else args.json's, else the env's defaults."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    rng = np.random.default_rng(0)
    tasks = rng.uniform([0, 0], [9, 6], size=(40, 2))
    np.savez(
        run_dir / "episodes.npz",
        step=np.arange(40),
        task=tasks,
        length=np.full(40, 100),
        **{"return": rng.uniform(-100, 300, 40)},
    )
    test = cg.load_test_set("StumpTracks-v0")[:4]
    (run_dir / "eval.json").write_text(
        json.dumps([{"step": 40, "tasks": test.tolist(), "returns": [[0.0]] * 4, "threshold": 230.0, "mastered": 0.0}])
    )
    (run_dir / "args.json").write_text(json.dumps({"env_id": "StumpTracks-v0", "body": "default", "teacher": "random"}))
    assert run_task_space(run_dir).high.tolist() == [3.0, 6.0]  # an old run: the env's defaults
    (run_dir / "args.json").write_text(
        json.dumps({"env_id": "StumpTracks-v0", "teacher": "random", "task_bounds": [0, 5, 0, 6]})
    )
    assert run_task_space(run_dir).high.tolist() == [5.0, 6.0]
    space = cg.TaskSpace(["stump_height", "obstacle_spacing"], [0, 0], [9, 6])
    (run_dir / "run.json").write_text(json.dumps({"env_id": "StumpTracks-v0", "task_space": space.state_dict()}))
    limits = axis_limits(monkeypatch, run_dir, dims=(1, 0))
    assert all(lim == ((0.0, 6.0), (0.0, 9.0)) for lim in limits["curriculum.png"])
    assert limits["test_returns.png"][0] == ((0.0, 6.0), (0.0, 3.0))
    # the command line: the run's bounds, or bounds given
    assert cli.main(["plot", str(run_dir)]) == 0
    limits = axis_limits(monkeypatch, run_dir, task_space=space.with_bounds([(0, 4), (0, 6)]))
    assert limits["curriculum.png"][0] == ((0.0, 4.0), (0.0, 6.0))
    assert cli.main(["plot", str(run_dir), "--task-bounds", "0", "4", "0", "6"]) == 0
    assert cli.main(["plot", str(run_dir), "--task-bounds", "0", "4", "0"]) == 2
