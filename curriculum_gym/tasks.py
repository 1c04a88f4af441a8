"""TaskSpace: the named, bounded, continuous parameter space a teacher samples from."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

ArrayLike = Any  # anything np.asarray accepts, or a {name: value} mapping


class TaskSpace:
    """A box of named continuous task parameters.

    Example:
        >>> import numpy as np
        >>> space = TaskSpace(["stump_height", "obstacle_spacing"], [0, 0], [3, 6])
        >>> space.dim
        2
        >>> space.validate({"stump_height": 1.0, "obstacle_spacing": 3.0})
        array([1., 3.])
        >>> space.normalize([1.5, 3.0])
        array([0.5, 0.5])
        >>> bool(space.contains(space.sample(np.random.default_rng(0))))
        True

    Bounds are inclusive and may be degenerate (``low == high`` fixes a parameter).
    Every method that takes a task accepts an array-like of length ``dim`` or a
    mapping ``{name: value}`` naming every parameter exactly once.
    """

    def __init__(self, names: Sequence[str], low: ArrayLike, high: ArrayLike) -> None:
        names = tuple(names) if not isinstance(names, str) else (names,)
        if len(names) == 0:
            raise ValueError("TaskSpace needs at least one parameter name; got none")
        for name in names:
            if not isinstance(name, str) or not name:
                raise ValueError(f"TaskSpace names must be non-empty strings; got {name!r}")
        if len(set(names)) != len(names):
            raise ValueError(f"TaskSpace names must be unique; got {list(names)}")
        low_a = _as_vector(low, "low", len(names))
        high_a = _as_vector(high, "high", len(names))
        for name, lo, hi in zip(names, low_a, high_a):
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(f"bounds of {name!r} must be finite; got [{lo}, {hi}]")
            if lo > hi:
                raise ValueError(f"bounds of {name!r} are inverted: low={lo} > high={hi}; need low <= high")
        self.names: tuple[str, ...] = names
        self.low: np.ndarray = low_a
        self.high: np.ndarray = high_a
        self.low.setflags(write=False)
        self.high.setflags(write=False)

    # ------------------------------------------------------------------ basics
    @property
    def dim(self) -> int:
        return len(self.names)

    @property
    def width(self) -> np.ndarray:
        return self.high - self.low

    def __repr__(self) -> str:
        bounds = ", ".join(f"{n}=[{lo:g}, {hi:g}]" for n, lo, hi in zip(self.names, self.low, self.high))
        return f"TaskSpace({bounds})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TaskSpace)
            and self.names == other.names
            and np.array_equal(self.low, other.low)
            and np.array_equal(self.high, other.high)
        )

    def __hash__(self) -> int:
        return hash((self.names, self.low.tobytes(), self.high.tobytes()))

    def bounds_str(self) -> str:
        return ", ".join(f"{n} in [{lo:g}, {hi:g}]" for n, lo, hi in zip(self.names, self.low, self.high))

    # ------------------------------------------------------------ conversions
    def to_array(self, task: ArrayLike | Mapping[str, float]) -> np.ndarray:
        """Convert ``task`` (array-like or ``{name: value}``) to a float array of shape (dim,).

        Checks the shape and the names, not the bounds (see :meth:`validate`).
        """
        if isinstance(task, Mapping):
            unknown = [k for k in task if k not in self.names]
            if unknown:
                raise ValueError(f"unknown task parameter(s) {unknown}; allowed names: {list(self.names)}")
            missing = [n for n in self.names if n not in task]
            if missing:
                raise ValueError(f"task is missing parameter(s) {missing}; need all of: {self.bounds_str()}")
            values = [task[n] for n in self.names]
        else:
            values = task
        arr = as_real_array(values, "task")
        if arr.shape != (self.dim,):
            raise ValueError(
                f"task must have shape ({self.dim},), one value per parameter ({self.bounds_str()}); got shape {arr.shape}"
            )
        return arr.copy()

    def to_dict(self, task: ArrayLike) -> dict[str, float]:
        arr = self.to_array(task)
        return {n: float(v) for n, v in zip(self.names, arr)}

    def validate(self, task: ArrayLike | Mapping[str, float]) -> np.ndarray:
        """Return ``task`` as an array, or raise ``ValueError`` naming the bad parameter and its bounds."""
        arr = self.to_array(task)
        for name, v, lo, hi in zip(self.names, arr, self.low, self.high):
            if not math.isfinite(v):
                raise ValueError(f"task parameter {name!r} must be finite; got {v} (bounds [{lo:g}, {hi:g}])")
            if not lo <= v <= hi:
                raise ValueError(f"task parameter {name!r} = {v:g} is outside its bounds [{lo:g}, {hi:g}]")
        return arr

    def contains(self, task: ArrayLike | Mapping[str, float]) -> bool:
        try:
            self.validate(task)
        except (ValueError, TypeError):
            return False
        return True

    # --------------------------------------------------------------- sampling
    def sample(self, rng: np.random.Generator, n: int | None = None) -> np.ndarray:
        """Uniform sample(s): shape (dim,) or (n, dim). ``rng`` is required (no global RNG)."""
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
        size = (self.dim,) if n is None else (int(n), self.dim)
        return rng.uniform(self.low, self.high, size=size)

    def clip(self, task: ArrayLike) -> np.ndarray:
        return np.clip(np.asarray(task, dtype=np.float64), self.low, self.high)

    def normalize(self, task: ArrayLike) -> np.ndarray:
        """Map raw units to [0, 1] per dimension (a fixed dimension maps to 0). Works on (..., dim)."""
        x = np.asarray(task, dtype=np.float64)
        width = self.width
        safe = np.where(width > 0, width, 1.0)
        return np.where(width > 0, (x - self.low) / safe, 0.0)

    def denormalize(self, u: ArrayLike) -> np.ndarray:
        """Inverse of :meth:`normalize`. Works on (..., dim)."""
        return self.low + np.asarray(u, dtype=np.float64) * self.width

    # -------------------------------------------------------- derived spaces
    def with_bounds(self, bounds: Mapping[str, Sequence[float]] | Iterable[Sequence[float]]) -> TaskSpace:
        """A new space with some or all bounds replaced.

        ``bounds`` is ``{name: (low, high)}`` (names not given keep their bounds) or
        a sequence of ``(low, high)`` pairs, one per parameter.
        """
        low, high = self.low.copy(), self.high.copy()
        if isinstance(bounds, Mapping):
            unknown = [k for k in bounds if k not in self.names]
            if unknown:
                raise ValueError(f"task_bounds names unknown parameter(s) {unknown}; allowed: {list(self.names)}")
            items = [(self.names.index(k), v) for k, v in bounds.items()]
        else:
            pairs = list(bounds)
            if len(pairs) != self.dim:
                raise ValueError(
                    f"task_bounds must give {self.dim} (low, high) pairs for {list(self.names)}; got {len(pairs)}"
                )
            items = list(enumerate(pairs))
        for i, pair in items:
            pair_arr = as_real_array(pair, f"task_bounds for {self.names[i]!r}")
            if pair_arr.shape != (2,):
                raise ValueError(
                    f"task_bounds for {self.names[i]!r} must be a (low, high) pair of numbers; got {pair!r}"
                )
            low[i], high[i] = pair_arr
        return TaskSpace(self.names, low, high)

    def state_dict(self) -> dict[str, list]:
        return {"names": list(self.names), "low": self.low.tolist(), "high": self.high.tolist()}

    @classmethod
    def from_state_dict(cls, d: Mapping[str, Any]) -> TaskSpace:
        try:
            return cls(d["names"], d["low"], d["high"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a TaskSpace description: {exc}") from None


def as_real_array(values: Any, what: str) -> np.ndarray:
    """``values`` as a new float64 array, refusing what is not a real number.

    ``TypeError`` for strings, booleans, complex numbers, dates and durations, masked
    arrays and other non-numbers (a wrong type); ``ValueError`` for a number too large
    for a float (e.g. ``10**400``) or an array whose elements differ in length.
    """
    if isinstance(values, np.ma.MaskedArray):
        raise TypeError(f"{what} must be plain numbers; got a masked array")
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{what} must be numbers; got the string {values!r}")
    if not isinstance(values, np.ndarray) and isinstance(values, Iterable):
        values = list(values)
        if any(isinstance(v, (bool, np.bool_, str, bytes)) for v in values):
            raise TypeError(f"{what} must be real numbers; got {values!r}")
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be real numbers; got {values!r} ({exc})") from None
    kind = raw.dtype.kind
    if kind == "O":
        for v in raw.ravel():
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
                raise TypeError(f"{what} must be real numbers; got {type(v).__name__} {v!r}")
    elif kind not in "iuf":
        names = {"b": "booleans", "c": "complex numbers", "m": "durations", "M": "dates", "U": "strings", "S": "bytes"}
        raise TypeError(f"{what} must be real numbers; got {names.get(kind, raw.dtype.name)}: {values!r}")
    try:
        return np.array(raw, dtype=np.float64)
    except OverflowError:
        raise ValueError(f"{what} has a number too large for a 64-bit float: {values!r}") from None


def _as_vector(values: ArrayLike, what: str, n: int) -> np.ndarray:
    arr = as_real_array(values, f"TaskSpace {what}")
    if arr.shape != (n,):
        raise ValueError(f"TaskSpace {what} must have shape ({n},) to match the names; got {arr.shape}")
    return arr
