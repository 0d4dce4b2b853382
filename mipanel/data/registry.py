"""Names for every data source and for a fixed menu of benchmark tasks.

`SOURCES` maps a short id to a configurable `DataSource` class (the app builds its
sliders from the class's parameters); `TASKS` maps a readable task id to a factory of
a preconfigured source, so scripts and tests can say "student-t-dof3-2-2" and get
exactly that task. A task's key equals the `task_id()` of the source it builds.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mipanel.data.digits import DigitsViews
from mipanel.data.gaussian import CorrelatedGaussian, LatentModel
from mipanel.data.shapes import ShapeTask
from mipanel.interface import DataSource

__all__ = ["SOURCES", "TASKS", "make_source"]

SOURCES: dict[str, type[DataSource]] = {
    "gaussian": CorrelatedGaussian,
    "latent": LatentModel,
    "shapes": ShapeTask,
    "digits": DigitsViews,
}

# (source id, settings) for each preconfigured task; the Beyond Normal selection
# (Czyz et al. 2023) plus the paper's latent benchmark and the digits views.
_TASK_SETTINGS: list[tuple[str, dict]] = [
    ("gaussian", {"dim": 1, "mi": 1.0}),
    ("gaussian", {"dim": 5, "mi": 2.0}),
    ("gaussian", {"dim": 20, "mi": 4.0}),
    ("latent", {"mapping": "linear"}),
    ("latent", {"mapping": "nonlinear"}),
    ("shapes", {"base": "sparse-gaussian", "dim": 1, "pair_correlation": 0.75}),
    ("shapes", {"base": "sparse-gaussian", "dim": 2}),
    ("shapes", {"base": "sparse-gaussian", "dim": 5}),
    ("shapes", {"base": "sparse-gaussian", "dim": 25}),
    ("shapes", {"base": "dense-gaussian", "dim": 2, "correlation": 0.5}),
    ("shapes", {"base": "dense-gaussian", "dim": 5, "correlation": 0.5}),
    ("shapes", {"base": "student-t", "dim": 1, "nu": 1}),
    ("shapes", {"base": "student-t", "dim": 2, "nu": 3}),
    ("shapes", {"base": "student-t", "dim": 3, "nu": 2}),
    ("shapes", {"base": "student-t", "dim": 5, "nu": 3}),
    ("shapes", {"base": "additive-noise", "epsilon": 0.1}),
    ("shapes", {"base": "additive-noise", "epsilon": 0.75}),
    ("shapes", {"base": "sparse-gaussian", "dim": 1, "pair_correlation": 0.75,
                "transform": "bimodal"}),
    ("shapes", {"base": "sparse-gaussian", "dim": 1, "pair_correlation": 0.75,
                "transform": "wiggly"}),
    ("shapes", {"base": "sparse-gaussian", "dim": 2, "transform": "half-cube"}),
    ("shapes", {"base": "sparse-gaussian", "dim": 5, "transform": "half-cube"}),
    ("shapes", {"base": "student-t", "dim": 1, "nu": 1, "transform": "asinh"}),
    ("shapes", {"base": "student-t", "dim": 2, "nu": 1, "transform": "asinh"}),
    ("shapes", {"base": "sparse-gaussian", "dim": 3, "transform": "normal-cdf"}),
    ("shapes", {"base": "sparse-gaussian", "dim": 5, "transform": "normal-cdf"}),
    ("shapes", {"base": "sparse-gaussian", "dim": 3, "transform": "spiral"}),
    ("shapes", {"base": "sparse-gaussian", "dim": 5, "transform": "spiral"}),
    ("shapes", {"base": "swiss-roll"}),
    ("digits", {"noise": 0.0}),
    ("digits", {"noise": 0.1}),
]


def _build(source_id: str, settings: dict) -> DataSource:
    return SOURCES[source_id](**settings)


TASKS: dict[str, Callable[[], DataSource]] = {
    _build(source_id, settings).task_id(): partial(_build, source_id, settings)
    for source_id, settings in _TASK_SETTINGS
}


def make_source(name: str, **settings) -> DataSource:
    """Build a source from a `SOURCES` id or a `TASKS` id, overriding any settings.

    Unknown names and unknown settings raise ValueError listing what is valid; values
    outside a parameter's bounds are refused by param itself.
    """
    if name in SOURCES:
        cls, source = SOURCES[name], None
    elif name in TASKS:
        source = TASKS[name]()
        cls = type(source)
    else:
        raise ValueError(
            f"Unknown data source {name!r}. Valid sources: {', '.join(SOURCES)}; valid "
            f"preconfigured tasks: {', '.join(TASKS)}."
        )
    valid = [p for p in cls.param if p != "name"]
    unknown = sorted(set(settings) - set(valid))
    if unknown:
        raise ValueError(
            f"{name!r} has no setting(s) {', '.join(unknown)}; valid settings are "
            f"{', '.join(valid)}."
        )
    if source is None:
        return cls(**settings)
    source.param.update(**settings)
    return source
