"""The runs of this browser session: what was run, on what, and what came out.

A `RunRecord` keeps everything needed to show a run again (its spec, a summary of
the data, the result, the baselines and the per-network curves), so picking a row
of the history table brings back its plots and card; the exports work on it too.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import panel as pn
import param

from mipanel.spec import RunSpec

from .plots import CurveSet
from .result_card import MODE_NAMES, headline

__all__ = ["History", "RunRecord"]

COLUMNS = ["run", "time", "mode", "data", "N", "estimator", "critic", "k_z", "epochs", "estimate (bits)",
           "interval", "true MI (bits)", "verdict", "status"]


@dataclass
class RunRecord:
    """One run: its spec, the data it saw, and what came out."""

    id: int
    spec: RunSpec
    data_name: str
    n_samples: int
    dim_x: int
    dim_y: int
    true_mi_nats: float | None = None
    mi_upper_bound_nats: float | None = None
    started: datetime = field(default_factory=datetime.now)
    status: str = "running"
    result: Any = None
    baselines: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)  # baseline name -> why it was not computed
    error: str = ""
    curves: CurveSet = field(default_factory=CurveSet)

    @property
    def true_mi_bits(self) -> float | None:
        return None if self.true_mi_nats is None else self.true_mi_nats / math.log(2)

    def row(self) -> dict:
        s = self.spec.settings
        value = interval = verdict = None
        if self.result is not None:
            h = headline(self.result)
            value = round(h.value, 4) if h.value is not None and math.isfinite(h.value) else None
            if h.interval is not None:
                interval = f"[{h.interval[0]:.3f}, {h.interval[1]:.3f}]"
            verdict = h.verdict
        elif self.error:
            verdict = self.error.splitlines()[0][:200]
        return {"run": self.id, "time": self.started.strftime("%H:%M:%S"), "mode": MODE_NAMES.get(self.spec.mode),
                "data": self.data_name, "N": self.n_samples, "estimator": s.get("estimator"),
                "critic": s.get("critic"), "k_z": s.get("kz"), "epochs": s.get("epochs"),
                "estimate (bits)": value, "interval": interval or "",
                "true MI (bits)": None if self.true_mi_bits is None else round(self.true_mi_bits, 4),
                "verdict": verdict or "", "status": self.status}


class History(pn.viewable.Viewer):
    """A table of this session's runs; selecting a row sets `selected` to its record."""

    records = param.List(default=[], doc="Every run of this session, oldest first.")
    selected = param.Parameter(default=None, doc="The record picked in the table, or None.")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.table = pn.widgets.Tabulator(
            pd.DataFrame(columns=COLUMNS), selectable=1, disabled=True, show_index=False, layout="fit_data_table",
            sizing_mode="stretch_width", height=220, css_classes=["mp-history"], pagination=None,
            sorters=[{"field": "run", "dir": "desc"}],
        )
        self.table.param.watch(self._on_select, "selection")
        self._hint = pn.pane.Markdown("Past runs of this session appear here; select one to see its plots again.",
                                      styles={"color": "#5b6577", "font-size": "0.9em"}, margin=(0, 10))

    def next_id(self) -> int:
        return len(self.records) + 1

    def add(self, record: RunRecord) -> None:
        self.records = [*self.records, record]
        self.refresh()

    def refresh(self) -> None:
        frame = pd.DataFrame([r.row() for r in self.records], columns=COLUMNS)
        self.table.value = frame

    def _on_select(self, event) -> None:
        if not event.new:
            return
        row = self.table.value.iloc[event.new[0]]
        match = [r for r in self.records if r.id == int(row["run"])]
        self.selected = match[0] if match else None

    def select(self, record_id: int) -> None:
        """Select a run by its number, as a click on its row does."""
        frame = self.table.value
        rows = [i for i, v in enumerate(frame["run"]) if int(v) == record_id]
        if rows:
            self.table.selection = rows

    def __panel__(self):
        return pn.Column(self._hint, self.table, sizing_mode="stretch_width", margin=0)
