"""The settings of a training run of the baselines, and the run folder's ``run.json``.

The PPO and SAC scripts in ``baselines/`` read their curriculum settings the same
way: a teacher and its ``--teacher-options key=value``, ``--task-bounds``, a
TeachMyAgent ``--challenge``, a forgetting student's ``--reset-student-every``.
This module holds that plumbing, so each script keeps only its algorithm.
Training may differ from the standard env; evaluation never does.

Example:
    >>> from curriculum_gym.runs import parse_teacher_options
    >>> parse_teacher_options(["fit_rate=150", "random_task_ratio=0.05", "preset=teachmyagent"])
    {'fit_rate': 150, 'random_task_ratio': 0.05, 'preset': 'teachmyagent'}
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from curriculum_gym.challenges import Challenge, get_challenge
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers import TEACHERS, Teacher, load_teacher, make_teacher

#: the flags that make a run what it is: recorded in run.json, reused by --resume
RUN_SETTINGS = ("env_id", "body", "teacher", "teacher_options", "task", "task_bounds", "challenge", "reset_student_every")


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


def parse_teacher_options(items: Sequence[str]) -> dict[str, Any]:
    """key=value strings -> {key: value}."""
    options = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"--teacher-options takes key=value pairs (e.g. fit_rate=150 preset=teachmyagent); got {item!r}")
        options[key.strip()] = parse_value(text.strip())
    if "seed" in options:
        raise SystemExit("--teacher-options: the teacher's seed is --seed")
    return options


def easy_task(space: TaskSpace) -> np.ndarray:
    """The easiest task: every parameter at its low bound, but obstacle spacing at its high one (obstacles far apart)."""
    return np.where([name == "obstacle_spacing" for name in space.names], space.high, space.low)


def expert_defaults(teacher: str, space: TaskSpace, mastery_threshold: float) -> dict[str, Any]:
    """What the adr and oracle teachers need to know, when --teacher-options does not say: start at the easy task,
    move by a fraction of each range (adr: 5 %, both ways; oracle: 1/30, towards harder tasks), adr expands the
    box where the student masters its edges (mean return >= the mastery threshold) and shrinks it below 0."""
    start = easy_task(space)
    width = np.where(space.width > 0, space.width, 1.0)
    if teacher == "adr":
        return {"initial_task": start.tolist(), "step_size": np.round(0.05 * width, 6).tolist(),
                "expand_threshold": float(mastery_threshold), "shrink_threshold": 0.0}
    if teacher == "oracle":
        harder = np.where(start == space.high, -1.0, 1.0)
        return {"start": start.tolist(), "step": np.round(harder * width / 30, 6).tolist()}
    return {}


def env_kwargs(args: Any) -> dict[str, Any]:
    """gym.make keyword arguments of the training envs (the teacher aside)."""
    kwargs: dict[str, Any] = {"body": args.body}
    if args.task_bounds:
        kwargs["task_bounds"] = [tuple(args.task_bounds[k:k + 2]) for k in range(0, len(args.task_bounds), 2)]
    if args.challenge:
        kwargs["challenge"] = args.challenge
    if args.teacher == "none" and args.task:
        kwargs["task"] = list(args.task)
    return kwargs


def settings_from_run(args: Any, defaults: Any, run_dir: Path) -> None:
    """On --resume: the run's recorded settings fill the flags left at their default; contradicting ones are an error."""
    path = run_dir / "run.json"
    if not path.exists():
        return
    recorded = json.loads(path.read_text()).get("flags", {})
    plain = lambda v: list(v) if isinstance(v, tuple) else v  # noqa: E731 (JSON has lists, Args tuples)
    conflicts = []
    for name in RUN_SETTINGS:
        if name not in recorded:
            continue
        value, rec = getattr(args, name), recorded[name]
        if plain(value) == plain(getattr(defaults, name)):
            setattr(args, name, tuple(rec) if isinstance(rec, list) else rec)
        elif plain(value) != rec:
            conflicts.append(f"--{name.replace('_', '-')} {rec} (given: {value})")
    if conflicts:
        raise SystemExit(f"{run_dir} was started with " + ", ".join(conflicts) + "; resume it with the same flags or without them")


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
    """the env's mastery threshold (return)"""
    flags: dict[str, Any]
    """the RUN_SETTINGS flags, as recorded in run.json"""


def resolve_settings(args: Any, defaults: Any) -> RunSettings:
    """Check the curriculum flags of ``args`` and resolve them (fills ``args.body``, ``args.task``,
    ``args.reset_student_every`` from the challenge or the easy task); ``SystemExit`` with a clear message on a bad one."""
    if args.teacher != "none" and args.teacher not in TEACHERS:
        raise SystemExit(f"--teacher must be one of {sorted(TEACHERS)} or none; got {args.teacher!r}")
    if args.teacher != "none" and args.task:
        raise SystemExit(f"--task fixes every episode's task and --teacher {args.teacher} chooses them: "
                         "give --teacher none with --task, or leave --task out")
    if args.teacher == "none" and args.teacher_options:
        raise SystemExit("--teacher-options needs a teacher (--teacher none has none)")
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
    mastery_threshold = float(getattr(probe.unwrapped, "mastery_threshold", 230.0))
    probe.close()
    standard_space = gym.make(args.env_id, body=args.body).unwrapped.task_space
    if args.teacher == "none":
        try:
            args.task = tuple(task_space.validate(list(args.task) or easy_task(task_space)).tolist())
        except (TypeError, ValueError) as exc:
            raise SystemExit(f"--task: {exc}") from None
    flags = {name: getattr(args, name) for name in RUN_SETTINGS}
    return RunSettings(teacher_options, challenge, reset_every, task_space, standard_space, mastery_threshold, flags)


def make_run_teacher(args: Any, settings: RunSettings, run_dir: Path, resuming: bool) -> Teacher | None:
    """The run's teacher: resumed from ``run_dir/teacher.ckpt``, or built from the flags (with expert defaults)."""
    if args.teacher == "none":
        return None
    if resuming and (run_dir / "teacher.ckpt").exists():
        return load_teacher(run_dir / "teacher.ckpt")
    options = {**expert_defaults(args.teacher, settings.task_space, settings.mastery_threshold),
               **settings.teacher_options}
    try:
        return make_teacher(args.teacher, settings.task_space, seed=args.seed, **options)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"--teacher {args.teacher}: {exc} (give them with --teacher-options key=value)") from None


def write_run_record(run_dir: Path, algo: str, args: Any, settings: RunSettings, teacher: Teacher | None,
                     finished: bool, step: int) -> None:
    """run.json: what this run trains on (read by `curriculum-gym plot` and by --resume)."""
    challenge = settings.challenge
    record = {
        "algo": algo, "env_id": args.env_id, "body": args.body, "seed": args.seed,
        "teacher": args.teacher, "teacher_options": teacher.get_options() if teacher is not None else {},
        "teacher_options_given": settings.teacher_options, "task": list(args.task) or None,
        "task_bounds": env_kwargs(args).get("task_bounds"), "task_space": settings.task_space.state_dict(),
        "eval_task_space": settings.standard_space.state_dict(), "challenge": args.challenge or None,
        "challenge_settings": dataclasses.asdict(challenge) if challenge is not None else None,
        "reset_student_every": settings.reset_every,
        "total_timesteps": args.total_timesteps, "global_step": step, "finished": finished,
        "flags": settings.flags,
    }
    (run_dir / "run.json").write_text(json.dumps(record, indent=2, default=str))
