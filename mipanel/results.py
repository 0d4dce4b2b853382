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


class _Serialisable:
    """to_dict / to_json / save shared by every result kind."""

    kind: ClassVar[str] = ""

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["kind"] = self.kind
        d.update(self._derived())
        return _plain(d)

    def _derived(self) -> dict:
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


@dataclass
class Estimate(_Serialisable):
    """One MI estimate: a trained neural estimate (max-test) or a baseline (KSG, Gaussian)."""

    kind: ClassVar[str] = "estimate"

    method: str
    value_nats: float
    unit: str = "bits"
    train_value_nats: float | None = None
    test_value_nats: float | None = None
    best_epoch: int | None = None
    epochs_run: int | None = None
    ceiling_nats: float | None = None
    history: dict[str, list] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    device: str = "cpu"
    n_samples: int = 0
    n_train: int | None = None
    n_test: int | None = None
    dim_x: int = 0
    dim_y: int = 0
    true_mi_nats: float | None = None
    elapsed_s: float = 0.0
    stopped: bool = False
    versions: dict[str, str] = field(default_factory=library_versions)

    @property
    def value(self) -> float:
        return to_unit(self.value_nats, self.unit)

    @property
    def train_value(self) -> float | None:
        return to_unit(self.train_value_nats, self.unit)

    @property
    def test_value(self) -> float | None:
        return to_unit(self.test_value_nats, self.unit)

    @property
    def ceiling(self) -> float | None:
        return to_unit(self.ceiling_nats, self.unit)

    @property
    def true_mi(self) -> float | None:
        return to_unit(self.true_mi_nats, self.unit)

    def _derived(self) -> dict:
        return {"value": self.value, "train_value": self.train_value, "test_value": self.test_value,
                "ceiling": self.ceiling, "true_mi": self.true_mi}

    def summary(self) -> str:
        lines = [f"{self.method}: {self.value:.3f} {self.unit}"]
        if self.test_value is not None:
            lines[0] += f" (held-out {self.test_value:.3f}, best epoch {self.best_epoch}/{self.epochs_run})"
        if self.true_mi is not None:
            lines.append(f"true MI {self.true_mi:.3f} {self.unit}, error {self.value - self.true_mi:+.3f}")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


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
