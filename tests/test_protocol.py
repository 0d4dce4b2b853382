"""The rigorous protocol and the diagnostics against known MI (fixed seeds, CPU)."""
import math

import numpy as np
import pytest

import mipanel
from mipanel.data import CorrelatedGaussian, LatentModel

pytestmark = pytest.mark.slow


def test_latent_high_dimensional_estimate_is_accurate_and_reliable():
    data = LatentModel(dim=500, latent_dim=10, mi=4.0, mapping="nonlinear", n_samples=10_000, seed=0).sample()
    r = mipanel.rigorous(data)
    print(r.summary())
    assert abs(r.value - 4.0) < 0.3
    assert r.reliable, r.reasons
    lo, hi = r.interval
    assert lo < r.value < hi
    assert len(r.chunks) == 55 and all(c["used"] for c in r.chunks)


def test_undersampled_latent_model_is_flagged_unreliable():
    data = LatentModel(dim=500, latent_dim=20, mi=4.0, n_samples=150, seed=0).sample()
    r = mipanel.rigorous(data)
    print(r.summary())
    assert not r.reliable
    assert r.reasons and all(": " in reason for reason in r.reasons)
    assert any(reason.startswith("enough held-out samples") for reason in r.reasons)


def test_interval_coverage_over_seeds():
    truth = 1.0
    covered68 = covered95 = 0
    for seed in range(10):
        data = CorrelatedGaussian(dim=2, mi=truth, n_samples=4000, seed=seed).sample()
        r = mipanel.rigorous(data, seed=seed)
        lo, hi = r.interval
        lo95, hi95 = r.interval_at(0.95)
        covered68 += lo <= truth <= hi
        covered95 += lo95 <= truth <= hi95
        print(f"seed {seed}: {r.value:.3f} [{lo:.3f}, {hi:.3f}] 95% [{lo95:.3f}, {hi95:.3f}] {r.verdict}")
    print(f"coverage: 68% interval {covered68}/10, 95% interval {covered95}/10")
    assert covered68 > 5
    assert covered95 >= 8


def test_independent_variables_are_not_significant():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2000, 5)), rng.normal(size=(2000, 5))
    p = mipanel.permutation_test(x, y, n_permutations=19)
    print(p.summary())
    assert p.p_value > 0.05 and not p.passed
    assert p.observed < 0.05
    e = mipanel.estimate(x, y)
    assert e.value < 0.1


def test_dependence_is_significant():
    data = CorrelatedGaussian(dim=2, mi=0.5, n_samples=2000, seed=0).sample()
    p = mipanel.permutation_test(data, n_permutations=19, epochs=20)
    assert p.p_value == pytest.approx(1 / 20) and p.passed


def test_kz_sweep_plateaus_by_the_latent_dimension():
    data = LatentModel(dim=100, latent_dim=5, mi=2.0, n_samples=3000, seed=0).sample()
    r = mipanel.sweep_kz(data)
    print(r.summary())
    assert r.passed and r.plateau_kz is not None and r.plateau_kz <= 8
    assert r.values[0] < r.values[-1] - 0.5  # k_z = 1 cannot hold 5 latent dimensions


def test_seed_spread_and_results_round_trip(tmp_path):
    data = CorrelatedGaussian(dim=2, mi=1.0, n_samples=2000, seed=0).sample()
    s = mipanel.seed_spread(data, repeats=3, epochs=20)
    assert len(s.values) == 3 and s.std < 0.15
    back = mipanel.load_result(s.save(tmp_path / "s.json"))
    assert back.values == pytest.approx(s.values)


def test_time_series_use_contiguous_chunks_and_blocked_splits():
    from mipanel.protocol import ladder_jobs
    jobs = ladder_jobs(100, [1, 2, 4], 0.1, np.random.default_rng(0), time_series=True)
    for job in jobs:
        idx = np.sort(np.concatenate([job.train_idx, job.test_idx]))
        assert (np.diff(idx) == 1).all()  # a contiguous stretch
        assert job.test_idx.min() > job.train_idx.max()  # held out as a later block
    rng = np.random.default_rng(0)
    t = np.arange(1000)
    x = np.sin(t / 20)[:, None] + 0.1 * rng.normal(size=(1000, 1))
    y = np.roll(x, 0) + 0.1 * rng.normal(size=(1000, 1))
    p = mipanel.permutation_test(x, y, n_permutations=9, epochs=10, time_series=True)
    assert p.null_method == "circular shift"


def test_rigorous_result_round_trips(tmp_path):
    data = CorrelatedGaussian(dim=1, mi=1.0, n_samples=1500, seed=0).sample()
    r = mipanel.rigorous(data, epochs=10, gammas=range(1, 7), confidence=0.9)
    back = mipanel.load_result(r.save(tmp_path / "r.json"))
    assert isinstance(back, mipanel.RigorousResult)
    assert back.value == pytest.approx(r.value) and back.interval == pytest.approx(r.interval)
    assert back.reliable == r.reliable and back.reasons == r.reasons
    assert back.confidence == 0.9 and len(back.chunk_table()) == 21
    assert math.isfinite(back.prediction_interval[0])
