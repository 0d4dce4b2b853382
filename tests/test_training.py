"""The stacked trainer: events, reproducibility, stop and pause, failures."""
import threading

import numpy as np
import pytest

import mipanel
from mipanel.control import RunControl
from mipanel.data import CorrelatedGaussian
from mipanel.settings import EstimatorSettings
from mipanel.splits import chunks, train_test_split
from mipanel.training import NetworkJob, train_networks

SMALL = dict(epochs=4, kz=8, hidden=16, batch_size=64)


@pytest.fixture(scope="module")
def data():
    return CorrelatedGaussian(dim=2, mi=1.0, n_samples=600, seed=1).sample()


def jobs_for(n, m, seed=0):
    rng = np.random.default_rng(seed)
    return [NetworkJob(*train_test_split(c, 0.2, rng), label=f"net {i}")
            for i, c in enumerate(chunks(n, m, rng))]


def test_one_event_per_network_per_epoch(data):
    events = []
    fits = train_networks(data.x, data.y, jobs_for(data.n, 3), EstimatorSettings(**SMALL), callback=events.append)
    assert len(events) == 3 * 4
    assert sorted((e.network, e.epoch) for e in events) == [(j, e) for j in range(3) for e in range(1, 5)]
    assert events[-1].done == events[-1].total == 12
    for e in events:
        assert np.isfinite([e.train_mi, e.test_mi, e.smoothed_test_mi, e.loss]).all() and e.elapsed >= 0
    assert all(f.status == "done" and len(f.test_mi) == 4 for f in fits)


def test_reproducible_with_a_seed(data):
    a = mipanel.estimate(data, seed=3, **SMALL)
    b = mipanel.estimate(data, seed=3, **SMALL)
    c = mipanel.estimate(data, seed=4, **SMALL)
    assert a.value == b.value and a.history == b.history
    assert a.value != c.value


def test_networks_with_small_chunks_train_in_their_own_stack(data):
    jobs = jobs_for(data.n, 2) + [NetworkJob(np.arange(20), np.arange(20, 25), label="tiny")]
    fits = train_networks(data.x, data.y, jobs, EstimatorSettings(**SMALL))
    assert [len(f.test_mi) for f in fits] == [4, 4, 4]
    assert fits[2].n_train == 20


def test_stop_returns_partial_results(data):
    control = RunControl()
    seen = []

    def callback(event):
        seen.append(event)
        if len(seen) == 3:
            control.stop()

    r = mipanel.estimate(data, callback=callback, control=control, **{**SMALL, "epochs": 40})
    assert r.stopped and r.epochs_run == 3
    assert "stopped after 3 of 40 epochs" in r.warnings[0]
    assert r.value >= 0


def test_pause_blocks_until_resumed(data):
    control = RunControl()
    control.pause()
    events = []
    worker = threading.Thread(target=lambda: mipanel.estimate(data, callback=events.append, control=control, **SMALL))
    worker.start()
    worker.join(0.5)
    assert worker.is_alive() and events == []
    control.resume()
    worker.join(60)
    assert not worker.is_alive() and len(events) == 4


def test_diverging_network_is_reported_not_hidden(data):
    x = data.x.copy()
    x[:5] = np.nan  # bypasses API validation on purpose: the trainer must still cope
    (fit,) = train_networks(x, data.y, jobs_for(data.n, 1), EstimatorSettings(**SMALL))
    assert fit.status == "failed"
    assert "diverged" in fit.warnings[0]


def test_unknown_setting_is_rejected_with_the_valid_names(data):
    with pytest.raises(TypeError, match="unknown setting.*'kzz'.*valid settings"):
        mipanel.estimate(data, kzz=3)


def test_device_override_must_exist(data):
    with pytest.raises(ValueError, match="not available here"):
        mipanel.estimate(data, device="cuda" if "cuda" not in mipanel.device.available_devices() else "mps", **SMALL)


def test_bfloat16_training_agrees_with_float32():
    data = CorrelatedGaussian(dim=2, mi=1.0, n_samples=2000, seed=0).sample()
    full = mipanel.estimate(data, epochs=15)
    fast = mipanel.estimate(data, epochs=15, precision="bfloat16")
    assert fast.settings["precision"] == "bfloat16"
    assert abs(fast.value - full.value) < 0.15 and abs(fast.value - 1.0) < 0.2
