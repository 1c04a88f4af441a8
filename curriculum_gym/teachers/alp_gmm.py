"""ALP-GMM: absolute learning progress modelled with Gaussian mixtures (Portelas et al., CoRL 2019)."""

from __future__ import annotations

import time
import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import (
    Teacher,
    proportional_choice,
    state_array,
    state_count,
    state_fields,
    state_float,
)
from curriculum_gym.teachers.fit_worker import FitWorker, FitWorkerDiedError
from curriculum_gym.teachers.gmm import Mixture, fit_best_mixture, require_sklearn
from curriculum_gym.teachers.history import NearestHistory
from curriculum_gym.teachers.params import Boolean, IntegerList, Interval, Options

#: Settings of the two published studies.
PRESETS: dict[str, dict[str, Any]] = {
    "corl2019": {"fit_rate": 250, "random_task_ratio": 0.2, "potential_ks": list(range(2, 11))},
    "teachmyagent": {"fit_rate": 150, "random_task_ratio": 0.05, "potential_ks": list(range(2, 10))},
}
MIN_HISTORY_FOR_ALP = 6  # with fewer past episodes ALP is 0
#: background fitting processes that may end unexpectedly before fits move into the teacher's own process
MAX_WORKER_DEATHS = 3


class ALPGMM(Teacher):
    """Samples tasks from the Gaussians of a GMM fitted on (task, ALP), chosen in proportion to their mean ALP.

    Per finished episode (task, return normalised to [0, 1]):

    1. ALP = |return - return of the nearest previous task| (0 with fewer than 6 past episodes).
    2. [task, ALP] joins the fitting window.
    3. Every ``fit_rate`` episodes a GMM is fitted on the last ``fit_rate`` rows for
       every k in ``potential_ks``; the lowest ``criterion`` (AIC or BIC) wins.

    Sampling: uniform during the first ``fit_rate`` episodes and with probability
    ``random_task_ratio`` afterwards; otherwise a Gaussian is picked in proportion
    to its mean ALP, a point drawn from it, its ALP coordinate dropped, clipped.

    Args:
        return_range: (low, high) of the raw returns, normalised to [0, 1] for ALP; None (the
            default): taken from the env by ``TeacherWrapper`` / ``gym.make(..., teacher=...)``,
            or given later with :meth:`set_return_range` (updates are refused until then).
        preset: ``"corl2019"`` (fit_rate 250, random ratio 0.2, k 2..10) or
            ``"teachmyagent"`` (150, 0.05, k 2..9); explicit options override it.
        normalize_tasks: fit and measure distances in [0, 1]^d (default) or in raw units (the original).
        max_history: keep at most this many past episodes for the nearest-neighbour ALP (None: all).
        background_fit: refit in a background process and swap the new mixture in at the first
            call after it is ready, so no call waits for a fit. Which episode first sees a new
            mixture depends on timing: keep False (the default) for exact replays. A fitting process
            that ends unexpectedly (killed, crashed) is replaced and its fit redone, with a
            ``RuntimeWarning``; after ``MAX_WORKER_DEATHS`` (3) such ends fits run in this process.
        gmm_backend: ``"numpy"`` (batched EM, fast) or ``"sklearn"`` (scikit-learn's GaussianMixture).

    Example:
        >>> import curriculum_gym as cg
        >>> space = cg.TaskSpace(["x", "y"], [0, 0], [1, 1])
        >>> teacher = cg.make_teacher("alp-gmm", space, seed=0, return_range=(0, 1), fit_rate=50)
        >>> for _ in range(100):
        ...     task = teacher.sample()
        ...     teacher.update(task, float(task[0] > 0.5))
        >>> teacher.mixture_.n_components >= 2
        True
    """

    name = "alp-gmm"
    needs_return_range = True
    _parameter_constraints = {
        "preset": Options(PRESETS),
        "fit_rate": [Interval(Integral, 2, None), None],  # None: the preset's
        "random_task_ratio": [Interval(Real, 0, 1), None],
        "potential_ks": [IntegerList(1), None],  # also at most fit_rate
        "criterion": Options(("aic", "bic")),
        "normalize_tasks": Boolean(),
        "max_history": [Interval(Integral, 2, None), None],  # also at least fit_rate
        "background_fit": Boolean(),
        "gmm_backend": Options(("numpy", "sklearn")),
    }
    _not_saved = ("preset",)  # resolved into fit_rate, random_task_ratio and potential_ks

    def __init__(
        self,
        task_space: TaskSpace,
        seed: int | None = None,
        return_range: tuple[float, float] | None = None,
        *,
        preset: str = "corl2019",
        fit_rate: int | None = None,
        random_task_ratio: float | None = None,
        potential_ks: Any = None,
        criterion: str = "aic",
        normalize_tasks: bool = True,
        max_history: int | None = None,
        background_fit: bool = False,
        gmm_backend: str = "numpy",
    ) -> None:
        super().__init__(task_space, seed, return_range)
        self._set_params(locals())
        for option, default in PRESETS[self.preset].items():  # options left None take the preset's
            if getattr(self, option) is None:
                setattr(self, option, list(default) if isinstance(default, list) else default)
        if self.potential_ks[-1] > self.fit_rate:
            raise ValueError(f"potential_ks must be integers in [1, fit_rate={self.fit_rate}]; got {self.potential_ks}")
        if self.max_history is not None and self.max_history < self.fit_rate:
            raise ValueError(
                f"max_history must be an integer >= fit_rate={self.fit_rate} or None; got {self.max_history}"
            )
        if gmm_backend == "sklearn":
            require_sklearn()  # imported now, not inside the first fit

        # learned state
        self.history_ = NearestHistory(task_space.dim, max_size=self.max_history)
        self.window_ = np.empty((0, task_space.dim + 1))  # last fit_rate rows of [task, ALP]
        self.alps_: list[float] = []  # per-episode ALP (bounded like the history)
        self.mixture_: Mixture | None = None
        self.fits_: list[
            tuple[int, Mixture]
        ] = []  # (episode, mixture) of the fits kept for plots (bounded with max_history)
        self.last_fit_seconds_ = 0.0
        self._worker: FitWorker | None = None
        self._pending_episodes: list[int] = []  # episode of the fit in flight
        self._queued: tuple[int, tuple] | None = None  # the newest fit asked for while one was in flight
        self._in_flight_args: tuple | None = None  # the arguments of the fit in flight, to redo it if it is lost
        self._worker_deaths = 0  # fitting processes that ended unexpectedly
        self._fit_here = False  # True once background fits have fallen back to this process

    # ------------------------------------------------------------- sampling
    def _to_unit(self, task: np.ndarray) -> np.ndarray:
        return self.task_space.normalize(task) if self.normalize_tasks else task

    def _from_unit(self, x: np.ndarray) -> np.ndarray:
        return self.task_space.denormalize(x) if self.normalize_tasks else x

    def _sample(self) -> np.ndarray:
        self._collect_background_fits()
        bootstrapping = self.n_updates_ < self.fit_rate or self.mixture_ is None
        if bootstrapping or self.rng_.random() < self.random_task_ratio:
            return self.task_space.sample(self.rng_)
        mixture = self.mixture_
        index = proportional_choice(self.rng_, mixture.means[:, -1])
        point = mixture.sample_component(self.rng_, index)[:-1]
        return self._from_unit(point)

    # --------------------------------------------------------------- update
    def _update(self, task: np.ndarray, episode_return: float) -> None:
        normalized_return = self.normalize_return(episode_return)  # ALP compares returns in [0, 1]
        self._collect_background_fits()
        x = self._to_unit(task)
        alp = 0.0
        if len(self.history_) >= MIN_HISTORY_FOR_ALP:
            alp = abs(normalized_return - self.history_.nearest_return(x))
        self.history_.add(x, normalized_return)
        self.alps_.append(alp)
        if self.max_history is not None and len(self.alps_) > 2 * self.max_history:
            del self.alps_[: len(self.alps_) - self.max_history]
        row = np.append(x, alp)[None, :]
        self.window_ = np.concatenate([self.window_[-(self.fit_rate - 1) :], row]) if self.fit_rate > 1 else row
        episode = self.n_updates_ + 1
        if episode >= self.fit_rate and episode % self.fit_rate == 0:
            self._fit(episode)

    def _fit(self, episode: int) -> None:
        seed = int(self.rng_.integers(2**31 - 1))
        args = (self.window_.copy(), self.potential_ks, seed, self.criterion, self.gmm_backend)
        if not self.background_fit or self._fit_here:
            self._fit_now(episode, args)
        elif self._pending_episodes:  # one fit in flight at a time; the newest request waits its turn
            self._queued = (episode, args)
        else:
            self._submit(episode, args)

    def _fit_now(self, episode: int, args: tuple) -> None:
        start = time.perf_counter()
        self._install(episode, fit_best_mixture(*args))
        self.last_fit_seconds_ = time.perf_counter() - start

    # ------------------------------------------------------ background fits
    def _submit(self, episode: int, args: tuple) -> None:
        """Send a fit to the fitting process (a new one if there is none or it has ended); fit here if none can run."""
        while not self._fit_here:
            if self._worker is None:
                self._start_worker()
                continue
            try:
                self._worker.submit(*args)
            except FitWorkerDiedError:
                self._worker_ended(episode)
                continue
            self._pending_episodes.append(episode)
            self._in_flight_args = args
            return
        self._fit_now(episode, args)

    def _start_worker(self) -> None:
        try:
            self._worker = FitWorker()
        except OSError as exc:
            self._fall_back(f"ALP-GMM could not start its background fitting process ({exc})")

    def _worker_ended(self, episode: int) -> None:
        """The fitting process ended unexpectedly (killed, crashed): reap it and say so; the next fit starts a new one."""
        worker, self._worker = self._worker, None
        worker.kill()  # reaps it: its exit code is known
        code = worker.returncode
        self._worker_deaths += 1
        what = f"ALP-GMM's background fitting process (pid {worker.pid}) ended unexpectedly (exit code {code})"
        if self._worker_deaths >= MAX_WORKER_DEATHS:
            self._fall_back(f"{what}, and {self._worker_deaths - 1} before it")
        else:
            warnings.warn(f"{what}; a new one fits the window of episode {episode}", RuntimeWarning, stacklevel=2)

    def _fall_back(self, reason: str) -> None:
        self._fit_here = True
        warnings.warn(
            f"{reason}; this teacher now fits its GMMs in its own process "
            "(each fit delays the update that asks for it)",
            RuntimeWarning,
            stacklevel=2,
        )

    def _install(self, episode: int, mixture: Mixture | None) -> None:
        if mixture is not None:
            self.mixture_ = mixture
            self.fits_.append((episode, mixture))
            keep = self._fits_kept()
            if keep is not None and len(self.fits_) > keep:
                del self.fits_[: len(self.fits_) - keep]

    def _fits_kept(self) -> int | None:
        """How many fits ``fits_`` keeps for plots: all without ``max_history``; with it, those fitted
        during the episodes the history can hold (``max_history`` + its rebuild buffer) and the one before."""
        if self.max_history is None:
            return None
        return (self.max_history + self.history_.buffer_size) // self.fit_rate + 2

    def _collect_background_fits(self, wait: bool = False) -> None:
        """Swap in the background fits that are ready (with ``wait``: every one, the queued one too).

        A fit lost with its process (killed, crashed) is redone, by a new process or here.
        """
        while True:
            if not self._pending_episodes:
                if self._queued is None:
                    return
                (episode, args), self._queued = self._queued, None
                self._submit(episode, args)
                continue
            worker = self._worker
            if worker is not None:
                for mixture, seconds in worker.collect(wait=wait):
                    self.last_fit_seconds_ = seconds
                    self._install(self._pending_episodes.pop(0), mixture)
                if self._pending_episodes and not worker.ended:
                    return  # still fitting (collect(wait=True) returns early only when the process has ended)
            if self._pending_episodes:  # lost with its process: redo it
                episode = self._pending_episodes.pop(0)
                if worker is not None:
                    self._worker_ended(episode)
                self._submit(episode, self._in_flight_args)

    def wait_for_fit(self) -> None:
        """Block until every background fit has been swapped in."""
        self._collect_background_fits(wait=True)

    def close(self) -> None:
        """Install pending background fits and stop the fitting process (if any)."""
        self.wait_for_fit()
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    # ------------------------------------------------------------ reporting
    @property
    def alp_history(self) -> np.ndarray:
        """Per-episode ALP, oldest first."""
        return np.asarray(self.alps_)

    def _metrics(self) -> dict[str, float]:
        m = super()._metrics()
        window_alp = self.window_[:, -1]
        m.update(
            {
                "mean_alp": float(window_alp.mean()) if len(window_alp) else 0.0,
                "n_gaussians": self.mixture_.n_components if self.mixture_ is not None else 0,
                "max_gaussian_alp": float(self.mixture_.means[:, -1].max()) if self.mixture_ is not None else 0.0,
                "n_fits": len(self.fits_),
                "last_fit_ms": 1e3 * self.last_fit_seconds_,
            }
        )
        return m

    def __deepcopy__(self, memo: dict[int, Any]) -> ALPGMM:
        """An independent copy; its background fits (if any) run in a fitting process of its own."""
        with self._lock:
            self.wait_for_fit()
            worker, self._worker = self._worker, None
            try:
                return super().__deepcopy__(memo)
            finally:
                self._worker = worker

    # ---------------------------------------------------------- persistence
    def _before_load(self) -> None:
        self.close()

    def _get_state(self) -> dict[str, Any]:
        self.wait_for_fit()  # a checkpoint never misses a fit already paid for
        return {
            "history": self.history_.state_dict(),
            "window": self.window_.copy(),
            "alps": np.asarray(self.alps_, dtype=np.float64),
            "mixture": None if self.mixture_ is None else self.mixture_.state_dict(),
            "fit_episodes": [e for e, _ in self.fits_],
            "fits": [m.state_dict() for _, m in self.fits_],
            "last_fit_seconds": self.last_fit_seconds_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        """Checked (``ValueError``): the history (finite tasks, returns in [0, 1]), a finite window of at
        most ``fit_rate`` rows, ALPs in [0, 1], and valid mixtures (see ``Mixture.from_state_dict``) with
        k in ``potential_ks``, fitted at increasing episodes up to ``n_updates``. Fits older than
        ``fits_`` keeps (a file from before it was bounded) are dropped."""
        state = state_fields(
            state, ("history", "window", "alps", "mixture", "fit_episodes", "fits", "last_fit_seconds"), "alp-gmm state"
        )
        dim = self.task_space.dim + 1
        low, high = self._column_bounds()
        history = NearestHistory(self.task_space.dim, max_size=self.max_history)
        history.load_state_dict(state["history"], low[:-1], high[:-1], return_low=0.0, return_high=1.0)
        window = state_array(state["window"], "alp-gmm window", (None, dim), low, high)
        if len(window) > self.fit_rate:
            raise ValueError(f"alp-gmm window holds {len(window)} rows; at most fit_rate={self.fit_rate}")
        alps = state_array(state["alps"], "alp-gmm alps", (None,), 0.0, 1.0)
        if self.max_history is not None and len(alps) > 2 * self.max_history:
            raise ValueError(f"alp-gmm holds {len(alps)} ALPs; at most 2 * max_history = {2 * self.max_history}")
        mixture = None if state["mixture"] is None else self._checked_mixture(state["mixture"], "alp-gmm mixture")
        episodes, listed = state["fit_episodes"], state["fits"]
        if not isinstance(episodes, list) or not isinstance(listed, list) or len(episodes) != len(listed):
            raise ValueError("alp-gmm fit_episodes and fits must be lists of the same length")
        if (mixture is None) != (not listed):
            raise ValueError("alp-gmm has a mixture exactly when it has fits")
        fits, last = [], 0
        for i, (episode, fit) in enumerate(zip(episodes, listed)):
            episode = state_count(episode, f"alp-gmm fit_episodes[{i}]", high=self.n_updates_)
            if episode <= last:
                raise ValueError(f"alp-gmm fit_episodes must increase, from 1; got {episode} after {last}")
            fits.append((episode, self._checked_mixture(fit, f"alp-gmm fits[{i}]")))
            last = episode
        keep = self._fits_kept()
        if keep is not None:
            fits = fits[-keep:]
        self.history_, self.window_, self.mixture_, self.fits_ = history, window, mixture, fits
        self.alps_ = alps.tolist()
        self.last_fit_seconds_ = state_float(state["last_fit_seconds"], "alp-gmm last_fit_seconds", 0.0)
        self._worker, self._pending_episodes, self._queued, self._in_flight_args = None, [], None, None

    def _column_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the columns the mixtures are fitted on: [task (in fitting units), ALP]."""
        space = self.task_space
        low = np.zeros(space.dim) if self.normalize_tasks else space.low
        high = np.ones(space.dim) if self.normalize_tasks else space.high
        return np.append(low, 0.0), np.append(high, 1.0)

    def _checked_mixture(self, value: Any, what: str) -> Mixture:
        low, high = self._column_bounds()
        mixture = Mixture.from_state_dict(value, dim=self.task_space.dim + 1, what=what, low=low, high=high)
        if mixture.n_components not in self.potential_ks:
            raise ValueError(f"{what} has {mixture.n_components} components; potential_ks={self.potential_ks}")
        return mixture
