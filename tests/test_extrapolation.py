"""The gamma extrapolation on synthetic ladders with known intercepts."""
import numpy as np
import pytest

from mipanel import extrapolation as ex


def ladder(rng, intercept=3.0, slope=-0.05, curve=0.0, noise=0.02, gammas=range(1, 11)):
    g = np.concatenate([[k] * k for k in gammas]).astype(float)
    v = intercept + slope * g + curve * g ** 2 + rng.normal(0, noise * np.sqrt(g))
    return g, v


def test_intercept_and_interval_cover_the_truth():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(200):
        g, v = ladder(rng)
        fit = ex.fit_line(g, v)
        lo, hi = fit.interval(0.95)
        hits += lo <= 3.0 <= hi
    assert hits >= 180  # a 95% interval on independent noise


def test_shared_data_spread_estimates_the_full_data_sd():
    rng = np.random.default_rng(1)
    g, v = ladder(rng, noise=0.1)
    sd, dof = ex.full_data_spread(g, v)
    assert dof == 45 and sd == pytest.approx(0.1, rel=0.3)
    assert ex.fit_line(g, v).intercept_se >= sd


def test_straight_ladder_keeps_every_gamma():
    g, v = ladder(np.random.default_rng(2))
    region = ex.find_linear_region(g, v)
    assert region.found and region.gammas == list(range(1, 11))


def test_bent_ladder_drops_large_gammas_but_never_below_five():
    g, v = ladder(np.random.default_rng(3), curve=-0.02, noise=0.005)
    region = ex.find_linear_region(g, v)
    assert len(region.gammas) >= 5 and region.gammas[-1] < 10
    assert region.t_statistics[0][1] > ex.CURVATURE_T
    g, v = ladder(np.random.default_rng(3), curve=-0.2, noise=0.001)
    region = ex.find_linear_region(g, v)
    assert region.gammas == [1, 2, 3, 4, 5] and not region.found
