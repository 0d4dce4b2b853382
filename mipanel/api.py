"""One call for the common jobs: `estimate`, `ksg`, `gaussian_mi`.

These are thin: validate the data, build settings from their single declaration,
run the engine, and wrap the outcome in a result object.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import baselines
from .control import RunControl
from .data.validation import validate_pair
from .device import describe, resolve_device
from .interface import Dataset, to_unit
from .results import Estimate
from .settings import EstimatorSettings
from .splits import train_test_split
from .training import NetworkFit, NetworkJob, TrainingEvent, train_networks


def as_pair(x, y=None) -> tuple[np.ndarray, np.ndarray, Dataset | None]:
    """Accept (x, y) arrays or a Dataset; return validated float arrays and the dataset."""
    data = x if isinstance(x, Dataset) else None
    if data is not None:
        if y is not None:
            raise TypeError("pass either a Dataset or two arrays x and y, not both")
        x, y = data.x, data.y
    elif y is None:
        raise TypeError("y is missing: call estimate(x, y) with two arrays of paired samples, or estimate(dataset)")
    x, y = validate_pair(x, y)
    return x, y, data


def make_settings(estimator: str | None = None, critic: str | None = None, settings=None,
                  **overrides) -> EstimatorSettings:
    """EstimatorSettings from an object, a dict and keyword overrides (unknown names rejected)."""
    base = settings.to_dict() if isinstance(settings, EstimatorSettings) else dict(settings or {})
    if estimator is not None:
        base["estimator"] = estimator
    if critic is not None:
        base["critic"] = critic
    return EstimatorSettings.from_dict(base, **overrides)


@dataclass
class StackRun:
    """The networks one analysis trained, and what every result says about the run."""

    fits: list[NetworkFit]
    provenance: dict


def run_jobs(x: np.ndarray, y: np.ndarray, data: Dataset | None, jobs: list[NetworkJob], s: EstimatorSettings, *,
             unit: str, callback=None, control: RunControl | None = None) -> StackRun:
    """Train `jobs` as stacks and collect the Result fields every neural analysis fills alike."""
    to_unit(0.0, unit)
    device = describe(resolve_device(s.device))
    start = time.perf_counter()
    fits = train_networks(x, y, jobs, s, callback=callback, control=control)
    stopped = any(f.status == "stopped" for f in fits) or bool(control and control.stopped)
    return StackRun(fits, dict(
        unit=unit, settings=s.to_dict(), seed=s.seed, device=device, n_samples=len(x), dim_x=x.shape[1],
        dim_y=y.shape[1], true_mi_nats=data.true_mi if data is not None else None,
        elapsed_s=time.perf_counter() - start, stopped=stopped))


def estimate(x, y=None, estimator: str = "infonce", critic: str = "separable", *, unit: str = "bits",
             settings: EstimatorSettings | dict | None = None,
             callback: Callable[[TrainingEvent], None] | None = None, control: RunControl | None = None,
             **options) -> Estimate:
    """Train one neural critic with max-test and return its MI estimate.

    `x`, `y`: arrays of shape (n, dx) and (n, dy) (1-D is one feature), or a Dataset as
    `x`. Any EstimatorSettings name can be passed as a keyword (kz=32, epochs=100, ...).
    `callback` receives a TrainingEvent per epoch; `control` can pause or stop the run.
    """
    to_unit(0.0, unit)
    x, y, data = as_pair(x, y)
    s = make_settings(estimator, critic, settings, **options)
    rng = np.random.default_rng(s.seed)
    train, test = train_test_split(np.arange(len(x)), s.test_fraction, rng, s.time_series)
    run = run_jobs(x, y, data, [NetworkJob(train, test, label="single")], s, unit=unit,
                   callback=callback, control=control)
    (fit,) = run.fits
    return Estimate(
        method=f"{s.estimator}/{s.critic}", value_nats=fit.value, train_value_nats=fit.value,
        test_value_nats=fit.test_value, best_epoch=fit.best_epoch, epochs_run=len(fit.test_mi),
        ceiling_nats=fit.ceiling, history=fit.history(), warnings=list(fit.warnings), n_train=fit.n_train,
        n_test=fit.n_test, **run.provenance)


def _baseline(method: str, value: float, x, y, data, unit: str, start: float, warnings=(), **settings) -> Estimate:
    return Estimate(method=method, value_nats=float(value), unit=unit, warnings=list(warnings),
                    settings=settings, n_samples=len(x), dim_x=x.shape[1], dim_y=y.shape[1],
                    true_mi_nats=data.true_mi if data is not None else None,
                    elapsed_s=time.perf_counter() - start)


def ksg(x, y=None, k: int = 3, *, unit: str = "bits") -> Estimate:
    """Kraskov-Stoegbauer-Grassberger k-nearest-neighbour estimate (on standardised data)."""
    to_unit(0.0, unit)
    start = time.perf_counter()
    x, y, data = as_pair(x, y)
    warnings = []
    if x.shape[1] + y.shape[1] > 20:
        warnings.append(f"KSG in {x.shape[1] + y.shape[1]} joint dimensions is known to underestimate "
                        "badly: treat this as a lower reference, not the answer")
    return _baseline("ksg", baselines.ksg_mi(x, y, k=k), x, y, data, unit, start, warnings, k=k)


def gaussian_mi(x, y=None, *, unit: str = "bits") -> Estimate:
    """MI of a Gaussian with the data's covariance (canonical correlations); exact only for Gaussians."""
    to_unit(0.0, unit)
    start = time.perf_counter()
    x, y, data = as_pair(x, y)
    warnings = ["the Gaussian (CCA) estimate sees linear dependence only: it is exact for jointly "
                "Gaussian data and otherwise misses nonlinear dependence"]
    dims = x.shape[1] + y.shape[1]
    if dims > len(x) / 20:
        warnings.append(f"with {dims} dimensions and only {len(x)} samples the sample canonical correlations "
                        "are biased upward: expect an overestimate")
    return _baseline("gaussian", baselines.gaussian_mi(x, y), x, y, data, unit, start, warnings)
