"""benchmarks/learning.py: runs resume after an interruption, a time budget, the summary, and Ray."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test here trains in a subprocess

pytest.importorskip("torch")
pytest.importorskip("tyro")
pytest.importorskip("scipy")
ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "learning.py"
# tiny SAC runs: random actions only (no gradient step), a 1-task evaluation of 30 steps
TINY_SAC = [
    "--",
    "--learning-starts",
    "1000000",
    "--buffer-size",
    "10000",
    "--batch-size",
    "16",
    "--hidden",
    "16",
    "--eval-tasks",
    "1",
    "--eval-max-steps",
    "30",
    "--no-plots",
]


def benchmark(out, *args, check=True):
    cmd = [
        sys.executable,
        "-W",
        "ignore",
        str(SCRIPT),
        "--algo",
        "sac",
        "--teachers",
        "random",
        "--workers",
        "2",
        "--out",
        str(out),
        *args,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def eval_steps(run_dir):
    return [e["step"] for e in json.loads((run_dir / "eval.json").read_text())]


def test_interrupted_runs_are_summarised_then_resumed_then_skipped(tmp_path):
    out, runs = tmp_path / "bench", tmp_path / "bench" / "runs"
    # 1. a time budget far too short for the step budget: the runs checkpoint and stop; what they reached is summarised
    first = benchmark(
        out, "--seeds", "2", "--total-timesteps", "1000000", "--eval-every", "50", "--max-minutes", "0.3", *TINY_SAC
    )
    assert first.stdout.count("stopped at the time limit") == 2, first.stdout
    summary = json.loads((out / "summary.json").read_text())
    step = summary["step"]
    assert step >= 50 and step == min(max(eval_steps(runs / f"sac__random__{s}")) for s in (1, 2))
    assert summary["teachers"]["random"]["at_step"]["n"] == 2 and not any(
        r["finished"] for r in summary["runs"].values()
    )
    assert (out / "learning_curves.png").stat().st_size > 5000
    stopped_at = {s: json.loads((runs / f"sac__random__{s}" / "run.json").read_text())["global_step"] for s in (1, 2)}
    # 2. the same benchmark, rerun with a budget it can finish: each run continues from its checkpoint
    total = max(stopped_at.values()) + 100
    benchmark(out, "--seeds", "2", "--total-timesteps", str(total), "--eval-every", "50", *TINY_SAC)
    for s in (1, 2):
        run_dir = runs / f"sac__random__{s}"
        log = (run_dir / "stdout.txt").read_text()
        assert log.count("$ ") == 2 and "stopped by SIGTERM" in log  # two commands: the first one stopped
        steps = eval_steps(run_dir)
        assert steps == sorted(set(steps)) and steps[-1] == total and steps[0] == 50
        assert json.loads((run_dir / "job.json").read_text())["finished"]
    assert json.loads((out / "summary.json").read_text())["step"] == total
    # 3. rerun again: everything is finished, nothing trains, the summary is the same
    third = benchmark(out, "--seeds", "2", "--total-timesteps", str(total), "--eval-every", "50", *TINY_SAC)
    assert third.stdout.count("finished before, skipped") == 2 and "runs of" not in third.stdout
    # a changed setting would mix runs of two benchmarks in one folder: refused
    mixed = benchmark(
        out, "--seeds", "2", "--total-timesteps", str(total), "--eval-every", "100", *TINY_SAC, check=False
    )
    assert mixed.returncode != 0 and "eval_every" in mixed.stderr


def test_ray_runs_each_job_as_a_task(tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "ray"
    result = benchmark(
        out, "--seeds", "2", "--total-timesteps", "100", "--eval-every", "50", "--ray-address", "local", *TINY_SAC
    )
    assert "on Ray (local)" in result.stdout and result.stdout.count(": finished (") == 2
    for s in (1, 2):
        assert eval_steps(out / "runs" / f"sac__random__{s}") == [50, 100]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["step"] == 100 and summary["teachers"]["random"]["seeds"] == [1, 2]


def test_teacher_options_go_to_the_teachers_that_take_them():
    spec = importlib.util.spec_from_file_location("learning_benchmark", SCRIPT)
    learning = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(learning)
    routed = learning.route_teacher_options(
        ["preset=teachmyagent", "queue_length=5", "random:return_range=[0,1]"], ["alp-gmm", "random", "adr"]
    )
    assert routed == {"alp-gmm": ["preset=teachmyagent"], "random": ["return_range=[0,1]"], "adr": ["queue_length=5"]}
    with pytest.raises(SystemExit, match="none of the teachers"):
        learning.route_teacher_options(["fit_rate=3"], ["random"])
    with pytest.raises(SystemExit, match="is not one of --teachers"):
        learning.route_teacher_options(["riac:max_region_size=3"], ["random"])
