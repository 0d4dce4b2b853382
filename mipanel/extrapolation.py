"""Finite-sample bias correction: fit chunk estimates against gamma, read off gamma = 0.

With gamma disjoint chunks of N/gamma samples, estimates behave as
I(gamma) = I_inf + a * gamma / N. A weighted least-squares line through all chunk
estimates (weight 1/gamma, so every gamma counts equally) extrapolates to gamma = 0.
The linear region is found by dropping the largest gammas while a quadratic term is
significant (|t| > 2), never keeping fewer than `min_gammas`.

The plain WLS error bar treats the chunk estimates as independent, but every sample
sits in one chunk at every gamma, so estimates at different gammas share their
data. If each estimate's error is a sum of per-sample contributions, the intercept
(whose chunk weights sum to one for each sample) varies as much as one full-data
estimate does; that variance is measured by the spread of the independent chunks
within each gamma, Var(gamma) = gamma * Var(1). The interval uses the larger of the
two standard errors, so neither the training noise (independent per network) nor
the shared sampling noise is left out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

CURVATURE_T = 2.0
MIN_GAMMAS = 5


@dataclass
class LineFit:
    coefficients: list[float]  # intercept, slope (nats, nats per gamma)
    covariance: list[list[float]]
    residual_variance: float
    dof: int  # of the standard error used for intervals
    gammas: list[int]
    intercept_se: float  # the larger of the WLS and the shared-data standard errors
    wls_se: float = 0.0
    shared_data_se: float = 0.0

    def interval(self, confidence: float) -> tuple[float, float]:
        """t-based confidence interval of the fitted mean at gamma = 0."""
        half = t_quantile(confidence, self.dof) * self.intercept_se
        return self.coefficients[0] - half, self.coefficients[0] + half

    def prediction_interval(self, confidence: float) -> tuple[float, float]:
        """Where one new full-data estimate would fall, extrapolated to gamma = 0."""
        spread = max(self.residual_variance, self.shared_data_se ** 2)
        half = t_quantile(confidence, self.dof) * np.sqrt(self.intercept_se ** 2 + spread)
        return self.coefficients[0] - half, self.coefficients[0] + half


def t_quantile(confidence: float, dof: int) -> float:
    """Half-width multiplier of a two-sided t interval at `confidence`."""
    return float(stats.t.ppf(0.5 + confidence / 2, max(dof, 1)))


def _wls(gamma: np.ndarray, value: np.ndarray, degree: int):
    """Weighted polynomial least squares; returns (coef, covariance, residual variance, dof)."""
    w = 1.0 / gamma
    design = np.vander(gamma, degree + 1, increasing=True)
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(design * sw[:, None], value * sw, rcond=None)
    resid = value - design @ coef
    dof = len(value) - (degree + 1)
    s2 = float(np.sum(w * resid ** 2) / dof) if dof > 0 else float("nan")
    xtwx = design.T @ (design * w[:, None])
    cov = s2 * np.linalg.pinv(xtwx)
    return coef, cov, s2, dof


def full_data_spread(gamma, value) -> tuple[float, int]:
    """Standard deviation of one full-data estimate, pooled from within-gamma spreads.

    Chunks at one gamma are disjoint, so their estimates are independent with
    variance gamma * Var(1); returns (sd, degrees of freedom), (0, 0) if no gamma has
    two chunks.
    """
    gamma = np.asarray(gamma)
    value = np.asarray(value, dtype=float)
    ss, dof = 0.0, 0
    for g in np.unique(gamma):
        v = value[gamma == g]
        if len(v) >= 2:
            ss += float(np.sum((v - v.mean()) ** 2)) / float(g)
            dof += len(v) - 1
    return (float(np.sqrt(ss / dof)), dof) if dof else (0.0, 0)


def fit_line(gamma, value) -> LineFit:
    gamma = np.asarray(gamma, dtype=float)
    value = np.asarray(value, dtype=float)
    coef, cov, s2, dof = _wls(gamma, value, 1)
    wls_se = float(np.sqrt(max(cov[0, 0], 0.0)))
    shared_se, shared_dof = full_data_spread(gamma, value)
    se, se_dof = (shared_se, shared_dof) if shared_se > wls_se else (wls_se, dof)
    return LineFit([float(c) for c in coef], cov.tolist(), s2, se_dof,
                   sorted({int(g) for g in gamma}), se, wls_se, shared_se)


def curvature_t(gamma, value) -> float:
    """|a2| / SE(a2) of a weighted quadratic fit (inf when it cannot be judged)."""
    gamma = np.asarray(gamma, dtype=float)
    if len(np.unique(gamma)) < 3 or len(gamma) < 4:
        return float("inf")
    coef, cov, _, dof = _wls(gamma, np.asarray(value, dtype=float), 2)
    se = np.sqrt(max(cov[2, 2], 0.0)) if dof > 0 else 0.0
    if se == 0.0 or not np.isfinite(se):
        return 0.0 if abs(coef[2]) < 1e-12 else float("inf")
    return float(abs(coef[2]) / se)


@dataclass
class LinearRegion:
    gammas: list[int]
    found: bool
    t_statistics: list[tuple[int, float]]  # (largest gamma kept, curvature t) per tried region


def find_linear_region(gamma, value, min_gammas: int = MIN_GAMMAS) -> LinearRegion:
    """Drop the largest gamma while the quadratic term is significant, down to min_gammas."""
    gamma = np.asarray(gamma)
    value = np.asarray(value, dtype=float)
    kept = sorted({int(g) for g in gamma})
    tried = []
    while True:
        mask = np.isin(gamma, kept)
        t = curvature_t(gamma[mask], value[mask])
        tried.append((kept[-1], t))
        if t <= CURVATURE_T:
            return LinearRegion(kept, len(kept) >= min_gammas, tried)
        if len(kept) <= min_gammas:
            return LinearRegion(kept, False, tried)
        kept = kept[:-1]
