"""The settings of a training run of the baselines, and the files of its run folder.

The PPO and SAC scripts in ``baselines/`` read their curriculum settings the same
way: a teacher and its ``--teacher-options key=value``, ``--task-bounds``, a
TeachMyAgent ``--challenge``, a forgetting student's ``--reset-student-every``;
``--teacher none`` means no teacher: the env draws every episode's task uniformly
from its task space (domain randomisation), or plays ``--task`` when given.
This module holds that plumbing, and what every script writes to its run folder
(:class:`RunFolder`, ``run.json``, torch state dicts as numpy trees for
:func:`~curriculum_gym.checkpoint.save_state`), so each script keeps only its
algorithm. Training may differ from the standard env; evaluation never does.

Example:
    >>> from curriculum_gym.runs import parse_teacher_options
    >>> parse_teacher_options(["fit_rate=150", "random_task_ratio=0.05", "preset=teachmyagent"])
    {'fit_rate': 150, 'random_task_ratio': 0.05, 'preset': 'teachmyagent'}
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from curriculum_gym.challenges import Challenge, get_challenge
from curriculum_gym.checkpoint import save_state
from curriculum_gym.evaluation import EvaluationResult, evaluate, load_test_set
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers import TEACHERS, Teacher, load_teacher, make_teacher

#: the flags that make a run what it is: recorded in run.json, reused by --resume
RUN_SETTINGS = (
    "env_id",
    "body",
    "body_options",
    "teacher",
    "teacher_options",
    "task",
    "task_bounds",
    "challenge",
    "reset_student_every",
)


def parse_value(text: str) -> Any:
    """A --teacher-options value: JSON (150, 0.05, true, null, [0, 6]), True/False/None, 0,6 (a list), else a string."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    if "," in text:
        try:
            return [json.loads(part) for part in text.split(",")]
        except ValueError:
            pass
    return text


def parse_key_values(items: Sequence[str], flag: str, example: str) -> dict[str, Any]:
    """key=value strings -> {key: value} (values as :func:`parse_value` reads them)."""
    options = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"{flag} takes key=value pairs (e.g. {example}); got {item!r}")
        options[key.strip()] = parse_value(text.strip())
    return options


def parse_teacher_options(items: Sequence[str]) -> dict[str, Any]:
    """--teacher-options key=value strings -> {key: value}."""
    options = parse_key_values(items, "--teacher-options", "fit_rate=150 preset=teachmyagent")
    if "seed" in options:
        raise SystemExit("--teacher-options: the teacher's seed is --seed")
    return options


def env_constants(env: Any) -> tuple[tuple[float, float], float | None]:
    """``(return_range, mastery_threshold)`` of an env (Gymnasium or PettingZoo), read from its unwrapped env;
    ``mastery_threshold`` is None for an env without one.

    Example:
        >>> import gymnasium as gym
        >>> import curriculum_gym  # noqa: F401
        >>> env_constants(gym.make("StumpTracks-v0"))
        ((-150.0, 350.0), 230.0)
    """
    base = env.unwrapped
    low, high = base.return_range
    threshold = getattr(base, "mastery_threshold", None)
    return (float(low), float(high)), None if threshold is None else float(threshold)


def easy_task(space: TaskSpace) -> np.ndarray:
    """The easiest task: every parameter at its low bound, but obstacle spacing at its high one (obstacles far apart)."""
    return np.where([name == "obstacle_spacing" for name in space.names], space.high, space.low)


def expert_defaults(teacher: str, space: TaskSpace, mastery_threshold: float | None) -> dict[str, Any]:
    """What the adr and oracle teachers need to know, when --teacher-options does not say: start at the easy task,
    move by a fraction of each range (adr: 5 %, both ways; oracle: 1/30, towards harder tasks), adr expands the
    box where the student masters its edges (mean return >= the mastery threshold; an env without one leaves
    ``expand_threshold`` to --teacher-options) and shrinks it below 0."""
    start = easy_task(space)
    width = np.where(space.width > 0, space.width, 1.0)
    if teacher == "adr":
        options = {
            "initial_task": start.tolist(),
            "step_size": np.round(0.05 * width, 6).tolist(),
            "expand_threshold": mastery_threshold,
            "shrink_threshold": 0.0,
        }
        return {k: v for k, v in options.items() if v is not None}
    if teacher == "oracle":
        harder = np.where(start == space.high, -1.0, 1.0)
        return {"start": start.tolist(), "step": np.round(harder * width / 30, 6).tolist()}
    return {}


def body_kwargs(args: Any) -> dict[str, Any]:
    """gym.make keyword arguments of the run's body: ``body`` and, when given, ``body_options``."""
    kwargs: dict[str, Any] = {"body": args.body}
    if getattr(args, "body_options", ()):
        kwargs["body_options"] = parse_key_values(args.body_options, "--body-options", "n_segments=6")
    return kwargs


def env_kwargs(args: Any) -> dict[str, Any]:
    """gym.make keyword arguments of the training envs (the teacher aside)."""
    kwargs = body_kwargs(args)
    if args.task_bounds:
        kwargs["task_bounds"] = [tuple(args.task_bounds[k : k + 2]) for k in range(0, len(args.task_bounds), 2)]
    if args.challenge:
        kwargs["challenge"] = args.challenge
    if args.teacher == "none" and args.task:
        kwargs["task"] = list(args.task)
    return kwargs


#: flags a resumed run may change freely (all others come from the run's args.json when left at their default)
RESUME_FREE = (  # how the machine is used, not what is learned: a resumed run takes them from its command line
    "total_timesteps",
    "resume",
    "progress",
    "plots",
    "runs_dir",
    "exp_name",
    "torch_threads",
    "env_workers",
    "local_envs",
)


def settings_from_run(args: Any, defaults: Any, run_dir: Path) -> None:
    """On --resume: the run's recorded settings fill the flags left at their default; contradicting ones are an error.

    ``run.json``'s settings (``RUN_SETTINGS``: what the run trains on) must not be contradicted;
    every other flag of ``args.json`` (network sizes, learning rates, ...) fills the flags left
    at their default, so that a resumed run trains as it started (a given flag wins).
    """
    plain = lambda v: list(v) if isinstance(v, tuple) else v  # noqa: E731 (JSON has lists, Args tuples)
    as_flag = lambda v: tuple(v) if isinstance(v, list) else v  # noqa: E731
    args_path = run_dir / "args.json"
    if args_path.exists():
        recorded_args = json.loads(args_path.read_text())
        for name, rec in recorded_args.items():
            if name in RUN_SETTINGS or name in RESUME_FREE or not hasattr(args, name):
                continue
            if plain(getattr(args, name)) == plain(getattr(defaults, name)):
                setattr(args, name, as_flag(rec))
    path = run_dir / "run.json"
    if not path.exists():
        return
    recorded = json.loads(path.read_text()).get("flags", {})
    conflicts = []
    for name in RUN_SETTINGS:
        if name not in recorded:
            continue
        value, rec = getattr(args, name), recorded[name]
        if plain(value) == plain(getattr(defaults, name)):
            setattr(args, name, as_flag(rec))
        elif plain(value) != rec:
            conflicts.append(f"--{name.replace('_', '-')} {rec} (given: {value})")
    if conflicts:
        raise SystemExit(
            f"{run_dir} was started with " + ", ".join(conflicts) + "; resume it with the same flags or without them"
        )


@dataclass
class RunSettings:
    """What a run trains on, resolved from its flags (see :func:`resolve_settings`)."""

    teacher_options: dict[str, Any]
    """the options given with --teacher-options"""
    challenge: Challenge | None
    """the TeachMyAgent challenge, if any"""
    reset_every: int
    """forgetting student: steps between re-initialisations of the learner (0: never)"""
    task_space: TaskSpace
    """the training envs' task space (the teacher's)"""
    standard_space: TaskSpace
    """the standard env's task space (evaluation's)"""
    mastery_threshold: float
    """the env's mastery threshold: a test task is mastered at this return (evaluation's threshold)"""
    flags: dict[str, Any]
    """the RUN_SETTINGS flags, as recorded in run.json"""
    return_range: tuple[float, float]
    """the env's return range (what teachers normalise returns with)"""


def check_teacher_flags(args: Any) -> None:
    """--teacher is known, and --task / --teacher-options agree with it; ``SystemExit`` naming the conflict."""
    if args.teacher != "none" and args.teacher not in TEACHERS:
        raise SystemExit(f"--teacher must be one of {sorted(TEACHERS)} or none; got {args.teacher!r}")
    if args.teacher != "none" and args.task:
        raise SystemExit(
            f"--task fixes every episode's task and --teacher {args.teacher} chooses them: "
            "give --teacher none with --task, or leave --task out"
        )
    if args.teacher == "none" and args.teacher_options:
        raise SystemExit("--teacher-options needs a teacher (--teacher none has none)")


def resolve_settings(args: Any, defaults: Any) -> RunSettings:
    """Check the curriculum flags of ``args`` and resolve them (fills ``args.body``, ``args.task``,
    ``args.reset_student_every`` from the challenge or the easy task); ``SystemExit`` with a clear message on a bad one."""
    check_teacher_flags(args)
    if len(args.task_bounds) % 2:
        raise SystemExit(f"--task-bounds takes low high per parameter (e.g. 0 9 0 6); got {list(args.task_bounds)}")
    teacher_options = parse_teacher_options(args.teacher_options)
    challenge = None
    if args.challenge:
        try:
            challenge = get_challenge(args.challenge)
        except (TypeError, ValueError) as exc:
            raise SystemExit(f"--challenge: {exc}") from None
        if challenge.body is not None and args.body == defaults.body:  # the body is the learner's
            args.body = challenge.body
        if args.reset_student_every is None:
            args.reset_student_every = challenge.student_reset_steps(args.total_timesteps)
    reset_every = args.reset_student_every or 0
    if reset_every < 0:
        raise SystemExit(f"--reset-student-every must be >= 0; got {reset_every}")
    try:  # the training env, as the teacher sees it
        probe = gym.make(args.env_id, **env_kwargs(args))
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"cannot make {args.env_id} with {env_kwargs(args)}: {exc}") from None
    task_space = probe.unwrapped.task_space  # with the challenge's bounds; a rugged mapping stays inside the env
    return_range, mastery_threshold = env_constants(probe)
    probe.close()
    standard_space = gym.make(args.env_id, body=args.body).unwrapped.task_space
    if args.task:  # (only with --teacher none, checked above); without it the env draws tasks uniformly
        try:
            args.task = tuple(task_space.validate(list(args.task)).tolist())
        except (TypeError, ValueError) as exc:
            raise SystemExit(f"--task: {exc}") from None
    flags = {name: getattr(args, name) for name in RUN_SETTINGS}
    return RunSettings(
        teacher_options=teacher_options,
        challenge=challenge,
        reset_every=reset_every,
        task_space=task_space,
        standard_space=standard_space,
        mastery_threshold=mastery_threshold,
        flags=flags,
        return_range=return_range,
    )


def make_run_teacher(args: Any, settings: RunSettings, run_dir: Path, resuming: bool) -> Teacher | None:
    """The run's teacher: resumed from ``run_dir/teacher.ckpt``, or built from the flags (with expert defaults)."""
    if args.teacher == "none":
        return None
    if resuming and (run_dir / "teacher.ckpt").exists():
        return load_teacher(run_dir / "teacher.ckpt")
    options = {
        "return_range": settings.return_range,
        **expert_defaults(args.teacher, settings.task_space, settings.mastery_threshold),
        **settings.teacher_options,
    }
    try:
        return make_teacher(args.teacher, settings.task_space, seed=args.seed, **options)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"--teacher {args.teacher}: {exc} (give them with --teacher-options key=value)") from None


def write_run_record(
    run_dir: Path, algo: str, args: Any, settings: RunSettings, teacher: Teacher | None, finished: bool, step: int
) -> None:
    """run.json: what this run trains on (read by `curriculum-gym plot` and by --resume)."""
    challenge = settings.challenge
    record = {
        "algo": algo,
        "env_id": args.env_id,
        "body": args.body,
        "body_options": body_kwargs(args).get("body_options"),
        "seed": args.seed,
        "teacher": args.teacher,
        "teacher_options": teacher.get_options() if teacher is not None else {},
        "teacher_options_given": settings.teacher_options,
        "task": list(args.task) or None,
        "task_bounds": env_kwargs(args).get("task_bounds"),
        "task_space": settings.task_space.state_dict(),
        "eval_task_space": settings.standard_space.state_dict(),
        "challenge": args.challenge or None,
        "challenge_settings": dataclasses.asdict(challenge) if challenge is not None else None,
        "reset_student_every": settings.reset_every,
        "return_range": list(settings.return_range),
        "mastery_threshold": settings.mastery_threshold,
        "total_timesteps": args.total_timesteps,
        "global_step": step,
        "finished": finished,
        "flags": settings.flags,
    }
    (run_dir / "run.json").write_text(json.dumps(record, indent=2, default=str))


def to_numpy_tree(obj: Any) -> Any:
    """A torch state dict (nested dicts and lists of tensors) -> the same tree of numpy arrays and JSON values,
    with string keys, as :func:`~curriculum_gym.checkpoint.save_state` stores it (no pickle).

    Example:
        >>> import numpy as np
        >>> to_numpy_tree({"state": {0: {"step": np.float32(3.0)}}, "param_groups": [{"lr": 0.1, "params": (0,)}]})
        {'state': {'0': {'step': np.float32(3.0)}}, 'param_groups': [{'lr': 0.1, 'params': [0]}]}
    """
    torch = sys.modules.get("torch")  # a tensor means torch is imported; this module does not need it
    if torch is not None and isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy()
    if isinstance(obj, dict):
        return {str(k): to_numpy_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_numpy_tree(v) for v in obj]
    return obj


def to_torch_tree(obj: Any, int_keys: bool = False) -> Any:
    """The inverse of :func:`to_numpy_tree`: numpy arrays become tensors; ``int_keys=True`` turns digit keys back
    into ints (an optimizer's state dict is keyed by parameter index)."""
    import torch

    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, dict):
        return {(int(k) if int_keys and k.isdigit() else k): to_torch_tree(v, int_keys) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_torch_tree(v, int_keys) for v in obj]
    return obj


class RunFolder:
    """What a run adds to its folder as it trains: ``episodes.npz`` (every training episode's step, task, return
    and length), ``eval.json`` (every evaluation), ``agent.ckpt`` and ``teacher.ckpt``.

    Args:
        path: the run folder (it exists).
        task_dim: the number of task parameters.

    Example:
        >>> import tempfile
        >>> folder = RunFolder(Path(tempfile.mkdtemp()), task_dim=2)
        >>> folder.add_episode(step=120, task=[0.5, 3.0], episode_return=-98.2, length=120)
        >>> folder.save({"global_step": 120}, teacher=None)
        >>> sorted(p.name for p in folder.path.iterdir())
        ['agent.ckpt', 'episodes.npz']
        >>> RunFolder(folder.path, task_dim=2).resume(global_step=120).episodes["return"]
        [np.float64(-98.2)]
    """

    def __init__(self, path: Path, task_dim: int) -> None:
        self.path = Path(path)
        self.task_dim = int(task_dim)
        self.evals: list[dict[str, Any]] = []
        """every evaluation so far, as written to eval.json"""
        self.episodes: dict[str, list[Any]] = {"step": [], "task": [], "return": [], "length": []}
        """every training episode so far: the step it ended at, its task, return and length"""

    def resume(self, global_step: int) -> RunFolder:
        """Read back what was recorded up to ``global_step`` (the checkpoint's): later entries are redone."""
        if (self.path / "eval.json").exists():
            self.evals = [e for e in json.loads((self.path / "eval.json").read_text()) if e["step"] <= global_step]
        if (self.path / "episodes.npz").exists():
            with np.load(self.path / "episodes.npz", allow_pickle=False) as f:
                self.episodes = {k: [v for v, at in zip(f[k], f["step"]) if at <= global_step] for k in self.episodes}
        return self

    def add_episode(self, step: int, task: Any, episode_return: float, length: int) -> None:
        """Record a finished training episode."""
        self.episodes["step"].append(int(step))
        self.episodes["task"].append(np.array(task, dtype=np.float64))
        self.episodes["return"].append(float(episode_return))
        self.episodes["length"].append(int(length))

    def save(self, agent_state: dict[str, Any], teacher: Any) -> None:
        """Write ``agent.ckpt`` (``agent_state``: numpy arrays and JSON values, see :func:`to_numpy_tree`),
        ``teacher.ckpt`` (unless ``teacher`` is None) and ``episodes.npz``."""
        save_state(agent_state, self.path / "agent.ckpt")
        if teacher is not None:
            teacher.save(self.path / "teacher.ckpt")
        e = self.episodes
        np.savez(
            self.path / "episodes.npz",
            step=np.array(e["step"], dtype=np.int64),
            task=np.array(e["task"], dtype=np.float64).reshape(-1, self.task_dim),
            **{"return": np.array(e["return"], dtype=np.float64)},
            length=np.array(e["length"], dtype=np.int64),
        )

    def evaluate(
        self,
        policy: Callable[[np.ndarray], np.ndarray],
        args: Any,
        settings: RunSettings,
        step: int,
        writer: Any = None,
    ) -> EvaluationResult:
        """Evaluate ``policy`` (deterministic) on the standard test set of the standard env (``--eval-tasks`` of them,
        ``--eval-max-steps`` long), at the env's mastery threshold; appends to ``eval.json`` and logs
        ``eval/mastered`` and ``eval/mean_return`` to ``writer`` (a TensorBoard ``SummaryWriter``), if given."""
        tasks = load_test_set(args.env_id)
        tasks = tasks[: args.eval_tasks] if args.eval_tasks else tasks
        result = evaluate(
            policy,
            args.env_id,
            test_set=tasks,
            env_kwargs=body_kwargs(args),
            num_envs=min(10, len(tasks)),
            threshold=settings.mastery_threshold,
            max_episode_steps=args.eval_max_steps,
            seed=10_000,
        )
        self.evals.append({"step": int(step), **result.to_dict()})
        (self.path / "eval.json").write_text(json.dumps(self.evals))
        if writer is not None:
            writer.add_scalar("eval/mastered", result.mastered, step)
            writer.add_scalar("eval/mean_return", float(result.mean_returns.mean()), step)
        return result
