"""Pictures of a curriculum: where the teacher sent the student, its Gaussians, and % mastered.

Needs matplotlib (``pip install curriculum-gym[plot]``). ``plot_run(run_dir)``
(also ``curriculum-gym plot RUN_DIR``) reads a baseline's run folder and writes
``curriculum.png``, ``mastered.png`` and ``test_returns.png`` next to its data.
The curriculum is drawn on the run's own task bounds (``run_task_space``: from
``run.json``, else the teacher checkpoint, else ``args.json``, else the env's
defaults); the test returns on the standard bounds the test set lives in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.gmm import Mixture


def _pyplot():
    """pyplot, with whatever backend the user chose (figures are saved to files, never shown here)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError('plotting needs matplotlib: pip install "curriculum-gym[plot]"') from None
    return plt


def draw_mixture(ax: Any, mixture: Mixture, task_space: TaskSpace, dims: Sequence[int] = (0, 1),
                 normalized: bool = True, cmap: str = "viridis", vmax: float | None = None) -> None:
    """Draw each Gaussian of an ALP-GMM mixture as a 2-sigma ellipse in ``dims``, coloured by its mean ALP."""
    from matplotlib.patches import Ellipse

    plt = _pyplot()
    i, j = dims
    alps = mixture.means[:, -1]
    vmax = float(max(alps.max(), 1e-9)) if vmax is None else vmax
    scale = task_space.width[[i, j]] if normalized else np.ones(2)
    offset = task_space.low[[i, j]] if normalized else np.zeros(2)
    for mean, cov, alp in zip(mixture.means, mixture.covariances, alps):
        centre = offset + mean[[i, j]] * scale
        sub = cov[np.ix_([i, j], [i, j])] * np.outer(scale, scale)
        values, vectors = np.linalg.eigh(sub)
        angle = np.degrees(np.arctan2(vectors[1, -1], vectors[0, -1]))
        width, height = 2 * 2 * np.sqrt(np.maximum(values[::-1], 0))
        colour = plt.get_cmap(cmap)(min(alp / vmax, 1.0))
        ax.add_patch(Ellipse(centre, width, height, angle=angle, facecolor=(*colour[:3], 0.35), edgecolor=colour, lw=1.5))


def plot_tasks(ax: Any, tasks: np.ndarray, values: np.ndarray, task_space: TaskSpace, dims: Sequence[int] = (0, 1),
               label: str = "", cmap: str = "viridis", vmin: float | None = None, vmax: float | None = None) -> Any:
    """Scatter ``tasks`` in two dimensions, coloured by ``values`` (ALP or return)."""
    i, j = dims
    # not clipped: tasks on the bounds (ADR's and the oracle's easy corner) stay visible
    sc = ax.scatter(tasks[:, i], tasks[:, j], c=values, s=6, cmap=cmap, vmin=vmin, vmax=vmax, clip_on=False)
    ax.set_xlim(task_space.low[i], task_space.high[i])
    ax.set_ylim(task_space.low[j], task_space.high[j])
    ax.set_xlabel(task_space.names[i])
    ax.set_ylabel(task_space.names[j])
    if label:
        ax.set_title(label, fontsize=9)
    return sc


def plot_mastered(ax: Any, evals: list[dict[str, Any]], label: str = "") -> None:
    steps = [e["step"] for e in evals]
    ax.plot(steps, [100 * e["mastered"] for e in evals], marker="o", label=label or None)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("% test tasks mastered")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)


def plot_test_returns(ax: Any, tasks: np.ndarray, returns: np.ndarray, task_space: TaskSpace,
                      dims: Sequence[int] = (0, 1), threshold: float = 230.0) -> Any:
    """Per-task test returns: a heat map on a grid test set, else a scatter; mastered tasks ringed."""
    i, j = dims
    xs, ys = np.unique(tasks[:, i]), np.unique(tasks[:, j])
    if task_space.dim == 2 and len(xs) * len(ys) == len(tasks):
        grid = np.full((len(ys), len(xs)), np.nan)
        for (x, y), r in zip(tasks[:, [i, j]], returns):
            grid[np.searchsorted(ys, y), np.searchsorted(xs, x)] = r
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="RdYlGn", vmin=-150, vmax=350,
                       extent=(xs[0], xs[-1], ys[0], ys[-1]))
    else:
        im = ax.scatter(tasks[:, i], tasks[:, j], c=returns, cmap="RdYlGn", vmin=-150, vmax=350, s=40)
        ax.set_xlim(task_space.low[i], task_space.high[i])
        ax.set_ylim(task_space.low[j], task_space.high[j])
    good = returns >= threshold
    ax.scatter(tasks[good, i], tasks[good, j], facecolors="none", edgecolors="black", s=90, label="mastered")
    ax.set_xlabel(task_space.names[i])
    ax.set_ylabel(task_space.names[j])
    return im


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _standard_space(run_dir: Path) -> TaskSpace:
    """The env's default task space (where the test set lives) for the run's env and body."""
    import gymnasium as gym

    record = {**_read_json(run_dir / "args.json"), **_read_json(run_dir / "run.json")}
    if isinstance(record.get("eval_task_space"), dict):
        return TaskSpace.from_state_dict(record["eval_task_space"])
    return gym.make(record.get("env_id", "StumpTracks-v0"), body=record.get("body", "default")).unwrapped.task_space


def run_task_space(run_dir: str | Path) -> TaskSpace:
    """The task space a run trained on, its bounds included.

    Read from the run folder: ``run.json``'s ``task_space`` (written by the baselines),
    else the teacher checkpoint's space, else ``args.json``'s ``task_bounds`` (low high
    per parameter) on the env's defaults; a run folder with none of these (an old run)
    gets the env's default bounds.
    """
    run_dir = Path(run_dir)
    record = _read_json(run_dir / "run.json")
    if isinstance(record.get("task_space"), dict):
        return TaskSpace.from_state_dict(record["task_space"])
    if (run_dir / "teacher.ckpt").exists():
        from curriculum_gym import checkpoint

        try:
            return TaskSpace.from_state_dict(checkpoint.load_state(run_dir / "teacher.ckpt")["task_space"])
        except (KeyError, TypeError, ValueError, OSError):
            pass
    space = _standard_space(run_dir)
    bounds = _read_json(run_dir / "args.json").get("task_bounds") or []
    flat = np.asarray(bounds, dtype=np.float64).reshape(-1)
    if len(flat) == 2 * space.dim:
        return space.with_bounds(flat.reshape(-1, 2).tolist())
    return space


def plot_run(run_dir: str | Path, dims: Sequence[int] = (0, 1), slices: int = 4,
             task_space: TaskSpace | None = None) -> list[Path]:
    """Write curriculum.png, mastered.png and test_returns.png for a baseline run folder.

    The curriculum is drawn on ``task_space`` (default: ``run_task_space(run_dir)``, the
    bounds the run trained on), with the standard bounds of the test set dashed where
    they differ; the test returns on the standard bounds.
    """
    from curriculum_gym.teachers import ALPGMM, load_teacher

    plt = _pyplot()
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"no run folder at {run_dir}")
    args = {**_read_json(run_dir / "args.json"), **_read_json(run_dir / "run.json")}
    space = run_task_space(run_dir) if task_space is None else task_space
    standard = _standard_space(run_dir)
    if standard.names != space.names:  # a challenge's own parameters: the test set is not in this space
        standard = None
    dims = tuple(int(d) for d in dims)
    if len(dims) != 2 or not all(0 <= d < space.dim for d in dims) or dims[0] == dims[1]:
        raise ValueError(f"dims must be two different parameter indices in [0, {space.dim - 1}]; got {dims}")
    written = []

    def mark_standard(ax: Any) -> None:
        """The standard bounds (the test set's), dashed, where the run's differ."""
        if standard is None or standard == space:
            return
        from matplotlib.patches import Rectangle

        i, j = dims
        ax.add_patch(Rectangle((standard.low[i], standard.low[j]), standard.width[i], standard.width[j], fill=False,
                               linestyle="--", edgecolor="grey", lw=1, label="test set bounds"))

    # 1. the curriculum: sampled tasks in time slices, with ALP-GMM's Gaussians
    teacher = load_teacher(run_dir / "teacher.ckpt") if (run_dir / "teacher.ckpt").exists() else None
    if isinstance(teacher, ALPGMM) and len(teacher.history_):
        tasks = teacher.history_.tasks
        tasks = teacher.task_space.denormalize(tasks) if teacher.normalize_tasks else tasks
        values, what = teacher.alp_history, "ALP"
        n = min(len(tasks), len(values))  # with max_history both hold the last episodes, not always as many
        tasks, values = tasks[len(tasks) - n:], values[len(values) - n:]
        first = teacher.n_updates_ - n  # the episode before the oldest shown
    elif (run_dir / "episodes.npz").exists():
        with np.load(run_dir / "episodes.npz", allow_pickle=False) as f:
            tasks, values, what = f["task"], f["return"], "episode return"
        first = 0
    else:
        tasks, values, what = np.empty((0, space.dim)), np.empty(0), ""
        first = 0
    if not len(tasks):  # no finished episode yet: an empty task space, said so
        fig, ax = plt.subplots(figsize=(4.6, 3.6), constrained_layout=True)
        plot_tasks(ax, tasks, values, space, dims, "no finished training episode yet")
        mark_standard(ax)
        path = run_dir / "curriculum.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    else:
        n_slices = max(1, min(slices, len(tasks)))
        fig, axes = plt.subplots(1, n_slices, figsize=(3.6 * n_slices + 1, 3.6), squeeze=False, constrained_layout=True)
        bounds = np.linspace(0, len(tasks), n_slices + 1).astype(int)
        vmin, vmax = float(np.min(values)), float(np.max(values)) if np.max(values) > np.min(values) else None
        sc = None
        for k, ax in enumerate(axes[0]):
            lo, hi = bounds[k], bounds[k + 1]
            sc = plot_tasks(ax, tasks[lo:hi], values[lo:hi], space, dims, f"episodes {first + lo}-{first + hi}",
                            vmin=vmin, vmax=vmax)
            mark_standard(ax)
            if isinstance(teacher, ALPGMM):
                fits = [m for e, m in teacher.fits_ if e <= first + hi]
                if fits:
                    draw_mixture(ax, fits[-1], teacher.task_space, dims, normalized=teacher.normalize_tasks)
        fig.colorbar(sc, ax=axes[0].tolist(), label=what)
        challenge = f" ({args['challenge']})" if args.get("challenge") else ""
        fig.suptitle(f"{args.get('teacher', '')} curriculum on {args.get('env_id', '')}{challenge}: sampled tasks"
                     + (" and Gaussians (coloured by ALP)" if isinstance(teacher, ALPGMM) else ""), fontsize=10)
        path = run_dir / "curriculum.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

    # 2. % mastered over training, 3. the last evaluation's per-task returns
    evals = json.loads((run_dir / "eval.json").read_text()) if (run_dir / "eval.json").exists() else []
    if evals:
        fig, ax = plt.subplots(figsize=(5, 3.5), constrained_layout=True)
        plot_mastered(ax, evals)
        ax.set_title(f"{args.get('teacher', '')} on {args.get('env_id', '')}", fontsize=10)
        path = run_dir / "mastered.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

        last = evals[-1]
        fig, ax = plt.subplots(figsize=(5, 4), constrained_layout=True)
        im = plot_test_returns(ax, np.array(last["tasks"]), np.array(last["returns"]).mean(axis=1),
                               _standard_space(run_dir), dims, last.get("threshold", 230.0))
        fig.colorbar(im, ax=ax, label="test return")
        ax.set_title(f"test returns at step {last['step']}: {100 * last['mastered']:.0f}% mastered", fontsize=10)
        path = run_dir / "test_returns.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    return written
