"""Every validation rule raises a DataError whose message names the problem and the fix."""
import numpy as np
import pandas as pd
import pytest

from mipanel.data import MIN_SAMPLES, DataError, validate_pair


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_accepts_lists_pandas_and_1d(rng):
    x = list(rng.normal(size=20))
    y = pd.DataFrame({"a": rng.normal(size=20), "b": rng.integers(0, 5, size=20)})
    xa, ya = validate_pair(x, y)
    assert xa.shape == (20, 1) and ya.shape == (20, 2)
    assert xa.dtype == np.float64 and ya.dtype == np.float64
    np.testing.assert_array_equal(xa[:, 0], x)


def test_accepts_pandas_series_and_booleans(rng):
    x = pd.Series(rng.normal(size=20), name="signal")
    y = np.arange(20) % 2 == 0
    xa, ya = validate_pair(x, y)
    assert xa.shape == (20, 1) and ya.dtype == np.float64


def test_length_mismatch_says_both_lengths(rng):
    with pytest.raises(DataError, match=r"X has 20 rows and Y has 19.*trim both to the same length"):
        validate_pair(rng.normal(size=(20, 2)), rng.normal(size=19))


def test_too_few_samples_says_count_and_minimum(rng):
    with pytest.raises(DataError, match=rf"Only 5 paired samples; at least {MIN_SAMPLES} are needed"):
        validate_pair(rng.normal(size=5), rng.normal(size=5))


def test_min_samples_and_names_are_configurable(rng):
    with pytest.raises(DataError, match=r"Only 20 paired samples; at least 50"):
        validate_pair(rng.normal(size=20), rng.normal(size=20), min_samples=50)
    with pytest.raises(DataError, match=r"^images has NaN"):
        validate_pair([np.nan] + [1.0] * 19, rng.normal(size=20), names=("images", "labels"))


def test_nan_says_rows_variable_and_fix(rng):
    x = rng.normal(size=(20, 3))
    x[[2, 7], 1] = np.nan
    with pytest.raises(DataError, match=r"X has NaN or infinite values in 2 of 20 rows\. Drop those rows.*or impute"):
        validate_pair(x, rng.normal(size=20))


def test_inf_in_y_is_reported_for_y(rng):
    y = rng.normal(size=20)
    y[4] = np.inf
    with pytest.raises(DataError, match=r"Y has NaN or infinite values in 1 of 20 rows"):
        validate_pair(rng.normal(size=20), y)


def test_non_numeric_names_the_column(rng):
    frame = pd.DataFrame({"size": rng.normal(size=20), "colour": ["red", "blue"] * 10})
    with pytest.raises(DataError, match=r"X has non-numeric values in column\(s\) colour.*Convert"):
        validate_pair(frame, rng.normal(size=20))


def test_non_numeric_numpy_column_is_named_by_index(rng):
    y = np.column_stack([rng.normal(size=20).astype(str), np.array(["a"] * 20)])
    with pytest.raises(DataError, match=r"Y has non-numeric values in column\(s\) 1;"):
        validate_pair(rng.normal(size=20), y)


def test_complex_values_are_refused(rng):
    with pytest.raises(DataError, match=r"non-numeric values.*real number"):
        validate_pair(rng.normal(size=20) + 1j, rng.normal(size=20))


def test_constant_columns_are_named(rng):
    x = rng.normal(size=(20, 4))
    x[:, 1] = 3.0
    x[:, 3] = 0.0
    with pytest.raises(DataError, match=r"X has constant column\(s\) 1, 3 .*Remove those columns"):
        validate_pair(x, rng.normal(size=20))


def test_constant_columns_use_pandas_names(rng):
    y = pd.DataFrame({"ok": rng.normal(size=20), "flat": np.ones(20)})
    with pytest.raises(DataError, match=r"Y has constant column\(s\) flat"):
        validate_pair(rng.normal(size=20), y)


def test_three_dimensional_input_says_shape_and_reshape(rng):
    with pytest.raises(DataError, match=r"X has 3 dimensions \(shape \(20, 8, 8\)\).*Reshape it to \(n_samples, n_features\).*reshape\(20, 64\)"):
        validate_pair(rng.normal(size=(20, 8, 8)), rng.normal(size=20))


def test_scalar_input_is_refused(rng):
    with pytest.raises(DataError, match=r"Y is a single value.*\(n_samples,\)"):
        validate_pair(rng.normal(size=20), 3.0)


def test_empty_arrays_are_refused(rng):
    with pytest.raises(DataError, match=r"X is empty \(shape \(0,\)\)"):
        validate_pair([], rng.normal(size=20))
    with pytest.raises(DataError, match=r"Y is empty \(shape \(20, 0\)\)"):
        validate_pair(rng.normal(size=20), np.zeros((20, 0)))


def test_missing_input_is_refused(rng):
    with pytest.raises(DataError, match=r"Y is missing"):
        validate_pair(rng.normal(size=20), None)


def test_ragged_rows_are_refused():
    with pytest.raises(DataError, match=r"rows have different lengths"):
        validate_pair([[1.0, 2.0], [3.0]] * 10, list(range(20)))
