"""Widgets generated from param declarations.

Nothing here knows about data sources or estimators: a parameter's type, bounds,
soft bounds and doc string decide its widget, so a new setting declared anywhere in
the engine appears in the app with no UI code.

- Selector: a Select (dict objects give labelled options);
- Boolean: a Checkbox;
- Integer with a usable range: an EditableIntSlider spanning the soft bounds, which
  accepts typed values up to the hard bounds; a huge range (a seed): an IntInput;
- Number whose bounds span at least three decades (a learning rate, a weight): a
  slider over log10 of the value, labelled in the value itself;
- other Number: an EditableFloatSlider like the integer one.

Each widget is linked both ways to its parameter, and the parameter's doc string
becomes the widget's tooltip.
"""
from __future__ import annotations

import math

import panel as pn
import param
from bokeh.models import CustomJSTickFormatter

__all__ = ["LOG_DECADES", "ParamForm", "is_log_scale", "log_slider_value", "widget_for", "with_help"]

#: A Number whose (positive) bounds span this many decades or more gets a log slider.
LOG_DECADES = 3.0
#: An Integer range wider than this is a free number (a seed), not a slider.
MAX_SLIDER_SPAN = 1_000_000
#: Steps per decade of a log slider.
LOG_STEPS_PER_DECADE = 20


def _bounds(p: param.Parameter) -> tuple:
    return tuple(p.bounds) if p.bounds is not None else (None, None)


def _soft_bounds(p: param.Parameter) -> tuple:
    lo, hi = p.get_soft_bounds()
    return lo, hi


def is_log_scale(p: param.Parameter) -> bool:
    """Whether a Number parameter is best moved on a log scale (its bounds span decades)."""
    if not isinstance(p, param.Number) or isinstance(p, param.Integer):
        return False
    lo, hi = _bounds(p)
    return lo is not None and hi is not None and lo > 0 and math.log10(hi / lo) >= LOG_DECADES


def log_slider_value(x: float) -> float:
    """The value a log slider position stands for, rounded to two significant digits."""
    return float(f"{10.0 ** x:.2g}")


def _nice_step(lo: float, hi: float) -> float:
    raw = (hi - lo) / 200.0
    if raw <= 0:
        return 0.01
    exponent = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * 10 ** exponent:
            return m * 10 ** exponent
    return 10 ** (exponent + 1)


class _Link:
    """Two-way link between a widget's value and a parameter, with optional transforms."""

    def __init__(self, widget, obj: param.Parameterized, name: str, to_param=None, to_widget=None) -> None:
        self.widget, self.obj, self.name = widget, obj, name
        self.to_param = to_param or (lambda v: v)
        self.to_widget = to_widget or (lambda v: v)
        widget.param.watch(self._push, "value")
        obj.param.watch(self._pull, name)

    def _push(self, event) -> None:
        try:
            value = self.to_param(event.new)
            if value != getattr(self.obj, self.name):
                setattr(self.obj, self.name, value)
        except (ValueError, TypeError):  # out of bounds: show the value that stands
            self._pull()

    def _pull(self, event=None) -> None:
        value = self.to_widget(getattr(self.obj, self.name))
        if self.widget.value != value:
            self.widget.value = value


def _log_widget(obj, name: str, p: param.Number, label: str, **kwargs):
    lo, hi = _bounds(p)
    slo, shi = _soft_bounds(p)
    slo = slo if slo and slo > 0 else lo
    shi = shi if shi else hi
    value = getattr(obj, name)
    start = math.log10(min(slo, value))
    end = math.log10(max(shi, value))
    formatter = CustomJSTickFormatter(code="return Number(Math.pow(10, tick).toPrecision(2)).toExponential();")
    widget = pn.widgets.FloatSlider(
        label=f"{label} (log scale)", start=start, end=end, step=1.0 / LOG_STEPS_PER_DECADE,
        value=math.log10(value), format=formatter, **kwargs)

    def to_widget(v: float) -> float:
        x = math.log10(v)
        if x < widget.start:
            widget.start = x
        if x > widget.end:
            widget.end = x
        return x

    def to_param(x: float) -> float:
        return min(max(log_slider_value(x), lo), hi)

    return widget, to_param, to_widget


def widget_for(obj: param.Parameterized, name: str, **kwargs) -> pn.widgets.Widget:
    """A widget for `obj.param[name]`, chosen from its type and bounds, linked both ways."""
    p = obj.param[name]
    label = kwargs.pop("name", None) or p.label
    kwargs.setdefault("description", p.doc)
    value = getattr(obj, name)
    description = kwargs.pop("description")
    to_param = to_widget = None
    if isinstance(p, param.Boolean):
        widget = pn.widgets.Checkbox(label=label, value=bool(value), **kwargs)
    elif isinstance(p, param.Selector):
        options = dict(p.names) if p.names else list(p.objects)
        widget = pn.widgets.Select(label=label, options=options, value=value, **kwargs)
    elif isinstance(p, param.Integer):
        lo, hi = _bounds(p)
        slo, shi = _soft_bounds(p)
        if slo is None or shi is None or shi - slo > MAX_SLIDER_SPAN:
            widget = pn.widgets.IntInput(label=label, value=value, start=lo, end=hi, **kwargs)
        else:
            widget = pn.widgets.EditableIntSlider(
                label=label, start=min(slo, value), end=max(shi, value), fixed_start=lo, fixed_end=hi,
                step=1, value=value, **kwargs)
    elif is_log_scale(p):
        widget, to_param, to_widget = _log_widget(obj, name, p, label, **kwargs)
    elif isinstance(p, param.Number):
        lo, hi = _bounds(p)
        slo, shi = _soft_bounds(p)
        if slo is None or shi is None:
            widget = pn.widgets.FloatInput(label=label, value=value, start=lo, end=hi, **kwargs)
        else:
            widget = pn.widgets.EditableFloatSlider(
                label=label, start=min(slo, value), end=max(shi, value), fixed_start=lo, fixed_end=hi,
                step=_nice_step(slo, shi), value=value, **kwargs)
    else:
        widget = pn.widgets.TextInput(label=label, value=str(value), **kwargs)
        to_param = type(value) if value is not None else None
        to_widget = str
    if description and "description" in widget.param:
        widget.description = description
    widget._mp_link = _Link(widget, obj, name, to_param, to_widget)
    return widget


def with_help(widget, doc: str | None):
    """The widget, with a tooltip icon holding `doc` when the widget cannot show one itself."""
    if not doc or "description" in widget.param:
        return widget
    return pn.Row(widget, pn.widgets.TooltipIcon(value=doc, width=20, margin=(28, 5, 0, 0)),
                  sizing_mode="stretch_width", margin=0, visible=widget.param.visible)


class ParamForm(pn.viewable.Viewer):
    """A column of widgets generated for some parameters of one Parameterized object.

    `widgets` maps each parameter name to its widget; `css` adds CSS classes to
    chosen widgets (stable hooks for browser tests), `overrides` passes keyword
    arguments to chosen widgets.
    """

    def __init__(self, obj: param.Parameterized, names=None, *, css: dict | None = None,
                 overrides: dict | None = None, **params) -> None:
        super().__init__(**params)
        self.obj = obj
        if names is None:
            names = [n for n in obj.param if n != "name"
                     and (obj.param[n].precedence is None or obj.param[n].precedence >= 0)]
        self.names = [n for n in names if n != "name"]
        css, overrides = css or {}, overrides or {}
        self.widgets: dict[str, pn.widgets.Widget] = {}
        for n in self.names:
            kw = dict(overrides.get(n, {}))
            kw.setdefault("sizing_mode", "stretch_width")
            if n in css:
                kw["css_classes"] = [css[n]] if isinstance(css[n], str) else list(css[n])
            self.widgets[n] = widget_for(obj, n, **kw)
        self.layout = pn.Column(*(with_help(w, obj.param[n].doc) for n, w in self.widgets.items()),
                                 sizing_mode="stretch_width", margin=0)

    def __panel__(self):
        return self.layout
