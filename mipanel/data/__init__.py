"""Data for mipanel: validated loading of user files, and sources with known MI."""
from mipanel.data.digits import DigitsViews
from mipanel.data.gaussian import CorrelatedGaussian, LatentModel
from mipanel.data.loaders import (
    ACCEPTED_TYPES,
    DEFAULT_MAX_BYTES,
    FileContents,
    inspect_file,
    load_pair,
    save_pair,
)
from mipanel.data.registry import SOURCES, TASKS, make_source
from mipanel.data.shapes import BASES, TRANSFORMS, ShapeTask
from mipanel.data.validation import MIN_SAMPLES, DataError, validate_pair

__all__ = [
    "ACCEPTED_TYPES",
    "BASES",
    "DEFAULT_MAX_BYTES",
    "MIN_SAMPLES",
    "SOURCES",
    "TASKS",
    "TRANSFORMS",
    "CorrelatedGaussian",
    "DataError",
    "DigitsViews",
    "FileContents",
    "LatentModel",
    "ShapeTask",
    "inspect_file",
    "load_pair",
    "make_source",
    "save_pair",
    "validate_pair",
]
