"""The dashboard: data, estimator and analysis on the left; the run, its plots, its
verdict, downloads and the session's history on the right.

Each browser session builds its own `Dashboard`, so sessions share nothing. A run
goes to a worker thread (`Runner`); a periodic callback on the session drains its
events into the plots about four times a second, and closing the tab stops it.

Driving it from Python (a notebook, a test)::

    dash = Dashboard(query={"source": "gaussian", "dim": "2", "epochs": "20"})
    dash.options.mode = "rigorous"
    dash.run()          # starts the worker thread
    dash.wait()         # drains events until the run ends; returns the status
    dash.record.result  # the RigorousResult
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import panel as pn
import param

from mipanel.api import gaussian_mi, ksg
from mipanel.data.validation import DataError
from mipanel.device import resolve_device
from mipanel.interface import Dataset
from mipanel.spec import RunSpec

from .data_panel import DataPanel
from .estimator_panel import EstimatorPanel
from .exports import Exports
from .history import History, RunRecord
from .plots import REDRAW_FACTOR, DiagnosticPlots, TrainingMonitor, bits, mi_range

#: Seconds between live redraws per plotted network (a 55-network ladder: every ~2 s).
LIVE_REDRAW_PER_NETWORK = 0.04
LIVE_REDRAW_MAX = 2.5
from .result_card import ResultCard
from .runner import STATUSES, Failed, Phase, Runner
from .url_state import UrlState

__all__ = ["Dashboard", "RunOutcome", "make_job"]

log = logging.getLogger(__name__)

#: Above N^2 x (dim X + dim Y) the KSG baseline would keep the worker busy for too long.
KSG_MAX_COST = 2e10

STATUS_CSS = """
.mp-badge { display: inline-block; padding: 3px 12px; border-radius: 999px; font-weight: 600;
            font-size: 0.9em; letter-spacing: 0.03em; background: #eceff3; color: #3a4252; }
.mp-badge-running { background: #dcebfa; color: #1f5fa8; }
.mp-badge-paused { background: #fff1d6; color: #8a5a00; }
.mp-badge-stopped { background: #fde2e4; color: #a4243b; }
.mp-badge-done { background: #dcf3e4; color: #1d6b3d; }
.mp-badge-error { background: #a4243b; color: white; }
"""


@dataclass
class RunOutcome:
    """What the worker hands back: the result and the baselines beside it."""

    result: Any
    baselines: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)


def make_job(spec: RunSpec, data: Dataset, baselines: bool = True):
    """The work of one run, as a function of (callback, control): engine calls only, no Panel."""

    def job(callback, control) -> RunOutcome:
        result = spec.run(data=data, callback=callback, control=control)
        extra, skipped = {}, {}
        if baselines and not control.stopped:
            callback(Phase("computing the KSG and Gaussian baselines"))
            cost = float(data.n) ** 2 * (data.dim_x + data.dim_y)
            if cost <= KSG_MAX_COST:
                extra["ksg"] = ksg(data, unit=spec.unit)
            else:
                skipped["KSG"] = (f"skipped: {data.n:,} samples in {data.dim_x + data.dim_y} dimensions would take "
                                  "minutes (run mipanel.ksg from Python)")
            extra["gaussian"] = gaussian_mi(data, unit=spec.unit)
        return RunOutcome(result, extra, skipped)

    return job


def _served() -> bool:
    doc = pn.state.curdoc
    return doc is not None and doc.session_context is not None


class Dashboard(pn.viewable.Viewer):
    """The whole app for one session. `status` says where the current run is."""

    status = param.Selector(default="idle", objects=list(STATUSES),
                            doc="idle, running, paused, stopped, done or error.")
    error = param.String(default="", doc="The message shown in the error alert ('' hides it).")
    record = param.Parameter(default=None, doc="The run whose results are shown.")
    poll_period = param.Integer(default=250, bounds=(50, 5000),
                                doc="Milliseconds between drains of the worker's events.")

    def __init__(self, query: Mapping[str, Any] | None = None, sync_url: bool = True, **params) -> None:
        super().__init__(**params)
        self.data = DataPanel()
        self.estimator = EstimatorPanel()
        self.settings, self.options = self.estimator.settings, self.estimator.options
        self.runner = Runner()
        self.monitor = TrainingMonitor()
        self.diagnostics = DiagnosticPlots()
        self.card = ResultCard()
        self.history = History()
        self.exports = Exports()
        self.url = UrlState(self.data, self.settings, self.options, on_error=self._set_error)
        self.running_record: RunRecord | None = None
        self._poller = None
        self._redraw_at = self._redraw_cost = 0.0
        self._build_controls()
        self._wire()
        if query:
            problems = self.url.apply_query(query)
            if problems:
                self.error = " ".join(problems)
        if sync_url and _served():
            self.url.sync(pn.state.location)
            pn.state.on_session_destroyed(self._on_session_destroyed)
        self._on_status()

    # ------------------------------------------------------------------ layout
    def _build_controls(self) -> None:
        self.run_button = pn.widgets.Button(label="▶ Run", color="primary", css_classes=["mp-run"], width=110)
        self.pause_button = pn.widgets.Button(label="Pause", color="default", css_classes=["mp-pause"], width=95)
        self.stop_button = pn.widgets.Button(label="■ Stop", color="danger", variant="outline",
                                             css_classes=["mp-stop"], width=95)
        self.status_pane = pn.pane.HTML("", css_classes=["mp-status"], stylesheets=[STATUS_CSS], margin=(12, 10),
                                        width=100)
        self.progress = pn.indicators.Progress(value=0, max=1000, active=False, bar_color="primary",
                                               css_classes=["mp-progress"], sizing_mode="stretch_width",
                                               margin=(14, 10, 0, 10), height=12)
        self.progress_text = pn.pane.Markdown("ready", css_classes=["mp-progress-text"], sizing_mode="stretch_width",
                                              margin=(0, 10), styles={"font-size": "0.85em", "color": "#5b6577"})
        self.error_alert = pn.pane.Alert("", alert_type="danger", visible=False, css_classes=["mp-error"],
                                         sizing_mode="stretch_width")

    def _wire(self) -> None:
        self.run_button.on_click(lambda e: self.run())
        self.pause_button.on_click(lambda e: self.toggle_pause())
        self.stop_button.on_click(lambda e: self.stop())
        self.data.param.watch(self._on_data_error, "error")
        self.param.watch(self._on_error, "error")
        self.param.watch(lambda e: self._on_status(), "status")
        self.history.param.watch(self._on_history_select, "selected")
        self.monitor.param.watch(lambda e: self.diagnostics.param.update(selected=e.new), "selected")
        self.diagnostics.param.watch(self._on_point_select, "selected")

    @property
    def sidebar(self) -> pn.Column:
        def section(title, body):
            return pn.Column(pn.pane.Markdown(f"### {title}", margin=(10, 10, 0, 10), css_classes=["mp-section"]),
                             body, sizing_mode="stretch_width", margin=0)
        return pn.Column(section("Data", self.data), section("Estimator", self.estimator.settings_view()),
                         section("Analysis", self.estimator.options_view()), sizing_mode="stretch_width",
                         css_classes=["mp-sidebar"])

    @property
    def main(self) -> pn.Column:
        toolbar = pn.Row(self.run_button, self.pause_button, self.stop_button, self.status_pane,
                         pn.Column(self.progress, self.progress_text, sizing_mode="stretch_width", margin=0),
                         sizing_mode="stretch_width", css_classes=["mp-toolbar"])
        results = pn.Row(pn.Column(self.card, width=420, margin=0), self.monitor, sizing_mode="stretch_width")
        heading = lambda text: pn.pane.Markdown(f"#### {text}", margin=(15, 10, 0, 10))  # noqa: E731
        return pn.Column(toolbar, self.error_alert, results, self.diagnostics,
                         heading("Downloads"), self.exports, heading("Run history"), self.history,
                         sizing_mode="stretch_width", css_classes=["mp-main"])

    def __panel__(self):
        return pn.Row(pn.Column(self.sidebar, width=360, margin=0), self.main, sizing_mode="stretch_width")

    # ------------------------------------------------------------------ commands
    def spec(self) -> RunSpec:
        """The current data, mode, options and settings as a RunSpec (validated)."""
        return RunSpec(mode=self.options.mode, settings=self.settings.to_dict(),
                       options=self.options.mode_options(), **self.data.spec_fields())

    def run(self) -> RunRecord | None:
        """Start a run with the current settings; None (and `error`) if it cannot start."""
        if self.runner.busy:
            return None
        data = self.data.dataset
        if data is None:
            self.error = self.data.error or "There is no data to analyse yet: choose a source or upload a file."
            return None
        try:
            spec = self.spec()
            resolve_device(self.settings.device)
        except (ValueError, TypeError) as exc:
            self.error = str(exc)
            return None
        self.error = ""
        record = RunRecord(id=self.history.next_id(), spec=spec,
                           data_name=data.name, n_samples=data.n, dim_x=data.dim_x, dim_y=data.dim_y,
                           true_mi_nats=data.true_mi, mi_upper_bound_nats=data.mi_upper_bound)
        self.running_record = record
        truth = bits(data.true_mi)
        self.monitor.reset(true_mi=truth, title=self._title(record), many=self.options.networks() > 1)
        self.diagnostics.reset(spec.mode, true_mi=truth)
        self.runner.start(make_job(spec, data, self.options.baselines))
        self._sync_status()
        self._start_polling()
        return record

    def toggle_pause(self) -> None:
        if self.runner.status == "running":
            self.runner.pause()
        elif self.runner.status == "paused":
            self.runner.resume()
        self._sync_status()

    def pause(self) -> None:
        self.runner.pause()
        self._sync_status()

    def resume(self) -> None:
        self.runner.resume()
        self._sync_status()

    def stop(self) -> None:
        """Stop the run; what finished so far arrives as a partial result."""
        self.runner.stop()
        self._sync_status()
        self.progress_text.object = self.runner.progress_text()

    def drain(self) -> bool:
        """Move the worker's news into the plots; True while the run goes on."""
        with pn.io.hold():
            events, end = self.runner.drain()
            if events:
                self.monitor.curves.extend(events)
                if self._redraw_due():  # redraws are spaced by their cost; the data is always current
                    self._refresh_live()
            if end is not None:
                self._finish(end)
            self._update_progress()
            self._sync_status()
        return self.runner.busy

    def wait(self, timeout: float | None = None, interval: float = 0.05) -> str:
        """Drain until the run ends (for notebooks and tests); returns the final status."""
        start = time.monotonic()
        while self.drain():
            if timeout is not None and time.monotonic() - start > timeout:
                raise TimeoutError(f"the run did not end within {timeout} s")
            time.sleep(interval)
        return self.status

    def show(self, record: RunRecord) -> None:
        """Show a run's curves, diagnostic plot, card and downloads."""
        truth = record.true_mi_bits
        self.monitor.show(record.curves, truth, self._title(record))
        if record.result is not None:
            self.diagnostics.reset(record.spec.mode, record.curves, record.result, truth)
        else:
            self.diagnostics.reset("single")
        ylim = self._mi_range(truth)
        self.monitor.refresh(ylim)
        if record.result is not None:
            self.diagnostics.update(record.curves, record.result, truth, ylim)
        if record.result is not None:
            self.card.record = record
        self.exports.record = record
        self.record = record

    # ------------------------------------------------------------------ internals
    @staticmethod
    def _title(record: RunRecord) -> str:
        return f"Training curves, run {record.id}"

    def _mi_range(self, truth: float | None) -> tuple[float, float]:
        """One MI axis for the training and diagnostic plots, so they can be read side by side."""
        return mi_range(*self.monitor.curves.mi_extent(truth, *self.diagnostics.mi_extent()))

    def _redraw_due(self) -> bool:
        """Throttle live redraws. Served, HoloViews runs a redraw on the session's event
        loop (the cost measured here is only the hand-off), so its real cost grows with the
        number of curves; widget messages queue behind it. Spacing redraws by
        LIVE_REDRAW_PER_NETWORK seconds per network keeps the loop mostly free."""
        per_network = LIVE_REDRAW_PER_NETWORK * len(self.monitor.curves)
        wait = max(self.poll_period / 1000.0, REDRAW_FACTOR * self._redraw_cost, min(per_network, LIVE_REDRAW_MAX))
        return time.perf_counter() - self._redraw_at >= wait

    def _refresh_live(self) -> None:
        start = time.perf_counter()
        rec = self.running_record
        truth = rec.true_mi_bits if rec is not None else None
        ylim = self._mi_range(truth)
        self.monitor.refresh(ylim)
        self.diagnostics.update(self.monitor.curves, None, truth, ylim)
        self._redraw_at = time.perf_counter()
        self._redraw_cost = self._redraw_at - start

    def _finish(self, end) -> None:
        rec, self.running_record = self.running_record, None
        self._stop_polling()
        if rec is None:
            return
        if isinstance(end, Failed):
            rec.status = "error"
            exc = end.error
            if isinstance(exc, (DataError, ValueError, TypeError)):
                rec.error = str(exc)
            else:
                rec.error = f"{type(exc).__name__}: {exc}"
                log.error("run %s failed\n%s", rec.id, end.trace)
            self.error = f"Run {rec.id} failed: {rec.error}"
            rec.curves = self.monitor.curves
            self.history.add(rec)
            return
        outcome: RunOutcome = end.outcome
        rec.result, rec.baselines, rec.skipped = outcome.result, outcome.baselines, outcome.skipped
        rec.status = self.runner.status
        rec.curves = self.monitor.curves
        rec.curves.finish(outcome.result)
        self.history.add(rec)
        self.show(rec)

    def _update_progress(self) -> None:
        r = self.runner
        if r.busy and not r.total:
            self.progress.param.update(value=-1, active=True)
        elif r.total:
            self.progress.param.update(value=int(1000 * r.done / r.total), active=r.busy)
        self.progress_text.object = r.progress_text()

    def _sync_status(self) -> None:
        self.status = self.runner.status

    def _on_status(self) -> None:
        s = self.status
        busy = s in ("running", "paused")
        self.status_pane.object = f'<span class="mp-badge mp-badge-{s}">{s}</span>'
        self.run_button.disabled = busy
        self.stop_button.disabled = not busy or self.runner.stop_asked
        self.pause_button.disabled = not busy or self.runner.stop_asked
        self.pause_button.label = "Resume" if s == "paused" else "Pause"
        self.progress.bar_color = {"done": "success", "stopped": "warning", "error": "danger"}.get(s, "primary")

    def _set_error(self, message: str) -> None:
        self.error = message

    def _on_error(self, event) -> None:
        self.error_alert.param.update(object=event.new, visible=bool(event.new))

    def _on_data_error(self, event) -> None:
        if event.new:
            self.error = event.new
        elif self.error == event.old:
            self.error = ""

    def _on_history_select(self, event) -> None:
        if event.new is not None and not self.runner.busy:
            self.show(event.new)

    def _on_point_select(self, event) -> None:
        if event.new is not None and event.new != self.monitor.selected:
            self.monitor.selected = event.new

    def _start_polling(self) -> None:
        self._stop_polling()
        self._poller = pn.state.add_periodic_callback(self._tick, period=self.poll_period)

    def _stop_polling(self) -> None:
        if self._poller is not None:
            try:
                self._poller.stop()
            except Exception:  # the session may already be gone
                pass
            self._poller = None

    def _tick(self) -> None:
        if not self.drain():
            self._stop_polling()

    def _on_session_destroyed(self, session_context) -> None:
        self.runner.stop()
        self._stop_polling()
