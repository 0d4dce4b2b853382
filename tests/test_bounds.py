"""The bounds against direct NumPy formulas on small score matrices."""
import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from mipanel import bounds


@pytest.fixture
def scores():
    return torch.as_tensor(np.random.default_rng(0).normal(0, 2, size=(3, 6, 6)))


def _np(scores):
    s = scores.numpy()
    b = s.shape[-1]
    diag = np.stack([np.diag(m) for m in s])
    off = np.stack([m[~np.eye(b, dtype=bool)] for m in s])
    return s, b, diag, off


def test_infonce_matches_formula_and_ceiling(scores):
    s, b, diag, _ = _np(scores)
    expected = math.log(b) + (diag - logsumexp(s, axis=-1)).mean(-1)
    np.testing.assert_allclose(bounds.infonce(scores).numpy(), expected, rtol=1e-10)
    huge = torch.eye(6).unsqueeze(0) * 1e4
    assert bounds.infonce(huge).item() == pytest.approx(math.log(6))


def test_nwj_dv_js_match_formulas(scores):
    s, b, diag, off = _np(scores)
    np.testing.assert_allclose(bounds.nwj(scores).numpy(), diag.mean(-1) - np.exp(-1) * np.exp(off).mean(-1), rtol=1e-10)
    np.testing.assert_allclose(bounds.dv(scores).numpy(), diag.mean(-1) - np.log(np.exp(off).mean(-1)), rtol=1e-10)
    softplus = lambda t: np.log1p(np.exp(t))
    np.testing.assert_allclose(bounds.js(scores).numpy(), -softplus(-diag).mean(-1) - softplus(off).mean(-1), rtol=1e-10)


def test_smile_clips_and_trains_on_js_gradient(scores):
    tau = 1.0
    np.testing.assert_allclose(bounds.smile(scores, tau).numpy(), bounds.dv(scores.clamp(-tau, tau)).numpy())
    s = scores.clone().requires_grad_(True)
    objective, value = bounds.smile_objective(s, tau)
    torch.testing.assert_close(objective.detach(), value.detach())
    objective.sum().backward()
    s2 = scores.clone().requires_grad_(True)
    bounds.js(s2).sum().backward()
    torch.testing.assert_close(s.grad, s2.grad)


def test_mine_value_is_dv_and_gradient_uses_moving_average(scores):
    s = scores.clone().requires_grad_(True)
    ma = torch.full((3,), 2.0, dtype=scores.dtype)
    objective, value, updated = bounds.mine_objective(s, ma, alpha=0.5)
    torch.testing.assert_close(value.detach(), bounds.dv(scores))
    torch.testing.assert_close(objective.detach(), value.detach())
    off_mean = torch.exp(torch.logsumexp(scores.masked_fill(torch.eye(6, dtype=bool), -math.inf).flatten(1), 1)) / 30
    torch.testing.assert_close(updated, 0.5 * ma + 0.5 * off_mean)
    objective.sum().backward()
    # d objective / d S_ij (i != j) = -exp(S_ij) / (B(B-1) * moving average)
    expected = -torch.exp(scores[0, 0, 1]) / (30 * updated[0])
    assert s.grad[0, 0, 1].item() == pytest.approx(expected.item(), rel=1e-6)


def test_value_dispatch_rejects_unknown(scores):
    assert bounds.value("mine", scores).shape == (3,)
    with pytest.raises(ValueError, match="unknown estimator"):
        bounds.value("foo", scores)
