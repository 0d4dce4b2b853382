"""The max-test rule and the checkpoints it keeps."""
import numpy as np
import pytest

from mipanel import maxtest


def test_smoothing_removes_a_spike():
    curve = np.ones(20)
    curve[10] = 50.0
    assert maxtest.smooth(curve).max() < 1.5


def test_choice_takes_the_smoothed_peak_and_reports_training_value():
    test = [0.1, 0.5, 1.0, 1.2, 1.3, 1.25, 1.0, 0.8, 0.6, 0.5]
    train = [v + 0.3 for v in test]
    c = maxtest.choose(train, test)
    assert c.best_epoch == 5
    assert c.value == pytest.approx(train[4])
    assert c.test_value == pytest.approx(test[4])
    assert c.warnings == []


def test_no_learning_reports_zero_with_a_reason():
    c = maxtest.choose([0.1, 0.2, 0.0], [-0.1, -0.05, 0.0])
    assert c.value == 0.0 and c.best_epoch is None
    assert "no learning" in c.warnings[0]


def test_peak_at_last_epoch_warns():
    c = maxtest.choose(np.linspace(0, 2, 12), np.linspace(0, 2, 12))
    assert any("last epoch" in w for w in c.warnings)


def test_keeper_always_holds_the_final_peak():
    rng = np.random.default_rng(3)
    for _ in range(200):
        curve = np.cumsum(rng.normal(size=rng.integers(1, 90)))
        keeper = maxtest.CheckpointKeeper()
        for i, v in enumerate(curve):
            keeper.add(v, f"ckpt{i}")
            assert len(keeper.saved) <= maxtest.SMOOTHING_RADIUS + 2
        best = int(np.argmax(maxtest.smooth(curve))) + 1
        assert keeper.checkpoint(best) == f"ckpt{best - 1}"
