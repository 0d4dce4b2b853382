"""Widgets are generated from param declarations, and stay linked to them."""
from __future__ import annotations

import math

import panel as pn
import param
import pytest

from mipanel.app.controls import ParamForm, is_log_scale, log_slider_value, widget_for
from mipanel.app.estimator_panel import ADVANCED_SETTINGS, MAIN_SETTINGS, EstimatorPanel
from mipanel.data.registry import SOURCES
from mipanel.settings import EstimatorSettings


def _check_matches(obj: param.Parameterized, name: str, widget) -> None:
    p = obj.param[name]
    value = getattr(obj, name)
    if isinstance(p, param.Boolean):
        assert isinstance(widget, pn.widgets.Checkbox) and widget.value == value
    elif isinstance(p, param.Selector):
        assert isinstance(widget, pn.widgets.Select)
        assert list(widget.values) == list(p.objects) and widget.value == value
    elif isinstance(p, param.Integer):
        lo, hi = p.bounds
        slo, shi = p.get_soft_bounds()
        if isinstance(widget, pn.widgets.EditableIntSlider):
            assert (widget.start, widget.end) == (min(slo, value), max(shi, value))
            assert (widget.fixed_start, widget.fixed_end) == (lo, hi)
        else:  # a seed: a plain number input with the hard bounds
            assert isinstance(widget, pn.widgets.IntInput) and (widget.start, widget.end) == (lo, hi)
        assert widget.value == value
    elif is_log_scale(p):
        assert isinstance(widget, pn.widgets.FloatSlider)
        assert widget.value == pytest.approx(math.log10(value))
        slo, shi = p.get_soft_bounds()
        assert widget.start == pytest.approx(math.log10(min(slo, value)))
        assert widget.end == pytest.approx(math.log10(max(shi, value)))
    else:
        assert isinstance(widget, pn.widgets.EditableFloatSlider)
        assert (widget.fixed_start, widget.fixed_end) == tuple(p.bounds)
        assert widget.value == pytest.approx(value)


def test_estimator_sliders_match_settings_declarations():
    panel = EstimatorPanel()
    assert set(panel.widgets) == set(MAIN_SETTINGS) | set(ADVANCED_SETTINGS) == set(EstimatorSettings.names())
    for name, widget in panel.widgets.items():
        _check_matches(panel.settings, name, widget)
    assert is_log_scale(EstimatorSettings.param.lr) and is_log_scale(EstimatorSettings.param.beta)
    assert not is_log_scale(EstimatorSettings.param.tau)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_source_sliders_match_source_declarations(source):
    obj = SOURCES[source]()
    form = ParamForm(obj)
    assert set(form.widgets) == {n for n in obj.param if n != "name"}
    for name, widget in form.widgets.items():
        _check_matches(obj, name, widget)


def test_widgets_and_params_stay_linked():
    s = EstimatorSettings()
    kz, lr, critic = widget_for(s, "kz"), widget_for(s, "lr"), widget_for(s, "critic")
    kz.value = 17
    assert s.kz == 17
    s.kz = 33
    assert kz.value == 33
    lr.value = -3.0  # log10 position
    assert s.lr == pytest.approx(1e-3)
    s.lr = 2e-4
    assert lr.value == pytest.approx(math.log10(2e-4))
    critic.value = "vsib-bilinear"
    assert s.critic == "vsib-bilinear"


def test_log_slider_rounds_to_two_digits_and_respects_bounds():
    assert log_slider_value(math.log10(5e-4)) == 5e-4
    s = EstimatorSettings()
    lr = widget_for(s, "lr")
    lr.value = 3.0  # 1000, far above the bound 0.1
    assert s.lr == EstimatorSettings.param.lr.bounds[1]


def test_estimator_panel_greys_out_unused_settings_and_shows_mode_options():
    panel = EstimatorPanel()
    assert panel.widgets["tau"].disabled and panel.widgets["beta"].disabled
    panel.settings.estimator = "smile"
    panel.settings.critic = "vsib-separable"
    assert not panel.widgets["tau"].disabled and not panel.widgets["beta"].disabled
    panel.options.mode = "rigorous"
    assert panel.options_form.widgets["confidence"].visible and not panel.options_form.widgets["kz_max"].visible
    assert panel.options.mode_options() == {"gammas": list(range(1, 11)), "confidence": 0.68}
    panel.options.mode = "kz_sweep"
    assert panel.options.mode_options() == {"kzs": [1, 2, 4, 8, 16, 32, 64]}
    assert "mp-mode" in panel.options_form.widgets["mode"].css_classes
    assert panel.device_text.startswith(("cpu", "cuda", "mps"))
