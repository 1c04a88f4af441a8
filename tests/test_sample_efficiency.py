"""benchmarks/sample_efficiency.py: when a run counts as having reached the target, and a smoke run."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "sample_efficiency.py"


def _module():
    spec = importlib.util.spec_from_file_location("sample_efficiency", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reached_is_the_first_window_whose_mean_meets_the_target():
    se = _module()
    episodes = [(100 * i, float(i), r) for i, r in enumerate([0, 100, 300, 200, 260, 240])]
    assert se.reached(episodes, 230, 2) == (300, 3.0)  # (300 + 200) / 2 = 250 at the 4th episode
    assert se.reached(episodes, 250, 3) == (400, 4.0)  # (300 + 200 + 260) / 3 = 253 at the 5th episode
    assert se.reached(episodes, 1000, 1) is None
    assert se.reached(episodes[:1], 0, 2) is None  # fewer episodes than the window
    summary = se.summary("ours-ppo", 1, episodes, 230, 2)
    assert summary["reached"] and summary["steps"] == 300 and summary["best_mean_return"] == 250.0


@pytest.mark.slow
def test_smoke_run_of_ours_and_sb3(tmp_path):
    pytest.importorskip("stable_baselines3")
    pytest.importorskip("tensorboard")
    out = tmp_path / "se.json"
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore",
            str(SCRIPT),
            "--algos",
            "ours-ppo",
            "sb3-ppo",
            "--seeds",
            "1",
            "--max-minutes",
            "0.3",
            "--target",
            "-1000",
            "--window",
            "2",
            "--jobs",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    runs = json.loads(out.read_text())["runs"]
    assert [r["algo"] for r in runs] == ["ours-ppo", "sb3-ppo"]  # in order, though trained at once (--jobs 2)
    assert all(r["reached"] and r["steps"] > 0 for r in runs)  # any two episodes beat -1000
    assert "ours / SB3 wall-clock" in done.stdout
