"""Constructor options checked from one declaration per teacher (scikit-learn's ``_parameter_constraints``).

Every teacher class lists, in ``_parameter_constraints``, what each keyword-only
option of its constructor accepts; :meth:`Teacher._set_params` checks them all in
one place and stores their canonical values. A value of the wrong *type* is a
``TypeError``, a value of the right type that is not allowed a ``ValueError``
(Gymnasium's split); both messages name the option and what it accepts. A list
of constraints accepts a value that any of them accepts (``None`` in the list:
``None`` is allowed).

Checks that involve two options (``potential_ks`` at most ``fit_rate``) stay in
the constructor, after the table.

Example:
    >>> import math
    >>> from numbers import Integral, Real
    >>> check_param("fit_rate", 250, Interval(Integral, 2, None))
    250
    >>> check_param("fit_rate", None, [Interval(Integral, 2, None), None]) is None
    True
    >>> check_param("ratio", math.nan, Interval(Real, 0, 1))
    Traceback (most recent call last):
    ...
    ValueError: ratio must be a finite real number in [0, 1]; got nan
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from curriculum_gym.tasks import as_real_array

if TYPE_CHECKING:
    from curriculum_gym.tasks import TaskSpace


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 (e.g. an int too long to print)
        return f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + "..."


def _number(value: float) -> str:
    return f"{value:g}"


class Constraint:
    """What one option accepts. ``check`` returns the canonical value or raises TypeError / ValueError."""

    def describe(self) -> str:
        """What is allowed, as it reads after "must be" ("an integer >= 2")."""
        raise NotImplementedError

    def check(self, name: str, value: Any, task_space: TaskSpace) -> Any:
        raise NotImplementedError

    def type_error(self, name: str, value: Any) -> TypeError:
        return TypeError(f"{name} must be {self.describe()}; got {type(value).__name__} {_short(value)}")

    def value_error(self, name: str, value: Any) -> ValueError:
        return ValueError(f"{name} must be {self.describe()}; got {_short(value)}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


class Interval(Constraint):
    """A number of ``kind`` (``numbers.Integral`` or ``numbers.Real``) in an interval; None: unbounded.

    ``closed`` says which ends belong to it: ``"both"``, ``"left"``, ``"right"`` or ``"neither"``.
    Booleans are not numbers here. A real number must be finite (and fit in a float); a 0-d
    numeric array counts as its number. Canonical values are ``int`` or ``float``.
    """

    def __init__(self, kind: type, low: float | None, high: float | None, *, closed: str = "both") -> None:
        if kind not in (numbers.Integral, numbers.Real):
            raise TypeError(f"kind must be numbers.Integral or numbers.Real; got {kind!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither'; got {closed!r}")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def describe(self) -> str:
        what = "an integer" if self.kind is numbers.Integral else "a finite real number"
        low_in, high_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is None and self.high is None:
            return what
        if self.high is None:
            return f"{what} {'>=' if low_in else '>'} {_number(self.low)}"
        if self.low is None:
            return f"{what} {'<=' if high_in else '<'} {_number(self.high)}"
        return f"{what} in {'[' if low_in else '('}{_number(self.low)}, {_number(self.high)}{']' if high_in else ')'}"

    def check(self, name: str, value: Any, task_space: TaskSpace) -> Any:
        if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
            value = value.item()
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, self.kind):
            raise self.type_error(name, value)
        if self.kind is numbers.Integral:
            v: float = int(value)
        else:
            try:
                v = float(value)
            except OverflowError:
                raise ValueError(
                    f"{name} must be {self.describe()}; got a number too large for a 64-bit float: {_short(value)}"
                ) from None
            if not math.isfinite(v):
                raise self.value_error(name, v)
        low_ok = self.low is None or (v >= self.low if self.closed in ("both", "left") else v > self.low)
        high_ok = self.high is None or (v <= self.high if self.closed in ("both", "right") else v < self.high)
        if not (low_ok and high_ok):
            raise self.value_error(name, v)
        return v


class Boolean(Constraint):
    """``True`` or ``False`` (numpy's too): not 0, 1, ``"no"`` or None."""

    def describe(self) -> str:
        return "True or False"

    def check(self, name: str, value: Any, task_space: TaskSpace) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise self.type_error(name, value)
        return bool(value)


class Options(Constraint):
    """One of a few strings."""

    def __init__(self, allowed: Any) -> None:
        self.allowed = tuple(sorted(allowed))

    def describe(self) -> str:
        return f"one of {list(self.allowed)}"

    def check(self, name: str, value: Any, task_space: TaskSpace) -> str:
        if not isinstance(value, str):
            raise self.type_error(name, value)
        if value not in self.allowed:
            raise self.value_error(name, value)
        return value


class IntegerList(Constraint):
    """A non-empty list (tuple, range, 1-d array) of integers >= ``low``; canonical: sorted, no repeats."""

    def __init__(self, low: int) -> None:
        self.low = low

    def describe(self) -> str:
        return f"a non-empty list of integers >= {self.low}"

    def check(self, name: str, value: Any, task_space: TaskSpace) -> list[int]:
        if isinstance(value, np.ndarray):
            if value.ndim != 1 or value.dtype.kind not in "iu":
                raise self.type_error(name, value)
            value = value.tolist()
        if not isinstance(value, (list, tuple, range)):
            raise self.type_error(name, value)
        if any(isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) for k in value):
            raise self.type_error(name, value)
        ks = sorted({int(k) for k in value})
        if not ks or ks[0] < self.low:
            raise self.value_error(name, list(value))
        return ks


class Task(Constraint):
    """A task inside the teacher's task space (``TaskSpace.validate``); canonical: a list of floats."""

    def describe(self) -> str:
        return "a task inside the bounds"

    def check(self, name: str, value: Any, task_space: TaskSpace) -> list[float]:
        try:
            return task_space.validate(value).tolist()
        except ValueError as exc:
            raise ValueError(f"{name} must be a task inside the bounds ({task_space.bounds_str()}): {exc}") from None
        except TypeError as exc:
            raise TypeError(f"{name} must be a task inside the bounds ({task_space.bounds_str()}): {exc}") from None


class PerDimension(Constraint):
    """Finite real numbers, one per task dimension (``broadcast``: or one number for all); ``positive``: > 0.

    Canonical: a list of floats, one per dimension.
    """

    def __init__(self, *, broadcast: bool = False, positive: bool = False) -> None:
        self.broadcast, self.positive = broadcast, positive

    def describe(self, dim: int | str = "d") -> str:
        sign = "positive " if self.positive else ""
        return f"{dim} {sign}finite numbers, one per parameter" + (" (or one for all)" if self.broadcast else "")

    def check(self, name: str, value: Any, task_space: TaskSpace) -> list[float]:
        what = f"{name} must be {self.describe(task_space.dim)} of {list(task_space.names)}"
        try:
            arr = as_real_array(value, name)
        except TypeError as exc:
            raise TypeError(f"{what}: {exc}") from None
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from None
        if self.broadcast and arr.shape == ():
            arr = np.full(task_space.dim, float(arr))
        if arr.shape != (task_space.dim,) or not np.all(np.isfinite(arr)) or (self.positive and np.any(arr <= 0)):
            raise ValueError(f"{what}; got {_short(value)}")
        return arr.tolist()


def check_param(name: str, value: Any, constraint: Any, task_space: TaskSpace | None = None) -> Any:
    """``value`` checked against ``constraint`` (one, or a list of which any may accept it; ``None``: None)."""
    options = constraint if isinstance(constraint, list) else [constraint]
    if value is None and None in options:
        return None
    errors: list[Exception] = []
    for option in options:
        if option is None:
            continue
        try:
            return option.check(name, value, task_space)
        except (TypeError, ValueError) as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    allowed = " or ".join(o.describe() if o is not None else "None" for o in options)
    kind = TypeError if all(isinstance(e, TypeError) for e in errors) else ValueError
    raise kind(f"{name} must be {allowed}; got {type(value).__name__} {_short(value)}")


def check_params(constraints: dict[str, Any], values: dict[str, Any], task_space: TaskSpace | None) -> dict[str, Any]:
    """Every option in ``constraints`` checked (in their order); returns their canonical values."""
    return {name: check_param(name, values[name], constraint, task_space) for name, constraint in constraints.items()}
