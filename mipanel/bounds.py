"""Variational MI bounds as pure functions of a critic score matrix.

`scores` has shape (..., B, B) with scores[..., i, j] = f(x_i, y_j): the diagonal holds
the paired (positive) samples, the off-diagonal the negatives. Every function reduces
the last two axes, so a stack of M independent networks yields M values at once.
All values are in nats.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _diag(scores: torch.Tensor) -> torch.Tensor:
    return torch.diagonal(scores, dim1=-2, dim2=-1)


def _eye(scores: torch.Tensor) -> torch.Tensor:
    b = scores.shape[-1]
    return torch.eye(b, dtype=torch.bool, device=scores.device)


def _log_mean_exp_off_diagonal(scores: torch.Tensor) -> torch.Tensor:
    """log of the mean of exp(S_ij) over the B(B-1) negatives (diagonal masked out)."""
    b = scores.shape[-1]
    if b < 2:
        raise ValueError("DV and NWJ need at least 2 samples to form negative pairs")
    masked = scores.masked_fill(_eye(scores), float("-inf"))
    return torch.logsumexp(masked.flatten(-2), dim=-1) - math.log(b * (b - 1))


def infonce(scores: torch.Tensor) -> torch.Tensor:
    """InfoNCE (van den Oord et al. 2018): low variance, never above log B.

    log B + mean_i(S_ii - logsumexp_j S_ij), computed as log B minus the row-wise cross
    entropy with the diagonal as targets (one fused kernel forward and backward).
    """
    b = scores.shape[-1]
    rows = scores.reshape(-1, b)
    targets = torch.arange(b, device=scores.device).repeat(rows.shape[0] // b)
    ce = F.cross_entropy(rows, targets, reduction="none").view(scores.shape[:-1])
    return math.log(b) - ce.mean(-1)


def nwj(scores: torch.Tensor) -> torch.Tensor:
    """NWJ / f-divergence bound (Nguyen, Wainwright & Jordan 2010)."""
    return _diag(scores).mean(-1) - torch.exp(_log_mean_exp_off_diagonal(scores) - 1.0)


def dv(scores: torch.Tensor) -> torch.Tensor:
    """Donsker-Varadhan bound, the quantity MINE maximises."""
    return _diag(scores).mean(-1) - _log_mean_exp_off_diagonal(scores)


def js(scores: torch.Tensor) -> torch.Tensor:
    """Jensen-Shannon (f-GAN) surrogate: a good training signal, not an MI value."""
    b = scores.shape[-1]
    diag = _diag(scores)
    off = (F.softplus(scores).flatten(-2).sum(-1) - F.softplus(diag).sum(-1)) / (b * (b - 1))
    return -F.softplus(-diag).mean(-1) - off


def smile(scores: torch.Tensor, tau: float = 5.0) -> torch.Tensor:
    """SMILE (Song & Ermon 2020): DV on scores clipped to [-tau, tau]."""
    return dv(scores.clamp(-tau, tau))


def smile_objective(scores: torch.Tensor, tau: float = 5.0) -> tuple[torch.Tensor, torch.Tensor]:
    """(objective, value): the value of clipped DV with the gradient of JS."""
    value = smile(scores, tau)
    surrogate = js(scores)
    return surrogate + (value - surrogate).detach(), value


def mine_objective(scores: torch.Tensor, moving_average: torch.Tensor | None, alpha: float = 0.01
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """MINE (Belghazi et al. 2018): DV whose denominator gradient uses a moving average.

    Returns (objective, DV value, updated moving average of mean exp(negatives)).
    The objective's gradient is grad(mean S_ii) - grad(mean exp S_ij) / moving average,
    which removes the minibatch bias of differentiating log mean exp.
    """
    value = dv(scores)
    mean_exp = torch.exp(_log_mean_exp_off_diagonal(scores))
    batch = mean_exp.detach()
    updated = batch if moving_average is None else (1 - alpha) * moving_average + alpha * batch
    objective = _diag(scores).mean(-1) - mean_exp / updated.clamp_min(1e-12)
    return objective + (value - objective).detach(), value, updated


def value(estimator: str, scores: torch.Tensor, tau: float = 5.0) -> torch.Tensor:
    """The MI value an estimator reports for a score matrix (no gradient tricks)."""
    if estimator == "infonce":
        return infonce(scores)
    if estimator == "smile":
        return smile(scores, tau)
    if estimator == "nwj":
        return nwj(scores)
    if estimator in ("dv", "mine"):
        return dv(scores)
    raise ValueError(f"unknown estimator {estimator!r}; choose one of infonce, smile, nwj, dv, mine")
