"""Fixed test sets and the "% mastered" evaluation (SPEC §4).

A test set is a fixed array of tasks (n, dim), generated once from a documented
seed and shipped with the package as JSON (``curriculum_gym/test_sets/``);
``generate_test_set`` regenerates it, and a test checks both agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import gymnasium as gym
import numpy as np

from curriculum_gym.envs.bodies import get_body

#: (env_id, kind) -> how the set is made. "uniform": n tasks from default_rng(seed).uniform
#: over the default bounds; "grid": a grid of n_per_dim values per dimension, bounds included.
TEST_SETS: dict[tuple[str, str], dict[str, Any]] = {
    ("StumpTracks-v0", "uniform"): {"method": "uniform", "n": 50, "seed": 2019},
    ("StumpTracks-v0", "grid"): {"method": "grid", "n_per_dim": 10},
    ("HexagonTracks-v0", "uniform"): {"method": "uniform", "n": 50, "seed": 2019},
}
DEFAULT_KIND = "uniform"
MASTERY_THRESHOLD = 230.0


def _file_name(env_id: str, kind: str) -> str:
    return f"{env_id.split('-')[0].lower()}_{kind}.json"


def generate_test_set(env_id: str, kind: str = DEFAULT_KIND) -> np.ndarray:
    """Regenerate a test set from its recipe (what the shipped file holds)."""
    recipe = _recipe(env_id, kind)
    space = gym.make(env_id).unwrapped.task_space
    if recipe["method"] == "uniform":
        return np.random.default_rng(recipe["seed"]).uniform(space.low, space.high, size=(recipe["n"], space.dim))
    axes = [np.linspace(lo, hi, recipe["n_per_dim"]) for lo, hi in zip(space.low, space.high)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, space.dim)


def test_set(env_id: str, kind: str = DEFAULT_KIND, body: str = "default") -> np.ndarray:
    """The fixed test tasks of ``env_id``: ``kind="uniform"`` (50 tasks) or ``"grid"`` (Stump Tracks, 10x10).

    The tasks do not depend on ``body``; it is accepted so that calls name the
    full evaluation setting, and checked.
    """
    return _shipped_test_set(env_id, kind, body)


test_set.__test__ = False  # not a pytest test, despite its name


def _shipped_test_set(env_id: str, kind: str, body: str) -> np.ndarray:
    get_body(body)
    env_id = env_id.split(":")[-1]
    _recipe(env_id, kind)
    text = resources.files("curriculum_gym").joinpath("test_sets", _file_name(env_id, kind)).read_text()
    doc = json.loads(text)
    return np.array(doc["tasks"], dtype=np.float64)


def _recipe(env_id: str, kind: str) -> dict[str, Any]:
    env_id = env_id.split(":")[-1]
    if (env_id, kind) not in TEST_SETS:
        known = sorted(f"{e} ({k})" for e, k in TEST_SETS)
        raise ValueError(f"no test set {kind!r} for {env_id!r}; available: {known}")
    return TEST_SETS[(env_id, kind)]


@dataclass
class EvaluationResult:
    """Returns of every test episode and the fraction of tasks mastered."""

    tasks: np.ndarray  # (n_tasks, dim)
    returns: np.ndarray  # (n_tasks, episodes_per_task)
    threshold: float
    lengths: np.ndarray = field(repr=False)

    @property
    def mean_returns(self) -> np.ndarray:
        return self.returns.mean(axis=1)

    @property
    def mastered_tasks(self) -> np.ndarray:
        """Per task: mean return over its episodes >= threshold."""
        return self.mean_returns >= self.threshold

    @property
    def mastered(self) -> float:
        """Fraction of test tasks mastered, in [0, 1]."""
        return float(self.mastered_tasks.mean())

    def to_dict(self) -> dict[str, Any]:
        return {"tasks": self.tasks.tolist(), "returns": self.returns.tolist(), "lengths": self.lengths.tolist(),
                "threshold": self.threshold, "mastered": self.mastered}


def evaluate(
    policy: Callable[[np.ndarray], np.ndarray],
    env_id: str,
    test_set: np.ndarray | None = None,
    episodes_per_task: int = 1,
    num_envs: int = 8,
    body: str = "default",
    threshold: float = MASTERY_THRESHOLD,
    seed: int = 0,
    max_episode_steps: int | None = None,
    batched: bool = True,
) -> EvaluationResult:
    """Run ``policy`` on every test task; returns per-task returns and the fraction mastered.

    Args:
        policy: maps a batch of observations (k, obs_dim) to actions (k, act_dim)
            (or one observation to one action with ``batched=False``). Pass the
            deterministic version of your agent (e.g. the Gaussian's mean).
        env_id: a registered ID (``"StumpTracks-v0"``, ...).
        test_set: tasks (n, dim); default ``cg.test_set(env_id)``.
        episodes_per_task: episodes per task; a task is mastered when their mean return >= ``threshold``.
        num_envs: episodes run side by side (the policy is called on their batch).
        seed: episode k of task i is reset with seed ``seed + i * episodes_per_task + k``.

    Example:
        >>> import numpy as np, curriculum_gym as cg
        >>> result = cg.evaluate(lambda obs: np.zeros((len(obs), 4)), "StumpTracks-v0",
        ...                      test_set=[[0.5, 3.0]], max_episode_steps=50)
        >>> result.mastered
        0.0
    """
    tasks = np.asarray(_shipped_test_set(env_id, DEFAULT_KIND, body) if test_set is None else test_set, dtype=np.float64)
    if tasks.ndim != 2 or len(tasks) == 0:
        raise ValueError(f"test_set must be a non-empty array of tasks (n, dim); got shape {tasks.shape}")
    if isinstance(episodes_per_task, bool) or not isinstance(episodes_per_task, int) or episodes_per_task < 1:
        raise ValueError(f"episodes_per_task must be an integer >= 1; got {episodes_per_task!r}")
    if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
        raise ValueError(f"num_envs must be an integer >= 1; got {num_envs!r}")
    kwargs: dict[str, Any] = {"body": body}
    if max_episode_steps is not None:
        kwargs["max_episode_steps"] = max_episode_steps
    jobs = [(i, k) for i in range(len(tasks)) for k in range(episodes_per_task)]
    envs = [gym.make(env_id, **kwargs) for _ in range(min(num_envs, len(jobs)))]
    space = envs[0].unwrapped.task_space
    for t in tasks:
        space.validate(t)  # every task is checked before any episode runs
    returns = np.zeros((len(tasks), episodes_per_task))
    lengths = np.zeros((len(tasks), episodes_per_task), dtype=np.int64)
    queue = list(reversed(jobs))
    running: list[tuple[int, int] | None] = [None] * len(envs)
    obs = [None] * len(envs)

    def start(slot: int) -> None:
        if not queue:
            running[slot] = None
            return
        i, k = queue.pop()
        running[slot] = (i, k)
        obs[slot], _ = envs[slot].reset(seed=seed + i * episodes_per_task + k, options={"task": tasks[i]})

    for slot in range(len(envs)):
        start(slot)
    while any(job is not None for job in running):
        live = [s for s, job in enumerate(running) if job is not None]
        batch = np.stack([obs[s] for s in live])
        actions = np.asarray(policy(batch)) if batched else np.stack([np.asarray(policy(o)) for o in batch])
        for a, slot in zip(actions, live):
            obs[slot], reward, terminated, truncated, _ = envs[slot].step(np.asarray(a, dtype=np.float32))
            i, k = running[slot]
            returns[i, k] += reward
            lengths[i, k] += 1
            if terminated or truncated:
                start(slot)
    for env in envs:
        env.close()
    return EvaluationResult(tasks, returns, float(threshold), lengths)

