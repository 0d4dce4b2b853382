"""Downloads for a run: the result, its numbers per network, its plots, and its spec.

- result JSON: `result.to_json()`, read back with `mipanel.load_result`;
- table CSV: one row per network (for the rigorous protocol, `chunk_table()`);
- plots HTML: the training and diagnostic plots as one standalone page (BokehJS
  inlined, so it opens offline);
- settings spec JSON: the run's `RunSpec` (data + mode + options + settings), which
  reruns the same analysis with `RunSpec.load(path).run()` or `mipanel estimate --spec`.

The functions return text, so they are easy to test; `Exports` offers them as
download buttons for the run shown in the app.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re

import holoviews as hv
import panel as pn
import param

from .plots import diagnostic_data, diagnostic_element, training_element

__all__ = ["Exports", "plots_html", "result_json", "spec_json", "table_csv", "table_rows"]


def result_json(record) -> str:
    return record.result.to_json()


def table_rows(result) -> list[dict]:
    """Per-network rows in the result's unit (the rigorous protocol's chunk table)."""
    kind = result.kind
    if kind == "rigorous":
        return result.chunk_table()
    if kind == "estimate":
        h = result.history or {}
        return [{"epoch": e, "train_mi": t / _scale(result), "test_mi": v / _scale(result),
                 "smoothed_test_mi": s / _scale(result), "loss": loss, "max_test": e == result.best_epoch}
                for e, t, v, s, loss in zip(h.get("epoch", []), h.get("train_mi", []), h.get("test_mi", []),
                                            h.get("smoothed_test_mi", []), h.get("loss", []))]
    if kind == "kz_sweep":
        return [{"kz": k, "value": v, "test_value": t, "plateau": k == result.plateau_kz}
                for k, v, t in zip(result.kzs, result.values, result.test_values)]
    if kind == "permutation":
        return [{"network": "observed", "value": result.observed}] + \
               [{"network": f"null {i + 1}", "value": v} for i, v in enumerate(result.null)]
    if kind == "seed_spread":
        return [{"repeat": s, "value": v, "test_value": t, "gap": g}
                for s, v, t, g in zip(result.seeds, result.values, result.test_values, result.gaps)]
    return []


def _scale(result) -> float:
    """Nats per unit of the result (history values are stored in nats)."""
    return math.log(2) if result.unit == "bits" else 1.0


def table_csv(result) -> str:
    rows = table_rows(result)
    out = io.StringIO()
    if rows:
        fields = list(dict.fromkeys(k for r in rows for k in r))
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def plots_element(record) -> hv.Layout | hv.Overlay:
    truth = record.true_mi_bits
    title = f"Run {record.id}: training curves"
    train = training_element(record.curves, 0, truth, title=title)
    if record.spec.mode == "single" or record.result is None:
        return hv.Layout([train]).cols(1)
    data = diagnostic_data(record.spec.mode, record.curves, record.result, truth)
    return hv.Layout([train, diagnostic_element(data)]).cols(1)


def plots_html(record, resources: str = "inline") -> str:
    """The run's plots as one standalone HTML page."""
    layout = plots_element(record).opts(hv.opts.Overlay(responsive=False, width=900, height=380))
    buf = io.StringIO()
    hv.save(layout, buf, fmt="html", backend="bokeh", resources=resources,
            title=f"mipanel run {record.id}: {record.data_name}")
    return buf.getvalue()


def spec_json(record) -> str:
    return json.dumps(record.spec.to_dict(), indent=2, default=_plain)


def _plain(obj):
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "run"


class Exports(pn.viewable.Viewer):
    """Download buttons for the run shown (`record`)."""

    record = param.Parameter(default=None, doc="The RunRecord the downloads describe.")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        common = dict(color="primary", variant="outline", sizing_mode="stretch_width", disabled=True,
                      margin=(5, 5))
        self.result_button = pn.widgets.FileDownload(callback=self._result, filename="result.json",
                                                     label="Result (JSON)", css_classes=["mp-export-json"], **common)
        self.table_button = pn.widgets.FileDownload(callback=self._table, filename="chunks.csv",
                                                    label="Per-network table (CSV)", css_classes=["mp-export-csv"],
                                                    **common)
        self.plots_button = pn.widgets.FileDownload(callback=self._plots, filename="plots.html",
                                                    label="Plots (HTML)", css_classes=["mp-export-html"], **common)
        self.spec_button = pn.widgets.FileDownload(callback=self._spec, filename="spec.json",
                                                   label="Settings spec (JSON)", css_classes=["mp-export-spec"],
                                                   **common)
        self.param.watch(self._update, "record")

    @property
    def buttons(self) -> list:
        return [self.result_button, self.table_button, self.plots_button, self.spec_button]

    def _update(self, event=None) -> None:
        rec = self.record
        has_result = rec is not None and rec.result is not None
        stem = f"mipanel-run{rec.id}-{rec.spec.mode}-{_slug(rec.data_name)}" if rec is not None else "mipanel"
        kind = rec.result.kind if has_result else ""
        self.result_button.param.update(disabled=not has_result, filename=f"{stem}.json")
        self.table_button.param.update(disabled=not has_result,
                                       filename=f"{stem}-{'chunks' if kind == 'rigorous' else 'networks'}.csv",
                                       label="Chunks (CSV)" if kind == "rigorous" else "Per-network table (CSV)")
        self.plots_button.param.update(disabled=not has_result, filename=f"{stem}-plots.html")
        self.spec_button.param.update(disabled=rec is None, filename=f"{stem}-spec.json")

    def _result(self):
        return io.StringIO(result_json(self.record))

    def _table(self):
        return io.StringIO(table_csv(self.record.result))

    def _plots(self):
        return io.StringIO(plots_html(self.record))

    def _spec(self):
        return io.StringIO(spec_json(self.record))

    def __panel__(self):
        return pn.Row(*self.buttons, sizing_mode="stretch_width", margin=0)
