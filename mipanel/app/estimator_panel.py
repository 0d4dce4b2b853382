"""The estimator and the analysis: which bound and critic, its hyperparameters, which mode.

The sliders come from `EstimatorSettings` (one declaration for the app, the API,
the CLI and saved specs), the analysis options from `RunOptions` below, so both
surfaces are generated, never listed by hand.
"""
from __future__ import annotations

import math

import panel as pn
import param

from mipanel.device import describe, resolve_device
from mipanel.settings import EstimatorSettings
from mipanel.spec import MODE_OPTIONS

from .controls import ParamForm

__all__ = ["ADVANCED_SETTINGS", "MAIN_SETTINGS", "EstimatorPanel", "RunOptions"]

#: Shown first: what defines the estimator and how hard it trains.
MAIN_SETTINGS = ["estimator", "critic", "kz", "hidden", "depth", "lr", "batch_size", "epochs", "beta", "tau"]

_LABELS = {
    "single": "Single estimate (max-test)",
    "rigorous": "Rigorous: bias-corrected ladder",
    "kz_sweep": "k_z sweep (plateau check)",
    "permutation": "Permutation null",
    "seed_spread": "Seed spread",
}
#: Menu label -> engine mode, for every mode the engine runs.
MODE_LABELS = {_LABELS.get(m, m): m for m in MODE_OPTIONS}


def _advanced() -> list[str]:
    return [n for n in EstimatorSettings.names() if n not in MAIN_SETTINGS]


#: In a collapsed card: everything else EstimatorSettings declares.
ADVANCED_SETTINGS = _advanced()


class RunOptions(param.Parameterized):
    """What to run with the estimator, and that analysis's own options."""

    mode = param.Selector(default="single", objects=MODE_LABELS,
                          doc="Single: one network, max-test. Rigorous: the subsampling ladder "
                              "(gamma = 1..max, one network per chunk) extrapolated to infinite data, "
                              "with an interval and a verdict. k_z sweep: does the estimate plateau as the "
                              "embedding grows? Permutation null: can the estimate be told from zero? "
                              "Seed spread: how much do repeats differ?")
    confidence = param.Number(default=0.68, bounds=(0.5, 0.99), doc="Confidence level of the rigorous interval.")
    max_gamma = param.Integer(default=10, bounds=(5, 20),
                              doc="Largest number of chunks gamma in the ladder (1..max; 10 trains 55 networks).")
    kz_max = param.Integer(default=64, bounds=(2, 512), softbounds=(2, 256),
                           doc="Largest k_z of the sweep (powers of two from 1).")
    n_permutations = param.Integer(default=19, bounds=(1, 199), softbounds=(1, 99),
                                   doc="Networks trained on re-paired data (19 resolves p down to 0.05).")
    repeats = param.Integer(default=5, bounds=(2, 20), doc="Repeats with other seeds and splits.")
    baselines = param.Boolean(default=True, doc="Also compute the KSG and Gaussian (CCA) baselines.")

    def mode_options(self) -> dict:
        """The engine's keyword options for the chosen mode (see mipanel.spec.MODE_OPTIONS)."""
        if self.mode == "rigorous":
            return {"gammas": list(range(1, self.max_gamma + 1)), "confidence": self.confidence}
        if self.mode == "kz_sweep":
            top = int(math.log2(self.kz_max))
            return {"kzs": [2 ** i for i in range(top + 1)]}
        if self.mode == "permutation":
            return {"n_permutations": self.n_permutations}
        if self.mode == "seed_spread":
            return {"repeats": self.repeats}
        return {}

    def networks(self) -> int:
        """How many networks the chosen analysis trains."""
        return {"single": 1, "rigorous": self.max_gamma * (self.max_gamma + 1) // 2,
                "kz_sweep": int(math.log2(self.kz_max)) + 1, "permutation": self.n_permutations + 1,
                "seed_spread": self.repeats}.get(self.mode, 1)


#: Which options belong to which mode (the rest are hidden).
OPTION_FIELDS = {"single": [], "rigorous": ["confidence", "max_gamma"], "kz_sweep": ["kz_max"],
                 "permutation": ["n_permutations"], "seed_spread": ["repeats"]}


class EstimatorPanel(pn.viewable.Viewer):
    """Estimator settings and analysis options, as generated widgets."""

    device_text = param.String(default="", doc="Where training runs, in words.")

    def __init__(self, settings: EstimatorSettings | None = None, options: RunOptions | None = None,
                 **params) -> None:
        super().__init__(**params)
        self.settings = settings or EstimatorSettings()
        self.options = options or RunOptions()
        self.main_form = ParamForm(self.settings, MAIN_SETTINGS)
        self.advanced_form = ParamForm(self.settings, ADVANCED_SETTINGS)
        self.options_form = ParamForm(self.options, ["mode", "confidence", "max_gamma", "kz_max", "n_permutations",
                                                     "repeats", "baselines"], css={"mode": "mp-mode"})
        self.widgets = {**self.main_form.widgets, **self.advanced_form.widgets}
        self._device = pn.pane.Markdown("", margin=(0, 10), styles={"font-size": "0.85em", "color": "#5b6577"},
                                        css_classes=["mp-device"])
        self._cost = pn.pane.Markdown("", margin=(0, 10), styles={"font-size": "0.85em", "color": "#5b6577"},
                                      css_classes=["mp-cost"])
        self.settings.param.watch(self._relevance, ["estimator", "critic"])
        self.settings.param.watch(self._update_device, ["device"])
        self.settings.param.watch(self._update_cost, ["epochs"])
        self.options.param.watch(self._on_mode, list(self.options.param))
        self._relevance()
        self._update_device()
        self._on_mode()

    def _relevance(self, *events) -> None:
        """Grey out settings the chosen estimator or critic does not use."""
        s, w = self.settings, self.widgets
        w["tau"].disabled = s.estimator != "smile"
        w["beta"].disabled = not s.probabilistic
        w["mine_alpha"].disabled = s.estimator != "mine"
        w["kz"].disabled = s.critic == "concat"

    def _update_device(self, *events) -> None:
        try:
            text = describe(resolve_device(self.settings.device))
        except ValueError as exc:
            text = f"not available: {exc}"
        self.device_text = text
        self._device.object = f"Training on **{text}**"

    def _on_mode(self, *events) -> None:
        fields = OPTION_FIELDS.get(self.options.mode, [])
        for name, widget in self.options_form.widgets.items():
            if name not in ("mode", "baselines"):
                widget.visible = name in fields
        self._update_cost()

    def _update_cost(self, *events) -> None:
        n = self.options.networks()
        self._cost.object = (f"{n} network{'s' if n > 1 else ''} × {self.settings.epochs} epochs"
                             + (" (trained as one stack)" if n > 1 else ""))

    def settings_view(self):
        advanced = pn.Card(self.advanced_form, title="Advanced settings", collapsed=True,
                           sizing_mode="stretch_width", margin=(5, 0))
        return pn.Column(self.main_form, advanced, self._device, sizing_mode="stretch_width", margin=0)

    def options_view(self):
        return pn.Column(self.options_form, self._cost, sizing_mode="stretch_width", margin=0)

    def __panel__(self):
        return pn.Column(self.settings_view(), self.options_view(), sizing_mode="stretch_width")
