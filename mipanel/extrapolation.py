"""Finite-sample bias correction: fit chunk estimates against gamma, read off gamma = 0.

With gamma disjoint chunks of N/gamma samples, estimates behave as
I(gamma) = I_inf + a * gamma / N. A weighted least-squares line through all chunk
estimates (weight 1/gamma, so every gamma counts equally) extrapolates to gamma = 0.
The linear region is found by dropping the largest gammas while a quadratic term is
significant (|t| > 2), never keeping fewer than `min_gammas`.
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
    dof: int
    gammas: list[int]
    intercept_se: float

    def interval(self, confidence: float) -> tuple[float, float]:
        """t-based confidence interval of the fitted mean at gamma = 0."""
        half = _t(confidence, self.dof) * self.intercept_se
        return self.coefficients[0] - half, self.coefficients[0] + half

    def prediction_interval(self, confidence: float) -> tuple[float, float]:
        """Where one new full-data estimate (weight 1) would fall, extrapolated to gamma = 0."""
        half = _t(confidence, self.dof) * np.sqrt(self.intercept_se ** 2 + self.residual_variance)
        return self.coefficients[0] - half, self.coefficients[0] + half


def _t(confidence: float, dof: int) -> float:
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


def fit_line(gamma, value) -> LineFit:
    gamma = np.asarray(gamma, dtype=float)
    value = np.asarray(value, dtype=float)
    coef, cov, s2, dof = _wls(gamma, value, 1)
    return LineFit([float(c) for c in coef], cov.tolist(), s2, dof,
                   sorted({int(g) for g in gamma}), float(np.sqrt(max(cov[0, 0], 0.0))))


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
