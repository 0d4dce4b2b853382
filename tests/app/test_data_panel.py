"""Choosing data: generated source sliders, uploads, and clear messages for bad files."""
from __future__ import annotations

import io

import numpy as np
import pytest

from mipanel.app.data_panel import FILE, DataPanel, preview_points
from mipanel.data.registry import SOURCES


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _upload(panel: DataPanel, data: bytes, filename: str) -> None:
    """What the browser does: the file name arrives with the bytes."""
    panel.upload.param.update(filename=filename, value=data)


@pytest.fixture
def panel():
    p = DataPanel()
    p.sources["gaussian"].param.update(n_samples=200, dim=2)
    return p


def test_every_registered_source_is_offered_with_generated_sliders(panel):
    assert set(SOURCES) | {FILE} == set(panel.param.source.objects)
    assert "mp-source" in panel.source_select.css_classes
    for name, cls in SOURCES.items():
        panel.source = name
        form = panel.current_form
        assert panel.settings_area.objects == [form.layout]
        assert set(form.widgets) == {n for n in cls.param if n != "name"}


def test_changing_source_swaps_the_sliders_and_resamples(panel):
    first = panel.dataset
    assert first.dim_x == 2 and first.true_mi is not None
    panel.source = "shapes"
    form = panel.current_form
    assert panel.settings_area.objects == [form.layout]
    assert {"base", "transform", "nu"} <= set(form.widgets)
    assert panel.dataset is not first and panel.dataset.name.startswith(panel.current_source.task_id()[:6])
    form.widgets["dim"].value = 3
    assert panel.current_source.dim == 3 and panel.dataset.dim_x == 3
    panel.source = "gaussian"  # the earlier settings are kept
    assert panel.current_form.widgets["dim"].value == 2 and panel.dataset.dim_x == 2


def test_too_large_a_synthetic_set_is_refused_with_a_message(panel):
    panel.current_source.param.update(n_samples=200_000, dim=1000)
    assert panel.dataset is None and "million" in panel.error
    panel.current_source.param.update(n_samples=300, dim=2)
    assert panel.dataset is not None and panel.error == ""


def test_npz_upload_fills_the_selectors_with_the_suggestion(panel):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))
    _upload(panel, _npz(x=x, y=x[:, :2] + rng.normal(size=(100, 2)), other=rng.normal(size=(100, 1))), "pair.npz")
    assert panel.source == FILE and panel.error == ""
    assert set(panel.x_select.options) == {"x", "y", "other"}
    assert panel.x_select.value == ["x"] and panel.y_select.value == ["y"] and panel.x_select.max_items == 1
    assert panel.dataset.dim_x == 3 and panel.dataset.dim_y == 2 and panel.dataset.true_mi is None
    panel.y_select.value = ["other"]
    assert panel.dataset.dim_y == 1
    assert panel.spec_fields() == {"file": "pair.npz", "x": ["x"], "y": ["other"], "time_series": False}


def test_csv_upload_splits_the_numeric_columns(panel):
    text = "a,b,c,d,label\n" + "\n".join(f"{i},{i * 2 % 7},{i % 5},{i % 3},k{i % 2}" for i in range(40))
    _upload(panel, text.encode(), "table.csv")
    assert panel.x_select.options == ["a", "b", "c", "d"]
    assert panel.x_select.value == ["a", "b"] and panel.y_select.value == ["c", "d"]
    assert panel.dataset.n == 40
    panel.x_select.value = ["a"]
    assert panel.dataset.dim_x == 1


@pytest.mark.parametrize("data, filename, words", [
    (b"not an array", "bad.npy", "not a NumPy .npy file"),
    (b"hello", "notes.txt", ".txt"),
    (_npz(x=np.ones((50, 2)).cumsum(0), y=np.arange(40.0)), "short.npz", "rows"),
    (("a,b\n" + "\n".join(f"{i},{'nan' if i == 3 else i * i}" for i in range(30))).encode(), "gaps.csv", "NaN"),
])
def test_bad_files_give_the_loader_message_and_keep_the_previous_data(panel, data, filename, words):
    good = _npz(x=np.random.default_rng(1).normal(size=(60, 2)), y=np.random.default_rng(2).normal(size=(60, 2)))
    _upload(panel, good, "good.npz")
    before = panel.dataset
    assert before is not None and panel.error == ""
    _upload(panel, data, filename)
    assert words in panel.error
    if panel.file[1] == "good.npz":  # unreadable: the previous file stays loaded
        assert panel.dataset is before


def test_oversized_upload_is_refused(panel):
    panel.max_upload_bytes = 1000
    _upload(panel, _npz(x=np.zeros((500, 2)), y=np.zeros((500, 2))), "big.npz")
    assert "too large" in panel.error and panel.file is None


def test_preview_shows_leading_coordinates_or_principal_components(panel):
    a, b, xl, _ = preview_points(panel.dataset, "leading")
    assert np.allclose(a, panel.dataset.x[: len(a), 0]) or len(a) == 200
    pa, pb, pxl, _ = preview_points(panel.dataset, "pca")
    assert len(pa) == len(a) and "principal" in pxl
    panel.preview = "pca"
    assert panel.preview_pane.object is not None
    assert "true MI" in panel.summary.object
