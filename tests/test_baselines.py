"""KSG and Gaussian/CCA baselines against known truths."""
import math

import numpy as np
import pytest

from mipanel.baselines import gaussian_mi, ksg_mi
from mipanel.data import CorrelatedGaussian, DataError


def _binormal(rho, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    return x, y


def test_ksg_on_bivariate_normal_within_005_nats():
    x, y = _binormal(0.75, 5000, seed=0)
    truth = -0.5 * math.log(1 - 0.75**2)
    assert ksg_mi(x, y, k=3) == pytest.approx(truth, abs=0.05)


def test_ksg_on_independent_data_is_near_zero():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3000, 2)), rng.standard_normal((3000, 2))
    assert abs(ksg_mi(x, y)) < 0.03


def test_ksg_is_scale_invariant_per_column():
    x, y = _binormal(0.6, 2000, seed=2)
    assert ksg_mi(1000 * x, y - 5) == pytest.approx(ksg_mi(x, y), abs=1e-6)


def test_ksg_tree_and_brute_force_agree():
    data = CorrelatedGaussian(dim=3, mi=2.0, n_samples=1500, seed=3).sample()
    tree = ksg_mi(data.x, data.y, algorithm="tree")
    brute = ksg_mi(data.x, data.y, algorithm="brute")
    assert tree == pytest.approx(brute, abs=1e-12)


def test_ksg_high_dimensional_uses_brute_force_and_underestimates():
    data = CorrelatedGaussian(dim=20, mi=4.0, n_samples=1000, seed=4).sample()
    estimate = ksg_mi(data.x, data.y)
    assert math.isfinite(estimate) and estimate < 0.7 * data.true_mi


def test_ksg_breaks_ties_in_discrete_data():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, size=1000)
    y = x + rng.integers(0, 2, size=1000)
    assert math.isfinite(ksg_mi(x, y))


def test_ksg_validates_input_and_k():
    x, y = _binormal(0.5, 100, seed=6)
    x[3] = np.nan
    with pytest.raises(DataError, match="NaN"):
        ksg_mi(x, y)
    with pytest.raises(DataError, match="k must be between 1 and N - 1"):
        ksg_mi(np.arange(20.0), np.arange(20.0) ** 2, k=20)


def test_gaussian_mi_close_to_truth_on_correlated_gaussians():
    data = CorrelatedGaussian(dim=5, mi=3.0, n_samples=5000, seed=7).sample()
    assert gaussian_mi(data.x, data.y) == pytest.approx(data.true_mi, abs=0.05)


def test_gaussian_mi_on_bivariate_normal_and_independent_data():
    x, y = _binormal(0.75, 5000, seed=8)
    assert gaussian_mi(x, y) == pytest.approx(-0.5 * math.log(1 - 0.75**2), abs=0.03)
    rng = np.random.default_rng(9)
    assert abs(gaussian_mi(rng.standard_normal((4000, 3)), rng.standard_normal((4000, 2)))) < 0.01


def test_gaussian_mi_stays_finite_when_dimension_exceeds_samples():
    rng = np.random.default_rng(10)
    value = gaussian_mi(rng.standard_normal((40, 50)), rng.standard_normal((40, 60)))
    assert math.isfinite(value) and value >= 0


def test_gaussian_mi_validates_input():
    with pytest.raises(DataError, match="X has 30 rows and Y has 20"):
        gaussian_mi(np.arange(30.0), np.arange(20.0))
