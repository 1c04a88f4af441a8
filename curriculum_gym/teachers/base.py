"""The Teacher base class: what every curriculum algorithm offers."""

from __future__ import annotations

import copy
import inspect
import math
import numbers
import os
import threading
import warnings
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from curriculum_gym import checkpoint
from curriculum_gym.sharing import fork
from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.params import Boolean, check_params


def __getattr__(name: str) -> Any:
    """``WALKER_RETURN_RANGE`` (deprecated): the walker envs' ``return_range``, whose one home is
    ``curriculum_gym.envs.physics.RETURN_RANGE``; no teacher applies it by itself."""
    if name == "WALKER_RETURN_RANGE":
        warnings.warn(
            "curriculum_gym.teachers.WALKER_RETURN_RANGE is deprecated: use the env's return_range "
            "(curriculum_gym.envs.physics.RETURN_RANGE for the walker tracks)",
            DeprecationWarning,
            stacklevel=2,
        )
        from curriculum_gym.envs.physics import RETURN_RANGE

        return RETURN_RANGE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Teacher(ABC):
    """Chooses the next task from the (task, episodic return) pairs it was told about.

    Subclasses implement :meth:`_sample` (a task in the task space's raw units),
    :meth:`_update` (one finished episode with its raw return; learning-progress teachers
    normalise it to [0, 1] with :meth:`normalize_return`, clipped to ``return_range``),
    :meth:`_metrics` and :meth:`_get_state` / :meth:`_set_state` (their learned
    state as plain values and numpy arrays). Constructor options are declared once, in
    ``_parameter_constraints`` (see :mod:`curriculum_gym.teachers.params`), and checked
    by :meth:`_set_params`; learned state has a trailing underscore.

    ``return_range=(low, high)`` is the range of the raw returns that learning-progress
    teachers (``needs_return_range``: ALP-GMM, RIAC, Covar-GMM) map to [0, 1]. ``None``
    means not known yet: ``TeacherWrapper`` and ``gym.make(..., teacher=...)`` then give
    the teacher the env's (:meth:`set_return_range`), and such a teacher used directly
    refuses its first update until it has one. The others (random, ADR, oracle) compare
    raw returns or none, and need no range.

    A teacher stays one curriculum wherever it goes. Its public methods take a
    per-teacher lock (threads may share it). When it is pickled to leave its
    process (SubprocVecEnv, AsyncVectorEnv, SuperSuit, Ray workers on this
    machine), what arrives is a :class:`~curriculum_gym.sharing.TeacherHandle`
    to it, served from this process on first need (as :func:`curriculum_gym.serve`
    does: authenticated loopback connections, JSON, no pickle); a copy made by
    ``fork`` forwards its calls the same way. ``copy.copy``/``copy.deepcopy``
    make ordinary, independent copies.

    Example:
        >>> import curriculum_gym as cg
        >>> space = cg.TaskSpace(["a", "b"], [0, 0], [1, 1])
        >>> teacher = cg.make_teacher("random", space, seed=0)
        >>> task = teacher.sample()
        >>> teacher.update(task, episode_return=12.0)
        >>> teacher.metrics()["episodes"]
        1
    """

    #: the name ``make_teacher`` knows this teacher by
    name: ClassVar[str] = "teacher"
    #: what each keyword-only constructor option accepts (checked by :meth:`_set_params`)
    _parameter_constraints: ClassVar[dict[str, Any]] = {}
    #: options that are resolved into others and not saved (ALP-GMM's ``preset``)
    _not_saved: ClassVar[tuple[str, ...]] = ()
    #: constructor options (besides task_space, seed, return_range) saved in checkpoints: the
    #: keyword-only parameters of ``__init__`` declared in ``_parameter_constraints``, less ``_not_saved``
    option_names: ClassVar[tuple[str, ...]] = ()
    #: whether :meth:`update` needs ``return_range`` (learning-progress teachers normalise returns with it)
    needs_return_range: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "option_names" not in cls.__dict__:  # derived from the signature, unless a class lists them itself
            cls.option_names = tuple(
                name
                for name in cls._keyword_options()
                if name in cls._parameter_constraints and name not in cls._not_saved
            )

    @classmethod
    def _keyword_options(cls) -> tuple[str, ...]:
        """The keyword-only parameters of the constructor: the teacher's options."""
        parameters = inspect.signature(cls.__init__).parameters.values()
        return tuple(p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY)

    def __init__(
        self,
        task_space: TaskSpace,
        seed: int | None = None,
        return_range: tuple[float, float] | None = None,
    ) -> None:
        if not isinstance(task_space, TaskSpace):
            raise TypeError(f"task_space must be a curriculum_gym.TaskSpace; got {type(task_space).__name__}")
        self.task_space = task_space
        self.seed = None if seed is None else check_seed(seed)
        self.return_range = check_return_range(return_range)
        self.rng_ = np.random.default_rng(self.seed)
        self.n_updates_ = 0
        self.n_samples_ = 0
        self._init_sharing()

    def _set_params(self, values: dict[str, Any]) -> None:
        """Check every option against ``_parameter_constraints`` and store its canonical value as an attribute.

        ``values`` holds at least the constructor's keyword-only parameters (a subclass passes
        ``locals()``). ``TypeError`` for a wrong type, ``ValueError`` for a bad value, each naming
        the option and what it accepts.
        """
        declared, options = set(self._parameter_constraints), set(self._keyword_options())
        if declared != options:  # a programming error in the subclass, not the caller's
            raise TypeError(
                f"{type(self).__name__}._parameter_constraints must declare exactly the constructor's "
                f"keyword-only options {sorted(options)}; it declares {sorted(declared)}"
            )
        checked = check_params(self._parameter_constraints, values, self.task_space)
        for name, value in checked.items():
            setattr(self, name, value)

    # ----------------------------------------------------------- public API
    def sample(self, *, seed: int | None = None) -> np.ndarray:
        """The next task, in the task space's raw units, inside its bounds.

        ``seed`` first re-seeds the teacher's generator (what ``env.reset(seed=...)``
        does to an env's), in the same atomic step.
        """
        remote = self._owner_handle()
        if remote is not None:
            return remote.sample(seed=seed)
        if seed is not None:
            seed = check_seed(seed)
        with self._lock:
            if seed is not None:
                self.rng_ = np.random.default_rng(seed)
            task = np.clip(np.asarray(self._sample(), dtype=np.float64), self.task_space.low, self.task_space.high)
            self.n_samples_ += 1
            return task

    def update(self, task: Any, episode_return: float) -> None:
        """Tell the teacher one episode on ``task`` ended with ``episode_return`` (raw units).

        ``ValueError`` (and nothing changes) for a task outside the bounds, a return that is
        not finite, or a learning-progress teacher whose ``return_range`` is not known yet.
        """
        remote = self._owner_handle()
        if remote is not None:
            remote.update(task, episode_return)
            return
        task = self.task_space.validate(task)
        r = check_return(episode_return)
        with self._lock:
            if self.needs_return_range:
                self._require_return_range()
            self._update(task, r)
            self.n_updates_ += 1

    def set_return_range(self, return_range: tuple[float, float]) -> None:
        """Give a teacher built without ``return_range`` the range of its env's raw returns.

        What ``TeacherWrapper`` does when it meets a teacher whose ``return_range`` is None.
        Setting the range it already has does nothing; changing a known range is a
        ``ValueError`` (the returns seen so far were normalised with it). A forked copy sets
        its original's.

        Example:
            >>> import curriculum_gym as cg
            >>> t = cg.make_teacher("riac", cg.TaskSpace(["x"], [0], [1]), seed=0)
            >>> t.return_range is None
            True
            >>> t.set_return_range((-150, 350))
            >>> t.return_range
            (-150.0, 350.0)
        """
        if return_range is None:
            raise TypeError("return_range must be a (low, high) pair of numbers; got None")
        checked = check_return_range(return_range)
        remote = self._owner_handle()
        if remote is not None:
            remote.set_return_range(checked)
            self.return_range = checked  # this copy's view, for callers that read it
            return
        with self._lock:
            if self.return_range is not None and self.return_range != checked:
                raise ValueError(
                    f"this {self.name} teacher already has return_range={self.return_range}; it cannot "
                    f"change to {checked} (returns were normalised with it)"
                )
            self.return_range = checked

    def normalize_return(self, episode_return: float) -> float:
        """Map a raw return to [0, 1] with ``return_range`` (clipped); ``ValueError`` while it is unknown."""
        lo, hi = self._require_return_range()
        return min(1.0, max(0.0, (episode_return - lo) / (hi - lo)))

    def _require_return_range(self) -> tuple[float, float]:
        if self.return_range is None:
            raise ValueError(
                f"the {self.name} teacher normalises returns but does not know their range: pass "
                "return_range=(low, high) to make_teacher, call teacher.set_return_range((low, high)), or use it "
                "through TeacherWrapper / gym.make(..., teacher=...), which take the env's return_range"
            )
        return self.return_range

    def metrics(self) -> dict[str, float]:
        """Numbers worth logging (TensorBoard ``teacher/*``)."""
        remote = self._owner_handle()
        if remote is not None:
            return remote.metrics()
        with self._lock:
            return self._metrics()

    # ---------------------------------------------------------- persistence
    def get_options(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.option_names}

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly where this teacher is: plain values and numpy arrays."""
        self._refuse_in_copy("state_dict()")
        with self._lock:
            return self._state_dict()

    def _state_dict(self) -> dict[str, Any]:
        return {
            "teacher": self.name,
            "task_space": self.task_space.state_dict(),
            "seed": self.seed,
            "return_range": None if self.return_range is None else list(self.return_range),
            "options": self.get_options(),
            "rng": copy.deepcopy(self.rng_.bit_generator.state),
            "n_updates": self.n_updates_,
            "n_samples": self.n_samples_,
            "state": self._get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`. On any error this teacher is left untouched.

        ``ValueError`` for a malformed state (every field is checked: shapes, finite values,
        counts, the random generator, the teacher's own invariants) and for one saved by a
        teacher with other options or another ``return_range`` (:meth:`from_state_dict` and
        ``cg.load_teacher`` build a matching one). A teacher whose ``return_range`` is None takes
        the state's; a state saved without one leaves this teacher's as it is.
        """
        self._refuse_in_copy("load_state_dict()")
        with self._lock:
            self._load_state_dict(state)

    def _load_state_dict(self, state: dict[str, Any]) -> None:
        try:
            fresh = self._validated_copy(state)
        except Exception as exc:  # noqa: BLE001 (whatever a malformed state breaks, it is a bad value)
            problem = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
            raise ValueError(f"invalid {self.name} teacher state: {problem}") from None
        self._before_load()
        self.__dict__.update(fresh.__dict__)

    def _validated_copy(self, state: Any) -> Teacher:
        """A shallow copy of this teacher holding ``state``, every part checked; this teacher is not touched."""
        fields = state_fields(state, STATE_KEYS, "a teacher state")
        if fields["teacher"] != self.name:
            raise ValueError(f"state is for teacher {short_repr(fields['teacher'])}, not {self.name!r}")
        if not isinstance(fields["task_space"], dict):
            raise ValueError(f"task_space must be a mapping; got {type(fields['task_space']).__name__}")
        space = TaskSpace.from_state_dict(fields["task_space"])
        if space != self.task_space:
            raise ValueError(f"state is for task space {space}, not {self.task_space}")
        seed = fields["seed"]
        if seed is not None:
            state_count(seed, "seed", high=None)
        return_range = self._check_same_options(fields["options"], fields["return_range"])
        if not isinstance(fields["state"], dict):
            raise ValueError(f"the learned state must be a mapping; got {type(fields['state']).__name__}")
        fresh = copy.copy(self)  # shallow: the hooks replace attributes, never change this object's
        fresh.return_range = return_range
        fresh.rng_ = _generator_from_state(fields["rng"], type(self.rng_.bit_generator))
        fresh.n_updates_ = state_count(fields["n_updates"], "n_updates")
        fresh.n_samples_ = state_count(fields["n_samples"], "n_samples")
        fresh._set_state(fields["state"])
        return fresh

    def _check_same_options(self, options: Any, return_range: Any) -> tuple[float, float] | None:
        """The state must come from a teacher with this one's options and return range (either may be
        unknown, None); returns the range the loaded teacher has."""
        if not isinstance(options, dict):
            raise ValueError(f"options must be a mapping; got {type(options).__name__}")
        own = self.get_options()
        unknown = sorted(set(options) - set(own))
        if unknown:
            raise ValueError(
                f"state has options {short_repr(unknown)} that a {self.name} teacher does not take; "
                f"its options: {list(own)}"
            )
        for name, value in own.items():
            if name not in options:
                raise ValueError(f"state lacks the option {name!r}")
            if not _same_value(options[name], value):
                raise ValueError(
                    f"state was saved by a teacher with {name}={short_repr(options[name])}, but this "
                    f"teacher has {name}={value!r}; load it into a teacher built with the same options "
                    "(cg.load_teacher builds one from the file)"
                )
        if return_range is None:
            return self.return_range
        try:
            saved = check_return_range(return_range)
        except (TypeError, ValueError) as exc:
            raise ValueError(str(exc)) from None
        if self.return_range is not None and saved != self.return_range:
            raise ValueError(
                f"state was saved by a teacher with return_range={short_repr(return_range)}, but this "
                f"teacher has return_range={list(self.return_range)}"
            )
        return saved

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> Teacher:
        """A new teacher built from a :meth:`state_dict` (its name, task space, seed, return range and
        options) and holding that state: it continues exactly where the saved one was.

        Called on :class:`Teacher`, it builds whichever teacher the state names; called on a
        subclass, the state must name that teacher. ``ValueError`` for any malformed state,
        options the teacher's constructor refuses included.

        Example:
            >>> import curriculum_gym as cg
            >>> t = cg.make_teacher("alp-gmm", cg.TaskSpace(["x"], [0], [1]), seed=0, return_range=(0, 1))
            >>> t.update(t.sample(), 0.5)
            >>> twin = cg.Teacher.from_state_dict(t.state_dict())
            >>> type(twin).__name__, twin.n_updates_, bool((twin.sample() == t.sample()).all())
            ('ALPGMM', 1, True)
        """
        from curriculum_gym.teachers import TEACHERS

        fields = state_fields(state, STATE_KEYS, "a teacher state")
        name, options = fields["teacher"], fields["options"]
        teacher_cls = TEACHERS.get(name) if isinstance(name, str) else None
        if teacher_cls is None:
            raise ValueError(
                f"the state names an unknown teacher {short_repr(name)}; known teachers: {sorted(TEACHERS)}"
            )
        if cls is not Teacher and not issubclass(teacher_cls, cls):
            raise ValueError(f"the state is for a {name} teacher ({teacher_cls.__name__}), not a {cls.__name__}")
        if not isinstance(fields["task_space"], dict) or not isinstance(options, dict):
            raise ValueError("a teacher state's task_space and options must be mappings")
        try:
            space = TaskSpace.from_state_dict(fields["task_space"])
            teacher_cls.check_option_names(options)
            teacher = teacher_cls(space, seed=fields["seed"], return_range=fields["return_range"], **options)
        except (TypeError, ValueError) as exc:  # in a state, a wrong type too is a bad value
            raise ValueError(f"invalid {name} teacher state: {exc}") from None
        teacher.load_state_dict(state)
        return teacher

    @classmethod
    def check_option_names(cls, options: Any) -> None:
        """``ValueError`` naming the teacher's options when ``options`` holds a name its constructor does not take."""
        unknown = sorted(str(k) for k in options if k not in cls.option_names and k not in cls._not_saved)
        if unknown:
            allowed = ", ".join((*cls.option_names, *cls._not_saved)) or "none"
            raise ValueError(f"unknown option(s) {unknown} for teacher {cls.name!r}; its options: {allowed}")

    def save(self, path: str | os.PathLike) -> None:
        """Write a checkpoint (JSON + ``.npy`` arrays in one zip, no pickle), atomically."""
        checkpoint.save_state(self.state_dict(), path)

    # --------------------------------------------------- one curriculum everywhere
    def _init_sharing(self) -> None:
        """Per-process bookkeeping: the lock every public call takes, and which process owns the teacher."""
        self._lock = threading.RLock()
        self._owner_pid = os.getpid()
        self._server: Any = None  # serves copies of this teacher in other processes; started on first need
        self._remote: Any = None  # in a process this teacher was forked into: the handle to its owner
        fork.track(self)

    def _share(self) -> Any:
        """A picklable handle to this teacher, served from its owning process (started on first need)."""
        if self._owner_pid != os.getpid():  # a forked copy: hand on the owner's address
            return self._owner_handle()
        with self._lock:
            if self._server is None or self._server.closed:
                from curriculum_gym.sharing.server import TeacherServer

                self._server = TeacherServer(self)
            return self._server.handle

    def _owner_handle(self) -> Any:
        """In a process this teacher was forked into, the handle to the original; otherwise None."""
        if self._owner_pid == os.getpid():
            return None
        if self._remote is None or self._remote.pid != os.getpid():
            server = self._server
            if server is None:
                raise RuntimeError(
                    f"this {self.name} teacher was copied into process {os.getpid()} by fork before it could be "
                    "shared; call cg.serve(teacher) before starting the worker processes and pass the handle"
                )
            self._remote = server.handle.remote_copy()
        return self._remote

    def _refuse_in_copy(self, what: str) -> None:
        if self._owner_pid != os.getpid():
            raise RuntimeError(
                f"{what} is only available in the process that owns this teacher "
                f"(pid {self._owner_pid}); this is a copy forwarding to it"
            )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled, a teacher travels as a handle to itself: the copy and the original stay one curriculum."""
        return self._share().__reduce__()

    def __copy__(self) -> Teacher:
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Teacher:
        new = object.__new__(type(self))
        memo[id(self)] = new
        skip = {"_lock", "_owner_pid", "_server", "_remote"}
        with self._lock:
            for key, value in self.__dict__.items():
                if key not in skip:
                    new.__dict__[key] = copy.deepcopy(value, memo)
        new._init_sharing()
        return new

    # -------------------------------------------------------- for subclasses
    @abstractmethod
    def _sample(self) -> np.ndarray: ...

    @abstractmethod
    def _update(self, task: np.ndarray, episode_return: float) -> None:
        """One finished episode: a validated task and its raw return (learning-progress teachers
        normalise it with :meth:`normalize_return`; threshold teachers compare it as it is)."""

    def _metrics(self) -> dict[str, float]:
        return {"episodes": self.n_updates_, "samples": self.n_samples_}

    def _get_state(self) -> dict[str, Any]:
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:
        """Set learned state on this (fresh copy of a) teacher; raise ValueError if malformed.

        Overrides check every field (the ``state_*`` helpers below) before assigning
        attributes, and assign new objects rather than change shared ones.
        """
        state_fields(state, (), f"{self.name} state")

    def _before_load(self) -> None:  # noqa: B027 (optional hook)
        """Hook: finish background work before the state is replaced."""

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.get_options().items())
        return f"{type(self).__name__}({self.task_space}, seed={self.seed}{', ' + opts if opts else ''})"


def check_return_range(return_range: Any) -> tuple[float, float] | None:
    """``None`` (not known yet) or a ``(low, high)`` pair of finite numbers with low < high, as floats.

    ``TypeError`` for something that is not a pair of real numbers, ``ValueError`` for a pair that
    is not finite or not increasing.
    """
    if return_range is None:
        return None
    try:
        if isinstance(return_range, (str, bytes, dict)):
            raise TypeError
        n = len(return_range)
    except TypeError:
        raise TypeError(
            f"return_range must be a (low, high) pair of numbers or None; got "
            f"{type(return_range).__name__} {short_repr(return_range)}"
        ) from None
    if n != 2:
        raise ValueError(f"return_range must be a (low, high) pair of numbers or None; got {short_repr(return_range)}")
    lo, hi = (check_real(f"return_range[{i}]", v) for i, v in enumerate(return_range))
    if not lo < hi:
        raise ValueError(f"return_range must have low < high; got ({lo:g}, {hi:g})")
    if not math.isfinite(hi - lo):  # normalising by an infinite span would flatten every return to 0
        raise ValueError(f"return_range must span a finite width (high - low); got ({lo:g}, {hi:g})")
    return (lo, hi)


def _plain(value: Any) -> Any:
    """Constructor options as JSON-friendly values."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (range, tuple)):
        return list(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_real(name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a finite float in [low, high].

    ``TypeError`` for booleans, strings, complex numbers and other non-numbers (a 0-d
    numeric array counts as its number); ``ValueError`` for nan, infinities, numbers
    too large for a float and values outside [low, high].
    """
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {short_repr(value)}")
    try:
        v = float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large for a 64-bit float: {short_repr(value)}") from None
    if not (math.isfinite(v) and low <= v <= high):
        bounds = "" if (low, high) == (-math.inf, math.inf) else f" and in [{low:g}, {high:g}]"
        raise ValueError(f"{name} must be finite{bounds}; got {v:g}")
    return v


def check_bool(name: str, value: Any) -> bool:
    """``value`` as a bool: ``TypeError`` for anything but True or False (a string like ``"no"`` included)."""
    return Boolean().check(name, value, None)


def check_return(episode_return: Any) -> float:
    """An episodic return: a finite real number (``TypeError`` for booleans, strings, complex...)."""
    return check_real("episode_return", episode_return)


def check_seed(seed: Any) -> int:
    """A seed for ``np.random.default_rng``: a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a non-negative int; got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed}")
    return int(seed)


def check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    """An integer in [low, high] (``ValueError`` otherwise); teachers check their options with
    ``_parameter_constraints`` instead (see :mod:`curriculum_gym.teachers.params`)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    v = int(value)
    if v < low or (high is not None and v > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {bound}; got {v}")
    return v


def proportional_choice(rng: np.random.Generator, weights: np.ndarray) -> int:
    """Index drawn with probability proportional to ``weights`` (uniform if they are all 0)."""
    w = np.maximum(np.asarray(weights, dtype=np.float64), 0.0)
    total = w.sum()
    if not total > 0:
        return int(rng.integers(len(w)))
    return int(rng.choice(len(w), p=w / total))


# ------------------------------------------------------------------ validating loaded states
# Used by ``Teacher._load_state_dict`` and the teachers' ``_set_state``: every field of a state
# (from a file or a caller) is checked before it is assigned; any problem is a ValueError.
#: the fields of every teacher state (``Teacher.state_dict()``)
STATE_KEYS = ("teacher", "task_space", "seed", "return_range", "options", "rng", "n_updates", "n_samples", "state")
_MAX_COUNT = 2**63 - 1


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters (values from a file may be huge)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 (e.g. an int too long to print)
        return f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + "..."


def state_fields(state: Any, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    """``state`` itself, checked to be a dict with exactly ``keys``."""
    if not isinstance(state, dict):
        raise ValueError(f"{what} must be a mapping; got {type(state).__name__}")
    missing = [k for k in keys if k not in state]
    if missing:
        raise ValueError(f"{what} lacks {missing}")
    unknown = sorted(str(k) for k in state if k not in keys)
    if unknown:
        raise ValueError(f"{what} has unexpected fields {short_repr(unknown)}; expected {list(keys)}")
    return state


def state_count(value: Any, what: str, high: int | None = _MAX_COUNT) -> int:
    """A non-negative integer (not a bool, not a float), at most ``high``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be a non-negative integer; got {type(value).__name__} {short_repr(value)}")
    v = int(value)
    if v < 0 or (high is not None and v > high):
        raise ValueError(f"{what} must be an integer in [0, {high}]; got {short_repr(v)}")
    return v


def state_float(value: Any, what: str, low: float = -math.inf, high: float = math.inf) -> float:
    """A finite real number in [low, high]; a wrong type too is a ``ValueError`` (a malformed state)."""
    if isinstance(value, np.ndarray):
        raise ValueError(f"{what} must be a real number; got an array")
    try:
        return check_real(what, value, low, high)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def state_array(
    value: Any, what: str, shape: tuple[int | None, ...], low: Any = -math.inf, high: Any = math.inf
) -> np.ndarray:
    """A new float64 array of ``shape`` (None: any length on that axis), finite, in [low, high].

    ``value`` is an ndarray (from a checkpoint) or a list of numbers (a hand-made state);
    ``low`` and ``high`` are numbers or arrays broadcast against the last axes (per column).
    """
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, list):
        arr = np.asarray(value)
    else:
        raise ValueError(f"{what} must be an array; got {type(value).__name__}")
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{what} must hold real numbers; got dtype {arr.dtype}")
    if arr.ndim != len(shape) or any(n is not None and n != m for n, m in zip(shape, arr.shape)):
        expected = "(" + ", ".join("n" if n is None else str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{what} has shape {arr.shape}; expected {expected}")
    arr = np.array(arr, dtype=np.float64)  # a copy, native byte order
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} holds NaN or infinite values")
    outside = (arr < low) | (arr > high)
    if outside.any():
        bad = np.argwhere(outside)[0]
        lo, hi = np.broadcast_to(low, arr.shape)[tuple(bad)], np.broadcast_to(high, arr.shape)[tuple(bad)]
        raise ValueError(f"{what} must lie in [{lo}, {hi}]; got {arr[tuple(bad)]} at index {tuple(bad.tolist())}")
    return arr


def _same_value(a: Any, b: Any) -> bool:
    """Equality of option values as JSON stores them (lists for tuples, NaN equal to NaN, bools apart from ints)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_)) and bool(a) == bool(b)
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        try:
            fa, fb = float(a), float(b)
        except OverflowError:
            return False
        return fa == fb or (math.isnan(fa) and math.isnan(fb))
    if type(a) is not type(b) and not (a is None or b is None):
        return False
    return a == b


def _generator_from_state(value: Any, bit_generator: type[np.random.BitGenerator]) -> np.random.Generator:
    """A new Generator restored from a ``bit_generator.state`` dict (PCG64 fields checked one by one)."""
    name = bit_generator.__name__
    fields = state_fields(value, ("bit_generator", "state", "has_uint32", "uinteger"), "rng")
    if fields["bit_generator"] != name:
        raise ValueError(f"rng is a {short_repr(fields['bit_generator'])} state; this teacher uses {name}")
    if name == "PCG64":
        inner = state_fields(fields["state"], ("state", "inc"), "rng state")
        state_count(inner["state"], "rng state", high=2**128 - 1)
        state_count(inner["inc"], "rng increment", high=2**128 - 1)
        state_count(fields["has_uint32"], "rng has_uint32", high=1)
        state_count(fields["uinteger"], "rng uinteger", high=2**32 - 1)
    generator = bit_generator(0)
    try:
        generator.state = value
    except Exception as exc:  # noqa: BLE001 (numpy's own refusal, whatever its type)
        raise ValueError(f"rng is not a valid {name} state: {type(exc).__name__}: {exc}") from None
    return np.random.Generator(generator)


def raw_return_bounds(return_range: tuple[float, float]) -> tuple[float, float]:
    """Bounds of the raw returns a teacher stores: any finite number (teachers receive returns unclipped)."""
    del return_range  # kept for the callers' readability: returns are not confined to it
    big = float(np.finfo(np.float64).max)
    return -big, big
