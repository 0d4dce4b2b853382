"""Consistency diagnostics over the same stacked trainer.

- `sweep_kz`: the estimate must plateau as the embedding dimension k_z grows; if it
  is still rising at the largest k_z the critic is too small to see all the MI.
- `permutation_test`: re-pairing x with shuffled y (or circularly shifted y for time
  series) destroys dependence; the real estimate must stand out from that null.
- `seed_spread`: the same estimate with other seeds and splits shows its spread.
Each trains its networks as one stack and sends the trainer's events to `callback`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, ClassVar

import numpy as np

from .api import StackRun, as_pair, make_settings, run_jobs
from .control import RunControl
from .interface import to_unit
from .results import Result, register_result
from .splits import train_test_split
from .training import NetworkJob, TrainingEvent

DEFAULT_KZS = (1, 2, 4, 8, 16, 32, 64)
#: A k_z is on the plateau when its estimate is within this share of the best one...
PLATEAU_SHARE = 0.05
#: ...or within this many nats of it (so tiny values are not judged by a tiny share).
PLATEAU_FLOOR = 0.05
SIGNIFICANCE = 0.05


@dataclass(kw_only=True)
class Diagnostic(Result):
    """A consistency check's outcome: a verdict, whether it passed, and why not."""

    verdict: str = ""
    passed: bool = False
    reasons: list[str] = field(default_factory=list)
    histories: list[dict] = field(default_factory=list)


@register_result
@dataclass(kw_only=True)
class SweepResult(Diagnostic):
    kind: ClassVar[str] = "kz_sweep"

    kzs: list[int] = field(default_factory=list)
    values_nats: list[float] = field(default_factory=list)
    test_values_nats: list[float] = field(default_factory=list)
    plateau_kz: int | None = None

    def summary(self) -> str:
        rows = ", ".join(f"k_z={k}: {v:.3f}" for k, v in zip(self.kzs, self.values))
        return f"k_z sweep ({self.unit}): {rows}\nverdict: {self.verdict}"


@register_result
@dataclass(kw_only=True)
class PermutationResult(Diagnostic):
    kind: ClassVar[str] = "permutation"

    observed_nats: float = 0.0
    null_nats: list[float] = field(default_factory=list)
    p_value: float = 1.0
    null_method: str = "shuffle"

    def summary(self) -> str:
        return (f"permutation null ({self.null_method}, {len(self.null_nats)} networks): observed "
                f"{self.observed:.3f} {self.unit}, null max {max(self.null, default=0):.3f}, p = {self.p_value:.3f}\n"
                f"verdict: {self.verdict}")


@register_result
@dataclass(kw_only=True)
class SpreadResult(Diagnostic):
    kind: ClassVar[str] = "seed_spread"

    seeds: list[int] = field(default_factory=list)
    values_nats: list[float] = field(default_factory=list)
    test_values_nats: list[float] = field(default_factory=list)
    gaps_nats: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return to_unit(float(np.mean(self.values_nats)), self.unit)

    @property
    def std(self) -> float:
        return to_unit(float(np.std(self.values_nats, ddof=1)) if len(self.values_nats) > 1 else 0.0, self.unit)

    def _derived(self) -> dict:
        return {"mean": self.mean, "std": self.std}

    def summary(self) -> str:
        return (f"seed spread over {len(self.seeds)} runs: {self.mean:.3f} +/- {self.std:.3f} {self.unit}\n"
                f"verdict: {self.verdict}")


def _common(run: StackRun) -> dict:
    return dict(histories=[f.record() for f in run.fits], **run.provenance)


def plateau(kzs, values) -> int | None:
    """Smallest k_z from which every estimate stays within tolerance of the best one."""
    values = np.asarray(values, dtype=float)
    top = float(np.max(values))
    tol = max(PLATEAU_SHARE * abs(top), PLATEAU_FLOOR)
    on = values >= top - tol
    for i in range(len(kzs)):
        if on[i:].all():
            return int(kzs[i])
    return None


def sweep_kz(x, y=None, estimator: str = "infonce", critic: str = "separable", *, kzs=DEFAULT_KZS,
             unit: str = "bits", settings=None, callback: Callable[[TrainingEvent], None] | None = None,
             control: RunControl | None = None, **options) -> SweepResult:
    """Estimate at each k_z (all networks in one stack, same split) and find the plateau."""
    x, y, data = as_pair(x, y)
    s = make_settings(estimator, critic, settings, **options)
    if s.critic == "concat":
        raise ValueError("the concat critic has no embedding dimension to sweep: choose separable, bilinear, "
                         "hybrid or a vsib- critic")
    kzs = sorted({int(k) for k in kzs})
    if len(kzs) < 2:
        raise ValueError("a k_z sweep needs at least two k_z values, e.g. 1, 2, 4, ..., 64")
    train, test = train_test_split(np.arange(len(x)), s.test_fraction, np.random.default_rng(s.seed), s.time_series)
    jobs = [NetworkJob(train, test, label=f"k_z={k}", meta={"kz": k}, kz=k) for k in kzs]
    run = run_jobs(x, y, data, jobs, s.replace(kz=max(kzs)), unit=unit, callback=callback, control=control)
    fits = run.fits
    values = [f.value for f in fits]
    at = plateau(kzs, values)
    reached = at is not None and at < kzs[-1]
    if reached:
        verdict, reasons = f"plateau reached by k_z = {at}: the critic is large enough", []
    else:
        verdict = "no plateau: the estimate is still rising at the largest k_z"
        reasons = [f"no plateau: the estimate still grows at k_z = {kzs[-1]}, so a larger embedding may find "
                   "more MI. Try: larger k_z values, a wider network, or more data"]
    return SweepResult(kzs=kzs, values_nats=values, test_values_nats=[f.test_value for f in fits],
                       plateau_kz=at, verdict=verdict, passed=reached, reasons=reasons,
                       **_common(run))


def permutation_test(x, y=None, estimator: str = "infonce", critic: str = "separable", *, n_permutations: int = 19,
                     unit: str = "bits", settings=None, callback: Callable[[TrainingEvent], None] | None = None,
                     control: RunControl | None = None, **options) -> PermutationResult:
    """The estimate on the real pairing against estimates on destroyed pairings.

    p = (1 + #null >= observed) / (1 + n_permutations); all networks train as one stack.
    """
    if n_permutations < 1:
        raise ValueError("n_permutations must be at least 1 (19 gives p down to 0.05, 99 down to 0.01)")
    x, y, data = as_pair(x, y)
    s = make_settings(estimator, critic, settings, **options)
    n = len(x)
    rng = np.random.default_rng(s.seed)
    jobs = []
    for i in range(n_permutations + 1):
        train, test = train_test_split(np.arange(n), s.test_fraction, rng, s.time_series)
        if i == 0:
            jobs.append(NetworkJob(train, test, label="observed", meta={"null": False}))
            continue
        if s.time_series:  # a circular shift keeps each series' own structure
            y_map = np.roll(np.arange(n), int(rng.integers(n // 10 + 1, n - n // 10)))
        else:
            y_map = rng.permutation(n)
        jobs.append(NetworkJob(train, test, label=f"null {i}", meta={"null": True, "permutation": i}, y_map=y_map))
    run = run_jobs(x, y, data, jobs, s, unit=unit, callback=callback, control=control)
    fits = run.fits
    observed = fits[0].value
    null = [f.value for f in fits[1:]]
    p = (1 + sum(v >= observed for v in null)) / (1 + len(null))
    significant = p <= SIGNIFICANCE
    method = "circular shift" if s.time_series else "shuffle"
    reached = sum(v >= observed for v in null)
    if not significant and reached == 0:
        verdict = (f"inconclusive: the estimate exceeds all {len(null)} null estimates, but with {len(null)} "
                   f"permutations p cannot go below {p:.3f}")
        reasons = [f"too few permutations: {len(null)} null networks give p >= {p:.3f}. Try: at least 19 "
                   "permutations (p down to 0.05) or 99 (p down to 0.01)"]
    elif significant:
        verdict = f"dependence detected: {reached} of {len(null)} null estimates reach the observed one (p = {p:.3f})"
        reasons = []
    else:
        verdict = f"no detectable dependence: p = {p:.3f} > {SIGNIFICANCE}"
        reasons = [f"not significant: {reached} of {len(null)} null estimates reach the "
                   f"observed one (p = {p:.3f}), so the estimate cannot be told from 0. Try: more data, or more "
                   "permutations for a finer p-value"]
    return PermutationResult(observed_nats=observed, null_nats=null, p_value=p, null_method=method,
                             verdict=verdict, passed=significant, reasons=reasons,
                             **_common(run))


def seed_spread(x, y=None, estimator: str = "infonce", critic: str = "separable", *, repeats: int = 5,
                unit: str = "bits", settings=None, callback: Callable[[TrainingEvent], None] | None = None,
                control: RunControl | None = None, **options) -> SpreadResult:
    """The same estimate with `repeats` different splits and initialisations, stacked."""
    if repeats < 2:
        raise ValueError("a spread needs at least 2 repeats")
    x, y, data = as_pair(x, y)
    s = make_settings(estimator, critic, settings, **options)
    rng = np.random.default_rng(s.seed)
    jobs = [NetworkJob(*train_test_split(np.arange(len(x)), s.test_fraction, rng, s.time_series),
                       label=f"repeat {r + 1}", meta={"repeat": r + 1}) for r in range(repeats)]
    run = run_jobs(x, y, data, jobs, s, unit=unit, callback=callback, control=control)
    fits = run.fits
    values = [f.value for f in fits]
    gaps = []
    for f in fits:
        e = (f.best_epoch or 1) - 1
        gaps.append(f.train_mi[e] - f.test_mi[e] if f.test_mi else 0.0)
    std = float(np.std(values, ddof=1))
    mean = float(np.mean(values))
    tight = std <= max(0.1 * abs(mean), 0.05)
    gap = float(np.mean(gaps))
    reasons = []
    if not tight:
        reasons.append(f"large spread: repeats differ by {std / math.log(2):.2f} bits (std), over 10% of the "
                       "mean. Try: more data, more epochs, or the rigorous protocol for an interval")
    if gap > max(0.2 * abs(mean), 0.1):
        reasons.append(f"train/held-out gap: at the chosen epoch the training MI exceeds the held-out MI by "
                       f"{gap / math.log(2):.2f} bits, a sign of overfitting. Try: more data, a smaller network, "
                       "or a VSIB critic")
    verdict = "consistent across seeds" if not reasons else "; ".join(r.split(":")[0] for r in reasons)
    return SpreadResult(seeds=list(range(1, repeats + 1)), values_nats=values,
                        test_values_nats=[f.test_value for f in fits], gaps_nats=gaps, verdict=verdict,
                        passed=not reasons, reasons=reasons, **_common(run))
