"""`curriculum-gym plot` on every kind of run folder the baselines write, built here without training.

``make_run`` writes the files the baselines write (args.json, run.json, teacher.ckpt,
episodes.npz, eval.json, TensorBoard events), in their formats: PPO and SAC on stumps
and hexagons, the multi-walker PPO on stumps and hexagons (with run.json and
episodes.npz, and the first version's folders with args.json and TensorBoard only),
with ALP-GMM (with and without fitted Gaussians), a random teacher or none, and none,
one or several evaluations.
"""

import json
from pathlib import Path
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest

import curriculum_gym as cg
from curriculum_gym import cli, plotting

pytest.importorskip("matplotlib")

MW = "multiwalker_tracks_v0"
TEST_RETURNS = [250.0, -50.0, 10.0, 300.0]  # per test task: with the walkers' threshold (230) half are mastered


def task_space_of(env_id, track):
    if env_id == MW:
        from curriculum_gym.multiagent import multiwalker_tracks_v0

        return multiwalker_tracks_v0.parallel_env(track=track).task_space
    return gym.make(env_id).unwrapped.task_space


def make_run(
    root,
    name,
    *,
    algo="ppo",
    env_id="StumpTracks-v0",
    track=None,
    teacher="alp-gmm",
    episodes=60,
    evals=2,
    run_json=True,
    episodes_file=True,
    tensorboard=False,
    constants=None,
    eval_threshold=True,
):
    """A run folder as the baselines write it (see the module docstring); returns its path.

    ``constants``: run.json's ``return_range`` and ``mastery_threshold`` (None: left out, as before they existed).
    """
    run = Path(root) / name
    run.mkdir()
    rng = np.random.default_rng(0)
    space = task_space_of(env_id, track)
    multi = env_id == MW
    args = (
        {"n_walkers": 3, "track": track, "body": "default", "teacher": teacher, "seed": 1, "max_cycles": 500}
        if multi
        else {"env_id": env_id, "body": "default", "teacher": teacher, "task_bounds": [], "seed": 1}
    )
    (run / "args.json").write_text(json.dumps(args))

    # training: the teacher (if any) picks each task, the env draws them uniformly otherwise
    tutor = None
    if teacher != "none":
        options = {"fit_rate": 20, "potential_ks": [2]} if teacher == "alp-gmm" else {}
        tutor = cg.make_teacher(teacher, space, seed=0, return_range=(-150.0, 350.0), **options)
    steps, tasks, returns = [], [], []
    step = 0
    for k in range(episodes):
        task = tutor.sample() if tutor is not None else space.sample(rng)
        ret = float(-120 + 2 * k + rng.normal(0, 10))  # a student that improves
        step += int(rng.integers(40, 200))
        if tutor is not None:
            tutor.update(task, ret)
        steps.append(step), tasks.append(task), returns.append(ret)
    if tutor is not None:
        tutor.save(run / "teacher.ckpt")
    if episodes_file:
        np.savez(
            run / "episodes.npz",
            step=np.array(steps, dtype=np.int64),
            task=np.array(tasks, dtype=np.float64).reshape(-1, space.dim),
            **{"return": np.array(returns, dtype=np.float64)},
            length=np.full(len(steps), 100, dtype=np.int64),
        )
    if tensorboard:  # what torch's SummaryWriter.add_scalar writes, without importing torch
        pytest.importorskip("tensorboard")
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        writer = EventFileWriter(str(run))
        for s, r in zip(steps, returns):
            value = Summary.Value(tag="charts/episodic_return", simple_value=r)
            writer.add_event(Event(wall_time=1.7e9 + s, step=s, summary=Summary(value=[value])))
        writer.close()

    if evals:
        test = (cg.load_test_set(env_id) if hasattr(cg, "load_test_set") else cg.test_set(env_id))[:4]
        mastered = float(np.mean(np.array(TEST_RETURNS) >= 230))
        records = []
        for k in range(evals):
            record = {
                "step": (k + 1) * 1000,
                "tasks": test.tolist(),
                "returns": [[r] for r in TEST_RETURNS],
                "lengths": [[100]] * 4,
                "mastered": mastered,
            }
            if eval_threshold:
                record["threshold"] = 230.0
            records.append(record)
        (run / "eval.json").write_text(json.dumps(records))

    if run_json:
        record = {
            "algo": algo,
            "env_id": env_id,
            "body": "default",
            "seed": 1,
            "teacher": teacher,
            "teacher_options": tutor.get_options() if tutor is not None else {},
            "task": None,
            "task_space": space.state_dict(),
            "total_timesteps": step,
            "global_step": step,
            "finished": True,
        }
        if multi:
            record.update(n_walkers=3, track=track)
        else:
            record.update(task_bounds=None, eval_task_space=space.state_dict(), challenge=None)
        if constants is not None:
            record.update(return_range=list(constants[0]), mastery_threshold=constants[1])
        (run / "run.json").write_text(json.dumps(record))
    return run


def capture_figures(monkeypatch, render):
    """Each saved figure, by file name: its suptitle, axes titles, axes and the figure itself; ``render=False``
    skips drawing the PNG (what is checked is set on the axes before)."""
    from matplotlib.figure import Figure

    saved, save = {}, Figure.savefig

    def capture(fig, path, *a, **k):
        titles = [ax.get_title() for ax in fig.axes]
        saved[Path(path).name] = SimpleNamespace(suptitle=fig.get_suptitle(), titles=titles, axes=fig.axes, fig=fig)
        return save(fig, path, *a, **k) if render else None

    monkeypatch.setattr(Figure, "savefig", capture)
    return saved


@pytest.fixture
def figures(monkeypatch):
    """The figures plot_run saves (drawn and written)."""
    return capture_figures(monkeypatch, render=True)


@pytest.fixture
def axes_of(monkeypatch):
    """The figures plot_run saves, not drawn: for checks of their axes only."""
    return capture_figures(monkeypatch, render=False)


def ellipses(fig):
    from matplotlib.patches import Ellipse

    return sum(isinstance(p, Ellipse) for ax in fig.axes for p in ax.patches)


# name, make_run options, what the titles name, Gaussians drawn
RUNS = [
    ("ppo-stumps-alp-gmm", dict(evals=3), "alp-gmm on StumpTracks-v0", True),
    ("ppo-hexagons-alp-gmm", dict(env_id="HexagonTracks-v0", evals=1), "alp-gmm on HexagonTracks-v0", True),
    ("sac-stumps-none", dict(algo="sac", teacher="none"), "no teacher (uniform tasks) on StumpTracks-v0", False),
    ("sac-stumps-alp-gmm-unfitted", dict(algo="sac", episodes=12, evals=0), "alp-gmm on StumpTracks-v0", False),
    (
        "mw-stumps-random",
        dict(env_id=MW, track="stumps", teacher="random", evals=0),
        "random on multiwalker_tracks_v0 (stumps, 3 walkers)",
        False,
    ),
    (
        "mw-hexagons-alp-gmm",
        dict(env_id=MW, track="hexagons", evals=0),
        "alp-gmm on multiwalker_tracks_v0 (hexagons, 3 walkers)",
        True,
    ),
    (
        "mw-hexagons-none",
        dict(env_id=MW, track="hexagons", teacher="none", evals=0),
        "no teacher (uniform tasks) on multiwalker_tracks_v0 (hexagons, 3 walkers)",
        False,
    ),
    # the multi-walker baseline's first folders: args.json, teacher.ckpt and TensorBoard events only
    (
        "mw-hexagons-alp-gmm-args-only",
        dict(env_id=MW, track="hexagons", evals=0, run_json=False, episodes_file=False, tensorboard=True),
        "alp-gmm on multiwalker_tracks_v0 (hexagons, 3 walkers)",
        True,
    ),
    (
        "mw-hexagons-none-args-only",
        dict(
            env_id=MW, track="hexagons", teacher="none", evals=0, run_json=False, episodes_file=False, tensorboard=True
        ),
        "no teacher (uniform tasks) on multiwalker_tracks_v0 (hexagons, 3 walkers)",
        False,
    ),
]


@pytest.mark.parametrize("name, options, title, gaussians", RUNS, ids=[r[0] for r in RUNS])
def test_plot_command_draws_every_run_type(tmp_path, capsys, figures, name, options, title, gaussians):
    if options.get("env_id") == MW:
        pytest.importorskip("pettingzoo")
    run = make_run(tmp_path, name, **options)
    assert cli.main(["plot", str(run)]) == 0
    expected = ["curriculum.png", "training_returns.png"] + (
        ["mastered.png", "test_returns.png"] if options.get("evals", 2) else []
    )
    out = capsys.readouterr().out.split()
    assert [Path(p).name for p in out] == expected
    for png in expected:
        assert (run / png).stat().st_size > 5000, png
        text = " ".join((figures[png].suptitle + " " + " ".join(figures[png].titles)).split())  # wrapped titles
        assert title in text, (png, text)
    assert not (set(p.name for p in run.glob("*.png")) - set(expected))

    curriculum = figures["curriculum.png"]
    assert ("Gaussians" in curriculum.suptitle) == gaussians, curriculum.suptitle
    assert (ellipses(curriculum.fig) > 0) == gaussians
    if name == "mw-hexagons-none-args-only":  # neither a teacher's history nor episodes.npz: no tasks to show
        assert curriculum.titles == ["no training tasks recorded"]
    elif options.get("teacher", "alp-gmm") == "alp-gmm":
        assert "coloured by ALP" in curriculum.suptitle
        assert gaussians or "no mixture fitted yet" in curriculum.suptitle
    else:
        assert "coloured by episode return" in curriculum.suptitle or "mean episode return" in curriculum.suptitle
    # the curriculum's axes are the run's own parameters (hexagons: dx0, dy0), not another env's
    names = task_space_of(options.get("env_id", "StumpTracks-v0"), options.get("track")).names
    assert curriculum.axes[0].get_xlabel() == names[0] and curriculum.axes[0].get_ylabel() == names[1]
    # every training episode is on the returns picture
    returns = figures["training_returns.png"].axes[0]
    n_dots = sum(len(c.get_offsets()) for c in returns.collections)
    assert n_dots == options.get("episodes", 60)


def test_one_evaluation_is_a_labelled_point_inside_the_run(tmp_path, axes_of):
    run = make_run(tmp_path, "run", episodes=5, evals=1)
    plotting.plot_run(run)
    ax = axes_of["mastered.png"].axes[0]
    (line,) = ax.get_lines()
    assert line.get_marker() == "o" and list(line.get_xdata()) == [1000] and list(line.get_ydata()) == [50]
    assert [t.get_text() for t in ax.texts] == ["50%"]
    low, high = ax.get_xlim()
    global_step = json.loads((run / "run.json").read_text())["global_step"]
    assert low == 0 and high > max(1000, global_step)  # the axis spans the run, the point is not alone on it
    assert ax.get_ylim() == (0, 105)


def colour_range(figure):
    return figure.axes[0].collections[0].get_clim()


def threshold_line(figure):
    (line,) = [ln for ln in figure.axes[0].get_lines() if ln.get_linestyle() == "--"]
    return line.get_ydata()[0]


def test_return_range_and_threshold_come_from_run_json(tmp_path, axes_of):
    figures = axes_of
    run = make_run(tmp_path, "run", episodes=5, evals=1, constants=((-50.0, 50.0), 5.0), eval_threshold=False)
    plotting.plot_run(run)
    assert colour_range(figures["test_returns.png"]) == (-50, 50)
    assert threshold_line(figures["training_returns.png"]) == 5
    assert "(return >= 5)" in figures["mastered.png"].titles[0]
    rings = figures["test_returns.png"].axes[0].collections[1]
    assert len(rings.get_offsets()) == sum(r >= 5 for r in TEST_RETURNS)  # 3 of 4 with this threshold
    info = plotting.run_info(run)
    assert info.return_range == (-50, 50) and info.mastery_threshold == 5


def test_return_range_and_threshold_come_from_the_env_else_the_walkers(tmp_path, axes_of, monkeypatch):
    figures = axes_of
    run = make_run(tmp_path, "run", episodes=5, evals=1, eval_threshold=False)  # run.json without them
    space = task_space_of("StumpTracks-v0", None)
    env = SimpleNamespace(return_range=(-10.0, 90.0), mastery_threshold=40.0, task_space=space)
    monkeypatch.setattr(plotting, "_standard_env", lambda record: env)
    plotting.plot_run(run)
    assert colour_range(figures["test_returns.png"]) == (-10, 90)
    assert threshold_line(figures["training_returns.png"]) == 40

    monkeypatch.setattr(plotting, "_standard_env", lambda record: None)  # an env that cannot be made here
    info = plotting.run_info(run)
    assert info.return_range == (-150, 350) and info.mastery_threshold == 230


def test_an_evaluations_own_threshold_rings_its_mastered_tasks(tmp_path, axes_of):
    figures = axes_of
    run = make_run(tmp_path, "run", episodes=5, evals=1, constants=((-150.0, 350.0), 5.0))
    plotting.plot_run(run)
    rings = figures["test_returns.png"].axes[0].collections[1]
    assert len(rings.get_offsets()) == 2  # at the evaluation's 230, not run.json's 5
    assert "(return >= 230)" in figures["mastered.png"].titles[0]


def test_run_info_of_each_folder_kind(tmp_path):
    pytest.importorskip("pettingzoo")
    old = make_run(
        tmp_path,
        "old",
        env_id=MW,
        track="hexagons",
        teacher="random",
        episodes=3,
        evals=0,
        run_json=False,
        episodes_file=False,
    )
    info = plotting.run_info(old)
    assert info.multiagent and info.track == "hexagons" and info.n_walkers == 3
    assert info.title == "random on multiwalker_tracks_v0 (hexagons, 3 walkers)"
    assert plotting.run_task_space(old).names[:2] == ("dx0", "dy0")
    fixed = make_run(tmp_path, "fixed", teacher="none", episodes=3, evals=0)
    record = json.loads((fixed / "run.json").read_text())
    (fixed / "run.json").write_text(json.dumps({**record, "task": [1.0, 3.0], "challenge": "mostly-unfeasible"}))
    assert plotting.run_info(fixed).title == "fixed task on StumpTracks-v0 (mostly-unfeasible)"


def test_plotting_leaves_the_backend_alone(tmp_path, monkeypatch, axes_of):
    import matplotlib

    def refuse(*args, **kwargs):
        raise AssertionError("plotting must not choose a backend")

    monkeypatch.setattr(matplotlib, "use", refuse)
    run = make_run(tmp_path, "run", episodes=5, evals=1)
    assert [p.name for p in plotting.plot_run(run)] == [
        "curriculum.png",
        "training_returns.png",
        "mastered.png",
        "test_returns.png",
    ]


def test_tasks_that_do_not_fit_the_task_space_are_a_clear_error(tmp_path, capsys):
    run = make_run(tmp_path, "run", teacher="none", episodes=5, evals=0)
    np.savez(
        run / "episodes.npz",
        step=np.arange(5),
        task=np.zeros((5, 12)),
        **{"return": np.zeros(5)},
        length=np.ones(5, dtype=np.int64),
    )
    assert cli.main(["plot", str(run)]) == 2
    assert "have 12 parameters; the run's task space has 2" in capsys.readouterr().err
