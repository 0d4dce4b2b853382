"""Checks that turn user-supplied arrays into clean (n_samples, n_features) float64 pairs.

Every estimator in mipanel assumes finite, numeric, two-dimensional, non-constant,
equally long X and Y. When an input breaks one of those assumptions the user should
learn what is wrong and how to fix it before any training starts, so each rule
raises a `DataError` whose message names the problem and the remedy in plain words.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["DataError", "MIN_SAMPLES", "validate_pair"]

#: Fewest paired samples accepted: below this no estimator (neural or k-NN) says
#: anything meaningful, and the train/held-out split would leave almost nothing.
MIN_SAMPLES = 16


class DataError(ValueError):
    """Input data that mipanel cannot use; the message says why and how to fix it."""


def _describe_labels(labels: Sequence[str], limit: int = 8) -> str:
    """Join column labels for a message, abbreviating long lists."""
    labels = [str(label) for label in labels]
    if len(labels) <= limit:
        return ", ".join(labels)
    return ", ".join(labels[:limit]) + f", ... ({len(labels)} in all)"


def _column_labels(value, n_columns: int) -> list[str]:
    """Column names when the input carries them (pandas), else positional indices."""
    columns = getattr(value, "columns", None)
    if columns is not None and len(columns) == n_columns:
        return [str(c) for c in columns]
    name = getattr(value, "name", None)
    if name is not None and n_columns == 1 and getattr(value, "ndim", 0) == 1:
        return [str(name)]
    return [str(i) for i in range(n_columns)]


def _column_is_numeric(column) -> bool:
    """Whether a 1-D column converts to real float64 without loss of meaning."""
    column = np.asarray(column)
    if column.dtype.kind in "biuf":
        return True
    if column.dtype.kind in "cmM":
        return False
    try:
        column.astype(np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _non_numeric_columns(value, arr: np.ndarray) -> list[str]:
    """Labels of the columns that cannot be read as real numbers."""
    if hasattr(value, "columns") and hasattr(value, "dtypes"):
        return [str(col) for col in value.columns if not _column_is_numeric(value[col])]
    if arr.ndim == 1:
        return [] if _column_is_numeric(arr) else _column_labels(value, 1)
    labels = _column_labels(value, arr.shape[1])
    return [labels[j] for j in range(arr.shape[1]) if not _column_is_numeric(arr[:, j])]


def _to_float_2d(value, name: str, min_samples: int) -> tuple[np.ndarray, list[str]]:
    """Convert one variable to a float64 (n, d) array, applying the shape and type rules."""
    if value is None:
        raise DataError(f"{name} is missing (got None); pass an array of shape (n_samples, n_features).")
    try:
        arr = np.asarray(value)
    except ValueError as exc:
        raise DataError(
            f"{name} could not be read as a table of numbers: its rows have different "
            f"lengths. Give every sample the same number of features, as an array of "
            f"shape (n_samples, n_features)."
        ) from exc
    if arr.ndim == 0:
        raise DataError(
            f"{name} is a single value, not an array of samples; pass an array of shape "
            f"(n_samples,) or (n_samples, n_features)."
        )
    if arr.size == 0:
        raise DataError(
            f"{name} is empty (shape {arr.shape}); it needs at least {min_samples} samples "
            f"with at least one feature each."
        )
    if arr.ndim > 2:
        flat = int(np.prod(arr.shape[1:]))
        raise DataError(
            f"{name} has {arr.ndim} dimensions (shape {arr.shape}), but samples must be rows "
            f"of a 2-D table. Reshape it to (n_samples, n_features), e.g. "
            f"{name.lower()}.reshape({arr.shape[0]}, {flat}) to flatten each sample."
        )
    if arr.dtype.kind not in "biuf":
        bad = _non_numeric_columns(value, arr)
        if bad:
            raise DataError(
                f"{name} has non-numeric values in column(s) {_describe_labels(bad)}; every "
                f"feature must be a real number. Convert those columns to numbers (e.g. encode "
                f"categories) or drop them before estimating MI."
            )
    if hasattr(value, "to_numpy"):
        # pandas nullable columns hold pd.NA, which only to_numpy maps to NaN.
        arr = np.asarray(value.to_numpy(dtype=np.float64, na_value=np.nan))
    else:
        arr = arr.astype(np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    labels = _column_labels(value, arr.shape[1])
    return arr, labels


def validate_pair(
    x,
    y,
    *,
    min_samples: int = MIN_SAMPLES,
    names: tuple[str, str] = ("X", "Y"),
) -> tuple[np.ndarray, np.ndarray]:
    """Return `x` and `y` as float64 arrays of shape (n, d), or raise `DataError`.

    Accepts anything array-like (lists, numpy arrays, pandas Series/DataFrames);
    a 1-D input is one feature, i.e. shape (n, 1). Rules, each with its own message:
    missing/empty input, wrong dimensionality, non-numeric values, length mismatch,
    too few samples, NaN or infinite values, and constant columns.
    """
    name_x, name_y = names
    xa, labels_x = _to_float_2d(x, name_x, min_samples)
    ya, labels_y = _to_float_2d(y, name_y, min_samples)

    if xa.shape[0] != ya.shape[0]:
        raise DataError(
            f"{name_x} and {name_y} must have one row per paired sample, but {name_x} has "
            f"{xa.shape[0]} rows and {name_y} has {ya.shape[0]}. Make sure row i of {name_x} "
            f"and row i of {name_y} come from the same sample, then trim both to the same length."
        )
    n = xa.shape[0]
    if n < min_samples:
        raise DataError(
            f"Only {n} paired samples; at least {min_samples} are needed to estimate mutual "
            f"information. Provide more samples."
        )
    for arr, name in ((xa, name_x), (ya, name_y)):
        bad_rows = ~np.isfinite(arr).all(axis=1)
        n_bad = int(bad_rows.sum())
        if n_bad:
            raise DataError(
                f"{name} has NaN or infinite values in {n_bad} of {n} rows. Drop those rows "
                f"(from both {name_x} and {name_y}, to keep the pairs aligned) or impute the "
                f"missing values before estimating MI."
            )
    for arr, name, labels in ((xa, name_x, labels_x), (ya, name_y, labels_y)):
        constant = np.flatnonzero((arr == arr[0]).all(axis=0))
        if constant.size:
            which = _describe_labels([labels[j] for j in constant])
            raise DataError(
                f"{name} has constant column(s) {which} (every row holds the same value), "
                f"so they carry no information and break standardisation. Remove those "
                f"columns."
            )
    return xa, ya
