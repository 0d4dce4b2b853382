"""The one-call API and result objects."""
import json
import math

import numpy as np
import pytest

import mipanel
from mipanel.data import CorrelatedGaussian, DataError

SMALL = dict(epochs=3, kz=8, hidden=16)


@pytest.fixture(scope="module")
def data():
    return CorrelatedGaussian(dim=2, mi=1.0, n_samples=400, seed=0).sample()


def test_result_carries_everything_needed_to_judge_it(data):
    r = mipanel.estimate(data.x, data.y, **SMALL)
    assert r.unit == "bits" and isinstance(r.value, float)
    assert isinstance(r.warnings, list) and all(isinstance(w, str) for w in r.warnings)
    for key in ("train_value", "test_value", "best_epoch", "history", "settings", "seed", "device", "versions"):
        assert key in r.to_dict()
    assert r.settings["kz"] == 8 and r.versions["torch"]
    assert len(r.history["test_mi"]) == 3
    assert r.true_mi is None  # arrays carry no ground truth
    assert mipanel.estimate(data, **SMALL).true_mi == pytest.approx(1.0)


def test_units_and_json_round_trip(tmp_path, data):
    r = mipanel.estimate(data, unit="nats", **SMALL)
    assert r.unit == "nats" and r.value == pytest.approx(r.value_nats)
    assert r.in_unit("bits").value == pytest.approx(r.value_nats / math.log(2))
    path = r.save(tmp_path / "r.json")
    back = mipanel.load_result(path)
    assert back.value == pytest.approx(r.value) and back.history == r.history
    assert json.loads(r.to_json())["unit"] == "nats"
    with pytest.raises(ValueError, match="unit must be one of"):
        mipanel.estimate(data, unit="bytes")


def test_baselines_return_the_same_kind_of_object(data):
    for r in (mipanel.ksg(data, k=4), mipanel.gaussian_mi(data)):
        assert isinstance(r, mipanel.Estimate) and r.unit == "bits"
        assert r.true_mi == pytest.approx(1.0)
        assert abs(r.value - 1.0) < 0.3
        assert mipanel.load_result(r.to_dict()).value == pytest.approx(r.value)


def test_bad_input_names_the_problem(data):
    with pytest.raises(DataError, match="length"):
        mipanel.estimate(data.x, data.y[:-1])
    with pytest.raises(TypeError, match="y is missing"):
        mipanel.estimate(data.x)
    with pytest.raises(ValueError, match="not a mipanel result"):
        mipanel.load_result({"kind": "nope"})


def test_one_dimensional_inputs_are_one_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(size=500)
    r = mipanel.estimate(x, x + rng.normal(size=500), **SMALL)
    assert r.dim_x == 1 and r.dim_y == 1
