"""Result objects: a number together with everything needed to judge it.

Values are stored in nats and shown in the result's `unit` (bits by default). Every
result round-trips through a plain dict / JSON (`to_dict`, `save`, `load_result`).
"""
from __future__ import annotations

import dataclasses
import json
import math
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .interface import to_unit


def library_versions() -> dict[str, str]:
    """Versions of the libraries a number depends on (for reproducibility)."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for name in ("mipanel", "numpy", "scipy", "torch", "scikit-learn"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def _plain(obj: Any) -> Any:
    """JSON-safe copy: numpy scalars/arrays to Python, non-finite floats to None."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _in_unit(raw: Any, unit: str) -> Any:
    """Convert a nats value, or a list/tuple of them, to `unit`."""
    if isinstance(raw, (list, tuple)):
        return type(raw)(_in_unit(v, unit) for v in raw)
    return to_unit(raw, unit)


@dataclass(kw_only=True)
class Result:
    """What every result carries besides its numbers: unit and provenance.

    Values are stored in fields ending in `_nats`; the same name without the suffix
    (`value`, `interval`, `true_mi`, ...) gives them in the result's `unit`.
    """

    kind: ClassVar[str] = ""

    unit: str = "bits"
    warnings: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    device: str = "cpu"
    n_samples: int = 0
    dim_x: int = 0
    dim_y: int = 0
    true_mi_nats: float | None = None
    elapsed_s: float = 0.0
    stopped: bool = False
    versions: dict[str, str] = field(default_factory=library_versions)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: `value` -> `value_nats` in `unit`.
        if name.startswith("_") or name.endswith("_nats"):
            raise AttributeError(name)
        try:
            raw = object.__getattribute__(self, name + "_nats")
        except AttributeError:
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}") from None
        return _in_unit(raw, self.unit)

    def unit_values(self) -> dict[str, Any]:
        """Every `*_nats` field in the result's unit, under its plain name."""
        return {f.name[:-5]: getattr(self, f.name[:-5]) for f in dataclasses.fields(self) if f.name.endswith("_nats")}

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["kind"] = self.kind
        d.update(self.unit_values())
        d.update(self._derived())
        return _plain(d)

    def _derived(self) -> dict:
        """Computed entries worth keeping in the JSON besides the unit views."""
        return {}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(self.to_json())
        return path

    @classmethod
    def from_dict(cls, d: dict):
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def in_unit(self, unit: str):
        """The same result, shown in another unit ('bits' or 'nats')."""
        to_unit(0.0, unit)  # validates
        return dataclasses.replace(self, unit=unit)

    def __str__(self) -> str:
        return self.summary()


@dataclass(kw_only=True)
class Estimate(Result):
    """One MI estimate: a trained neural estimate (max-test) or a baseline (KSG, Gaussian)."""

    kind: ClassVar[str] = "estimate"

    method: str
    value_nats: float
    train_value_nats: float | None = None
    test_value_nats: float | None = None
    best_epoch: int | None = None
    epochs_run: int | None = None
    ceiling_nats: float | None = None
    history: dict[str, list] = field(default_factory=dict)
    n_train: int | None = None
    n_test: int | None = None

    def summary(self) -> str:
        lines = [f"{self.method}: {self.value:.3f} {self.unit}"]
        if self.test_value is not None:
            lines[0] += f" (held-out {self.test_value:.3f}, best epoch {self.best_epoch}/{self.epochs_run})"
        if self.true_mi is not None:
            lines.append(f"true MI {self.true_mi:.3f} {self.unit}, error {self.value - self.true_mi:+.3f}")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


RESULT_KINDS: dict[str, type] = {"estimate": Estimate}


def register_result(cls: type) -> type:
    """Make a result kind known to `load_result`."""
    RESULT_KINDS[cls.kind] = cls
    return cls


def load_result(source):
    """Read a result back from a JSON file path, a JSON string or a dict."""
    if isinstance(source, dict):
        d = source
    else:
        text = str(source)
        if not text.lstrip().startswith("{"):
            text = Path(source).read_text()
        d = json.loads(text)
    kind = d.get("kind")
    if kind not in RESULT_KINDS:
        raise ValueError(f"not a mipanel result (kind={kind!r}); known kinds: {sorted(RESULT_KINDS)}")
    return RESULT_KINDS[kind].from_dict(d)
