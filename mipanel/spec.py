"""A run as plain data: which data, which analysis, which settings.

The app exports one, the CLI and the API run one, so any run can be shared and
reproduced: `RunSpec.load("spec.json").run()` gives the same numbers as the app.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from .control import RunControl
from .data.loaders import load_pair
from .data.registry import make_source
from .interface import Dataset
from .settings import EstimatorSettings

MODES = ("single", "rigorous", "kz_sweep", "permutation", "seed_spread")
#: Options each mode accepts besides the estimator settings.
MODE_OPTIONS = {
    "single": (),
    "rigorous": ("gammas", "confidence"),
    "kz_sweep": ("kzs",),
    "permutation": ("n_permutations",),
    "seed_spread": ("repeats",),
}


@dataclass
class RunSpec:
    """Data (a registered source with its settings, or a file with its X/Y choice),
    the analysis `mode`, its `options`, and the estimator `settings`."""

    mode: str = "single"
    source: str | None = None
    source_settings: dict[str, Any] = field(default_factory=dict)
    file: str | None = None
    x: Any = None
    y: Any = None
    time_series: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    unit: str = "bits"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; choose one of {MODES}")
        if (self.source is None) == (self.file is None):
            raise ValueError("a run spec names exactly one data origin: 'source' (synthetic) or 'file'")
        bad = sorted(set(self.options) - set(MODE_OPTIONS[self.mode]))
        if bad:
            raise ValueError(f"options {bad} do not apply to mode {self.mode!r}; it accepts {MODE_OPTIONS[self.mode]}")
        EstimatorSettings.from_dict(self.settings)  # validates names and bounds now, not mid-run

    def dataset(self) -> Dataset:
        if self.source is not None:
            return make_source(self.source, **self.source_settings).sample()
        return load_pair(self.file, x=self.x, y=self.y, time_series=self.time_series)

    def run(self, *, data: Dataset | None = None, callback: Callable | None = None,
            control: RunControl | None = None):
        """Run the analysis; `data` skips loading when the caller already has it."""
        from . import api, diagnostics, protocol

        data = data if data is not None else self.dataset()
        settings = dict(self.settings)
        if data.time_series:
            settings["time_series"] = True
        fn = {"single": api.estimate, "rigorous": protocol.rigorous, "kz_sweep": diagnostics.sweep_kz,
              "permutation": diagnostics.permutation_test, "seed_spread": diagnostics.seed_spread}[self.mode]
        return fn(data, unit=self.unit, settings=settings, callback=callback, control=control, **self.options)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "RunSpec":
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown spec field(s) {unknown}; a spec has {sorted(known)}")
        return cls(**d)

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2))
        return path

    @classmethod
    def load(cls, path) -> "RunSpec":
        return cls.from_dict(json.loads(Path(path).read_text()))
