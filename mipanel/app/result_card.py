"""The result card: the number, its interval and unit, and whether to trust it.

A run's headline (value, interval, verdict) is computed by `headline`, which the
run history uses too. The card adds the truth and the error when the data were
synthesised, the baselines, each consistency check in plain words with what to try,
and the engine's warnings.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

import panel as pn
import param

__all__ = ["Headline", "ResultCard", "headline"]

#: Styles of the card's HTML (components render in their own shadow DOM, so they carry their CSS).
CARD_CSS = """
.mp-card { font-family: var(--mp-font, inherit); }
.mp-card-kicker { color: #5b6577; font-size: 0.8em; letter-spacing: 0.02em; text-transform: uppercase; }
.mp-card-value { margin: 4px 0 2px 0; line-height: 1.1; }
.mp-value { font-size: 2.6em; font-weight: 700; color: var(--mp-accent, #1f5fa8); font-variant-numeric: tabular-nums; }
.mp-unit { font-size: 1.2em; color: #5b6577; margin-left: 2px; }
.mp-card-interval { font-size: 1.05em; font-variant-numeric: tabular-nums; }
.mp-card-truth { color: #2a7a4c; margin-top: 2px; font-variant-numeric: tabular-nums; }
.mp-card-hint { color: #5b6577; margin-top: 6px; }
.mp-card-details { margin-top: 8px; border-collapse: collapse; font-size: 0.88em; width: 100%; }
.mp-card-details td { padding: 2px 8px 2px 0; border-top: 1px solid #eceff3; vertical-align: top; }
.mp-card-details td:first-child { color: #5b6577; }
"""

MODE_NAMES = {"single": "Single estimate", "rigorous": "Rigorous (bias-corrected)",
              "kz_sweep": "k_z sweep", "permutation": "Permutation null", "seed_spread": "Seed spread"}


@dataclass
class Headline:
    """What a result says in one line: value, optional interval, verdict and its tone."""

    value: float | None
    unit: str
    interval: tuple[float, float] | None
    interval_label: str
    verdict: str
    tone: str  # "success", "warning", "info" or "danger" (an Alert's type)
    reasons: list[str]


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def headline(result) -> Headline:
    """The one-line summary of any result kind."""
    kind = getattr(result, "kind", "")
    unit = result.unit
    stopped = getattr(result, "stopped", False)
    if kind == "rigorous":
        lo, hi = result.interval
        tone = "success" if result.reliable else "warning"
        h = Headline(result.value, unit, (lo, hi), f"{result.confidence:.0%} confidence interval",
                     result.verdict, tone, list(result.reasons))
    elif kind == "estimate":
        warnings = list(result.warnings)
        verdict = ("single max-test estimate: not bias-corrected and without an interval; run the rigorous "
                   "protocol for both")
        h = Headline(result.value, unit, None, "", verdict, "warning" if warnings else "info", warnings)
    elif kind == "kz_sweep":
        values = result.values
        at = result.plateau_kz
        value = values[result.kzs.index(at)] if at in result.kzs else (max(values) if values else None)
        h = Headline(value, unit, None, "", result.verdict, "success" if result.passed else "warning",
                     list(result.reasons))
    elif kind == "permutation":
        h = Headline(result.observed, unit, None, "", result.verdict, "success" if result.passed else "warning",
                     list(result.reasons))
    elif kind == "seed_spread":
        h = Headline(result.mean, unit, (result.mean - result.std, result.mean + result.std), "mean ± std",
                     result.verdict, "success" if result.passed else "warning", list(result.reasons))
    else:
        h = Headline(getattr(result, "value", None), unit, None, "", "", "info", [])
    if stopped:
        h.verdict = "stopped early, partial result; " + h.verdict
        h.tone = "warning" if h.tone == "success" else h.tone
    return h


def _fmt(v, digits: int = 3) -> str:
    return f"{v:.{digits}f}" if _finite(v) else "n/a"


def _check_items(result) -> list[str]:
    """Markdown items for every check (rigorous) or every reason (other kinds)."""
    checks = getattr(result, "checks", None)
    if checks:
        items = []
        for c in checks:
            mark = "✅" if c["passed"] else "❌"
            line = f"{mark} **{html.escape(c['name'])}**: {html.escape(c['detail'])}"
            if not c["passed"] and c.get("advice"):
                line += f"  \n  *Try:* {html.escape(c['advice'])}"
            items.append(line)
        return items
    out = []
    for r in headline(result).reasons:
        text, _, advice = r.partition(" Try: ")
        line = f"⚠️ {html.escape(text)}"
        if advice:
            line += f"  \n  *Try:* {html.escape(advice)}"
        out.append(line)
    return out


class ResultCard(pn.viewable.Viewer):
    """The current run's estimate, interval, truth, baselines and verdict."""

    record = param.Parameter(default=None, doc="The RunRecord shown (None: nothing yet).")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.head = pn.pane.HTML(self._placeholder(), sizing_mode="stretch_width", margin=(0, 10),
                                  css_classes=["mp-result-head"], stylesheets=[CARD_CSS])
        self.verdict = pn.pane.Alert("", alert_type="info", visible=False, css_classes=["mp-verdict"],
                                      sizing_mode="stretch_width", margin=(5, 10))
        self.checks = pn.pane.Markdown("", sizing_mode="stretch_width", visible=False, margin=(0, 10),
                                        css_classes=["mp-checks"])
        self.notes = pn.pane.Markdown("", sizing_mode="stretch_width", visible=False, margin=(0, 10),
                                       css_classes=["mp-warnings"], styles={"font-size": "0.85em"})
        self._layout = pn.Column(self.head, self.verdict, self.checks, self.notes, css_classes=["mp-result"],
                                 sizing_mode="stretch_width", min_width=320)
        self.param.watch(lambda e: self._render(), "record")

    @staticmethod
    def _placeholder() -> str:
        return ('<div class="mp-card mp-card-empty"><div class="mp-card-kicker">No result yet</div>'
                '<div class="mp-card-hint">Choose data and an estimator, then press <b>Run</b>. '
                'The estimate, its interval and a verdict on whether to trust it appear here.</div></div>')

    def _render(self) -> None:
        rec = self.record
        result = getattr(rec, "result", None)
        if result is None:
            self.head.object = self._placeholder()
            self.verdict.visible = self.checks.visible = self.notes.visible = False
            return
        h = headline(result)
        self.head.object = self._headline_html(rec, result, h)
        self.verdict.param.update(object=f"**Verdict:** {html.escape(h.verdict)}", alert_type=h.tone, visible=True)
        items = _check_items(result)
        self.checks.param.update(object="\n\n".join(items), visible=bool(items))
        notes = [w for w in getattr(result, "warnings", []) if getattr(result, "kind", "") != "estimate"]
        for name, b in (rec.baselines or {}).items():
            notes += [f"{b.method}: {w}" for w in b.warnings]
        self.notes.param.update(object="\n".join(f"- {html.escape(n)}" for n in notes), visible=bool(notes))

    @staticmethod
    def _headline_html(rec, result, h: Headline) -> str:
        s = rec.spec.settings
        unit = html.escape(h.unit)
        kicker = (f"{MODE_NAMES.get(rec.spec.mode, rec.spec.mode)} · {html.escape(str(s.get('estimator')))}/"
                  f"{html.escape(str(s.get('critic')))} · N = {rec.n_samples:,} · "
                  f"{html.escape(rec.data_name)}")
        rows = []
        if h.interval is not None:
            lo, hi = h.interval
            rows.append(f'<div class="mp-card-interval">{h.interval_label}: [{_fmt(lo)}, {_fmt(hi)}] {unit}</div>')
        kind = result.kind
        details = []
        if kind == "rigorous":
            plo, phi = result.prediction_interval
            details.append(("prediction interval", f"[{_fmt(plo)}, {_fmt(phi)}] {unit}"))
            if result.full_data_value is not None:
                details.append(("uncorrected full-data estimate", f"{_fmt(result.full_data_value)} {unit}"))
            details.append(("gammas used", ", ".join(str(g) for g in result.fit.get("gammas_used", [])) or "none"))
        elif kind == "estimate":
            details.append(("held-out value at the max-test epoch", f"{_fmt(result.test_value)} {unit}"))
            details.append(("max-test epoch", f"{result.best_epoch} of {result.epochs_run}"))
            if result.ceiling is not None:
                details.append(("held-out ceiling log₂ n_eval", f"{_fmt(result.ceiling, 2)} {unit}"))
        elif kind == "permutation":
            null = result.null
            details.append(("p-value", f"{result.p_value:.3f} ({len(null)} null networks, {result.null_method})"))
            if null:
                details.append(("largest null estimate", f"{_fmt(max(null))} {unit}"))
        elif kind == "kz_sweep":
            details.append(("k_z values", ", ".join(str(k) for k in result.kzs)))
        truth = rec.true_mi_nats
        if truth is not None and _finite(h.value):
            t = truth / math.log(2) if h.unit == "bits" else truth
            err = h.value - t
            inside = ""
            if h.interval is not None and kind == "rigorous":
                inside = " (inside the interval)" if h.interval[0] <= t <= h.interval[1] else " (outside the interval)"
            rows.append(f'<div class="mp-card-truth">true MI {_fmt(t)} {unit} · error '
                        f'<b>{err:+.3f}</b> {unit}{inside}</div>')
        elif rec.mi_upper_bound_nats is not None:
            b = rec.mi_upper_bound_nats / math.log(2) if h.unit == "bits" else rec.mi_upper_bound_nats
            rows.append(f'<div class="mp-card-truth">true MI unknown; at most {_fmt(b)} {unit}</div>')
        for name, b in (rec.baselines or {}).items():
            details.append((f"{'KSG (k-nearest neighbours)' if name == 'ksg' else 'Gaussian / CCA'} baseline",
                            f"{_fmt(b.value)} {unit}"))
        for key, text in (rec.skipped or {}).items():
            details.append((f"{key} baseline", html.escape(text)))
        details.append(("device · time", f"{html.escape(result.device)} · {result.elapsed_s:.1f} s"))
        table = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in details)
        return (f'<div class="mp-card"><div class="mp-card-kicker">{kicker}</div>'
                f'<div class="mp-card-value"><span class="mp-value">{_fmt(h.value)}</span> '
                f'<span class="mp-unit">{unit}</span></div>{"".join(rows)}'
                f'<table class="mp-card-details">{table}</table></div>')

    def __panel__(self):
        return self._layout
