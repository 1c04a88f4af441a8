"""The batched EM of teachers/gmm.py against scikit-learn's GaussianMixture on fixed data:
the same number of components chosen, the same AIC/BIC values."""

from __future__ import annotations

import numpy as np
import pytest

from curriculum_gym.teachers.gmm import fit_best_mixture, fit_mixtures

sklearn_mixture = pytest.importorskip("sklearn.mixture")

KS = list(range(1, 7))


def three_clusters() -> np.ndarray:
    """240 rows in 3-D ([task, task, ALP]-like columns in [0, 1]): three well separated Gaussians."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.2, 0.2, 0.1], [0.8, 0.3, 0.6], [0.4, 0.85, 0.3]])
    return np.concatenate([rng.normal(c, 0.05, (80, 3)) for c in centres])


def sklearn_score(mixture, data: np.ndarray, criterion: str) -> float:
    """scikit-learn's own AIC/BIC of the given mixture's parameters."""
    gmm = sklearn_mixture.GaussianMixture(mixture.n_components, covariance_type="full")
    gmm.weights_, gmm.means_, gmm.covariances_ = mixture.weights, mixture.means, mixture.covariances
    gmm.precisions_cholesky_ = np.linalg.inv(np.linalg.cholesky(mixture.covariances)).transpose(0, 2, 1)
    return gmm.aic(data) if criterion == "aic" else gmm.bic(data)


@pytest.mark.parametrize("criterion", ["aic", "bic"])
def test_reported_scores_are_scikit_learns_for_the_same_parameters(criterion):
    data = three_clusters()
    candidates = fit_mixtures(data, KS, seed=0, criterion=criterion)
    assert [k for k, _, _ in candidates] == KS
    for k, mixture, score in candidates:
        assert mixture is not None and mixture.n_components == k
        assert score == pytest.approx(sklearn_score(mixture, data, criterion), rel=1e-9), k


@pytest.mark.parametrize("criterion", ["aic", "bic"])
def test_same_number_of_components_and_scores_as_scikit_learn(criterion):
    data = three_clusters()
    ours = {k: score for k, _, score in fit_mixtures(data, KS, seed=0, criterion=criterion)}
    theirs = {k: score for k, _, score in fit_mixtures(data, KS, seed=0, criterion=criterion, backend="sklearn")}
    assert min(ours, key=ours.get) == min(theirs, key=theirs.get) == 3
    # k = 1 has one optimum; k = 3 on three separated clusters too (larger k: EM's local optima differ)
    for k in (1, 3):
        assert ours[k] == pytest.approx(theirs[k], rel=1e-6), k
    best = fit_best_mixture(data, KS, seed=0, criterion=criterion)
    reference = fit_best_mixture(data, KS, seed=0, criterion=criterion, backend="sklearn")
    order, reference_order = np.argsort(best.means[:, 0]), np.argsort(reference.means[:, 0])
    np.testing.assert_allclose(best.weights[order], reference.weights[reference_order], atol=1e-6)
    np.testing.assert_allclose(best.means[order], reference.means[reference_order], atol=1e-6)
    np.testing.assert_allclose(best.covariances[order], reference.covariances[reference_order], atol=1e-6)


def test_bic_penalises_components_more_than_aic():
    """On two clusters with a spurious third, BIC's log(n) penalty (> 2 for n > 7) never picks more than AIC."""
    rng = np.random.default_rng(1)
    data = np.concatenate([rng.normal(0.3, 0.08, (60, 2)), rng.normal(0.7, 0.08, (60, 2)), rng.random((20, 2))])
    aic = fit_best_mixture(data, KS, seed=0, criterion="aic")
    bic = fit_best_mixture(data, KS, seed=0, criterion="bic")
    assert bic.n_components <= aic.n_components


def test_candidates_with_more_components_than_rows_are_left_out():
    data = three_clusters()[:4]
    assert [k for k, _, _ in fit_mixtures(data, [2, 4, 5, 6], seed=0)] == [2, 4]
    assert fit_mixtures(data, [5, 6], seed=0) == [] and fit_best_mixture(data, [5, 6], seed=0) is None
    with pytest.raises(ValueError, match="criterion"):
        fit_mixtures(data, [2], seed=0, criterion="aicc")
