"""Gaussian mixtures for the GMM teachers: a batched EM fitter and the fitted mixture.

``fit_best_mixture`` fits one full-covariance GMM per candidate number of
components and keeps the best by AIC (or BIC), like fitting
``sklearn.mixture.GaussianMixture(k, covariance_type="full", n_init=1)`` for
every k and comparing ``.aic(X)``: k-means initialisation, EM with the same
defaults (``max_iter=100``, ``tol=1e-3``, ``reg_covar=1e-6``) and the same
convergence rule. The difference is speed: every candidate k runs in the same
numpy operations (padded to the largest k), which makes a sweep over k = 2..10
on 250 rows several times faster than ten sklearn fits. ``backend="sklearn"``
runs scikit-learn itself, for reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from curriculum_gym.teachers.base import state_array, state_fields

_EPS = 10 * np.finfo(np.float64).eps
_LOG_2PI = np.log(2 * np.pi)


@dataclass(frozen=True)
class Mixture:
    """A fitted Gaussian mixture as plain arrays (the learned state of a GMM teacher)."""

    weights: np.ndarray  # (k,)
    means: np.ndarray  # (k, D)
    covariances: np.ndarray  # (k, D, D)

    @property
    def n_components(self) -> int:
        return len(self.weights)

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights, "means": self.means, "covariances": self.covariances}

    @classmethod
    def from_state_dict(
        cls,
        d: Any,
        dim: int | None = None,
        what: str = "mixture",
        low: np.ndarray | None = None,
        high: np.ndarray | None = None,
    ) -> Mixture:
        """A mixture from :meth:`state_dict`, checked: ``ValueError`` unless it is one a fit could give.

        At least one component; finite weights >= 0 summing to 1; finite means of dimension
        ``dim`` (when given); finite symmetric positive-definite covariances. Given the bounds
        ``low``/``high`` of the fitted data's columns: means inside them and variances at most
        their width squared (a fit's are, up to rounding and ``reg_covar``), which keeps every
        sum a teacher makes of them finite.
        """
        d = state_fields(d, ("weights", "means", "covariances"), what)
        w = state_array(d["weights"], f"{what} weights", (None,), low=0.0)
        k = len(w)
        if k == 0:
            raise ValueError(f"{what} has no components")
        mean_bounds, max_variance = (-np.inf, np.inf), np.inf
        if low is not None and high is not None:
            width = np.asarray(high, dtype=np.float64) - low
            scale = np.maximum(width, 1.0)
            mean_bounds = (low - 1e-6 * scale, high + 1e-6 * scale)
            max_variance = width**2 + 1e-3 * scale**2
        m = state_array(d["means"], f"{what} means", (k, dim), *mean_bounds)
        c = state_array(d["covariances"], f"{what} covariances", (k, m.shape[1], m.shape[1]))
        if not abs(w.sum() - 1.0) <= 1e-6:
            raise ValueError(f"{what} weights must sum to 1; they sum to {w.sum()}")
        if not np.allclose(c, np.swapaxes(c, 1, 2), rtol=1e-6, atol=1e-12):
            raise ValueError(f"{what} covariances must be symmetric")
        state_array(np.diagonal(c, axis1=1, axis2=2), f"{what} variances", (k, m.shape[1]), high=max_variance)
        try:
            np.linalg.cholesky(c)
        except np.linalg.LinAlgError:
            raise ValueError(f"{what} covariances must be positive definite") from None
        return cls(w, m, c)

    def sample_component(self, rng: np.random.Generator, index: int) -> np.ndarray:
        """One draw from component ``index``."""
        return rng.multivariate_normal(self.means[index], self.covariances[index], method="cholesky")


def fit_best_mixture(
    data: np.ndarray,
    ks: list[int],
    seed: int,
    criterion: str = "aic",
    backend: str = "numpy",
    max_iter: int = 100,
    tol: float = 1e-3,
    reg_covar: float = 1e-6,
) -> Mixture | None:
    """Fit a GMM for every k in ``ks`` on ``data`` (N, D); return the best by ``criterion``.

    Returns None when no candidate could be fitted (e.g. fewer rows than components).
    """
    candidates = fit_mixtures(data, ks, seed, criterion, backend, max_iter, tol, reg_covar)
    scores = np.array([score for _, _, score in candidates])
    if not np.isfinite(scores).any():
        return None
    return candidates[int(np.argmin(np.where(np.isfinite(scores), scores, np.inf)))][1]


def fit_mixtures(
    data: np.ndarray,
    ks: list[int],
    seed: int,
    criterion: str = "aic",
    backend: str = "numpy",
    max_iter: int = 100,
    tol: float = 1e-3,
    reg_covar: float = 1e-6,
) -> list[tuple[int, Mixture | None, float]]:
    """``(k, mixture, score)`` for every k in ``ks`` up to the number of rows, in the order of ``ks``.

    ``score`` is the fitted mixture's AIC or BIC on ``data`` (what scikit-learn's
    ``GaussianMixture.aic(data)`` / ``.bic(data)`` give for the same parameters); a candidate
    that could not be fitted (a collapsed component) has ``mixture`` None and ``score`` NaN.
    """
    if criterion not in ("aic", "bic"):
        raise ValueError(f"criterion must be one of ['aic', 'bic']; got {criterion!r}")
    data = np.asarray(data, dtype=np.float64)
    ks = [int(k) for k in ks if k <= len(data)]
    if not ks:
        return []
    if backend == "sklearn":
        return _fit_sklearn(data, ks, seed, criterion, max_iter, tol, reg_covar)
    rng = np.random.default_rng(seed)
    layout = _Layout(ks)
    resp = _kmeans_responsibilities(data, layout, rng)
    weights, means, covs, scores = _em(data, layout, resp, criterion, max_iter, tol, reg_covar)
    out = []
    for m, k in enumerate(ks):
        if not np.isfinite(scores[m]):
            out.append((k, None, float("nan")))
            continue
        cols = slice(layout.starts[m], layout.starts[m] + k)
        out.append((k, Mixture(weights[cols].copy(), means[cols].copy(), covs[cols].copy()), float(scores[m])))
    return out


def _n_parameters(k: int, d: int) -> int:
    return k * d * (d + 1) // 2 + k * d + k - 1


# ------------------------------------------------------------------ k-means
def _kmeans_pp(data: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++ seeding (as scikit-learn: 2 + log(k) candidates per centre)."""
    n = len(data)
    n_trials = 2 + int(np.log(k))
    centres = np.empty((k, data.shape[1]))
    centres[0] = data[rng.integers(n)]
    closest = ((data - centres[0]) ** 2).sum(1)
    for i in range(1, k):
        total = closest.sum()
        p = closest / total if total > 0 else None
        candidates = rng.choice(n, size=n_trials, p=p)
        d2 = ((data[None, :, :] - data[candidates][:, None, :]) ** 2).sum(-1)  # (T, N)
        pots = np.minimum(closest, d2)
        best = int(pots.sum(1).argmin())
        closest = pots[best]
        centres[i] = data[candidates[best]]
    return centres


class _Layout:
    """Every candidate model's components side by side: model m owns columns starts[m]:starts[m]+ks[m]."""

    def __init__(self, ks: list[int]) -> None:
        self.ks = np.array(ks)
        self.starts = np.concatenate([[0], np.cumsum(self.ks)[:-1]])
        self.model_of = np.repeat(np.arange(len(ks)), self.ks)  # (C,)
        self.slot_of = np.concatenate([np.arange(k) for k in ks])  # (C,)
        self.n_models, self.kmax, self.n_components = len(ks), int(self.ks.max()), int(self.ks.sum())

    def group_logsumexp(self, values: np.ndarray) -> np.ndarray:
        """log(sum(exp)) over each model's columns: (N, C) -> (N, M)."""
        top = np.maximum.reduceat(values, self.starts, axis=1)
        summed = np.add.reduceat(np.exp(values - top[:, self.model_of]), self.starts, axis=1)
        return np.log(summed) + top

    def group_argmin(self, values: np.ndarray) -> np.ndarray:
        """Index (within its model) of each model's smallest column: (N, C) -> (N, M)."""
        padded = np.full((values.shape[0], self.n_models, self.kmax), np.inf)
        padded[:, self.model_of, self.slot_of] = values
        return padded.argmin(2)


def _kmeans_responsibilities(
    data: np.ndarray, layout: _Layout, rng: np.random.Generator, max_iter: int = 300
) -> np.ndarray:
    """Hard k-means assignments for every candidate at once, as one-hot responsibilities (N, C)."""
    centres = np.concatenate([_kmeans_pp(data, int(k), rng) for k in layout.ks])  # (C, D)
    sq_norms = (data * data).sum(1)[:, None]
    labels = None
    for _ in range(max_iter):
        d2 = sq_norms - 2 * data @ centres.T + (centres * centres).sum(1)  # (N, C)
        new_labels = layout.group_argmin(d2)  # (N, M)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        onehot = (labels[:, layout.model_of] == layout.slot_of).astype(np.float64)  # (N, C)
        counts = onehot.sum(0)
        centres = np.where(counts[:, None] > 0, (onehot.T @ data) / np.maximum(counts, 1)[:, None], centres)
    return (labels[:, layout.model_of] == layout.slot_of).astype(np.float64)


# ----------------------------------------------------------------------- EM
# Quadratic forms are expanded so that each EM step is a few matrix products
# over all candidates' components at once: (x - mu)' P (x - mu) = x'Px - 2 x'P mu + mu'P mu.
def _m_step(data, outer, resp, layout, reg_covar):
    n, d = data.shape
    nk = resp.sum(0) + _EPS  # (C,)
    means = (resp.T @ data) / nk[:, None]  # (C, D)
    second = (resp.T @ outer).reshape(-1, d, d) / nk[:, None, None]  # E[x x']
    covs = second - means[:, :, None] * means[:, None, :]
    covs = 0.5 * (covs + np.swapaxes(covs, 1, 2)) + reg_covar * np.eye(d)
    weights = nk / np.add.reduceat(nk, layout.starts)[layout.model_of]
    return weights, means, covs


def _log_prob(data, outer, weights, means, covs, layout):
    """Per-model mean log-likelihood (M,) and responsibilities (N, C)."""
    d = data.shape[1]
    chol = np.linalg.cholesky(covs)  # raises LinAlgError for a collapsed component
    inv_chol = np.linalg.inv(chol)
    precision = np.swapaxes(inv_chol, 1, 2) @ inv_chol  # (C, D, D)
    p_mu = (precision @ means[:, :, None])[:, :, 0]  # (C, D)
    maha = outer @ precision.reshape(len(covs), -1).T - 2 * data @ p_mu.T + (p_mu * means).sum(1)  # (N, C)
    log_det = np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(1)  # log sqrt det(cov)
    weighted = -0.5 * (d * _LOG_2PI + np.maximum(maha, 0.0)) - log_det + np.log(weights)
    log_norm = layout.group_logsumexp(weighted)  # (N, M)
    return log_norm.mean(0), np.exp(weighted - log_norm[:, layout.model_of])


def _em(data, layout, resp, criterion, max_iter, tol, reg_covar):
    n, d = data.shape
    outer = (data[:, :, None] * data[:, None, :]).reshape(n, d * d)
    weights, means, covs = _m_step(data, outer, resp, layout, reg_covar)
    lower = np.full(layout.n_models, -np.inf)
    done = np.zeros(layout.n_models, dtype=bool)
    failed = np.zeros(layout.n_models, dtype=bool)
    for _ in range(max_iter):
        try:
            new_lower, resp = _log_prob(data, outer, weights, means, covs, layout)
        except np.linalg.LinAlgError:  # a collapsed component: drop the models that have one
            bad_components = np.linalg.eigvalsh(covs).min(1) <= 0
            bad = np.zeros(layout.n_models, dtype=bool)
            bad[layout.model_of[bad_components]] = True
            failed |= bad
            done |= bad
            covs[bad[layout.model_of]] = np.eye(d)
            if done.all():
                break
            continue
        active = ~done
        change = new_lower - lower
        lower = np.where(active, new_lower, lower)
        w2, m2, c2 = _m_step(data, outer, resp, layout, reg_covar)
        live = active[layout.model_of]
        weights = np.where(live, w2, weights)
        means = np.where(live[:, None], m2, means)
        covs = np.where(live[:, None, None], c2, covs)
        done |= active & (np.abs(change) < tol)
        if done.all():
            break
    try:
        loglik, _ = _log_prob(data, outer, weights, means, covs, layout)
    except np.linalg.LinAlgError:
        return weights, means, covs, np.full(layout.n_models, np.nan)
    n_params = np.array([_n_parameters(int(k), d) for k in layout.ks])
    penalty = 2 * n_params if criterion == "aic" else n_params * np.log(n)
    scores = -2 * loglik * n + penalty
    scores[failed] = np.nan
    return weights, means, covs, scores


def require_sklearn() -> None:
    """Import scikit-learn's mixtures, or say how to install them (they are optional)."""
    try:
        import sklearn.mixture  # noqa: F401
    except ImportError:
        raise ImportError(
            'gmm_backend="sklearn" needs scikit-learn: pip install "curriculum-gym[sklearn]" '
            '(the default gmm_backend="numpy" needs nothing more)'
        ) from None


def _fit_sklearn(data, ks, seed, criterion, max_iter, tol, reg_covar) -> list[tuple[int, Mixture | None, float]]:
    import warnings

    require_sklearn()
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    out = []
    for k in ks:
        gmm = GaussianMixture(
            k, covariance_type="full", n_init=1, random_state=seed, max_iter=max_iter, tol=tol, reg_covar=reg_covar
        )
        with warnings.catch_warnings(), np.errstate(under="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                gmm.fit(data)
            except ValueError:  # ill-defined covariance
                out.append((k, None, float("nan")))
                continue
        score = gmm.aic(data) if criterion == "aic" else gmm.bic(data)
        out.append((k, Mixture(gmm.weights_.copy(), gmm.means_.copy(), gmm.covariances_.copy()), float(score)))
    return out
