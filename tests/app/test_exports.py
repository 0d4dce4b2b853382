"""Downloads parse back: the result JSON, the per-network CSV, the plots HTML, the spec."""
from __future__ import annotations

import csv
import io
import json

import pytest

import mipanel
from mipanel import load_result
from mipanel.app.dashboard import Dashboard
from mipanel.app.exports import plots_html, result_json, spec_json, table_csv
from mipanel.data.registry import make_source
from mipanel.spec import RunSpec

from .conftest import TINY


@pytest.fixture(scope="module")
def finished():
    dash = Dashboard(query=TINY, sync_url=False)
    dash.run()
    dash.wait(timeout=60)
    dash.options.mode = "rigorous"
    dash.run()
    dash.wait(timeout=90)
    return dash


def test_result_json_loads_back(finished):
    for record in finished.history.records:
        text = result_json(record)
        back = load_result(json.loads(text))
        assert back.kind == record.result.kind and back.value == pytest.approx(record.result.value)


def test_chunk_csv_has_one_row_per_network(finished):
    rigorous = finished.history.records[1].result
    rows = list(csv.DictReader(io.StringIO(table_csv(rigorous))))
    assert len(rows) == 55 and {"gamma", "chunk", "value", "ceiling", "used"} <= set(rows[0])
    assert float(rows[0]["value"]) == pytest.approx(rigorous.chunk_table()[0]["value"])
    single = finished.history.records[0].result
    epochs = list(csv.DictReader(io.StringIO(table_csv(single))))
    assert [int(r["epoch"]) for r in epochs] == [1, 2, 3, 4]


def test_plots_html_is_a_standalone_page(finished):
    page = plots_html(finished.history.records[1], resources="cdn")
    assert page.lstrip().lower().startswith("<!doctype html") and "Bokeh" in page and "</html>" in page
    assert "ladder" in page.lower() or "gamma" in page.lower()


def test_spec_reproduces_the_run(finished):
    record = finished.history.records[0]
    spec = RunSpec.from_dict(json.loads(spec_json(record)))
    assert spec.source == "gaussian" and spec.mode == "single" and spec.settings["kz"] == 8
    again = spec.run()
    assert again.value == pytest.approx(record.result.value, rel=1e-4, abs=1e-6)


def test_download_buttons_follow_the_shown_run(finished):
    exports = finished.exports
    assert exports.record is finished.history.records[1]
    assert not any(b.disabled for b in exports.buttons)
    assert exports.table_button.filename.endswith("-chunks.csv") and "rigorous" in exports.result_button.filename
    assert json.loads(exports._result().getvalue())["kind"] == "rigorous"
    finished.history.select(1)
    assert exports.table_button.filename.endswith("-networks.csv")


@pytest.mark.parametrize("run, column", [
    (lambda ds, kw: mipanel.sweep_kz(ds, kzs=(1, 4), **kw), "kz"),
    (lambda ds, kw: mipanel.permutation_test(ds, n_permutations=2, **kw), "network"),
    (lambda ds, kw: mipanel.seed_spread(ds, repeats=2, **kw), "repeat"),
])
def test_every_result_kind_has_a_table(run, column):
    ds = make_source("gaussian", n_samples=128, dim=1, mi=1.0).sample()
    result = run(ds, dict(epochs=2, hidden=8, kz=4, depth=1, batch_size=32))
    rows = list(csv.DictReader(io.StringIO(table_csv(result))))
    assert rows and column in rows[0] and all(r["value"] not in ("", "None") for r in rows)
