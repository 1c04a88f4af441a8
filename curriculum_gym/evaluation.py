"""Fixed test sets and the "% mastered" evaluation (Portelas et al., CoRL 2019).

A test set is a fixed array of tasks (n, dim), generated once from a documented
seed and shipped with the package as JSON (``curriculum_gym/test_sets/``):
``load_test_set`` reads it, ``generate_test_set`` regenerates it, and a test checks
both agree. ``evaluate`` runs a policy on every task; an episode counts as mastered
at the env's ``mastery_threshold`` (230 for the walker tracks).
"""

from __future__ import annotations

import functools
import inspect
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from curriculum_gym.envs.bodies import get_body
from curriculum_gym.registration import REWARD_THRESHOLD
from curriculum_gym.wrappers.task_observation import TaskObservation, appends_task

#: (env_id, kind) -> how the set is made. "uniform": n tasks from default_rng(seed).uniform
#: over the default bounds; "grid": a grid of n_per_dim values per dimension, bounds included.
TEST_SETS: dict[tuple[str, str], dict[str, Any]] = {
    ("StumpTracks-v0", "uniform"): {"method": "uniform", "n": 50, "seed": 2019},
    ("StumpTracks-v0", "grid"): {"method": "grid", "n_per_dim": 10},
    ("HexagonTracks-v0", "uniform"): {"method": "uniform", "n": 50, "seed": 2019},
    # 100 tasks, as TeachMyAgent's default test set (its RandomState(31) draw cannot be reproduced with a Generator)
    ("Parkour-v0", "uniform"): {"method": "uniform", "n": 100, "seed": 31},
}
#: the env options a transcribed Parkour set carries in its extra columns (constructor options of ParkourEnv)
PARKOUR_SET_OPTIONS = ("creepers_width", "terrain_cppn_scale")
#: (env_id, kind) -> sets transcribed from the literature: not regenerable, and partly outside the training
#: bounds (PARKOUR.md §7.8). ``load_test_set`` returns their task columns; :func:`test_set_env_options`
#: gives each row's values of the other columns, which are env constructor options.
TRANSCRIBED_TEST_SETS: dict[tuple[str, str], dict[str, Any]] = {
    ("Parkour-v0", kind): {"method": "transcribed", "options": PARKOUR_SET_OPTIONS}
    for kind in ("walking", "swimming", "climbing")
}
DEFAULT_KIND = "uniform"
#: the walker tracks' mastery threshold (``WalkerTracksEnv.mastery_threshold``); ``evaluate`` reads the env's own
MASTERY_THRESHOLD = REWARD_THRESHOLD


def _file_name(env_id: str, kind: str) -> str:
    return f"{env_id.split('-')[0].lower()}_{kind}.json"


def generate_test_set(env_id: str, kind: str = DEFAULT_KIND) -> np.ndarray:
    """Regenerate a test set from its recipe (what the shipped file holds)."""
    recipe = _recipe(env_id, kind)
    if recipe["method"] == "transcribed":
        raise ValueError(
            f"the {kind!r} set of {env_id} was transcribed from TeachMyAgent, not generated: load_test_set reads it"
        )
    space = gym.make(env_id).unwrapped.task_space
    if recipe["method"] == "uniform":
        return np.random.default_rng(recipe["seed"]).uniform(space.low, space.high, size=(recipe["n"], space.dim))
    axes = [np.linspace(lo, hi, recipe["n_per_dim"]) for lo, hi in zip(space.low, space.high)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, space.dim)


def load_test_set(env_id: str, kind: str = DEFAULT_KIND) -> np.ndarray:
    """The fixed test tasks of ``env_id``, shape (n, dim): ``"uniform"`` (50; 100 for Parkour) or ``"grid"``
    (Stump Tracks, 10x10); for ``Parkour-v0`` also TeachMyAgent's ``"walking"``, ``"swimming"`` and
    ``"climbing"`` sets (their 6 task columns: see :func:`test_set_env_options` for the other two).

    The same tasks serve every body. Read from the file shipped with the package
    (:func:`generate_test_set` regenerates it).

    Example:
        >>> import curriculum_gym as cg
        >>> cg.load_test_set("StumpTracks-v0").shape
        (50, 2)
        >>> cg.load_test_set("StumpTracks-v0", "grid")[-1].tolist()   # stump height 3, spacing 6
        [3.0, 6.0]
    """
    env_id = env_id.split(":")[-1]
    recipe = _recipe(env_id, kind)
    doc = _read_test_set(env_id, kind)
    tasks = np.array(doc["tasks"], dtype=np.float64)
    if recipe["method"] == "transcribed":
        keep = [i for i, name in enumerate(doc["names"]) if name not in recipe["options"]]
        tasks = tasks[:, keep]
    return tasks


def test_set_env_options(env_id: str, kind: str) -> list[dict[str, float]]:
    """Per task of a transcribed set, the env options its extra columns hold (``{}`` per task for the others).

    TeachMyAgent's Parkour sets have 8 columns: the 6 task numbers :func:`load_test_set`
    returns, and ``creepers_width`` and ``terrain_cppn_scale``, which are constructor
    options of ``Parkour-v0`` here. To evaluate a set as TeachMyAgent did, group its
    tasks by these options and run :func:`evaluate` per group with
    ``env_kwargs={**options, "task_bounds": ...}`` (the walking and swimming sets lie
    outside the default training bounds; ``PARKOUR_TASK_LIMITS`` holds them all).

    Example:
        >>> test_set_env_options("Parkour-v0", "walking")[0]
        {'creepers_width': 0.0, 'terrain_cppn_scale': 20.0}
    """
    env_id = env_id.split(":")[-1]
    recipe = _recipe(env_id, kind)
    doc = _read_test_set(env_id, kind)
    if recipe["method"] != "transcribed":
        return [{} for _ in doc["tasks"]]
    columns = [(i, name) for i, name in enumerate(doc["names"]) if name in recipe["options"]]
    return [{name: float(row[i]) for i, name in columns} for row in doc["tasks"]]


test_set_env_options.__test__ = False  # starts with "test": not a pytest test


def _read_test_set(env_id: str, kind: str) -> dict[str, Any]:
    text = resources.files("curriculum_gym").joinpath("test_sets", _file_name(env_id, kind)).read_text()
    return json.loads(text)


def test_set(env_id: str, kind: str = DEFAULT_KIND, body: str = "default") -> np.ndarray:
    """Deprecated: use :func:`load_test_set` (``body`` is checked and ignored: every body has the same tasks)."""
    warnings.warn(
        "cg.test_set is deprecated; use cg.load_test_set(env_id, kind) (its tasks are the same for every "
        "body, so it takes no body)",
        DeprecationWarning,
        stacklevel=2,
    )
    get_body(body)
    return load_test_set(env_id, kind)


test_set.__test__ = False  # the deprecated name starts with "test": not a pytest test


def _recipe(env_id: str, kind: str) -> dict[str, Any]:
    env_id = env_id.split(":")[-1]
    sets = {**TEST_SETS, **TRANSCRIBED_TEST_SETS}
    if (env_id, kind) not in sets:
        known = sorted(f"{e} ({k})" for e, k in sets)
        raise ValueError(f"no test set {kind!r} for {env_id!r}; available: {known}")
    return sets[(env_id, kind)]


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
        return {
            "tasks": self.tasks.tolist(),
            "returns": self.returns.tolist(),
            "lengths": self.lengths.tolist(),
            "threshold": self.threshold,
            "mastered": self.mastered,
        }


class SupportsPredict(Protocol):
    """An object with Stable-Baselines3's ``predict(obs, deterministic=True) -> (actions, state)``."""

    def predict(self, observation: np.ndarray, *args: Any, **kwargs: Any) -> Any: ...


#: what ``evaluate`` accepts as a policy
Policy = Callable[[np.ndarray], Any] | SupportsPredict


def _positional_deprecated(n_positional: int, names: tuple[str, ...]) -> Callable[[Callable[..., Any]], Any]:
    """Let the keyword-only ``names`` still be passed by position after the first ``n_positional``, with a warning."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if len(args) > n_positional:
                extra = args[n_positional:]
                if len(extra) > len(names):
                    raise TypeError(
                        f"{fn.__name__}() takes {n_positional} positional arguments, then keywords "
                        f"({', '.join(names)}, ...); got {len(args)} positional arguments"
                    )
                given = names[: len(extra)]
                twice = [name for name in given if name in kwargs]
                if twice:
                    raise TypeError(f"{fn.__name__}() got multiple values for argument {twice[0]!r}")
                warnings.warn(
                    f"passing {', '.join(given)} to {fn.__name__}() by position is deprecated; pass "
                    f"{'it' if len(given) == 1 else 'them'} by keyword ({given[0]}=...)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs.update(zip(given, extra))
                args = args[:n_positional]
            return fn(*args, **kwargs)

        return wrapper

    return decorate


@_positional_deprecated(
    2, ("test_set", "episodes_per_task", "num_envs", "body", "threshold", "seed", "max_episode_steps", "batched")
)
def evaluate(
    policy: Policy,
    env_id: str,
    *,
    test_set: np.ndarray | None = None,
    episodes_per_task: int = 1,
    num_envs: int = 8,
    body: str | None = None,
    threshold: float | None = None,
    seed: int = 0,
    max_episode_steps: int | None = None,
    batched: bool | None = None,
    env_kwargs: dict[str, Any] | None = None,
    task_in_obs: bool = False,
) -> EvaluationResult:
    """Run ``policy`` on every test task; returns per-task returns and the fraction mastered.

    Episode k of task i runs in ``gym.make(env_id, body=body, **env_kwargs)`` from
    ``reset(seed=seed + i * episodes_per_task + k, options={"task": task})``; a task is
    mastered when the mean return of its episodes reaches ``threshold``.

    Args:
        policy: one of
            - a callable on a batch of observations ``(k, obs_dim)`` returning actions ``(k, act_dim)``;
            - a callable on one observation ``(obs_dim,)`` returning one action ``(act_dim,)``;
            - an object with ``predict(obs, deterministic=True) -> (actions, state)``, such as a
              Stable-Baselines3 model, or such a method itself (``model.predict``).
            A callable may also return ``(actions, state)``. A callable or ``predict`` with a
            ``deterministic`` parameter is called with ``deterministic=True``; pass the
            deterministic version of any other agent (e.g. the Gaussian's mean). Recurrent
            policies are refused: no state is carried from step to step.
        env_id: a registered ID (``"StumpTracks-v0"``, ...).
        test_set: tasks (n, dim); default ``cg.load_test_set(env_id)``. Pass a few rows for a quick check.
        episodes_per_task: episodes per task; a task is mastered when their mean return >= ``threshold``.
        num_envs: episodes run side by side (a batched policy is called on their batch).
        body: the walker's body (``"default"``, ``"short"``, ``"quadru"``); the same as
            ``env_kwargs={"body": ...}``.
        threshold: the mastery threshold; default: the env's ``mastery_threshold`` (230).
        seed: episode k of task i is reset with seed ``seed + i * episodes_per_task + k``.
        max_episode_steps: cut episodes at this length (default: the ID's, 2000).
        batched: ``True``: ``policy`` takes a batch; ``False``: one observation at a time;
            ``None`` (default): found at the first step, by calling it on the batch and, if
            that fails or gives the wrong shape, on one observation.
        env_kwargs: more keyword arguments of ``gym.make`` for the evaluation envs.
        task_in_obs: append the normalised task to the observations (a
            :class:`~curriculum_gym.TaskObservation`), as for a policy trained with
            ``gym.make(ID, ..., task_in_obs=True)``.

    Parameters after ``env_id`` are keyword-only; passing them by position still works,
    with a ``DeprecationWarning``.

    Raises:
        TypeError: ``policy`` is neither callable nor has a ``predict`` method, or returns
            something that is not an array of numbers; an argument has the wrong type.
        ValueError: ``policy``'s actions have the wrong shape or are not finite (the message
            gives the shapes expected and received), or an argument is out of range.

    Example:
        >>> import numpy as np, curriculum_gym as cg
        >>> result = cg.evaluate(lambda obs: np.zeros((len(obs), 4)), "StumpTracks-v0",
        ...                      test_set=[[0.5, 3.0]], max_episode_steps=50)
        >>> result.mastered, result.threshold
        (0.0, 230.0)
        >>> result = cg.evaluate(lambda o: np.zeros(4), "StumpTracks-v0",     # one observation -> one action
        ...                      test_set=[[0.5, 3.0]], max_episode_steps=50)
        >>> result.lengths.tolist()
        [[50]]
        >>> seen = []                                                          # a policy that sees the task
        >>> result = cg.evaluate(lambda o: seen.append(o[-2:]) or np.zeros(4), "StumpTracks-v0", batched=False,
        ...                      test_set=[[1.5, 3.0]], max_episode_steps=5, task_in_obs=True)
        >>> seen[0].tolist()
        [0.5, 0.5]
    """
    if batched is not None and not isinstance(batched, bool):
        raise TypeError(f"batched must be True, False or None (detect); got {type(batched).__name__} {batched!r}")
    if not isinstance(task_in_obs, (bool, np.bool_)):
        raise TypeError(f"task_in_obs must be a bool; got {type(task_in_obs).__name__} {task_in_obs!r}")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number))):
        raise TypeError(f"threshold must be a real number or None (the env's); got {threshold!r}")
    if threshold is not None and not np.isfinite(threshold):
        raise ValueError(f"threshold must be finite; got {threshold!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer; got {type(seed).__name__} {seed!r}")
    call, from_predict = _as_callable(policy)
    tasks = np.asarray(load_test_set(env_id, DEFAULT_KIND) if test_set is None else test_set, dtype=np.float64)
    if tasks.ndim != 2 or len(tasks) == 0:
        raise ValueError(f"test_set must be a non-empty array of tasks (n, dim); got shape {tasks.shape}")
    episodes_per_task = _positive_int("episodes_per_task", episodes_per_task)
    num_envs = _positive_int("num_envs", num_envs)
    if max_episode_steps is not None:
        max_episode_steps = _positive_int("max_episode_steps", max_episode_steps)
    kwargs = _env_kwargs(env_kwargs, body=body, max_episode_steps=max_episode_steps)
    if kwargs.pop("task_in_obs", False):
        task_in_obs = True
    jobs = [(i, k) for i in range(len(tasks)) for k in range(episodes_per_task)]
    first = _make_env(env_id, kwargs, task_in_obs)
    space = first.unwrapped.task_space
    try:
        for t in tasks:
            space.validate(t)  # every task is checked before any episode runs
    except ValueError:
        first.close()
        raise
    envs = [first] + [_make_env(env_id, kwargs, task_in_obs) for _ in range(min(num_envs, len(jobs)) - 1)]
    if threshold is None:
        threshold = getattr(envs[0].unwrapped, "mastery_threshold", None)
        if threshold is None:
            raise ValueError(f"{env_id} has no mastery_threshold: pass threshold= (the return that counts as mastered)")
    act_shape = tuple(envs[0].action_space.shape)
    actor = _Actor(
        call,
        from_predict,
        batched,
        act_shape,
        f"{env_id} with body {envs[0].unwrapped.body.name!r}" if hasattr(envs[0].unwrapped, "body") else env_id,
    )
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

    try:
        for slot in range(len(envs)):
            start(slot)
        while any(job is not None for job in running):
            live = [s for s, job in enumerate(running) if job is not None]
            actions = actor(np.stack([obs[s] for s in live]))
            for a, slot in zip(actions, live):
                obs[slot], reward, terminated, truncated, _ = envs[slot].step(a)
                i, k = running[slot]
                returns[i, k] += reward
                lengths[i, k] += 1
                if terminated or truncated:
                    start(slot)
    finally:
        for env in envs:
            env.close()
    return EvaluationResult(tasks, returns, float(threshold), lengths)


def _env_kwargs(env_kwargs: dict[str, Any] | None, **named: Any) -> dict[str, Any]:
    """``env_kwargs`` and the named arguments given (not None) as one dict; a value given both ways must agree."""
    if env_kwargs is None:
        env_kwargs = {}
    if not isinstance(env_kwargs, dict):
        raise TypeError(f"env_kwargs must be a dict of gym.make keyword arguments; got {type(env_kwargs).__name__}")
    kwargs = dict(env_kwargs)
    for name, value in named.items():
        if value is None:
            continue
        if name in kwargs and kwargs[name] != value:
            raise ValueError(f"{name}={value!r} and env_kwargs[{name!r}]={kwargs[name]!r} disagree: give one")
        kwargs[name] = value
    if kwargs.get("task") is not None:
        raise ValueError("env_kwargs must not fix the task: evaluate() runs every task of test_set")
    if kwargs.get("teacher") is not None or kwargs.get("teacher_options"):
        raise ValueError(
            "env_kwargs must not hold a teacher: evaluate() runs the tasks of test_set, a teacher "
            "would choose others (and learn from the evaluation)"
        )
    return kwargs


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= 1; got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    return int(value)


def _make_env(env_id: str, kwargs: dict[str, Any], task_in_obs: bool) -> gym.Env:
    env = gym.make(env_id, **kwargs)
    if task_in_obs and not appends_task(env):  # env_kwargs may have asked for it already
        env = TaskObservation(env)
    return env


# ------------------------------------------------------------------ policies
def _takes_deterministic(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # some builtins and C callables have no signature
        return False
    return "deterministic" in params


def _as_callable(policy: Any) -> tuple[Callable[[np.ndarray], Any], bool]:
    """``policy`` as ``obs -> output`` and whether it is a ``predict`` (SB3 style)."""
    predict = getattr(policy, "predict", None)
    if not inspect.isroutine(policy) and callable(predict):
        fn, from_predict = predict, True  # an SB3 model or policy (its __call__, if any, is not predict)
    elif callable(policy):
        fn, from_predict = policy, getattr(policy, "__name__", None) == "predict"
    else:
        raise TypeError(
            "policy must be a callable (a batch of observations (k, obs_dim) -> actions (k, act_dim), "
            "or one observation (obs_dim,) -> one action (act_dim,)) or an object with "
            f"predict(obs, deterministic=True) such as a Stable-Baselines3 model; got {type(policy).__name__}"
        )
    if _takes_deterministic(fn):
        return (lambda obs: fn(obs, deterministic=True)), from_predict
    return fn, from_predict


class _Actor:
    """Calls the policy on a batch of observations, checks its actions, returns them as float32 (k, act_dim)."""

    def __init__(
        self,
        call: Callable[[np.ndarray], Any],
        from_predict: bool,
        batched: bool | None,
        act_shape: tuple[int, ...],
        setting: str,
    ) -> None:
        self.call, self.from_predict, self.batched = call, from_predict, batched
        self.act_shape, self.setting = act_shape, setting

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        if self.batched is None:
            return self._detect(batch)
        if self.batched:
            return self._check(self.call(batch), (len(batch), *self.act_shape), batch.shape)
        return np.stack([self._check(self.call(o), self.act_shape, o.shape) for o in batch])

    def _detect(self, batch: np.ndarray) -> np.ndarray:
        """First step: try the batch, then one observation; keep whichever gives actions of the right shape."""
        many, one = (len(batch), *self.act_shape), self.act_shape
        expected = f"expected a callable {batch.shape} -> {many} or {batch[0].shape} -> {one} ({self.setting})"
        out: Any = None
        batch_error: Exception | None = None
        try:
            out = self.call(batch)
        except Exception as exc:  # a single-observation policy may well fail on a batch
            batch_error = exc
        if batch_error is None:
            actions = self._parse(out, many)
            if actions is not None and actions.shape == many:
                self.batched = True
                return self._check(out, many, batch.shape)
        on_batch = (
            f"raised {type(batch_error).__name__}: {batch_error}"
            if batch_error is not None
            else f"returned {self._what(out, many)}"
        )
        try:
            first = self.call(batch[0])
        except Exception as exc:
            raise TypeError(
                f"policy failed: on a batch of observations {batch.shape} it {on_batch}; on one "
                f"observation {batch[0].shape} it raised {type(exc).__name__}: {exc}; {expected}"
            ) from exc
        actions = self._parse(first, one)
        if actions is not None and actions.shape == one:
            self.batched = False
            return np.stack(
                [self._check(first, one, batch[0].shape)] + [self._check(self.call(o), one, o.shape) for o in batch[1:]]
            )
        message = (
            f"policy returned the wrong actions: on a batch of observations {batch.shape} it {on_batch}; on "
            f"one observation {batch[0].shape} it returned {self._what(first, one)}; {expected}"
        )
        numeric = actions is not None or (batch_error is None and self._parse(out, many) is not None)
        raise ValueError(message) if numeric else TypeError(message)

    def _parse(self, out: Any, shape: tuple[int, ...]) -> np.ndarray | None:
        """The actions in ``out`` as a float32 array of any shape, or None if they are not numbers."""
        if isinstance(out, tuple) and len(out) == 2:  # (actions, state), unless the pair itself has the shape
            whole = _as_array(out)
            if whole is None or whole.shape != shape:
                out, state = out
                if self.from_predict and state is not None:
                    raise ValueError(
                        "policy.predict returned a recurrent state; evaluate() carries no state from "
                        "step to step, so recurrent policies are not supported"
                    )
        return _as_array(out)

    def _what(self, out: Any, shape: tuple[int, ...]) -> str:
        actions = self._parse(out, shape)
        return f"shape {actions.shape}" if actions is not None else f"{_describe(out)}, not an array of numbers"

    def _check(self, out: Any, shape: tuple[int, ...], obs_shape: tuple[int, ...]) -> np.ndarray:
        """``out`` as float32 actions of ``shape``; a TypeError or ValueError naming both shapes otherwise."""
        actions = self._parse(out, shape)
        if actions is None:
            raise TypeError(
                f"policy must return actions as an array of numbers of shape {shape} for observations "
                f"{obs_shape} ({self.setting}); got {_describe(out)}"
            )
        if actions.shape != shape:
            raise ValueError(
                f"policy returned actions of shape {actions.shape} for observations {obs_shape}; "
                f"expected {shape} ({self.setting})"
            )
        if not np.all(np.isfinite(actions)):
            raise ValueError(f"policy returned non-finite actions (nan or inf) for {self.setting}: {actions.tolist()}")
        return actions


def _as_array(out: Any) -> np.ndarray | None:
    """``out`` as a float32 array (torch tensors included), or None when it is not numbers."""
    if hasattr(out, "detach") and hasattr(out, "cpu") and hasattr(out, "numpy"):  # a torch tensor
        out = out.detach().cpu().numpy()
    if out is None or isinstance(out, (str, bytes, dict)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. ComplexWarning: refused below
            array = np.asarray(out)
            if array.dtype.kind not in "biuf":
                return None
            return array.astype(np.float32)
    except (TypeError, ValueError):  # ragged sequences, objects
        return None


def _describe(out: Any) -> str:
    text = repr(out)
    return f"{type(out).__name__} {text if len(text) <= 80 else text[:77] + '...'}"
