"""Covar-GMM: sample where time and return co-vary (Moulin-Frier et al. 2014, as run in Portelas et al. 2019)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

from curriculum_gym.tasks import TaskSpace
from curriculum_gym.teachers.base import Teacher, proportional_choice, state_array, state_fields
from curriculum_gym.teachers.gmm import Mixture, fit_best_mixture
from curriculum_gym.teachers.params import Boolean, IntegerList, Interval, Options


class CovarGMM(Teacher):
    """Fits GMMs on [task, relative time in the window, return]; samples Gaussians in
    proportion to their time-return covariance (its absolute value with ``absolute_lp=True``,
    else its positive part). Bootstrap and random ratio as ALP-GMM.

    Example:
        >>> import curriculum_gym as cg
        >>> t = cg.make_teacher("covar-gmm", cg.TaskSpace(["x"], [0], [1]), seed=0, return_range=(0, 1), fit_rate=20)
        >>> for _ in range(40):
        ...     x = t.sample(); t.update(x, float(x[0]))
        >>> t.mixture_ is not None
        True
    """

    name = "covar-gmm"
    needs_return_range = True
    _parameter_constraints = {
        "fit_rate": Interval(Integral, 2, None),
        "random_task_ratio": Interval(Real, 0, 1),
        "potential_ks": IntegerList(1),  # also at most fit_rate
        "absolute_lp": Boolean(),
        "normalize_tasks": Boolean(),
        "gmm_backend": Options(("numpy", "sklearn")),
    }

    def __init__(
        self,
        task_space: TaskSpace,
        seed: int | None = None,
        return_range: tuple[float, float] | None = None,
        *,
        fit_rate: int = 250,
        random_task_ratio: float = 0.2,
        potential_ks: Any = tuple(range(2, 11)),
        absolute_lp: bool = False,
        normalize_tasks: bool = True,
        gmm_backend: str = "numpy",
    ) -> None:
        super().__init__(task_space, seed, return_range)
        self._set_params(locals())
        if self.potential_ks[-1] > self.fit_rate:
            raise ValueError(f"potential_ks must be integers in [1, fit_rate={self.fit_rate}]; got {self.potential_ks}")
        self.window_ = np.empty((0, task_space.dim + 2))
        self.mixture_: Mixture | None = None

    def _sample(self) -> np.ndarray:
        if self.n_updates_ < self.fit_rate or self.mixture_ is None or self.rng_.random() < self.random_task_ratio:
            return self.task_space.sample(self.rng_)
        cov = self.mixture_.covariances[:, -2, -1]
        progress = np.abs(cov) if self.absolute_lp else np.maximum(cov, 0.0)
        index = proportional_choice(self.rng_, progress)
        point = self.mixture_.sample_component(self.rng_, index)[:-2]
        return self.task_space.denormalize(point) if self.normalize_tasks else point

    def _update(self, task: np.ndarray, episode_return: float) -> None:
        normalized_return = self.normalize_return(episode_return)
        x = self.task_space.normalize(task) if self.normalize_tasks else task
        time_in_window = (self.n_updates_ % self.fit_rate) / self.fit_rate
        row = np.concatenate([x, [time_in_window, normalized_return]])[None, :]
        self.window_ = np.concatenate([self.window_[-(self.fit_rate - 1) :], row])
        episode = self.n_updates_ + 1
        if episode % self.fit_rate == 0:
            seed = int(self.rng_.integers(2**31 - 1))
            mixture = fit_best_mixture(self.window_, self.potential_ks, seed, "aic", self.gmm_backend)
            if mixture is not None:
                self.mixture_ = mixture

    def _metrics(self) -> dict[str, float]:
        m = super()._metrics()
        m["n_gaussians"] = self.mixture_.n_components if self.mixture_ is not None else 0
        return m

    def _get_state(self) -> dict[str, Any]:
        return {"window": self.window_.copy(), "mixture": None if self.mixture_ is None else self.mixture_.state_dict()}

    def _set_state(self, state: dict[str, Any]) -> None:
        """Checked: a window of at most ``fit_rate`` rows [task, time, return] inside their bounds; no
        mixture, or a valid one (see ``Mixture.from_state_dict``) over those columns with k in ``potential_ks``."""
        state = state_fields(state, ("window", "mixture"), "covar-gmm state")
        space, dim = self.task_space, self.task_space.dim + 2
        low = np.append(np.zeros(space.dim) if self.normalize_tasks else space.low, [0.0, 0.0])
        high = np.append(np.ones(space.dim) if self.normalize_tasks else space.high, [1.0, 1.0])
        window = state_array(state["window"], "covar-gmm window", (None, dim), low, high)
        if len(window) > self.fit_rate:
            raise ValueError(f"covar-gmm window holds {len(window)} rows; at most fit_rate={self.fit_rate}")
        mixture = None
        if state["mixture"] is not None:
            mixture = Mixture.from_state_dict(state["mixture"], dim=dim, what="covar-gmm mixture", low=low, high=high)
            if mixture.n_components not in self.potential_ks:
                raise ValueError(
                    f"covar-gmm mixture has {mixture.n_components} components; potential_ks={self.potential_ks}"
                )
        self.window_, self.mixture_ = window, mixture
