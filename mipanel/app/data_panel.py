"""The data: a synthetic source with known MI, or an uploaded file.

Every source in `mipanel.data.registry.SOURCES` appears in the menu, and its sliders
are generated from its own param declarations, so a new source needs no UI code.
An upload is inspected first (`inspect_file`), its arrays or columns fill the X and
Y selectors with the suggested split, and `load_pair` validates the choice. Any
problem becomes the `error` message (the loaders' DataError says what is wrong and
how to fix it); the rest of the app keeps working.
"""
from __future__ import annotations

import math

import holoviews as hv
import numpy as np
import panel as pn
import param

from mipanel.data.loaders import ACCEPTED_TYPES, DEFAULT_MAX_BYTES, FileContents, inspect_file, load_pair
from mipanel.data.registry import SOURCES
from mipanel.data.validation import DataError
from mipanel.interface import Dataset, DataSource

from .controls import ParamForm, widget_for
from .plots import COLORS  # also puts HoloViews on the Bokeh backend

__all__ = ["APP_MAX_VALUES", "FILE", "DataPanel", "preview_points"]

#: The source id that stands for an uploaded file.
FILE = "file"
#: Largest synthetic data set the app samples (N x (dim X + dim Y) values); the API has no such limit.
APP_MAX_VALUES = 40_000_000
#: Points drawn in the preview.
PREVIEW_POINTS = 1500

SOURCE_LABELS = {**{cls.label: name for name, cls in SOURCES.items()},
                 f"Upload a file ({', '.join(ACCEPTED_TYPES)})": FILE}


def _setting_names(source: DataSource) -> list[str]:
    """The source's own settings first, then the shared N and seed."""
    shared = [n for n in DataSource.param if n != "name"]
    own = [n for n in source.param if n != "name" and n not in shared]
    return own + shared


def _planned_values(source: DataSource) -> int:
    """Roughly how many numbers sampling will produce (to refuse sizes that would exhaust memory)."""
    dim = getattr(source, "dim", None) or 64
    return int(source.n_samples) * 2 * int(dim)


def preview_points(data: Dataset, view: str = "leading", limit: int = PREVIEW_POINTS, seed: int = 0):
    """(a, b, x label, y label) for the preview scatter: x[:,0] vs y[:,0], or first principal components."""
    n = data.n
    idx = np.random.default_rng(seed).choice(n, size=limit, replace=False) if n > limit else np.arange(n)
    x, y = np.asarray(data.x[idx], float), np.asarray(data.y[idx], float)
    if view == "pca":
        def first_pc(a):
            a = a - a.mean(axis=0)
            if a.shape[1] == 1:
                return a[:, 0]
            _, _, vt = np.linalg.svd(a, full_matrices=False)
            return a @ vt[0]
        return first_pc(x), first_pc(y), "X: first principal component", "Y: first principal component"
    return x[:, 0], y[:, 0], "x₀ (first coordinate of X)", "y₀ (first coordinate of Y)"


class DataPanel(pn.viewable.Viewer):
    """Choose the data; `dataset` holds the current validated Dataset (None when there is none)."""

    source = param.Selector(default="gaussian", objects=SOURCE_LABELS, label="Data",
                            doc="A synthetic source with known MI, or your own file.")
    dataset = param.Parameter(default=None, doc="The current Dataset, or None.")
    error = param.String(default="", doc="What is wrong with the data, in plain words ('' when nothing is).")
    preview = param.Selector(default="leading", objects={"Leading coordinates": "leading",
                                                         "First principal components": "pca"},
                             label="Preview", doc="What the preview scatter shows.")
    time_series = param.Boolean(default=False, label="Rows are time-ordered",
                                doc="Keep the file's row order when splitting (time series).")
    max_upload_bytes = param.Integer(default=DEFAULT_MAX_BYTES, bounds=(1, None),
                                     doc="Largest file accepted, in bytes.")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.sources: dict[str, DataSource] = {}
        self.forms: dict[str, ParamForm] = {}
        self.file: tuple[bytes, str, FileContents] | None = None
        self._file_dataset: Dataset | None = None
        self._choosing = False

        self.source_select = widget_for(self, "source", css_classes=["mp-source"], sizing_mode="stretch_width")
        self.settings_area = pn.Column(sizing_mode="stretch_width", margin=0)
        self.upload = pn.widgets.FileInput(accept=",".join(ACCEPTED_TYPES), multiple=False,
                                           css_classes=["mp-upload"], sizing_mode="stretch_width")
        self.x_select = pn.widgets.MultiChoice(label="X: arrays or columns", options=[], css_classes=["mp-x-select"],
                                               sizing_mode="stretch_width")
        self.y_select = pn.widgets.MultiChoice(label="Y: arrays or columns", options=[], css_classes=["mp-y-select"],
                                               sizing_mode="stretch_width")
        self._file_hint = pn.pane.Markdown(
            "Drop or choose a **.npy** (one table: pick column indices), **.npz** (pick one array each for X and "
            "Y), **.csv** or **.parquet** (pick columns). Rows are paired samples.",
            styles={"font-size": "0.85em", "color": "#5b6577"}, margin=(0, 10))
        self.file_area = pn.Column(self._file_hint, self.upload, self.x_select, self.y_select,
                                   widget_for(self, "time_series"), sizing_mode="stretch_width", margin=0,
                                   visible=False)
        self.summary = pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=["mp-data-summary"],
                                        margin=(0, 10), styles={"font-size": "0.9em"})
        self.preview_pane = pn.pane.HoloViews(None, sizing_mode="stretch_width", height=250,
                                              css_classes=["mp-data-preview"])
        self.preview_select = widget_for(self, "preview", sizing_mode="stretch_width")

        self.param.watch(self._on_source, "source")
        self.param.watch(lambda e: self._draw_preview(), "preview")
        self.param.watch(lambda e: self._load_file(), "time_series")
        self.upload.param.watch(self._on_upload, "value")
        self.x_select.param.watch(self._on_choice, "value")
        self.y_select.param.watch(self._on_choice, "value")
        self._on_source()

    # ------------------------------------------------------------------ sources
    @property
    def current_source(self) -> DataSource | None:
        """The selected synthetic source (None for a file)."""
        return None if self.source == FILE else self._source(self.source)

    def _source(self, name: str) -> DataSource:
        if name not in self.sources:
            src = self.sources[name] = SOURCES[name]()
            src.param.watch(lambda *events: self._sample(), _setting_names(src))
        return self.sources[name]

    @property
    def current_form(self) -> ParamForm | None:
        """The sliders shown for the selected source (None for a file)."""
        return None if self.source == FILE else self.form(self.source)

    def form(self, name: str) -> ParamForm:
        """The generated widgets of source `name` (built once and kept)."""
        if name not in self.forms:
            self.forms[name] = ParamForm(self._source(name), _setting_names(self._source(name)))
        return self.forms[name]

    def _on_source(self, *events) -> None:
        is_file = self.source == FILE
        self.file_area.visible = is_file
        if is_file:
            self.settings_area.objects = []
            self.param.update(dataset=self._file_dataset, error="")
            self._describe()
            self._draw_preview()
        else:
            self.settings_area.objects = [self.form(self.source).layout]
            self._sample()

    def _sample(self) -> None:
        src = self.current_source
        if src is None:
            return
        planned = _planned_values(src)
        if planned > APP_MAX_VALUES:
            self.param.update(dataset=None, error=(
                f"These settings would sample about {planned / 1e6:.0f} million numbers (N × (dim X + dim Y)), "
                f"more than the app's limit of {APP_MAX_VALUES / 1e6:.0f} million. Lower N or the dimension, "
                f"or run this size from the Python API or the CLI."))
        else:
            try:
                self.param.update(dataset=src.sample(), error="")
            except (DataError, ValueError) as exc:
                self.param.update(dataset=None, error=f"{src.label}: {exc}")
        self._describe()
        self._draw_preview()

    # ------------------------------------------------------------------ files
    def _on_upload(self, event) -> None:
        if event.new:
            self.load_bytes(event.new, self.upload.filename or "")

    def load_bytes(self, data: bytes, filename: str) -> bool:
        """Inspect an uploaded file and load its suggested X/Y; False (and `error`) if it is unusable.

        A file that cannot be read leaves the previous file, its data and every result as they were.
        """
        try:
            if not filename:
                raise DataError("The upload has no file name, so its type is unknown; upload it again.")
            contents = inspect_file(data, filename, max_bytes=self.max_upload_bytes)
        except DataError as exc:
            self.error = str(exc)
            return False
        self.file = (data, filename, contents)
        options = list(contents.numeric or contents.names)
        single = filename.lower().endswith(".npz")
        self._choosing = True
        try:
            for widget, value in ((self.x_select, contents.suggested_x), (self.y_select, contents.suggested_y)):
                widget.param.update(options=options, value=[v for v in value if v in options],
                                    max_items=1 if single else None)
        finally:
            self._choosing = False
        if self.source != FILE:
            self.source = FILE  # triggers _on_source, which shows the file's data
        return self._load_file()

    def _on_choice(self, event) -> None:
        if not self._choosing:
            self._load_file()

    def _load_file(self) -> bool:
        if self.file is None:
            return False
        data, filename, _ = self.file
        try:
            ds = load_pair(data, filename, x=list(self.x_select.value) or None, y=list(self.y_select.value) or None,
                           time_series=self.time_series, max_bytes=self.max_upload_bytes)
        except DataError as exc:
            self._file_dataset = None
            if self.source == FILE:
                self.param.update(dataset=None, error=str(exc))
                self._draw_preview()
            self._describe()
            return False
        self._file_dataset = ds
        if self.source == FILE:
            self.param.update(dataset=ds, error="")
            self._describe()
            self._draw_preview()
        return True

    # ------------------------------------------------------------------ provenance
    def spec_fields(self) -> dict:
        """The data part of a RunSpec: a source with its settings, or a file with its X/Y choice."""
        src = self.current_source
        if src is not None:
            return {"source": self.source,
                    "source_settings": {n: getattr(src, n) for n in _setting_names(src)}}
        ds = self.dataset
        meta = ds.meta if ds is not None else {}
        return {"file": meta.get("filename") or (self.file[1] if self.file else None),
                "x": list(meta.get("x", self.x_select.value)), "y": list(meta.get("y", self.y_select.value)),
                "time_series": bool(self.time_series)}

    # ------------------------------------------------------------------ views
    def _describe(self) -> None:
        ds = self.dataset
        if ds is None:
            if self.source == FILE and self.file is None:
                self.summary.object = "No file yet: upload one above."
            else:
                self.summary.object = "No usable data: see the message above the results."
            return
        truth = (f"true MI **{ds.true_mi / math.log(2):.3f} bits**" if ds.true_mi is not None else
                 f"true MI unknown, at most {ds.mi_upper_bound / math.log(2):.3f} bits"
                 if ds.mi_upper_bound is not None else "true MI unknown")
        series = " · time-ordered" if ds.time_series else ""
        self.summary.object = (f"**{ds.name}**  \nN = {ds.n:,} · X: {ds.dim_x} dims · Y: {ds.dim_y} dims · "
                               f"{truth}{series}")

    def _draw_preview(self) -> None:
        ds = self.dataset
        if ds is None:
            self.preview_pane.object = None
            return
        a, b, xl, yl = preview_points(ds, self.preview)
        self.preview_pane.object = hv.Scatter((a, b), hv.Dimension("a", label=xl), hv.Dimension("b", label=yl)).opts(
            size=3, alpha=0.35, color=COLORS["smoothed"], responsive=True, height=250, tools=["hover"], toolbar=None,
            title=f"{len(a):,} of {ds.n:,} pairs", fontsize={"title": "9pt", "labels": "8pt", "ticks": "7pt"})

    def __panel__(self):
        return pn.Column(self.source_select, self.settings_area, self.file_area, self.summary, self.preview_select,
                         self.preview_pane, sizing_mode="stretch_width", margin=0)
