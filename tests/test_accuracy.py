"""Estimates against known ground truth (fixed seeds, CPU).

Tolerances are in bits and stated per test; these are the numbers a user can expect
from the default settings.
"""
import math

import pytest

import mipanel
from mipanel.data import CorrelatedGaussian, LatentModel

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gaussian():
    return CorrelatedGaussian(dim=5, mi=2.0, n_samples=3000, seed=0).sample()


def test_infonce_separable_on_correlated_gaussians(gaussian):
    r = mipanel.estimate(gaussian, estimator="infonce", critic="separable")
    print(f"InfoNCE/separable: {r.value:.3f} bits, truth 2.000")
    assert abs(r.value - 2.0) < 0.25


def test_latent_model_nonlinear():
    data = LatentModel(dim=100, latent_dim=5, mi=2.0, mapping="nonlinear", n_samples=4000, seed=0).sample()
    r = mipanel.estimate(data)
    print(f"latent K=100 K_Z=5: {r.value:.3f} bits, truth 2.000")
    assert abs(r.value - 2.0) < 0.35


@pytest.mark.parametrize("critic,options", [
    ("separable", {}),
    ("bilinear", {}),
    ("concat", {"batch_size": 64, "epochs": 30}),
    ("hybrid", {"batch_size": 64, "epochs": 30}),
    ("vsib-separable", {}),
])
def test_each_critic_on_the_gaussian_case(gaussian, critic, options):
    r = mipanel.estimate(gaussian, critic=critic, **options)
    print(f"{critic}: {r.value:.3f} bits, truth 2.000")
    assert abs(r.value - 2.0) < 0.4


def test_infonce_ceiling_is_flagged_and_smile_goes_beyond():
    data = CorrelatedGaussian(dim=10, mi=12.0, n_samples=5000, seed=0).sample()
    infonce = mipanel.estimate(data, estimator="infonce", test_fraction=0.1)
    smile = mipanel.estimate(data, estimator="smile", test_fraction=0.1)
    print(f"truth 12 bits: InfoNCE {infonce.value:.3f}, SMILE {smile.value:.3f}, ceiling {infonce.ceiling:.3f}")
    assert infonce.n_test == 500 and infonce.ceiling == pytest.approx(math.log2(500))
    assert infonce.value <= infonce.ceiling + 1e-9
    assert any("ceiling" in w for w in infonce.warnings)
    assert smile.value > infonce.value


def test_ksg_on_bivariate_normal():
    rho = 0.75
    data = CorrelatedGaussian(dim=1, mi=-0.5 * math.log2(1 - rho ** 2), n_samples=5000, seed=0).sample()
    r = mipanel.ksg(data, k=3, unit="nats")
    truth = -0.5 * math.log(1 - rho ** 2)
    print(f"KSG: {r.value:.4f} nats, truth {truth:.4f}")
    assert abs(r.value - truth) < 0.05
