"""The rigorous protocol: a bias-corrected MI with a confidence interval and a verdict.

Following Abdelaleem, Martini & Nemenman (2025): shuffle once (or keep time order),
split the data into gamma = 1..10 disjoint chunks, train one network per chunk (55 in
all, stacked), extrapolate the chunk estimates linearly to gamma = 0, and check that
the extrapolation can be trusted. Every failed check is a named reason in plain
words, with what to try.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import numpy as np

from . import extrapolation
from .api import as_pair, make_settings, run_jobs
from .control import RunControl
from .interface import to_unit
from .maxtest import CEILING_SHARE
from .results import Result, _in_unit, register_result
from .splits import train_test_split
from .training import NetworkFit, NetworkJob, TrainingEvent

DEFAULT_GAMMAS = tuple(range(1, 11))
#: Largest relative change of the intercept allowed when the gamma = 1 rows are dropped.
STABILITY_SHARE = 0.20
#: Below this (nats) a relative change is measured against it instead of the intercept.
STABILITY_FLOOR = 0.05
#: Fewest held-out samples per chunk for its max-test curve to mean anything.
MIN_HELD_OUT = 10


@dataclass
class Check:
    """One reliability check: its name, whether it passed, why, and what to try."""

    name: str
    passed: bool
    detail: str
    advice: str = ""

    def reason(self) -> str:
        return f"{self.name}: {self.detail}" + (f" Try: {self.advice}" if self.advice else "")


@register_result
@dataclass(kw_only=True)
class RigorousResult(Result):
    """Bias-corrected MI with its interval, the numbers it came from, and a verdict."""

    kind: ClassVar[str] = "rigorous"

    value_nats: float
    interval_nats: tuple[float, float]
    prediction_interval_nats: tuple[float, float]
    confidence: float
    reliable: bool = False
    checks: list[dict] = field(default_factory=list)
    chunks: list[dict] = field(default_factory=list)
    histories: list[dict] = field(default_factory=list)
    fit: dict[str, Any] = field(default_factory=dict)
    full_data_value_nats: float | None = None
    gammas: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.interval_nats = tuple(self.interval_nats)
        self.prediction_interval_nats = tuple(self.prediction_interval_nats)

    def interval_at(self, confidence: float) -> tuple[float, float]:
        """The interval of the same fit at another confidence level (no retraining)."""
        if not self.fit:
            return (float("nan"), float("nan"))
        half = extrapolation.t_quantile(confidence, self.fit["dof"]) * self.fit["intercept_se_nats"]
        return _in_unit((self.value_nats - half, self.value_nats + half), self.unit)

    @property
    def reasons(self) -> list[str]:
        """Each failed check in plain words, with what to try."""
        return [Check(**c).reason() for c in self.checks if not c["passed"]]

    @property
    def verdict(self) -> str:
        if self.reliable:
            return "reliable: every consistency check passed"
        return "not reliable: " + "; ".join(c["name"] for c in self.checks if not c["passed"])

    def _derived(self) -> dict:
        return {"reasons": self.reasons, "verdict": self.verdict}

    def chunk_table(self) -> list[dict]:
        """Per-chunk rows with values in the result's unit (for tables and CSV)."""
        rows = []
        for c in self.chunks:
            row = {k: v for k, v in c.items() if not k.endswith("_nats")}
            for k, v in c.items():
                if k.endswith("_nats"):
                    row[k[:-5]] = to_unit(v, self.unit)
            rows.append(row)
        return rows

    def summary(self) -> str:
        lo, hi = self.interval
        lines = [f"rigorous {self.settings.get('estimator')}/{self.settings.get('critic')}: "
                 f"{self.value:.3f} {self.unit}, {self.confidence:.0%} interval [{lo:.3f}, {hi:.3f}]"]
        if self.full_data_value is not None:
            lines.append(f"uncorrected full-data estimate: {self.full_data_value:.3f} {self.unit}")
        if self.true_mi is not None:
            lines.append(f"true MI {self.true_mi:.3f} {self.unit}, error {self.value - self.true_mi:+.3f}")
        lines.append("verdict: " + self.verdict)
        lines += [f"- {r}" for r in self.reasons]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def ladder_jobs(n: int, gammas, test_fraction: float, rng: np.random.Generator,
                time_series: bool = False) -> list[NetworkJob]:
    """One job per chunk: shuffle once (IID) or keep order, then split each gamma's chunks."""
    order = np.arange(n) if time_series else rng.permutation(n)
    jobs = []
    for gamma in gammas:
        if gamma < 1 or n // gamma < 3:
            raise ValueError(f"gamma = {gamma} leaves chunks of {n // max(gamma, 1)} samples; each chunk "
                             "needs at least 3 (2 to train, 1 held out): use fewer gammas or more data")
        for c, idx in enumerate(np.array_split(order, gamma)):
            train, test = train_test_split(idx, test_fraction, rng, time_series)
            jobs.append(NetworkJob(train, test, label=f"gamma={gamma} chunk={c + 1}",
                                   meta={"gamma": int(gamma), "chunk": c + 1, "n": int(len(idx))}))
    return jobs


def _chunk_row(fit: NetworkFit) -> dict:
    return {"gamma": fit.meta["gamma"], "chunk": fit.meta["chunk"], "n": fit.meta["n"],
            "n_train": fit.n_train, "n_test": fit.n_test, "value_nats": fit.value,
            "test_value_nats": fit.test_value, "best_epoch": fit.best_epoch, "ceiling_nats": fit.ceiling,
            "status": fit.status, "used": False}


def assess(rows: list[dict], confidence: float, min_gammas: int = extrapolation.MIN_GAMMAS
           ) -> tuple[extrapolation.LineFit | None, list[Check], dict]:
    """Fit the ladder rows and run the reliability checks of the protocol."""
    ok = [r for r in rows if r["status"] != "failed"]
    gamma = np.array([r["gamma"] for r in ok])
    value = np.array([r["value_nats"] for r in ok])
    checks: list[Check] = []
    n_gammas = len(set(gamma.tolist()))
    if n_gammas < 2:
        checks.append(Check("too few gammas", False, f"only {n_gammas} gamma value(s) finished training, "
                            "so nothing can be extrapolated.", "run the full ladder (gamma = 1..10)"))
        return None, checks, {}
    region = extrapolation.find_linear_region(gamma, value, min_gammas)
    used = np.isin(gamma, region.gammas)
    for r in ok:
        r["used"] = r["gamma"] in region.gammas
    line = extrapolation.fit_line(gamma[used], value[used])
    a0 = line.coefficients[0]

    checks.append(Check(
        "enough gammas", len(region.gammas) >= min_gammas,
        f"{len(region.gammas)} gamma values were used in the fit (at least {min_gammas} are needed "
        "for the extrapolation to mean anything).", "use more data, or more gamma values"))
    t_last = region.t_statistics[-1][1]
    checks.append(Check(
        "linear region", region.found,
        ("the chunk estimates fall on a line in gamma (curvature t = %.2f <= %.0f)" % (t_last, extrapolation.CURVATURE_T))
        if region.found else
        ("the chunk estimates bend even over the smallest %d gammas (curvature t = %.2f > %.0f): "
         "the estimator is not in its asymptotic regime, so a straight-line extrapolation is not justified."
         % (len(region.gammas), t_last, extrapolation.CURVATURE_T)),
        "use more data, a larger k_z or more epochs, or SMILE instead of InfoNCE"))

    drop1 = used & (gamma != 1)
    if len(set(gamma[drop1].tolist())) >= 2:
        a0_wo = extrapolation.fit_line(gamma[drop1], value[drop1]).coefficients[0]
        change = abs(a0_wo - a0) / max(abs(a0), STABILITY_FLOOR)
        checks.append(Check(
            "stable without gamma = 1", change <= STABILITY_SHARE,
            f"dropping the full-data (gamma = 1) estimate moves the corrected value by {change:.0%} "
            f"(allowed: {STABILITY_SHARE:.0%}).",
            "use more data, or repeat with other seeds to see the spread"))
    else:
        checks.append(Check("stable without gamma = 1", False,
                            "too few gammas remain without gamma = 1 to test stability.", "use more data"))

    smallest = min((r for r in ok if r["used"]), key=lambda r: r["n_test"])
    checks.append(Check(
        "enough held-out samples", smallest["n_test"] >= MIN_HELD_OUT,
        f"at gamma = {smallest['gamma']} each chunk holds out {smallest['n_test']} samples (at least "
        f"{MIN_HELD_OUT} are needed): max-test cannot pick a checkpoint from so few pairs, and no estimate "
        f"from them can exceed log2({smallest['n_test']}) = {math.log2(max(smallest['n_test'], 1)):.2f} bits.",
        "use more data or a larger held-out fraction (test_fraction)"))

    worst = None
    for g in region.gammas:
        sel = [r for r in ok if r["gamma"] == g]
        mean = float(np.mean([r["value_nats"] for r in sel]))
        ceiling = float(np.mean([r["ceiling_nats"] for r in sel]))
        share = mean / ceiling if ceiling > 0 else float("inf")
        if worst is None or share > worst[1]:
            worst = (g, share, mean, ceiling)
    g, share, mean, ceiling = worst
    checks.append(Check(
        "below the ceiling", share <= CEILING_SHARE,
        f"at gamma = {g} the mean estimate ({mean / math.log(2):.2f} bits) is {share:.0%} of the log of its "
        f"held-out size ({ceiling / math.log(2):.2f} bits; allowed: {CEILING_SHARE:.0%}): estimates near "
        "log(n) are limited by the sample size, not by the data.",
        "use more data or a larger held-out fraction, or SMILE instead of InfoNCE"))
    fit_info = {"coefficients_nats": line.coefficients, "covariance": line.covariance,
                "residual_variance": line.residual_variance, "dof": line.dof, "gammas_used": region.gammas,
                "curvature_t": [list(t) for t in region.t_statistics], "intercept_se_nats": line.intercept_se,
                "wls_se_nats": line.wls_se, "shared_data_se_nats": line.shared_data_se}
    return line, checks, fit_info


def rigorous(x, y=None, estimator: str = "infonce", critic: str = "separable", *,
             gammas=DEFAULT_GAMMAS, confidence: float = 0.68, unit: str = "bits",
             settings=None, callback: Callable[[TrainingEvent], None] | None = None,
             control: RunControl | None = None, **options) -> RigorousResult:
    """Bias-corrected MI with a confidence interval and a reliability verdict.

    Trains one network per chunk of the subsampling ladder (gamma = 1..10 by default,
    55 networks, stacked), fits chunk estimates linearly in gamma and reports the
    intercept at gamma = 0 with its t-based interval at `confidence`.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.68 or 0.95), got {confidence}")
    to_unit(0.0, unit)
    x, y, data = as_pair(x, y)
    s = make_settings(estimator, critic, settings, **options)
    gammas = sorted({int(g) for g in gammas})
    rng = np.random.default_rng(s.seed)
    jobs = ladder_jobs(len(x), gammas, s.test_fraction, rng, s.time_series)
    run = run_jobs(x, y, data, jobs, s, unit=unit, callback=callback, control=control)
    fits = run.fits
    rows = [_chunk_row(f) for f in fits]
    line, checks, fit_info = assess(rows, confidence)
    if run.provenance["stopped"]:
        checks.insert(0, Check("complete", False, "the run was stopped before every network finished; "
                               "the numbers come from the epochs that did.", "run it to the end"))
    failed = [f.label for f in fits if f.status == "failed"]
    if failed:
        checks.append(Check("training stable", False, f"{len(failed)} network(s) diverged ({', '.join(failed[:5])}).",
                            "use a lower learning rate, spectral normalisation, or InfoNCE/SMILE"))
    warnings = sorted({w for f in fits for w in f.warnings if "peaked at the last epoch" in w})
    if line is None:
        value, interval, pred = float("nan"), (float("nan"),) * 2, (float("nan"),) * 2
    else:
        value, interval, pred = line.coefficients[0], line.interval(confidence), line.prediction_interval(confidence)
    full = [f.value for f in fits if f.meta["gamma"] == 1]
    return RigorousResult(
        value_nats=value, interval_nats=interval, prediction_interval_nats=pred, confidence=confidence,
        reliable=all(c.passed for c in checks), checks=[c.__dict__ for c in checks], chunks=rows,
        histories=[f.record() for f in fits], fit=fit_info, full_data_value_nats=full[0] if full else None,
        warnings=warnings, gammas=gammas, **run.provenance)
