"""The whole dashboard without a server: runs in the worker thread, drained by hand."""
from __future__ import annotations

import time

import holoviews as hv
import numpy as np
import panel as pn
import pytest

from mipanel.app.dashboard import Dashboard
from mipanel.app.data_panel import FILE
from mipanel.results import Estimate
from mipanel.protocol import RigorousResult

HOOKS = {"mp-source", "mp-mode", "mp-run", "mp-pause", "mp-stop", "mp-progress", "mp-training-plot", "mp-ladder-plot",
         "mp-result", "mp-verdict", "mp-error", "mp-upload", "mp-x-select", "mp-y-select", "mp-history", "mp-status"}


def _css_classes(viewable) -> set[str]:
    found = set()
    for obj in pn.panel(viewable).select():
        found.update(getattr(obj, "css_classes", None) or [])
    return found


def _drain_until(dash: Dashboard, predicate, timeout: float = 60.0) -> None:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError
        dash.drain()
        time.sleep(0.02)


def test_every_browser_hook_is_present(dashboard):
    on_page = _css_classes(dashboard)
    assert HOOKS - {"mp-ladder-plot"} <= on_page
    assert "mp-ladder-plot" not in on_page  # the ladder joins the page with a rigorous run
    assert "mp-ladder-plot" in dashboard.diagnostics.panes["rigorous"].css_classes
    assert dashboard.status == "idle" and "idle" in dashboard.status_pane.object


def test_a_single_run_fills_the_training_plot_and_the_result_card(dashboard):
    record = dashboard.run()
    assert record is not None and dashboard.status == "running" and dashboard.run_button.disabled
    assert dashboard.wait(timeout=60) == "done"
    curve = dashboard.monitor.curves.networks[0]
    assert curve.epoch == [1, 2, 3, 4] and len(curve.train) == len(curve.test) == 4
    assert curve.ceiling > 0 and curve.best_epoch is not None
    hv.render(dashboard.monitor.element())  # the plot builds from the drained data
    result = dashboard.record.result
    assert isinstance(result, Estimate) and dashboard.card.record is dashboard.record
    assert f"{result.value:.3f}" in dashboard.card.head.object and "true MI 1.000 bits" in dashboard.card.head.object
    assert dashboard.card.verdict.visible and "not bias-corrected" in dashboard.card.verdict.object
    assert dashboard.progress.value == 1000 and "4 of 4" in dashboard.progress_text.object
    assert not dashboard.diagnostics.active  # a single estimate has no ladder
    assert [r.status for r in dashboard.history.records] == ["done"]


def test_the_rigorous_ladder_is_plotted_and_a_tapped_chunk_is_highlighted(dashboard):
    dashboard.options.mode = "rigorous"
    dashboard.run()
    _drain_until(dashboard, lambda: len(dashboard.diagnostics.data.get("points", [])) > 0 or not dashboard.runner.busy)
    assert dashboard.wait(timeout=90) == "done"
    result = dashboard.record.result
    assert isinstance(result, RigorousResult)
    points = dashboard.diagnostics.data["points"]
    assert len(points) == 55 and set(points["state"]) <= {"used", "dropped", "failed"}
    assert dashboard.diagnostics.data["corrected"]["value"] == pytest.approx(result.value)
    assert dashboard.diagnostics.shown == "rigorous" and "mp-ladder-plot" in _css_classes(dashboard)
    hv.render(dashboard.diagnostics.element())
    row = 7
    dashboard.diagnostics._selection.event(index=[row])  # what a tap in the browser sends
    assert dashboard.monitor.selected == int(points["network"].iloc[row])
    assert dashboard.monitor.select.value == dashboard.monitor.selected
    assert "interval" in dashboard.card.head.object and dashboard.card.checks.visible
    assert dashboard.card.verdict.alert_type in ("success", "warning")


def test_stop_mid_run_gives_a_partial_result(dashboard):
    dashboard.settings.epochs = 2000
    dashboard.data.current_source.n_samples = 512
    dashboard.run()
    _drain_until(dashboard, lambda: dashboard.runner.done >= 2)
    dashboard.pause()
    assert dashboard.status == "paused" and dashboard.pause_button.label == "Resume"
    dashboard.resume()
    assert dashboard.status == "running"
    dashboard.stop()
    assert dashboard.wait(timeout=60) == "stopped"
    result = dashboard.record.result
    assert result.stopped and 2 <= result.epochs_run < 2000
    assert "stopped early" in dashboard.card.verdict.object
    assert dashboard.history.records[-1].status == "stopped"
    assert not dashboard.run_button.disabled and dashboard.stop_button.disabled


def test_a_bad_file_shows_its_message_and_keeps_the_previous_result(dashboard):
    dashboard.run()
    dashboard.wait(timeout=60)
    shown = dashboard.record
    dashboard.data.source = FILE
    dashboard.data.upload.param.update(filename="data.npz", value=b"this is not a zip archive")
    assert "could not be read" in dashboard.error
    assert dashboard.error_alert.visible and dashboard.error_alert.object == dashboard.error
    assert dashboard.run() is None and dashboard.status == "done"  # nothing to run on
    assert dashboard.card.record is shown and len(dashboard.history.records) == 1
    dashboard.data.source = "gaussian"  # good data again: the message goes away
    assert dashboard.error == "" and not dashboard.error_alert.visible
    assert dashboard.run() is not None and dashboard.wait(timeout=60) == "done"


def test_an_engine_error_is_reported_and_the_app_keeps_working(dashboard):
    dashboard.data.current_source.n_samples = 20  # too few rows for ten chunks
    dashboard.options.mode = "rigorous"
    dashboard.run()
    assert dashboard.wait(timeout=60) == "error"
    assert "gamma" in dashboard.error and dashboard.history.records[-1].status == "error"
    dashboard.options.mode = "single"
    dashboard.run()
    assert dashboard.wait(timeout=60) == "done" and dashboard.error == ""


def test_history_records_runs_and_selecting_one_shows_it_again(dashboard):
    dashboard.run()
    dashboard.wait(timeout=60)
    dashboard.options.mode = "permutation"
    dashboard.options.n_permutations = 3
    dashboard.run()
    dashboard.wait(timeout=60)
    table = dashboard.history.table.value
    assert list(table["run"]) == [1, 2] and list(table["status"]) == ["done", "done"]
    assert table["estimate (bits)"].notna().all() and "Permutation null" in set(table["mode"])
    assert len(dashboard.monitor.curves) == 4
    dashboard.history.select(1)
    assert dashboard.record.id == 1 and dashboard.card.record.id == 1 and dashboard.exports.record.id == 1
    assert len(dashboard.monitor.curves) == 1 and not dashboard.diagnostics.active
    dashboard.history.select(2)
    assert dashboard.diagnostics.shown == "permutation"


def test_upload_then_run_on_the_file(dashboard):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 2))
    text = "x1,x2,y1\n" + "\n".join(f"{a},{b},{a + 0.3 * c}" for (a, b), c in zip(x, rng.normal(size=200)))
    dashboard.data.source = FILE
    dashboard.data.upload.param.update(filename="pairs.csv", value=text.encode())
    assert dashboard.data.x_select.value == ["x1", "x2"] and dashboard.data.y_select.value == ["y1"]
    spec = dashboard.spec()
    assert spec.file == "pairs.csv" and spec.source is None
    dashboard.run()
    assert dashboard.wait(timeout=60) == "done"
    assert dashboard.record.result.true_mi is None and "true MI" not in dashboard.card.head.object
