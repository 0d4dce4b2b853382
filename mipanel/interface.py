"""The contracts every part of mipanel builds on.

A leaf module: it imports nothing else from the package, so nothing circular can
grow around it. Data sources, estimators and views all speak these types.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import param

NATS_PER_BIT = math.log(2.0)
UNITS = ("bits", "nats")


def to_unit(nats: float | None, unit: str) -> float | None:
    """Convert a value in nats to `unit` ('bits' or 'nats'); None stays None."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    if nats is None:
        return None
    return float(nats) / NATS_PER_BIT if unit == "bits" else float(nats)


def from_unit(value: float | None, unit: str) -> float | None:
    """Convert a value given in `unit` to nats; None stays None."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    if value is None:
        return None
    return float(value) * NATS_PER_BIT if unit == "bits" else float(value)


@dataclass(frozen=True)
class Dataset:
    """Paired samples (x[i], y[i]) with what is known about their MI.

    `true_mi` is the exact MI in nats when the data were synthesised, else None.
    `mi_upper_bound` (nats) is a known bound, e.g. a label entropy for real data.
    `time_series` says the rows are time-ordered (keep order when splitting).
    """

    x: np.ndarray
    y: np.ndarray
    name: str
    true_mi: float | None = None
    mi_upper_bound: float | None = None
    time_series: bool = False
    description: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def dim_x(self) -> int:
        return int(self.x.shape[1])

    @property
    def dim_y(self) -> int:
        return int(self.y.shape[1])


class DataSource(param.Parameterized):
    """A named, preconfigured generator of paired data with known MI.

    Subclasses declare their settings as bounded param parameters (the app builds
    its sliders from them) and implement `sample` and `mutual_information`.
    """

    __abstract = True

    n_samples = param.Integer(default=2000, bounds=(16, 200_000), softbounds=(64, 20_000),
                              doc="Number of paired samples N.")
    seed = param.Integer(default=0, bounds=(0, 2**31 - 1), doc="Random seed: same seed, same data.")

    #: A short label shown in menus.
    label = "data source"

    def mutual_information(self) -> float | None:
        """The exact MI I(X;Y) in nats, or None when unknown."""
        raise NotImplementedError

    def task_id(self) -> str:
        """A readable provenance string that names the source and its settings."""
        raise NotImplementedError

    def sample(self) -> Dataset:
        """Draw `n_samples` pairs with `seed`; the same settings give the same data."""
        raise NotImplementedError
