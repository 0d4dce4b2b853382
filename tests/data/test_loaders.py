"""Loaders round-trip every accepted format and refuse bad files with a clear message."""
import io
import pickle

import numpy as np
import pandas as pd
import pytest

from mipanel.data import DEFAULT_MAX_BYTES, DataError, inspect_file, load_pair, save_pair


@pytest.fixture
def xy():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 2)), rng.normal(size=(40, 3))


def _source(path, how):
    """The file as a path, or as uploaded bytes plus its name."""
    if how == "path":
        return {"source": path}
    return {"source": path.read_bytes(), "filename": path.name}


@pytest.mark.parametrize("how", ["path", "bytes"])
def test_npz_round_trip(tmp_path, xy, how):
    x, y = xy
    path = save_pair(tmp_path / "pair", x, y)
    assert path.name == "pair.npz"
    data = load_pair(**_source(path, how))
    np.testing.assert_array_equal(data.x, x)
    np.testing.assert_array_equal(data.y, y)
    assert data.name == "file:pair.npz[x|y]" and data.true_mi is None


@pytest.mark.parametrize("how", ["path", "bytes"])
def test_npy_round_trip(tmp_path, xy, how):
    x, y = xy
    path = tmp_path / "table.npy"
    np.save(path, np.hstack([x, y]))
    data = load_pair(**_source(path, how), x=[0, 1], y=["2", "3", "4"])
    np.testing.assert_array_equal(data.x, x)
    np.testing.assert_array_equal(data.y, y)
    assert data.name == "file:table.npy[0,1|2,3,4]"


@pytest.mark.parametrize("how", ["path", "bytes"])
@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_table_round_trip(tmp_path, xy, how, ext):
    x, y = xy
    frame = pd.DataFrame(np.hstack([x, y]), columns=["a", "b", "c", "d", "e"])
    path = tmp_path / f"table.{ext}"
    frame.to_csv(path, index=False) if ext == "csv" else frame.to_parquet(path)
    data = load_pair(**_source(path, how), x=["a", "b"], y=["c", "d", "e"], time_series=True)
    np.testing.assert_allclose(data.x, x, rtol=1e-15)
    np.testing.assert_allclose(data.y, y, rtol=1e-15)
    assert data.time_series
    single = load_pair(**_source(path, how), x="a", y="e")
    assert single.dim_x == 1 and single.dim_y == 1
    assert single.name == f"file:table.{ext}[a|e]"


def test_file_object_source(tmp_path, xy):
    path = save_pair(tmp_path / "pair.npz", *xy)
    with open(path, "rb") as handle:
        data = load_pair(handle)
    assert data.x.shape == (40, 2)


def test_inspect_npz_prefers_arrays_named_x_and_y(tmp_path, xy):
    x, y = xy
    path = tmp_path / "arrays.npz"
    np.savez(path, extra=np.arange(40.0), Y=y, x=x)
    info = inspect_file(path)
    assert info.kind == "arrays" and set(info.names) == {"extra", "Y", "x"}
    assert info.shapes == {"extra": (40,), "Y": (40, 3), "x": (40, 2)}
    assert info.suggested_x == ["x"] and info.suggested_y == ["Y"] and info.n_rows == 40


def test_inspect_npz_falls_back_to_first_two_arrays(tmp_path, xy):
    path = tmp_path / "arrays.npz"
    np.savez(path, first=xy[0], second=xy[1])
    info = inspect_file(path)
    assert info.suggested_x == ["first"] and info.suggested_y == ["second"]
    data = load_pair(path)
    np.testing.assert_array_equal(data.y, xy[1])


def test_inspect_table_splits_numeric_columns(tmp_path, xy):
    frame = pd.DataFrame(np.hstack(xy), columns=list("abcde"))
    frame["label"] = ["p", "q"] * 20
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    info = inspect_file(path.read_bytes(), "t.csv")
    assert info.kind == "table" and info.n_rows == 40
    assert info.names == ["a", "b", "c", "d", "e", "label"]
    assert info.numeric == ["a", "b", "c", "d", "e"]
    assert info.suggested_x == ["a", "b", "c"] and info.suggested_y == ["d", "e"]
    data = load_pair(path)
    assert data.dim_x == 3 and data.dim_y == 2


def test_inspect_npy_uses_column_indices(tmp_path, xy):
    path = tmp_path / "t.npy"
    np.save(path, np.hstack(xy))
    info = inspect_file(path)
    assert info.names == ["0", "1", "2", "3", "4"]
    assert info.shapes["0"] == (40,)
    assert info.suggested_x == ["0", "1", "2"] and info.suggested_y == ["3", "4"]


def test_headerless_csv_is_read_as_data(tmp_path, xy):
    path = tmp_path / "plain.csv"
    np.savetxt(path, np.hstack(xy), delimiter=",")
    info = inspect_file(path)
    assert info.n_rows == 40 and info.names == ["0", "1", "2", "3", "4"]
    data = load_pair(path, x=["0", "1"], y=["2", "3", "4"])
    np.testing.assert_allclose(data.x, xy[0])


def test_wrong_file_type_names_accepted_types():
    with pytest.raises(DataError, match=r"data\.txt has '\.txt'.*Accepted file types are \.npy, \.npz, \.csv, \.parquet"):
        load_pair(b"1,2,3", "data.txt")


def test_bytes_without_filename_are_refused():
    with pytest.raises(DataError, match=r"without a filename.*filename='data\.npz'"):
        load_pair(b"\x00" * 10)


def test_missing_path():
    with pytest.raises(DataError, match=r"does not exist"):
        load_pair("/nonexistent/folder/data.csv")


def test_file_too_large(tmp_path, xy):
    path = save_pair(tmp_path / "pair.npz", *xy)
    assert DEFAULT_MAX_BYTES == 200 * 2**20
    with pytest.raises(DataError, match=r"file too large \([\d.e-]+ MB > [\d.e-]+ MB limit\).*raise the limit with max_bytes"):
        load_pair(path, max_bytes=1000)
    with pytest.raises(DataError, match=r"file too large"):
        load_pair(path.read_bytes(), "pair.npz", max_bytes=1000)


def test_compressed_member_is_checked_before_inflating(tmp_path):
    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, x=np.zeros((100_000, 2)), y=np.zeros((100_000, 2)))
    size = path.stat().st_size
    with pytest.raises(DataError, match=r"array 'x' in zeros\.npz \(uncompressed\) is too large"):
        load_pair(path, max_bytes=size + 1000)


def test_npz_length_mismatch(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "bad.npz"
    np.savez(path, x=rng.normal(size=(30, 2)), y=rng.normal(size=29))
    with pytest.raises(DataError, match=r"bad\.npz: X and Y must have one row per paired sample, but X has 30 rows and Y has 29"):
        load_pair(path)


def test_csv_with_nan(tmp_path):
    frame = pd.DataFrame({"a": np.linspace(0, 1, 30), "b": np.linspace(1, 3, 30) ** 2})
    frame.loc[5, "b"] = np.nan
    path = tmp_path / "gaps.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"gaps\.csv: Y has NaN or infinite values in 1 of 30 rows\. Drop those rows"):
        load_pair(path, x="a", y="b")


def test_csv_non_numeric_column(tmp_path):
    frame = pd.DataFrame({"a": np.linspace(0, 1, 30), "colour": ["red", "green", "blue"] * 10})
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"Column\(s\) colour in mixed\.csv are not numeric \(e\.g\. value 'red'\)\. Choose numeric columns \(a\)"):
        load_pair(path, x="a", y="colour")


def test_unknown_column_lists_available(tmp_path, xy):
    path = tmp_path / "t.parquet"
    pd.DataFrame(np.hstack(xy), columns=list("abcde")).to_parquet(path)
    with pytest.raises(DataError, match=r"Column\(s\) 'zeta' not found in t\.parquet\. Available: a, b, c, d, e"):
        load_pair(path, x=["a"], y=["zeta"])


def test_unknown_array_lists_available(tmp_path, xy):
    path = save_pair(tmp_path / "pair.npz", *xy)
    with pytest.raises(DataError, match=r"Array\(s\) 'z' not found in pair\.npz\. Available: x, y"):
        load_pair(path, x="x", y="z")


def test_npy_column_out_of_range(tmp_path, xy):
    path = tmp_path / "t.npy"
    np.save(path, np.hstack(xy))
    with pytest.raises(DataError, match=r"Column index\(es\) 7 for Y do not exist in t\.npy.*indices 0 to 4"):
        load_pair(path, x=[0], y=[7])


def test_same_column_for_x_and_y(tmp_path, xy):
    path = tmp_path / "t.csv"
    pd.DataFrame(np.hstack(xy), columns=list("abcde")).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"same columns \(b\) were chosen for both X and Y"):
        load_pair(path, x=["a", "b"], y=["b", "c"])


def test_npy_with_three_dimensions(tmp_path):
    path = tmp_path / "cube.npy"
    np.save(path, np.zeros((20, 4, 4)))
    with pytest.raises(DataError, match=r"shape \(20, 4, 4\).*2-D table of shape \(n_samples, n_features\)"):
        inspect_file(path)


def test_pickled_object_array_in_npy_is_refused(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}] * 20, dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"objects\.npy holds Python objects.*never unpickles"):
        load_pair(path)


def test_pickled_object_array_in_npz_is_refused(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, x=np.array([[1.0], [2.0]] * 10, dtype=object), y=np.arange(20.0))
    with pytest.raises(DataError, match=r"objects\.npz \(array 'x'\) holds Python objects.*never unpickles"):
        load_pair(path)


def test_plain_pickle_renamed_npy_is_refused():
    payload = pickle.dumps(np.arange(20.0))
    with pytest.raises(DataError, match=r"not a NumPy \.npy file.*unpickling can run arbitrary code"):
        load_pair(payload, "sneaky.npy")


def test_corrupt_files_are_reported(xy):
    with pytest.raises(DataError, match=r"could not be read as a NumPy \.npz archive"):
        load_pair(b"not a zip", "broken.npz")
    with pytest.raises(DataError, match=r"could not be read as a Parquet file"):
        load_pair(b"not parquet", "broken.parquet")
    with pytest.raises(DataError, match=r"empty\.csv is empty"):
        load_pair(io.BytesIO(b"").getvalue(), "empty.csv")


def test_save_pair_refuses_object_arrays(tmp_path):
    with pytest.raises(DataError, match=r"would need pickling"):
        save_pair(tmp_path / "p.npz", np.array([{}] * 20, dtype=object), np.arange(20))
