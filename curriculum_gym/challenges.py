"""TeachMyAgent's challenges (Romac et al. 2021, arXiv 2103.09815) as named settings.

A challenge changes what the teacher faces, never what the student is evaluated
on: evaluation stays on the standard test set (Stump Tracks' default bounds
[0, 3] x [0, 6], no rugged mapping; ``cg.load_test_set("StumpTracks-v0")``).

============================  =====================================================================
name                          what it changes
============================  =====================================================================
``default``                   nothing: the standard setting
``mostly-unfeasible``         stump height bounds [0, 9]: most of the space cannot be learned
``mostly-trivial``            stump height bounds [-3, 3]: every negative height gives the minimum
                              (0.05 TERRAIN_STEP high) stumps, so half the space is trivial
``rugged-difficulty``         each task dimension cut into 4 equal intervals, permuted with a
                              fixed seed (:class:`RuggedMapping`): the env maps the teacher's task
                              before building the terrain, so difficulty is not monotonic
``forgetting-student``        the learner is re-initialised every 7 M of 20 M steps (35 % of the
                              budget) while the teacher keeps its state; learner-side, given as data
``robustness-short``          the ``short`` body (robustness to students); learner-side otherwise
``robustness-quadru``         the ``quadru`` body (robustness to students); learner-side otherwise
``robustness-spider``         TeachMyAgent's ``spider`` body, as its robustness challenge trains it
``robustness-small-bipedal``  TeachMyAgent's ``small_bipedal`` body, likewise
============================  =====================================================================

``gym.make("StumpTracks-v0", challenge=name)`` applies the env-side part (task
bounds, rugged mapping, body); the learner-side part (``reset_student_every``,
the choice of PPO or SAC) is data for the training scripts to read.
:mod:`curriculum_gym.toy` has the toy form of every challenge without a body.

Example:
    >>> import curriculum_gym as cg
    >>> challenge = cg.get_challenge("mostly-unfeasible")
    >>> challenge.bounds_dict
    {'stump_height': (0.0, 9.0)}
    >>> cg.get_challenge("forgetting-student").student_reset_steps(20_000_000)
    7000000
    >>> rugged = cg.RuggedMapping([0, 0], [3, 6], seed=21)
    >>> rugged.permutations.tolist()
    [[0, 1, 3, 2], [0, 3, 1, 2]]
    >>> rugged([2.0, 2.0]).tolist(), rugged.inverse(rugged([2.0, 2.0])).tolist()
    ([2.75, 5.0], [2.0, 2.0])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from curriculum_gym.envs.bodies import get_body
from curriculum_gym.envs.terrain import TrackGenerator, get_track
from curriculum_gym.tasks import ArrayLike, TaskSpace

#: TeachMyAgent's DimensionsShuffler default seed (its permutation came from a RandomState, ours from default_rng)
DEFAULT_RUGGED_SEED = 21
#: the paper's training budget, in environment steps
PAPER_TRAINING_STEPS = 20_000_000


class RuggedMapping:
    """A bijection of a box that permutes equal intervals of each dimension.

    Each dimension ``[low, high]`` is cut into ``n_intervals`` equal intervals
    ``[a_i, a_{i+1})`` (the last one closed); interval ``i`` of dimension ``d`` maps
    to interval ``permutations[d, i]`` with the same offset inside it, and
    ``high`` maps to itself, which makes the map a bijection of the closed box.
    The permutations are drawn, one dimension after the other, from
    ``np.random.default_rng(seed)``; a monotonic draw (the identity, or the
    reversal when ``n_intervals >= 3``) is drawn again, so difficulty is never
    monotonic along a dimension. A dimension with ``low == high`` is left alone.

    Example:
        >>> m = RuggedMapping([0.0], [4.0], n_intervals=4, seed=21)
        >>> m.permutations.tolist()
        [[0, 1, 3, 2]]
        >>> m([2.5]).tolist(), m([3.5]).tolist(), m([4.0]).tolist()
        ([3.5], [2.5], [4.0])
        >>> m.inverse(m([2.5])).tolist()
        [2.5]

    Args:
        low, high: the bounds, one per dimension (array-likes of the same length).
        n_intervals: intervals per dimension (>= 1; 4 in TeachMyAgent).
        seed: a non-negative int; the same seed gives the same permutations.
    """

    def __init__(self, low: ArrayLike, high: ArrayLike, n_intervals: int = 4, seed: int = DEFAULT_RUGGED_SEED) -> None:
        if isinstance(n_intervals, bool) or not isinstance(n_intervals, (int, np.integer)):
            raise TypeError(f"n_intervals must be an int; got {type(n_intervals).__name__}")
        if n_intervals < 1:
            raise ValueError(f"n_intervals must be >= 1; got {n_intervals}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an int (a fixed seed); got {type(seed).__name__}")
        if seed < 0:
            raise ValueError(f"seed must be >= 0; got {seed}")
        lo, hi = _bounds_vector(low, "low"), _bounds_vector(high, "high")
        if lo.shape != hi.shape:
            raise ValueError(f"low and high must have the same length; got {lo.size} and {hi.size}")
        for d, (a, b) in enumerate(zip(lo.tolist(), hi.tolist())):
            if a > b:
                raise ValueError(f"bounds of dimension {d} are inverted: low={a} > high={b}; need low <= high")
        self.low, self.high = lo, hi
        self.n_intervals = int(n_intervals)
        self.seed = int(seed)
        n = self.n_intervals
        rng = np.random.default_rng(self.seed)
        monotonic = [np.arange(n)] + ([np.arange(n)[::-1]] if n >= 3 else [])
        perms = []
        for _ in range(lo.size):
            perm = rng.permutation(n)
            while n >= 2 and any(np.array_equal(perm, m) for m in monotonic):
                perm = rng.permutation(n)
            perms.append(perm)
        self.permutations: np.ndarray = np.array(perms, dtype=np.int64).reshape(lo.size, n)
        self.inverse_permutations: np.ndarray = np.argsort(self.permutations, axis=1)
        for array in (self.low, self.high, self.permutations, self.inverse_permutations):
            array.setflags(write=False)
        self._low_list, self._high_list = self.low.tolist(), self.high.tolist()
        self._perm_lists, self._inverse_lists = self.permutations.tolist(), self.inverse_permutations.tolist()

    @property
    def dim(self) -> int:
        return int(self.low.size)

    def __call__(self, task: ArrayLike) -> np.ndarray:
        return self.forward(task)

    def forward(self, task: ArrayLike) -> np.ndarray:
        """Map ``task`` (shape ``(dim,)`` or ``(..., dim)``) through the permutations: a new float64 array."""
        return self._apply(task, self.permutations)

    def inverse(self, task: ArrayLike) -> np.ndarray:
        """Undo :meth:`forward` (``inverse(forward(t)) == t`` up to rounding)."""
        return self._apply(task, self.inverse_permutations)

    def _apply(self, task: ArrayLike, perms: np.ndarray) -> np.ndarray:
        try:
            x = np.array(task, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"task must be numeric; got {task!r}") from None
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(f"task must have shape ({self.dim},) or (..., {self.dim}); got shape {x.shape}")
        n = self.n_intervals
        if x.ndim == 1:  # one task: plain floats, several times faster than the array code for a few dimensions
            values = x.tolist()
            for d, (v, lo, hi) in enumerate(zip(values, self._low_list, self._high_list)):
                if not lo <= v <= hi:  # NaN fails too
                    raise ValueError(f"task dimension {d} must be finite and inside [{lo:g}, {hi:g}]; got {v:g}")
            rows = self._perm_lists if perms is self.permutations else self._inverse_lists
            return np.array(
                [
                    _map_value(v, lo, hi, n, perm)
                    for v, lo, hi, perm in zip(values, self._low_list, self._high_list, rows)
                ]
            )
        bad = ~np.isfinite(x) | (x < self.low) | (x > self.high)
        if bad.any():
            d = int(np.argwhere(bad)[0][-1])
            raise ValueError(
                f"task dimension {d} must be finite and inside [{self.low[d]:g}, {self.high[d]:g}]; "
                f"got {x[..., d][bad[..., d]][0]:g}"
            )
        width = self.high - self.low
        safe = np.where(width > 0, width, 1.0)
        u = (x - self.low) / safe * n
        index = np.clip(np.floor(u), 0, n - 1).astype(np.int64)
        target = np.take_along_axis(np.broadcast_to(perms, x.shape[:-1] + perms.shape), index[..., None], axis=-1)[
            ..., 0
        ]
        y = self.low + (target + (u - index)) * safe / n
        fixed = (x >= self.high) | (width <= 0)
        return np.clip(np.where(fixed, x, y), self.low, self.high)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RuggedMapping)
            and np.array_equal(self.low, other.low)
            and np.array_equal(self.high, other.high)
            and np.array_equal(self.permutations, other.permutations)
        )

    def __hash__(self) -> int:
        return hash((self.low.tobytes(), self.high.tobytes(), self.permutations.tobytes()))

    def __repr__(self) -> str:
        return (
            f"RuggedMapping(low={self.low.tolist()}, high={self.high.tolist()}, "
            f"n_intervals={self.n_intervals}, seed={self.seed})"
        )


@dataclass(frozen=True)
class Challenge:
    """What one challenge changes. Every field left at its default changes nothing.

    Attributes:
        name: the challenge's name (a key of :data:`CHALLENGES`).
        summary: one line saying what it tests.
        task_bounds: ``(parameter, low, high)`` triples that replace the task space's
            bounds for the teacher (and the env's validation); see :attr:`bounds_dict`.
        tracks: the track names it applies to, or ``None`` for every track.
        rugged_seed: when set, the env maps each task through
            ``RuggedMapping(low, high, rugged_intervals, rugged_seed)`` before
            building the terrain.
        rugged_intervals: intervals per dimension of the rugged mapping.
        reset_student_every: learner-side: re-initialise the student (not the
            teacher) every this fraction of the training budget (7/20 in the paper).
        body: the student's body (robustness to students); ``None`` keeps the env's.
    """

    name: str
    summary: str
    task_bounds: tuple[tuple[str, float, float], ...] = ()
    tracks: tuple[str, ...] | None = None
    rugged_seed: int | None = None
    rugged_intervals: int = 4
    reset_student_every: float | None = None
    body: str | None = None

    @property
    def bounds_dict(self) -> dict[str, tuple[float, float]]:
        """``{parameter: (low, high)}``, as ``task_bounds=`` of ``gym.make`` takes it."""
        return {name: (float(lo), float(hi)) for name, lo, hi in self.task_bounds}

    @property
    def has_toy_form(self) -> bool:
        """Whether :class:`curriculum_gym.toy.SimulatedStudent` has this challenge (no body change)."""
        return self.body is None

    def task_space(self, space: TaskSpace) -> TaskSpace:
        """``space`` with this challenge's bounds (``space`` itself when it sets none)."""
        if not isinstance(space, TaskSpace):
            raise TypeError(f"space must be a TaskSpace; got {type(space).__name__}")
        if not self.task_bounds:
            return space
        unknown = [name for name, _, _ in self.task_bounds if name not in space.names]
        if unknown:
            raise ValueError(
                f"challenge {self.name!r} sets the bounds of {unknown}, which {space} does not have; "
                f"it applies to tracks {list(self.tracks or [])}"
            )
        return space.with_bounds(self.bounds_dict)

    def task_transform(self, space: TaskSpace) -> RuggedMapping | None:
        """The rugged mapping over ``space``'s bounds, or ``None`` when this challenge has none."""
        if not isinstance(space, TaskSpace):
            raise TypeError(f"space must be a TaskSpace; got {type(space).__name__}")
        if self.rugged_seed is None:
            return None
        return RuggedMapping(space.low, space.high, self.rugged_intervals, self.rugged_seed)

    def student_reset_steps(self, total_steps: int) -> int | None:
        """Steps between two re-initialisations of the student for a budget of ``total_steps`` (None: never)."""
        if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)):
            raise TypeError(f"total_steps must be an int; got {type(total_steps).__name__}")
        if total_steps < 1:
            raise ValueError(f"total_steps must be >= 1; got {total_steps}")
        if self.reset_student_every is None:
            return None
        return max(1, round(self.reset_student_every * int(total_steps)))


#: every challenge by name (a read-only mapping)
CHALLENGES: Mapping[str, Challenge] = MappingProxyType(
    {
        c.name: c
        for c in (
            Challenge("default", "the standard setting: nothing changes"),
            Challenge(
                "mostly-unfeasible",
                "stump height bounds [0, 9]: most of the space cannot be learned",
                task_bounds=(("stump_height", 0.0, 9.0),),
                tracks=("stumps",),
            ),
            Challenge(
                "mostly-trivial",
                "stump height bounds [-3, 3]: negative heights give the minimum (0.05-high) stumps",
                task_bounds=(("stump_height", -3.0, 3.0),),
                tracks=("stumps",),
            ),
            Challenge(
                "rugged-difficulty",
                "each dimension cut into 4 intervals permuted with a fixed seed: "
                "difficulty is not monotonic in the task",
                rugged_seed=DEFAULT_RUGGED_SEED,
                rugged_intervals=4,
            ),
            Challenge(
                "forgetting-student",
                "the student is re-initialised every 7 M of 20 M steps; the teacher keeps its state",
                reset_student_every=7_000_000 / PAPER_TRAINING_STEPS,
            ),
            Challenge("robustness-short", "a student with the short-legged body", body="short"),
            Challenge("robustness-quadru", "a student with the four-legged body", body="quadru"),
            Challenge("robustness-spider", "a student with TeachMyAgent's spider body", body="spider"),
            Challenge("robustness-small-bipedal", "a student with TeachMyAgent's small biped", body="small_bipedal"),
        )
    }
)


def get_challenge(challenge: str | Challenge) -> Challenge:
    """The :class:`Challenge` named ``challenge`` (a Challenge is returned as is).

    Example:
        >>> get_challenge("rugged-difficulty").rugged_seed
        21
    """
    if isinstance(challenge, Challenge):
        return challenge
    if not isinstance(challenge, str):
        raise TypeError(f"challenge must be a challenge name or a Challenge; got {type(challenge).__name__}")
    if challenge not in CHALLENGES:
        raise ValueError(f"unknown challenge {challenge!r}; allowed challenges: {list(CHALLENGES)}")
    return CHALLENGES[challenge]


def challenge_env_kwargs(
    challenge: str | Challenge, track: str | TrackGenerator, env_kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """``env_kwargs`` of a :class:`~curriculum_gym.WalkerTracksEnv` on ``track`` with the challenge applied.

    Sets ``task_bounds``, ``body`` and ``task_transform`` as the challenge says;
    a value the caller gave for one of them that the challenge also sets is
    refused with ``ValueError`` (a body equal to the challenge's is accepted).

    Example:
        >>> challenge_env_kwargs("mostly-trivial", "stumps", {"body": "short"})
        {'body': 'short', 'task_bounds': {'stump_height': (-3.0, 3.0)}}
    """
    ch = get_challenge(challenge)
    generator = get_track(track)
    if ch.tracks is not None and generator.name not in ch.tracks:
        raise ValueError(f"challenge {ch.name!r} applies to track(s) {list(ch.tracks)}, not {generator.name!r}")
    kwargs = dict(env_kwargs)
    if ch.task_bounds:
        if kwargs.get("task_bounds") is not None:
            raise ValueError(
                f"challenge {ch.name!r} sets the task bounds ({ch.bounds_dict}); "
                "give task_bounds= or this challenge, not both"
            )
        kwargs["task_bounds"] = ch.bounds_dict
    if ch.body is not None:
        given = kwargs.get("body")
        if given is not None and get_body(given) != get_body(ch.body):
            raise ValueError(f"challenge {ch.name!r} sets body={ch.body!r}; got body={given!r} too")
        kwargs["body"] = ch.body if given is None else given
    if ch.rugged_seed is not None:
        if kwargs.get("task_transform") is not None:
            raise ValueError(
                f"challenge {ch.name!r} sets the task_transform (its rugged mapping); "
                "give task_transform= or this challenge, not both"
            )
        space = generator.default_task_space()
        if kwargs.get("task_bounds") is not None:
            space = space.with_bounds(kwargs["task_bounds"])
        kwargs["task_transform"] = ch.task_transform(space)
    return kwargs


def _map_value(x: float, low: float, high: float, n: int, perm: list[int]) -> float:
    """One value through one dimension's permutation (the scalar twin of ``RuggedMapping._apply``)."""
    if x >= high or high <= low:
        return x
    width = high - low
    u = (x - low) / width * n
    index = min(max(math.floor(u), 0), n - 1)
    return min(max(low + (perm[index] + (u - index)) * width / n, low), high)


def _bounds_vector(values: ArrayLike, what: str) -> np.ndarray:
    try:
        arr = np.array(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers; got {values!r}") from None
    if arr.size == 0:
        raise ValueError(f"{what} must hold at least one bound; got none")
    if not all(math.isfinite(v) for v in arr.tolist()):
        raise ValueError(f"{what} must be finite; got {arr.tolist()}")
    return arr


__all__ = [
    "CHALLENGES",
    "DEFAULT_RUGGED_SEED",
    "PAPER_TRAINING_STEPS",
    "Challenge",
    "RuggedMapping",
    "challenge_env_kwargs",
    "get_challenge",
]
