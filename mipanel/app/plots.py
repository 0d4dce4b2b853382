"""Live and saved plots of a run (HoloViews on Bokeh, values in bits).

- `CurveSet`: each network's per-epoch curves, filled from TrainingEvents while a run
  trains and completed from the result when it ends (max-test epoch, reported value).
- `TrainingMonitor`: training and held-out MI per epoch, smoothed held-out, the
  max-test epoch, the log n_eval ceiling and the true MI. It streams through a Pipe,
  and `update` can be passed as an engine callback in a notebook.
- `DiagnosticPlots`: the mode's own view: the subsampling ladder (chunk estimates
  against gamma, the fitted line with its interval band and the corrected value at
  gamma = 0), the k_z sweep with its plateau, the permutation null with the observed
  value, or the seed spread. Tapping a point selects its network, whose curves the
  training plot then highlights.

The element builders are plain functions of plain data, so the saved HTML shows the
same plots as the app.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401  (registers the Bokeh backend)
import numpy as np
import pandas as pd
import panel as pn
import param
from mipanel.extrapolation import t_quantile

from mipanel.training import TrainingEvent

hv.Store.set_current_backend("bokeh")

__all__ = ["CurveSet", "DiagnosticPlots", "NetworkCurve", "TrainingMonitor", "diagnostic_data",
           "diagnostic_element", "training_element"]

LN2 = math.log(2.0)

MI = hv.Dimension("mi", label="MI", unit="bits")
MI_HI = hv.Dimension("mi_hi", label="MI upper", unit="bits")
EPOCH = hv.Dimension("epoch", label="epoch")
GAMMA = hv.Dimension("gamma_x", label="γ (number of chunks)")
KZ = hv.Dimension("kz", label="k_z (embedding dimension)")
REPEAT = hv.Dimension("repeat", label="repeat")
NULL_MI = hv.Dimension("null_mi", label="MI", unit="bits")
COUNT = hv.Dimension("count", label="networks")

COLORS = {
    "train": "#8a94a6", "held-out": "#7fb3e0", "smoothed": "#1f5fa8", "marker": "#f28e2b",
    "ceiling": "#d1495b", "truth": "#2a9d5c", "fit": "#3d3d6b", "band": "#9d9dd9",
    "used": "#1f5fa8", "dropped": "#b8c0cc", "training": "#d0d6df", "failed": "#d1495b",
    "null": "#8a94a6", "observed": "#d1495b", "selected": "#f28e2b",
}
POINT_STATES = ["used", "dropped", "training", "failed"]

PLOT_HEIGHT = 320
#: Live plots wait at least this many times their last redraw's duration before the next one.
REDRAW_FACTOR = 4.0


#: Live plots recompute their axes on every update (a norm option of each element).
FRAMEWISE = [getattr(hv.opts, name)(framewise=True) for name in
             ("Curve", "Scatter", "Area", "ErrorBars", "Histogram", "VLine", "HLine")]


def bits(nats: float | None) -> float | None:
    return None if nats is None else float(nats) / LN2


# ----------------------------------------------------------------------------- data


@dataclass
class NetworkCurve:
    """One network's curves in bits, and its max-test choice once known."""

    network: int
    label: str
    meta: dict
    epochs: int
    epoch: list[int] = field(default_factory=list)
    train: list[float] = field(default_factory=list)
    test: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    ceiling: float | None = None
    best_epoch: int | None = None
    value: float | None = None
    test_value: float | None = None
    status: str = "training"

    @property
    def group(self) -> float:
        """A number that orders networks for colouring (gamma, k_z, repeat, null)."""
        m = self.meta
        for key in ("gamma", "kz", "repeat", "permutation"):
            if key in m and m[key] is not None:
                return float(math.log2(m[key]) if key == "kz" and m[key] > 0 else m[key])
        return 0.0

    def best(self) -> tuple[int | None, float | None]:
        """(epoch, held-out smoothed value) of the max-test choice, provisional while training."""
        if self.best_epoch is not None and 0 < self.best_epoch <= len(self.smoothed):
            return self.best_epoch, self.smoothed[self.best_epoch - 1]
        if not self.smoothed:
            return None, None
        i = int(np.argmax(self.smoothed))
        return i + 1, self.smoothed[i]

    def estimate(self) -> float | None:
        """The reported value when final, else the best smoothed held-out value so far."""
        if self.value is not None:
            return self.value
        return self.best()[1]


class CurveSet:
    """Every network of a run, by network index (the engine's job order)."""

    def __init__(self) -> None:
        self.networks: dict[int, NetworkCurve] = {}
        self.version = 0

    def __len__(self) -> int:
        return len(self.networks)

    def clear(self) -> None:
        self.networks.clear()
        self.version += 1

    def add(self, event: TrainingEvent) -> None:
        c = self.networks.get(event.network)
        if c is None:
            c = self.networks[event.network] = NetworkCurve(event.network, event.label, dict(event.meta),
                                                            event.epochs)
        c.epoch.append(event.epoch)
        c.train.append(event.train_mi / LN2)
        c.test.append(event.test_mi / LN2)
        c.smoothed.append(event.smoothed_test_mi / LN2)
        c.ceiling = event.ceiling / LN2
        self.version += 1

    def extend(self, events) -> None:
        for e in events:
            self.add(e)

    def finish(self, result) -> None:
        """Complete the curves with what the result knows (exact histories and choices)."""
        for j, h in enumerate(_histories(result)):
            live = self.networks.get(j)
            c = NetworkCurve(j, h.get("label", live.label if live else str(j)), _meta(h),
                             int((result.settings or {}).get("epochs", len(h.get("epoch", [])))))
            c.epoch = list(h.get("epoch", []))
            c.train = [v / LN2 for v in h.get("train_mi", [])]
            c.test = [v / LN2 for v in h.get("test_mi", [])]
            c.smoothed = [v / LN2 for v in h.get("smoothed_test_mi", [])]
            c.best_epoch = h.get("best_epoch")
            c.ceiling = live.ceiling if live is not None else None
            self.networks[j] = c
        for j, value, test_value, ceiling, status in _final_values(result):
            c = self.networks.get(j)
            if c is None:
                continue
            c.value, c.test_value, c.status = value, test_value, status
            if ceiling is not None:
                c.ceiling = ceiling
        self.version += 1

    @classmethod
    def from_result(cls, result) -> "CurveSet":
        cs = cls()
        cs.finish(result)
        return cs

    def planned_epochs(self) -> int:
        return max((c.epochs for c in self.networks.values()), default=1)

    def mi_extent(self, *extra: float | None) -> tuple[float, float]:
        """MI range (bits) worth showing: every curve and the `extra` values, and each
        network's log n ceiling once the curves come within half of it (far above them,
        a ceiling would only flatten the plot)."""
        lo, hi = 0.0, 0.0
        for c in self.networks.values():
            for series in (c.train, c.test):
                if series:
                    lo, hi = min(lo, min(series)), max(hi, max(series))
        for v in extra:
            if v is not None and math.isfinite(v):
                lo, hi = min(lo, v), max(hi, v)
        ceilings = [c.ceiling for c in self.networks.values() if c.ceiling is not None]
        near = [c for c in ceilings if hi >= 0.5 * c]
        return lo, max([hi, *near])


def _histories(result) -> list[dict]:
    if hasattr(result, "histories"):
        return list(result.histories)
    if getattr(result, "history", None):
        return [{"label": "single", **result.history, "best_epoch": result.best_epoch}]
    return []


def _meta(h: dict) -> dict:
    skip = {"label", "best_epoch", "epoch", "train_mi", "test_mi", "smoothed_test_mi", "loss"}
    return {k: v for k, v in h.items() if k not in skip}


def _final_values(result):
    """(network, value, held-out value, ceiling, status) in bits, per network."""
    kind = getattr(result, "kind", "")
    if kind == "estimate":
        yield (0, result.value_nats / LN2, bits(result.test_value_nats), bits(result.ceiling_nats),
               "stopped" if result.stopped else "done")
    elif kind == "rigorous":
        for j, c in enumerate(result.chunks):
            yield (j, c["value_nats"] / LN2, bits(c.get("test_value_nats")), bits(c.get("ceiling_nats")),
                   c.get("status", "done"))
    elif kind == "kz_sweep":
        for j, (v, t) in enumerate(zip(result.values_nats, result.test_values_nats)):
            yield j, v / LN2, t / LN2, None, "done"
    elif kind == "permutation":
        values = [result.observed_nats, *result.null_nats]
        for j, v in enumerate(values):
            yield j, v / LN2, None, None, "done"
    elif kind == "seed_spread":
        for j, (v, t) in enumerate(zip(result.values_nats, result.test_values_nats)):
            yield j, v / LN2, t / LN2, None, "done"


# ----------------------------------------------------------------------------- training plot


def _all_networks(curves: CurveSet) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every network's smoothed held-out curve as one line broken by NaN gaps (one glyph draws them all)."""
    xs, ys, labels = [], [], []
    nets = curves.networks
    if len(nets) > 1:
        for c in nets.values():
            if not c.epoch:
                continue
            xs += [*c.epoch, np.nan]
            ys += [*c.smoothed, np.nan]
            labels += [c.label] * (len(c.epoch) + 1)
    if not xs:
        return np.array([np.nan]), np.array([np.nan]), [""]
    return np.asarray(xs, float), np.asarray(ys, float), labels


def training_element(curves: CurveSet, selected: int | None = 0, true_mi: float | None = None,
                     ylim: tuple[float, float] | None = None, title: str = "Training curves",
                     many: bool | None = None) -> hv.Overlay:
    """Training and held-out MI per epoch; every network faintly (when `many`), the selected one in full."""
    nets = curves.networks
    many = len(nets) > 1 if many is None else many
    layers = []
    if many:
        ax, ay, alabels = _all_networks(curves)
        layers.append(hv.Curve({"epoch": ax, "mi": ay, "network": alabels}, EPOCH, [MI, "network"],
                               label="every network (smoothed)").opts(
            color=COLORS["dropped"], alpha=0.8, line_width=1, tools=["hover"]))
    sel = nets.get(selected) if selected is not None else None
    if sel is None and nets:
        sel = nets[min(nets)]
    ep = np.asarray(sel.epoch if sel else [], float)
    if sel is not None and many:
        title = f"{title} · {sel.label}"

    def curve(values, label, color, dash="solid", width=2):
        data = (ep, np.asarray(values, float)) if sel and len(ep) else ([np.nan], [np.nan])
        return hv.Curve(data, EPOCH, MI, label=label).opts(color=color, line_dash=dash, line_width=width,
                                                             tools=["hover"])

    train = curve(sel.train if sel else [], "training", COLORS["train"], "dashed")
    held = curve(sel.test if sel else [], "held-out", COLORS["held-out"], width=1.5)
    smooth = curve(sel.smoothed if sel else [], "held-out, smoothed", COLORS["smoothed"], width=2.5)
    b_ep, b_val = sel.best() if sel else (None, None)
    reported = sel.estimate() if sel is not None and sel.estimate() is not None else np.nan
    marker = hv.Scatter(([b_ep if b_ep else np.nan], [b_val if b_ep else np.nan], [reported]),
                        EPOCH, [MI, hv.Dimension("reported", unit="bits")], label="max-test epoch").opts(
        color=COLORS["marker"], size=11, marker="diamond", tools=["hover"])
    E = max(curves.planned_epochs(), 1)
    span = [0.5, E + 0.5]
    ceiling_value = sel.ceiling if sel is not None and sel.ceiling is not None else np.nan
    ceiling = hv.Curve((span, [ceiling_value] * 2), EPOCH, MI,
                       label="ceiling log₂ n_eval").opts(color=COLORS["ceiling"], line_dash="dotted", line_width=1.5)
    layers += [train, held, smooth, ceiling, marker]
    if true_mi is not None:
        layers.append(hv.Curve((span, [true_mi] * 2), EPOCH, MI, label="true MI").opts(
            color=COLORS["truth"], line_width=2, line_dash="dashdot"))
    lo, hi = ylim if ylim is not None else _mi_range(curves, true_mi)
    return hv.Overlay(layers).opts(
        hv.opts.Overlay(title=title, responsive=True, height=PLOT_HEIGHT, legend_position="right",
                        show_grid=True, xlim=(0.5, E + 0.5), ylim=(lo, hi), toolbar="above", min_width=300),
        *FRAMEWISE)


def mi_range(lo: float, hi: float) -> tuple[float, float]:
    """Axis limits around an MI extent, with a little room above (and below, when negative)."""
    pad = 0.08 * max(hi - lo, 0.5)
    return lo - (pad if lo < 0 else 0.0), hi + pad


def _mi_range(curves: CurveSet, *extra) -> tuple[float, float]:
    return mi_range(*curves.mi_extent(*extra))


class TrainingMonitor(pn.viewable.Viewer):
    """Live training curves. In a notebook: `monitor = TrainingMonitor(); display(monitor);
    mipanel.estimate(x, y, callback=monitor.update)`."""

    selected = param.Integer(default=0, allow_None=True, doc="Network whose curves are drawn in full.")
    true_mi = param.Number(default=None, allow_None=True, doc="The true MI in bits, when known.")
    title = param.String(default="Training curves")
    refresh_every = param.Number(default=0.25, bounds=(0, None), doc="Seconds between redraws fed by `update`.")
    many = param.Boolean(default=True, doc="Draw every network faintly besides the highlighted one.")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.curves = CurveSet()
        self.ylim: tuple[float, float] | None = None
        self._pipe = hv.streams.Pipe(data=0)
        self._last = self._cost = 0.0
        self.select = pn.widgets.Select(label="Highlighted network", options={}, sizing_mode="stretch_width",
                                        visible=False, css_classes=["mp-network-select"])
        self.select.link(self, value="selected", bidirectional=True)
        self._plot_key = (self.true_mi is not None, self.many)
        self.pane = pn.pane.HoloViews(self._dynamic(), css_classes=["mp-training-plot"], sizing_mode="stretch_width",
                                      min_height=PLOT_HEIGHT, linked_axes=True)
        self.param.watch(lambda *events: self.refresh(), ["selected", "true_mi"])

    def _dynamic(self) -> hv.DynamicMap:
        return hv.DynamicMap(lambda data: self.element(), streams=[self._pipe])

    def element(self) -> hv.Overlay:
        return training_element(self.curves, self.selected, self.true_mi, self.ylim, self.title, self.many)

    def reset(self, true_mi: float | None = None, title: str | None = None, many: bool = True) -> None:
        """Forget the curves. The figure is kept (and updated in place) unless its legend must
        change: whether the truth is known, and whether every network is drawn."""
        self.curves = CurveSet()
        self.ylim = None
        with param.parameterized.discard_events(self):
            self.param.update(true_mi=true_mi, selected=0, many=many, **({"title": title} if title else {}))
        self.select.options, self.select.visible = {}, False
        key = (true_mi is not None, many)
        if key != self._plot_key:
            self._plot_key = key
            self.pane.object = self._dynamic()
        else:
            self.refresh()

    def update(self, event: TrainingEvent) -> None:
        """Add one event; redraw when `due()` (and at the end), so drawing never slows training much."""
        self.curves.add(event)
        if self.due() or event.done >= event.total:
            self.refresh()

    def due(self) -> bool:
        """Whether a redraw is due: `refresh_every` seconds have passed, and at least
        REDRAW_FACTOR times the last redraw's cost (drawing takes at most a small share of the time)."""
        wait = max(self.refresh_every, REDRAW_FACTOR * self._cost)
        return time.perf_counter() - self._last >= wait

    __call__ = update

    def extend(self, events) -> None:
        self.curves.extend(events)
        self.refresh()

    def show(self, curves: CurveSet, true_mi: float | None = None, title: str | None = None) -> None:
        """Show finished curves (a result, or a run from the history)."""
        self.reset(true_mi, title, many=len(curves) > 1)
        self.curves = curves
        self.selected = min(curves.networks, default=0)
        self.refresh()

    def refresh(self, ylim: tuple[float, float] | None = None) -> None:
        start = time.perf_counter()
        if ylim is not None:
            self.ylim = ylim
        self._sync_options()
        self._pipe.send(self.curves.version)
        self._last = time.perf_counter()
        self._cost = self._last - start

    def _sync_options(self) -> None:
        if len(self.select.options) != len(self.curves):
            options = {c.label or str(j): j for j, c in sorted(self.curves.networks.items())}
            self.select.options = options
            self.select.visible = len(options) > 1

    def __panel__(self):
        return pn.Column(self.pane, self.select, sizing_mode="stretch_width", margin=0)


# ----------------------------------------------------------------------------- diagnostics

MODE_TITLES = {
    "rigorous": "Subsampling ladder: chunk estimates vs γ, extrapolated to γ = 0",
    "kz_sweep": "Embedding-dimension sweep",
    "permutation": "Permutation null: re-paired estimates (grey) and the observed one (red)",
    "seed_spread": "Seed spread",
}
DIAGNOSTIC_CSS = {"rigorous": "mp-ladder-plot", "kz_sweep": "mp-sweep-plot", "permutation": "mp-null-plot",
                  "seed_spread": "mp-spread-plot"}


def _jitter(chunk: int, gamma: int) -> float:
    return 0.0 if gamma <= 1 else 0.3 * ((chunk - 1) / (gamma - 1) - 0.5)


def diagnostic_data(mode: str, curves: CurveSet, result=None, true_mi: float | None = None) -> dict:
    """Plain data for a mode's diagnostic plot, from live curves or a finished result."""
    nets = [c for _, c in sorted(curves.networks.items())]
    data: dict = {"mode": mode, "true_mi": true_mi, "final": result is not None}
    rows = []
    if mode == "rigorous":
        used = set(result.fit.get("gammas_used", [])) if result is not None and result.fit else set()
        for c in nets:
            g, k = int(c.meta.get("gamma", 1)), int(c.meta.get("chunk", 1))
            v = c.estimate()
            if v is None:
                continue
            if result is None or c.value is None:
                state = "training"
            elif c.status == "failed":
                state = "failed"
            else:
                state = "used" if g in used else "dropped"
            rows.append({"gamma_x": g + _jitter(k, g), "mi": v, "network": c.network, "label": c.label,
                         "gamma": g, "chunk": k, "held_out": c.test_value if c.test_value is not None else np.nan,
                         "state": state})
        ceilings = {}
        for c in nets:
            if c.ceiling is not None:
                ceilings.setdefault(int(c.meta.get("gamma", 1)), []).append(c.ceiling)
        data["ceiling"] = sorted((g, float(np.mean(v))) for g, v in ceilings.items())
        if result is not None and result.fit and math.isfinite(result.value_nats):
            fit = result.fit
            a0, a1 = (v / LN2 for v in fit["coefficients_nats"])
            cov = np.asarray(fit["covariance"], float) / LN2 ** 2
            # The reported interval may use the shared-data error, wider than the WLS one:
            # scale the band so that at gamma = 0 it is exactly the reported interval.
            wls_se = fit.get("wls_se_nats") or 0.0
            if wls_se > 0:
                cov = cov * (fit["intercept_se_nats"] / wls_se) ** 2
            t = t_quantile(result.confidence, int(fit.get("dof", 1)))
            g = np.linspace(0.0, max(fit["gammas_used"]), 60)
            se = np.sqrt(np.maximum(cov[0, 0] + 2 * g * cov[0, 1] + g * g * cov[1, 1], 0.0))
            data["fit"] = {"gamma": g, "mi": a0 + a1 * g, "lo": a0 + a1 * g - t * se, "hi": a0 + a1 * g + t * se}
            lo, hi = result.interval
            data["corrected"] = {"value": result.value, "lo": lo, "hi": hi, "confidence": result.confidence}
    elif mode == "kz_sweep":
        rows += [{"kz": float(c.meta.get("kz", 1)), "mi": v, **_point(c)} for c, v in _estimates(nets)]
        if result is not None:
            data["plateau_kz"] = result.plateau_kz
    elif mode == "permutation":
        rows += [{"null_mi": v, "count": 0.0, "kind": "null" if c.meta.get("null") else "observed", **_point(c)}
                 for c, v in _estimates(nets)]
        if result is not None:
            data["p_value"] = result.p_value
    elif mode == "seed_spread":
        rows += [{"repeat": float(c.meta.get("repeat", c.network + 1)), "mi": v, **_point(c)}
                 for c, v in _estimates(nets)]
    data["points"] = pd.DataFrame(rows, columns=_POINT_COLUMNS[mode]) if mode in _POINT_COLUMNS else pd.DataFrame()
    return data


def _estimates(nets):
    """(curve, current estimate) for every network that has one."""
    return [(c, v) for c in nets if (v := c.estimate()) is not None]


def _point(c) -> dict:
    """The columns every diagnostic point shares (DataFrame columns pick what a plot uses)."""
    return {"network": c.network, "label": c.label,
            "held_out": c.test_value if c.test_value is not None else np.nan,
            "state": "used" if c.value is not None else "training"}


_POINT_COLUMNS = {
    "rigorous": ["gamma_x", "mi", "network", "label", "gamma", "chunk", "held_out", "state"],
    "kz_sweep": ["kz", "mi", "network", "label", "held_out", "state"],
    "permutation": ["null_mi", "count", "network", "label", "kind", "state"],
    "seed_spread": ["repeat", "mi", "network", "label", "held_out", "state"],
}


def _null_histogram(pts: pd.DataFrame):
    """(bin edges, counts, null values, observed values) of a permutation run's points."""
    null = pts.loc[pts["kind"] == "null", "null_mi"].to_numpy(float) if len(pts) else np.array([])
    obs = pts.loc[pts["kind"] == "observed", "null_mi"].to_numpy(float) if len(pts) else np.array([])
    values = np.concatenate([null, obs]) if len(null) or len(obs) else np.array([0.0, 1.0])
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * max(hi - lo, 0.1)
    edges = np.linspace(lo - pad, hi + pad, 21)
    counts = np.histogram(null, bins=edges)[0] if len(null) else np.zeros(20)
    return edges, counts, null, obs


def _limits(data: dict) -> tuple[tuple[float, float], tuple[float, float] | None]:
    """Axis ranges of a diagnostic plot; the MI axis is shared with the training plot (`data['ylim']`)."""
    mode, pts = data["mode"], data["points"]
    ylim = data.get("ylim")
    if mode == "rigorous":
        xlim = (-0.5, max(10.5, float(pts["gamma"].max()) + 0.5 if len(pts) else 10.5))
    elif mode == "kz_sweep":
        xlim = (0.7, (float(pts["kz"].max()) if len(pts) else 64.0) * 1.4)
    elif mode == "permutation":
        edges, counts, _, _ = _null_histogram(pts)
        truth = data.get("true_mi")
        right = max(float(edges[-1]), truth * 1.05) if truth is not None else float(edges[-1])
        xlim, ylim = (float(edges[0]), right), (0.0, max(float(counts.max()) + 1, 2.0))
    else:
        xlim = (0.5, max(len(pts), 2) + 0.5)
    return xlim, ylim


def _points_element(data: dict) -> hv.Scatter:
    mode, pts = data["mode"], data["points"]
    if mode == "rigorous":
        el = hv.Scatter(pts, GAMMA, [MI, "network", "label", "gamma", "chunk", "held_out", "state"])
        color = "state"
    elif mode == "kz_sweep":
        el = hv.Scatter(pts, KZ, [MI, "network", "label", "held_out", "state"])
        color = "state"
    elif mode == "permutation":
        el = hv.Scatter(pts, NULL_MI, [COUNT, "network", "label", "kind", "state"])
        color = "kind"
    else:
        el = hv.Scatter(pts, REPEAT, [MI, "network", "label", "held_out", "state"])
        color = "state"
    xlim, ylim = _limits(data)
    axes = {"xlim": xlim, **({"ylim": ylim} if ylim is not None else {})}
    if mode == "kz_sweep":
        axes["logx"] = True
    return el.opts(color=color, cmap={k: COLORS[k] for k in [*POINT_STATES, "null", "observed"]}, size=8,
                   line_color="white", tools=["hover", "tap"], nonselection_alpha=0.5,
                   selection_color=COLORS["selected"], show_legend=False, framewise=True, **axes)


def _decorations(data: dict, selected: int | None) -> hv.Overlay:
    mode, pts = data["mode"], data["points"]
    truth = data.get("true_mi")
    xlim, ylim = _limits(data)
    layers = []
    if mode == "rigorous":
        fit = data.get("fit")
        if fit is not None:
            band = hv.Area((fit["gamma"], fit["lo"], fit["hi"]), GAMMA, [MI, MI_HI], label="interval of the fit")
            line = hv.Curve((fit["gamma"], fit["mi"]), GAMMA, MI, label="weighted linear fit")
        else:
            band = hv.Area(([np.nan], [np.nan], [np.nan]), GAMMA, [MI, MI_HI], label="interval of the fit")
            line = hv.Curve(([np.nan], [np.nan]), GAMMA, MI, label="weighted linear fit")
        corr = data.get("corrected")
        cv = [corr["value"]] if corr else [np.nan]
        errs = hv.ErrorBars(([0.0], cv, [cv[0] - corr["lo"]], [corr["hi"] - cv[0]]) if corr else [],
                            GAMMA, [MI, "neg", "pos"])
        label = f"corrected ({corr['confidence']:.0%} interval)" if corr else "corrected"
        point = hv.Scatter(pd.DataFrame({"gamma_x": [0.0], "mi": cv}), GAMMA, MI, label=label)
        ceil = data.get("ceiling") or [(np.nan, np.nan)]
        ceiling = hv.Curve(ceil, GAMMA, MI, label="log₂ n_eval ceiling")
        layers = [band.opts(color=COLORS["band"], alpha=0.35, line_alpha=0),
                  line.opts(color=COLORS["fit"], line_width=2),
                  ceiling.opts(color=COLORS["ceiling"], line_dash="dotted", line_width=1.5),
                  errs.opts(color=COLORS["fit"], line_width=2, upper_head=None, lower_head=None),
                  point.opts(color=COLORS["fit"], marker="square", size=11, tools=["hover"])]
        xname = "gamma_x"
    elif mode == "kz_sweep":
        srt = pts.sort_values("kz") if len(pts) else pts
        line = hv.Curve((srt["kz"], srt["mi"]) if len(srt) else ([np.nan], [np.nan]), KZ, MI, label="estimate")
        held = hv.Curve((srt["kz"], srt["held_out"]) if len(srt) else ([np.nan], [np.nan]), KZ, MI, label="held-out")
        plateau = data.get("plateau_kz")
        pl = hv.VLine(float(plateau) if plateau else np.nan, label="plateau")
        layers = [line.opts(color=COLORS["smoothed"], line_width=2),
                  held.opts(color=COLORS["held-out"], line_dash="dashed"),
                  pl.opts(color=COLORS["truth"], line_dash="dashed")]
        xname = "kz"
    elif mode == "permutation":
        edges, counts, null, obs = _null_histogram(pts)
        hist = hv.Histogram((edges, counts), kdims=[NULL_MI], vdims=[COUNT], label="null (re-paired) estimates")
        obs_line = hv.VLine(float(obs[0]) if len(obs) else np.nan, label="observed")
        layers = [hist.opts(color=COLORS["null"], alpha=0.6, line_color="white"),
                  obs_line.opts(color=COLORS["observed"], line_width=3)]
        if truth is not None:
            layers.append(hv.VLine(truth, label="true MI").opts(color=COLORS["truth"], line_dash="dashdot"))
        truth = None  # drawn above, on this plot's own axis
        xname = "null_mi"
    else:
        mean = float(pts["mi"].mean()) if len(pts) else np.nan
        std = float(pts["mi"].std(ddof=1)) if len(pts) > 1 else 0.0
        n = max(len(pts), 2)
        band = hv.Area(([0.5, n + 0.5], [mean - std] * 2, [mean + std] * 2), REPEAT, [MI, MI_HI],
                       label="mean ± std")
        layers = [band.opts(color=COLORS["band"], alpha=0.35, line_alpha=0),
                  hv.HLine(mean, label="mean").opts(color=COLORS["fit"], line_width=2)]
        xname = "repeat"
    if truth is not None:
        kd = {"rigorous": GAMMA, "kz_sweep": KZ, "seed_spread": REPEAT}[mode]
        layers.append(hv.Curve(([xlim[0], xlim[1]], [truth, truth]), kd, MI, label="true MI").opts(
            color=COLORS["truth"], line_width=2, line_dash="dashdot"))
    ring = pts[pts["network"] == selected] if selected is not None and len(pts) else pts.iloc[:0]
    ycol = "count" if mode == "permutation" else "mi"
    kd = {"rigorous": GAMMA, "kz_sweep": KZ, "permutation": NULL_MI, "seed_spread": REPEAT}[mode]
    vd = COUNT if mode == "permutation" else MI
    ring_data = (ring[xname].to_numpy(float), ring[ycol].to_numpy(float)) if len(ring) else ([np.nan], [np.nan])
    layers.append(hv.Scatter(ring_data, kd, vd, label="selected network").opts(
        color="none", line_color=COLORS["selected"], line_width=3, size=17))
    return hv.Overlay(layers).opts(*FRAMEWISE, *_limit_opts(xlim, ylim))


def _limit_opts(xlim, ylim) -> list:
    """The same axis ranges on every layer, so the overlay keeps exactly them."""
    limits = {"xlim": xlim, **({"ylim": ylim} if ylim is not None else {})}
    return [getattr(hv.opts, name)(**limits) for name in
            ("Curve", "Scatter", "Area", "ErrorBars", "Histogram", "VLine", "HLine")]


def _overlay_opts(mode: str, title: str) -> hv.Options:
    """Plot options of a whole diagnostic plot (they belong on the overlay of all its layers)."""
    return hv.opts.Overlay(title=title, responsive=True, height=PLOT_HEIGHT, legend_position="right",
                           show_grid=True, toolbar="above", min_width=300, logx=mode == "kz_sweep")


def _title(data: dict) -> str:
    mode = data["mode"]
    title = MODE_TITLES.get(mode, mode)
    if not data.get("final"):
        return title
    if mode == "permutation" and data.get("p_value") is not None:
        return f"{title}: p = {data['p_value']:.3f}"
    if mode == "kz_sweep":
        pk = data.get("plateau_kz")
        return f"{title}: plateau from k_z = {pk}" if pk else f"{title}: no plateau"
    return title


def diagnostic_element(data: dict, selected: int | None = None, ylim=None) -> hv.Overlay:
    """The whole diagnostic plot as one static overlay (for saving)."""
    data = {**data, "ylim": ylim if ylim is not None else data.get("ylim")}
    return (_decorations(data, selected) * _points_element(data)).opts(_overlay_opts(data["mode"], _title(data)))


class DiagnosticPlots(pn.viewable.Viewer):
    """The mode's diagnostic plot, live while training; tapping a point selects its network."""

    mode = param.Selector(default="rigorous", objects=list(MODE_TITLES), doc="Which diagnostic is shown.")
    selected = param.Integer(default=None, allow_None=True, doc="Network picked by tapping a point.")
    active = param.Boolean(default=False, doc="Whether the current run has a diagnostic plot.")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.data: dict = {}
        self.ylim = None
        self._pipe = hv.streams.Pipe(data=None)
        self._selection: hv.streams.Selection1D | None = None
        self._plot_key = None
        self.panes = {m: pn.pane.HoloViews(None, css_classes=[css], sizing_mode="stretch_width",
                                           min_height=PLOT_HEIGHT, linked_axes=True)
                      for m, css in DIAGNOSTIC_CSS.items()}
        # Only the current mode's plot is in the layout, so it is laid out afresh at its full width.
        self._layout = pn.Column(sizing_mode="stretch_width", margin=0)

    def reset(self, mode: str, curves: CurveSet | None = None, result=None, true_mi: float | None = None) -> None:
        """Show the plot of `mode` (single estimates have none) with the given curves and result.

        A mode's figure is built once and then updated in place; it is rebuilt only when its
        legend must change (whether the truth is known)."""
        self.active = mode in self.panes
        self.selected = None
        if not self.active:
            self.data = {}
            self._layout.objects = []
            return
        self.mode = mode
        self.data = diagnostic_data(mode, curves or CurveSet(), result, true_mi)
        key = (mode, true_mi is not None)
        if key != self._plot_key:
            self._plot_key = key
            self._pipe = hv.streams.Pipe(data=self.data)
            points = hv.DynamicMap(lambda data: _points_element(data), streams=[self._pipe])
            decor = hv.DynamicMap(lambda data, selected: _decorations(data, selected),
                                  streams=[self._pipe, hv.streams.Params(self, ["selected"])])
            self._selection = hv.streams.Selection1D(source=points)
            self._selection.add_subscriber(self._on_select)
            self.panes[mode].object = (decor * points).opts(_overlay_opts(mode, MODE_TITLES[mode]))
        else:
            self._pipe.send(self.data)
        if self._layout.objects != [self.panes[mode]]:
            self._layout.objects = [self.panes[mode]]

    def _on_select(self, index) -> None:
        pts = self.data.get("points")
        if index and pts is not None and index[0] < len(pts):
            self.selected = int(pts["network"].iloc[index[0]])

    def update(self, curves: CurveSet, result=None, true_mi: float | None = None, ylim=None) -> None:
        if not self.active:
            return
        self.ylim = ylim
        self.data = diagnostic_data(self.mode, curves, result, true_mi)
        self.data["ylim"] = ylim
        self._pipe.send(self.data)

    @property
    def shown(self) -> str | None:
        """The mode whose plot is on the page, if any."""
        return self.mode if self.active and self._layout.objects else None

    def element(self) -> hv.Overlay | None:
        return diagnostic_element(self.data, self.selected, self.ylim) if self.active else None

    def mi_extent(self) -> tuple[float, float]:
        """Range of MI the plot needs (interval band and corrected value included)."""
        lo, hi = 0.0, 0.0
        for key in ("fit", "corrected"):
            d = self.data.get(key)
            if d:
                vals = np.concatenate([np.atleast_1d(np.asarray(d[k], float)) for k in ("lo", "hi")])
                vals = vals[np.isfinite(vals)]
                if len(vals):
                    lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
        return lo, hi

    def __panel__(self):
        return self._layout
