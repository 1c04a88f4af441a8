"""Pictures of a run: where the teacher sent the student, its Gaussians, its returns, and % mastered.

Needs matplotlib (``pip install curriculum-gym[plot]``); the backend is the user's
(``curriculum-gym plot`` picks Agg). ``plot_run(run_dir)`` (also ``curriculum-gym plot
RUN_DIR``) reads a baseline's run folder (PPO, SAC or multi-walker PPO) and writes next
to its data:

- ``curriculum.png``: the training tasks in time slices, coloured by ALP (ALP-GMM, with
  the Gaussians it fitted) or by episode return (``episodes.npz``);
- ``training_returns.png``: every training episode's return against the step it ended at,
  with a moving mean (``episodes.npz``, else TensorBoard's ``charts/episodic_return``);
- ``mastered.png`` and ``test_returns.png``: % of the test set mastered over training and
  the last evaluation's per-task returns (``eval.json``, when the run evaluated).

The curriculum is drawn on the run's own task bounds (``run_task_space``: from
``run.json``, else the teacher checkpoint, else ``args.json``, else the env's defaults);
the test returns on the standard bounds the test set lives in. The return range and the
mastery threshold come from ``run.json`` (``return_range``, ``mastery_threshold``), else
from the env (:func:`run_info`).
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from curriculum_gym.envs.physics import MASTERY_THRESHOLD, RETURN_RANGE
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.gmm import Mixture

#: the PettingZoo env's name, as the multi-walker baseline records it in run.json
MULTIWALKER = "multiwalker_tracks_v0"


def _pyplot():
    """pyplot, with whatever backend the user chose (figures are saved to files, never shown here)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError('plotting needs matplotlib: pip install "curriculum-gym[plot]"') from None
    return plt


def draw_mixture(
    ax: Any,
    mixture: Mixture,
    task_space: TaskSpace,
    dims: Sequence[int] = (0, 1),
    normalized: bool = True,
    cmap: str = "viridis",
    vmax: float | None = None,
) -> None:
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
        ax.add_patch(
            Ellipse(centre, width, height, angle=angle, facecolor=(*colour[:3], 0.35), edgecolor=colour, lw=1.5)
        )


def plot_tasks(
    ax: Any,
    tasks: np.ndarray,
    values: np.ndarray,
    task_space: TaskSpace,
    dims: Sequence[int] = (0, 1),
    label: str = "",
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
) -> Any:
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


def _step_axis(ax: Any, steps: np.ndarray, last_step: float | None = None) -> None:
    """Steps from 0 to a little past the last one (or ``last_step``, the run's): a single point sits inside the run,
    not alone on a tiny axis."""
    last = max(float(np.max(steps)) if len(steps) else 0.0, float(last_step or 0.0))
    ax.set_xlim(0, last * 1.08 if last > 0 else 1.0)
    ax.set_xlabel("environment steps")


def plot_mastered(ax: Any, evals: list[dict[str, Any]], label: str = "", last_step: float | None = None) -> None:
    """% of the test set mastered at each evaluation (``eval.json``'s entries), each value written beside its point
    when there are a few (else the last only); a single evaluation is one labelled point on the run's step axis."""
    steps = np.array([e["step"] for e in evals], dtype=np.float64)
    pct = np.array([100 * e["mastered"] for e in evals], dtype=np.float64)
    ax.plot(steps, pct, marker="o", linestyle="-" if len(evals) > 1 else "none", label=label or None, clip_on=False)
    labelled = range(len(evals)) if len(evals) <= 12 else [len(evals) - 1]
    for k in labelled:
        ax.annotate(
            f"{pct[k]:.0f}%", (steps[k], pct[k]), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8
        )
    _step_axis(ax, steps, last_step)
    ax.set_ylabel("% test tasks mastered")
    ax.set_ylim(0, 105)
    ax.grid(alpha=0.3)


def plot_training_returns(
    ax: Any,
    steps: np.ndarray,
    returns: np.ndarray,
    threshold: float | None = None,
    return_range: Sequence[float] | None = None,
    window: int | None = None,
    last_step: float | None = None,
) -> None:
    """Each training episode's return (a dot at the step it ended) and their moving mean over ``window`` episodes
    (default: a tenth of them, 1 to 100); ``threshold`` as a dashed line; the y axis spans ``return_range`` and the
    returns, the x axis the steps up to ``last_step`` (the run's, when given)."""
    steps, returns = np.asarray(steps, dtype=np.float64), np.asarray(returns, dtype=np.float64)
    order = np.argsort(steps, kind="stable")
    steps, returns = steps[order], returns[order]
    few = len(returns) < 50
    ax.scatter(steps, returns, s=16 if few else 6, alpha=0.8 if few else 0.35, color="tab:blue", label="episode")
    window = min(100, max(1, len(returns) // 10)) if window is None else int(window)
    if 1 < window <= len(returns):
        mean = np.convolve(returns, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1 :], mean, color="tab:blue", lw=2, label=f"mean of the last {window}")
    if threshold is not None:
        ax.axhline(threshold, color="black", ls="--", lw=1, label=f"mastery threshold ({threshold:g})")
    if return_range is not None and len(returns):
        low = min(float(return_range[0]), float(np.min(returns)))
        high = max(float(return_range[1]), float(np.max(returns)))
        margin = 0.04 * (high - low) if high > low else 1.0
        ax.set_ylim(low - margin, high + margin)
    _step_axis(ax, steps, last_step)
    ax.set_ylabel("episode return")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")


def plot_test_returns(
    ax: Any,
    tasks: np.ndarray,
    returns: np.ndarray,
    task_space: TaskSpace,
    dims: Sequence[int] = (0, 1),
    threshold: float = MASTERY_THRESHOLD,
    return_range: Sequence[float] = RETURN_RANGE,
) -> Any:
    """Per-task test returns: a heat map on a grid test set, else a scatter, on the colours of ``return_range``;
    the tasks with a return of at least ``threshold`` (mastered) ringed."""
    i, j = dims
    vmin, vmax = float(return_range[0]), float(return_range[1])
    xs, ys = np.unique(tasks[:, i]), np.unique(tasks[:, j])
    if task_space.dim == 2 and len(xs) > 1 and len(ys) > 1 and len(xs) * len(ys) == len(tasks):
        grid = np.full((len(ys), len(xs)), np.nan)
        for (x, y), r in zip(tasks[:, [i, j]], returns):
            grid[np.searchsorted(ys, y), np.searchsorted(xs, x)] = r
        im = ax.imshow(
            grid,
            origin="lower",
            aspect="auto",
            cmap="RdYlGn",
            vmin=vmin,
            vmax=vmax,
            extent=(xs[0], xs[-1], ys[0], ys[-1]),
        )
    else:
        im = ax.scatter(tasks[:, i], tasks[:, j], c=returns, cmap="RdYlGn", vmin=vmin, vmax=vmax, s=40)
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


def _record(run_dir: Path) -> dict[str, Any]:
    """args.json's flags, overridden by run.json's record (the multi-walker baseline's first runs wrote no run.json)."""
    return {**_read_json(run_dir / "args.json"), **_read_json(run_dir / "run.json")}


def _is_multiwalker(record: dict[str, Any]) -> bool:
    return record.get("env_id") == MULTIWALKER or ("env_id" not in record and "n_walkers" in record)


def _standard_env(record: dict[str, Any]) -> Any:
    """The run's env with its standard settings (unwrapped; its default task space is the test set's), or None
    where it cannot be made here (an unknown ID, PettingZoo missing)."""
    try:
        if _is_multiwalker(record):
            from curriculum_gym.multiagent import multiwalker_tracks_v0

            return multiwalker_tracks_v0.parallel_env(
                n_walkers=int(record.get("n_walkers", 3)),
                track=record.get("track", "stumps"),
                body=record.get("body", "default"),
            )
        env = gym.make(record.get("env_id", "StumpTracks-v0"), body=record.get("body", "default"))
        env.close()
        return env.unwrapped
    except (ImportError, TypeError, ValueError, gym.error.Error):
        return None


def _finite_pair(value: Any) -> tuple[float, float] | None:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return (low, high) if math.isfinite(low) and math.isfinite(high) and low < high else None


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class RunInfo:
    """What the pictures say about a run folder: its env, teacher and the constants its returns are read with.

    Made by :func:`run_info`.

    Example:
        >>> info = RunInfo(env_id="HexagonTracks-v0", teacher="alp-gmm")
        >>> info.title
        'alp-gmm on HexagonTracks-v0'
        >>> RunInfo(env_id="multiwalker_tracks_v0", teacher="none", track="hexagons", n_walkers=3).title
        'no teacher (uniform tasks) on multiwalker_tracks_v0 (hexagons, 3 walkers)'
    """

    env_id: str
    """the Gymnasium ID, or ``"multiwalker_tracks_v0"`` for the PettingZoo env"""
    teacher: str
    """the teacher's name; ``"none"`` when the env drew the tasks (or played one fixed task)"""
    body: str = "default"
    """the walkers' body"""
    track: str | None = None
    """the multi-walker env's track type (``"stumps"``, ``"hexagons"``); None for the Gymnasium IDs"""
    n_walkers: int | None = None
    """the multi-walker env's number of walkers"""
    challenge: str | None = None
    """the TeachMyAgent challenge trained on, if any"""
    fixed_task: bool = False
    """``--teacher none --task ...``: every episode played one task"""
    return_range: tuple[float, float] = RETURN_RANGE
    """the env's return range (the colour scale of test returns)"""
    mastery_threshold: float = MASTERY_THRESHOLD
    """a return of at least this masters a task"""

    @property
    def multiagent(self) -> bool:
        """A run of the multi-walker (PettingZoo) env: its returns are the team's mean."""
        return self.env_id == MULTIWALKER

    @property
    def title(self) -> str:
        """``"<teacher> on <env>"``, with the track, body and challenge where they say something."""
        if self.teacher == "none":
            teacher = "fixed task" if self.fixed_task else "no teacher (uniform tasks)"
        else:
            teacher = self.teacher or "unknown teacher"
        details = []
        if self.multiagent:
            details.append(self.track or "stumps")
            if self.n_walkers is not None:
                details.append(f"{self.n_walkers} walkers")
        if self.body and self.body != "default":
            details.append(f"{self.body} body")
        if self.challenge:
            details.append(self.challenge)
        return f"{teacher} on {self.env_id or 'an unknown env'}" + (f" ({', '.join(details)})" if details else "")


def _run_info(record: dict[str, Any], run_json: dict[str, Any], env: Any) -> RunInfo:
    multiagent = _is_multiwalker(record)
    return_range = _finite_pair(run_json.get("return_range"))
    if return_range is None and env is not None:
        return_range = _finite_pair(getattr(env, "return_range", None))
    threshold = _finite(run_json.get("mastery_threshold"))
    if threshold is None and env is not None:
        threshold = _finite(getattr(env, "mastery_threshold", None))
    n_walkers = record.get("n_walkers", 3) if multiagent else None
    return RunInfo(
        env_id=MULTIWALKER if multiagent else str(record.get("env_id") or "StumpTracks-v0"),
        teacher=str(record.get("teacher") or ""),
        body=str(record.get("body") or "default"),
        track=str(record.get("track") or "stumps") if multiagent else None,
        n_walkers=int(n_walkers) if isinstance(n_walkers, int) else None,
        challenge=record.get("challenge") or None,
        fixed_task=bool(record.get("task")),
        return_range=RETURN_RANGE if return_range is None else return_range,
        mastery_threshold=MASTERY_THRESHOLD if threshold is None else threshold,
    )


def run_info(run_dir: str | Path) -> RunInfo:
    """The env, teacher, return range and mastery threshold of a baseline's run folder.

    Read from ``run.json`` (``return_range``, ``mastery_threshold``), else from the
    run's env (its ``return_range`` and ``mastery_threshold`` attributes), else the
    walkers' values ([-150, 350], 230). A multi-walker run is recognised by
    ``run.json``'s ``env_id`` or, in an older folder with only ``args.json``, by its
    ``n_walkers`` flag.
    """
    run_dir = Path(run_dir)
    record, run_json = _record(run_dir), _read_json(run_dir / "run.json")
    needs_env = _finite_pair(run_json.get("return_range")) is None or _finite(run_json.get("mastery_threshold")) is None
    return _run_info(record, run_json, _standard_env(record) if needs_env else None)


def _standard_space(record: dict[str, Any], env: Any) -> TaskSpace | None:
    """The env's default task space (where the test set lives) for the run's env and body; None if unknown."""
    if isinstance(record.get("eval_task_space"), dict):
        return TaskSpace.from_state_dict(record["eval_task_space"])
    return getattr(env, "task_space", None)


def run_task_space(run_dir: str | Path) -> TaskSpace:
    """The task space a run trained on, its bounds included.

    Read from the run folder: ``run.json``'s ``task_space`` (written by the baselines),
    else the teacher checkpoint's space, else ``args.json``'s ``task_bounds`` (low high
    per parameter) on the env's defaults; a run folder with none of these (an old run)
    gets the env's default bounds (the multi-walker env's, on its track, for a
    multi-walker run).
    """
    return _run_task_space(Path(run_dir), None)


def _run_task_space(run_dir: Path, env: Any) -> TaskSpace:
    """:func:`run_task_space`, with the run's standard env if already made (else made when needed)."""
    record = _read_json(run_dir / "run.json")
    if isinstance(record.get("task_space"), dict):
        return TaskSpace.from_state_dict(record["task_space"])
    if (run_dir / "teacher.ckpt").exists():
        from curriculum_gym import checkpoint

        try:
            return TaskSpace.from_state_dict(checkpoint.load_state(run_dir / "teacher.ckpt")["task_space"])
        except (KeyError, TypeError, ValueError, OSError):
            pass
    full = _record(run_dir)
    space = _standard_space(full, _standard_env(full) if env is None else env)
    if space is None:
        raise ValueError(
            f"cannot tell the task space of {run_dir}: no task_space in run.json, no teacher.ckpt, and "
            f"its env ({full.get('env_id', 'StumpTracks-v0')!r}) cannot be made here"
        )
    bounds = _read_json(run_dir / "args.json").get("task_bounds") or []
    flat = np.asarray(bounds, dtype=np.float64).reshape(-1)
    if len(flat) == 2 * space.dim:
        return space.with_bounds(flat.reshape(-1, 2).tolist())
    return space


def _episodes(run_dir: Path) -> dict[str, np.ndarray] | None:
    """``episodes.npz`` (step, task, return per training episode), or None without one."""
    path = run_dir / "episodes.npz"
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            data = {key: np.asarray(f[key]) for key in ("step", "task", "return")}
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{path} is not an episode log (step, task, return arrays): {exc}") from None
    n = len(data["return"])
    if len(data["step"]) != n or len(data["task"]) != n:
        raise ValueError(
            f"{path}: step, task and return have different lengths ({len(data['step'])}, {len(data['task'])}, {n})"
        )
    return data


def _tensorboard_returns(run_dir: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """``charts/episodic_return`` from the run's TensorBoard events (steps, returns), or None (no tensorboard, no
    events, no such tag)."""
    if not any(run_dir.glob("events.out.tfevents.*")):
        return None
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        return None
    try:
        events = EventAccumulator(str(run_dir), size_guidance={"scalars": 0}).Reload().Scalars("charts/episodic_return")
    except (KeyError, OSError, ValueError):
        return None
    if not events:
        return None
    return np.array([e.step for e in events], dtype=np.float64), np.array([e.value for e in events], dtype=np.float64)


def _save(plt: Any, fig: Any, path: Path, written: list[Path]) -> None:
    fig.savefig(path, dpi=90)
    plt.close(fig)
    written.append(path)


def plot_run(
    run_dir: str | Path, dims: Sequence[int] = (0, 1), slices: int = 4, task_space: TaskSpace | None = None
) -> list[Path]:
    """Write a baseline run folder's pictures and return their paths.

    ``curriculum.png`` (always), ``training_returns.png`` (when the run recorded an
    episode), ``mastered.png`` and ``test_returns.png`` (when it evaluated). The
    curriculum is drawn on ``task_space`` (default: ``run_task_space(run_dir)``, the
    bounds the run trained on), projected on the parameters ``dims``, with the standard
    bounds of the test set dashed where they differ; the test returns on the standard
    bounds. Titles name the teacher and the env (:attr:`RunInfo.title`).

    Raises:
        FileNotFoundError: no folder at ``run_dir``.
        ValueError: bad ``dims``, or files that do not fit the run's task space.
    """
    from curriculum_gym.teachers import ALPGMM, load_teacher

    plt = _pyplot()
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"no run folder at {run_dir}")
    record, run_json = _record(run_dir), _read_json(run_dir / "run.json")
    env = _standard_env(record)  # made once: the constants' and the test set's source
    info = _run_info(record, run_json, env)
    space = _run_task_space(run_dir, env) if task_space is None else task_space
    eval_space = _standard_space(record, env)
    standard = eval_space if eval_space is not None and eval_space.names == space.names else None  # a challenge's
    dims = tuple(int(d) for d in dims)  # own parameters: the test set is not in this space
    if len(dims) != 2 or not all(0 <= d < space.dim for d in dims) or dims[0] == dims[1]:
        raise ValueError(f"dims must be two different parameter indices in [0, {space.dim - 1}]; got {dims}")
    written: list[Path] = []
    last_step = _finite(run_json.get("global_step"))  # the run's last step (the x axes' end)
    return_label = "team's mean episode return" if info.multiagent else "episode return"

    def mark_standard(ax: Any) -> None:
        """The standard bounds (the test set's), dashed, where the run's differ."""
        if standard is None or standard == space:
            return
        from matplotlib.patches import Rectangle

        i, j = dims
        ax.add_patch(
            Rectangle(
                (standard.low[i], standard.low[j]),
                standard.width[i],
                standard.width[j],
                fill=False,
                linestyle="--",
                edgecolor="grey",
                lw=1,
                label="test set bounds",
            )
        )

    # 1. the curriculum: sampled tasks in time slices, with ALP-GMM's Gaussians
    episodes = _episodes(run_dir)
    teacher = load_teacher(run_dir / "teacher.ckpt") if (run_dir / "teacher.ckpt").exists() else None
    alp_gmm = isinstance(teacher, ALPGMM)
    if alp_gmm and len(teacher.history_):
        tasks = teacher.history_.tasks
        tasks = teacher.task_space.denormalize(tasks) if teacher.normalize_tasks else tasks
        values, what = teacher.alp_history, "ALP"
        n = min(len(tasks), len(values))  # with max_history both hold the last episodes, not always as many
        tasks, values = tasks[len(tasks) - n :], values[len(values) - n :]
        first = teacher.n_updates_ - n  # the episode before the oldest shown
    elif episodes is not None and len(episodes["return"]):
        tasks = episodes["task"].reshape(len(episodes["return"]), -1)
        values, what, first = episodes["return"].astype(np.float64), return_label, 0
    else:
        tasks, values, what, first = np.empty((0, space.dim)), np.empty(0), "", 0
    if tasks.shape[1] != space.dim:
        raise ValueError(
            f"the training tasks recorded in {run_dir} have {tasks.shape[1]} parameters; the run's task "
            f"space has {space.dim} ({', '.join(space.names)})"
        )
    if not len(tasks):  # nothing to show: an empty task space, with the reason
        fig, ax = plt.subplots(figsize=(5.4, 4), constrained_layout=True)
        reason = "no finished training episode yet" if episodes is not None else "no training tasks recorded"
        plot_tasks(ax, tasks, values, space, dims, reason)
        mark_standard(ax)
        fig.suptitle(textwrap.fill(info.title, 60), fontsize=10)
        _save(plt, fig, run_dir / "curriculum.png", written)
    else:
        n_slices = max(1, min(slices, len(tasks)))
        fig, axes = plt.subplots(1, n_slices, figsize=(3.6 * n_slices + 1, 3.6), squeeze=False, constrained_layout=True)
        bounds = np.linspace(0, len(tasks), n_slices + 1).astype(int)
        vmin, vmax = float(np.min(values)), float(np.max(values)) if np.max(values) > np.min(values) else None
        sc, gaussians = None, False
        for k, ax in enumerate(axes[0]):
            lo, hi = bounds[k], bounds[k + 1]
            sc = plot_tasks(
                ax,
                tasks[lo:hi],
                values[lo:hi],
                space,
                dims,
                f"episodes {first + lo}-{first + hi}",
                vmin=vmin,
                vmax=vmax,
            )
            mark_standard(ax)
            if alp_gmm:
                fits = [m for e, m in teacher.fits_ if e <= first + hi]
                if fits:
                    draw_mixture(ax, fits[-1], teacher.task_space, dims, normalized=teacher.normalize_tasks)
                    gaussians = True
        fig.colorbar(sc, ax=axes[0].tolist(), label=what)
        extra = ", with ALP-GMM's Gaussians" if gaussians else " (no mixture fitted yet)" if alp_gmm else ""
        fig.suptitle(f"{info.title}: training tasks, coloured by {what}{extra}", fontsize=10)
        _save(plt, fig, run_dir / "curriculum.png", written)

    # 2. the training returns: every episode's, and their moving mean
    if episodes is not None and len(episodes["return"]):
        returns = (episodes["step"], episodes["return"])
    else:
        returns = _tensorboard_returns(run_dir) if episodes is None else None
    if returns is not None:
        fig, ax = plt.subplots(figsize=(6, 3.8), constrained_layout=True)
        plot_training_returns(
            ax, *returns, threshold=info.mastery_threshold, return_range=info.return_range, last_step=last_step
        )
        ax.set_ylabel(return_label)
        ax.set_title(f"{info.title}\ntraining returns ({len(returns[1])} episodes)", fontsize=10)
        _save(plt, fig, run_dir / "training_returns.png", written)

    # 3. % mastered over training, 4. the last evaluation's per-task returns
    evals = json.loads((run_dir / "eval.json").read_text()) if (run_dir / "eval.json").exists() else []
    if evals:
        last = evals[-1]
        threshold = _finite(last.get("threshold"))  # the evaluation's own, else the run's
        threshold = info.mastery_threshold if threshold is None else threshold
        fig, ax = plt.subplots(figsize=(5, 3.5), constrained_layout=True)
        plot_mastered(ax, evals, last_step=last_step)
        n_tasks = len(last.get("tasks", []))
        ax.set_title(f"{info.title}\n% of {n_tasks} test tasks mastered (return >= {threshold:g})", fontsize=10)
        _save(plt, fig, run_dir / "mastered.png", written)

        tasks = np.array(last.get("tasks", []), dtype=np.float64)
        if eval_space is not None and tasks.ndim == 2 and tasks.shape[1] == eval_space.dim and len(tasks):
            test_dims = dims if max(dims) < eval_space.dim else (0, 1)
            fig, ax = plt.subplots(figsize=(5, 4), constrained_layout=True)
            im = plot_test_returns(
                ax,
                tasks,
                np.array(last["returns"], dtype=np.float64).reshape(len(tasks), -1).mean(axis=1),
                eval_space,
                test_dims,
                threshold,
                info.return_range,
            )
            fig.colorbar(im, ax=ax, label="test return")
            ax.set_title(
                f"{info.title}\ntest returns at step {last['step']}: {100 * last['mastered']:.0f}% mastered",
                fontsize=10,
            )
            _save(plt, fig, run_dir / "test_returns.png", written)
    return written
