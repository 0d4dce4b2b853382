"""Reading paired data (X, Y) from .npy, .npz, .csv and .parquet files or uploaded bytes.

Files may come from strangers (the web app accepts uploads), so loading is defensive:
nothing is ever unpickled (`allow_pickle=False`; a pickle-backed object array is refused
with an explanation), inputs above a size limit are refused before parsing, compressed
.npz members are checked against the same limit before they are inflated, and every
problem becomes a `DataError` that says what is wrong and how to fix it.
"""
from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mipanel.data.validation import DataError, validate_pair
from mipanel.interface import Dataset

__all__ = [
    "ACCEPTED_TYPES",
    "DEFAULT_MAX_BYTES",
    "FileContents",
    "inspect_file",
    "load_pair",
    "save_pair",
]

#: File extensions the loaders understand.
ACCEPTED_TYPES = (".npy", ".npz", ".csv", ".parquet")

#: Largest input read by default: big enough for tens of millions of float64 values,
#: small enough that a stray upload cannot exhaust the server's memory.
DEFAULT_MAX_BYTES = 200 * 2**20

_PICKLE_REFUSED = (
    "{filename} holds Python objects (an object array) that can only be read by "
    "unpickling, and mipanel never unpickles files because that can run arbitrary code. "
    "Save plain numeric arrays instead, e.g. np.save(path, array.astype(float)) or "
    "np.savez(path, x=x.astype(float), y=y.astype(float))."
)


@dataclass(frozen=True)
class FileContents:
    """What a data file holds, so a user (or the app) can choose X and Y before loading.

    `kind` is "arrays" for .npy/.npz and "table" for .csv/.parquet. `names` lists the
    .npz array names, the table column names, or for .npy the column indices as
    strings. `suggested_x` / `suggested_y` are lists of such names: for .npz one array
    each (those named x/X and y/Y when present, else the first two numeric arrays);
    for tables and .npy the first and the second half of the numeric columns.
    """

    filename: str
    kind: str
    names: list[str]
    shapes: dict[str, tuple[int, ...]]
    n_rows: int | None
    numeric: list[str] = field(default_factory=list)
    suggested_x: list[str] = field(default_factory=list)
    suggested_y: list[str] = field(default_factory=list)


def _format_mb(n_bytes: float) -> str:
    """Megabytes with enough digits to be meaningful for small limits too."""
    mb = n_bytes / 2**20
    return f"{mb:.1f}" if mb >= 0.1 else f"{mb:.2g}"


def _too_large(what: str, size: int, max_bytes: int) -> DataError:
    return DataError(
        f"{what} too large ({_format_mb(size)} MB > {_format_mb(max_bytes)} MB limit). "
        f"Keep only the rows and columns you need (or subsample the rows), or raise the "
        f"limit with max_bytes if this machine has the memory."
    )


def _extension(filename: str) -> str:
    """The lower-case extension of `filename`, refused unless it is an accepted type."""
    ext = Path(filename).suffix.lower()
    if ext not in ACCEPTED_TYPES:
        shown = f"'{ext}'" if ext else "no extension"
        raise DataError(
            f"{filename} has {shown}, which mipanel cannot read. Accepted file types are "
            f"{', '.join(ACCEPTED_TYPES)}; save your data in one of them (e.g. "
            f"np.savez('data.npz', x=x, y=y) or DataFrame.to_csv('data.csv', index=False))."
        )
    return ext


def _read_bytes(source, filename: str | None, max_bytes: int) -> tuple[bytes, str, str]:
    """Return (content, filename, extension) for a path, raw bytes or a binary file object."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not filename:
            raise DataError(
                "Raw bytes were given without a filename, so the file type is unknown. Pass "
                "the original name too, e.g. filename='data.npz'."
            )
        ext = _extension(filename)
        data = bytes(source)
        if len(data) > max_bytes:
            raise _too_large("file", len(data), max_bytes)
        return data, os.path.basename(filename), ext
    if hasattr(source, "read"):
        filename = filename or os.path.basename(str(getattr(source, "name", "") or ""))
        if not filename:
            raise DataError(
                "A file object without a name was given, so the file type is unknown. Pass "
                "the original name too, e.g. filename='data.csv'."
            )
        ext = _extension(filename)
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > max_bytes:
            raise DataError(
                f"file too large (more than the {_format_mb(max_bytes)} MB limit). Keep only "
                f"the rows and columns you need (or subsample the rows), or raise the limit "
                f"with max_bytes if this machine has the memory."
            )
        return bytes(data), filename, ext
    try:
        path = Path(os.fspath(source))
    except TypeError as exc:
        raise DataError(
            f"Cannot read data from a {type(source).__name__}; pass a file path, or the "
            f"file's bytes together with its filename."
        ) from exc
    filename = filename or path.name
    ext = _extension(filename)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise DataError(f"{path} {what}; check the path and try again.")
    size = path.stat().st_size
    if size > max_bytes:
        raise _too_large("file", size, max_bytes)
    return path.read_bytes(), filename, ext


# --------------------------------------------------------------------------- arrays


def _is_numeric_dtype(dtype: np.dtype) -> bool:
    return np.dtype(dtype).kind in "biuf"


def _npz_index(data: bytes, filename: str) -> dict[str, tuple[tuple[int, ...], np.dtype, int]]:
    """Shape, dtype and inflated size of every array in an .npz, read from headers only."""
    index: dict[str, tuple[tuple[int, ...], np.dtype, int]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                name = info.filename[: -len(".npy")]
                with archive.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                    else:
                        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                index[name] = (tuple(int(s) for s in shape), np.dtype(dtype), int(info.file_size))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DataError(
            f"{filename} could not be read as a NumPy .npz archive ({exc}). Check that the "
            f"upload is complete and that the file was written by numpy.savez."
        ) from exc
    if not index:
        raise DataError(
            f"{filename} contains no arrays. Save X and Y into it, e.g. "
            f"np.savez('{filename}', x=x, y=y)."
        )
    return index


def _npz_array(data: bytes, filename: str, name: str, max_bytes: int, size: int) -> np.ndarray:
    """Load one .npz member without unpickling, after checking its inflated size."""
    if size > max_bytes:
        raise _too_large(f"array '{name}' in {filename} (uncompressed) is", size, max_bytes)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return np.asarray(archive[name])
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(_PICKLE_REFUSED.format(filename=f"{filename} (array '{name}')")) from exc
        raise DataError(f"Array '{name}' in {filename} could not be read ({exc}).") from exc


def _load_npy(data: bytes, filename: str) -> np.ndarray:
    """Load a .npy without unpickling; anything that is not a plain array is refused."""
    if not data.startswith(b"\x93NUMPY"):
        raise DataError(
            f"{filename} is not a NumPy .npy file (it lacks the .npy header). Files that "
            f"would need unpickling are refused because unpickling can run arbitrary code; "
            f"save the array with numpy.save, or pick the right file type."
        )
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(_PICKLE_REFUSED.format(filename=filename)) from exc
        raise DataError(
            f"{filename} could not be read as a NumPy .npy file ({exc}). Check that the "
            f"upload is complete and that the file was written by numpy.save."
        ) from exc
    except (OSError, EOFError) as exc:
        raise DataError(
            f"{filename} could not be read as a NumPy .npy file ({exc}). Check that the "
            f"upload is complete and that the file was written by numpy.save."
        ) from exc
    if not isinstance(arr, np.ndarray):
        arr.close()
        raise DataError(
            f"{filename} is an .npz archive, not a single .npy array; rename it to .npz."
        )
    return arr


def _npy_columns(arr: np.ndarray, filename: str) -> int:
    """Number of columns of a .npy table, refusing shapes that cannot be split into X and Y."""
    if arr.ndim == 2:
        return int(arr.shape[1])
    if arr.ndim == 1:
        return 1
    raise DataError(
        f"{filename} holds an array of shape {arr.shape}, but a .npy file must be one 2-D "
        f"table of shape (n_samples, n_features) whose columns are split into X and Y. "
        f"Reshape it, or save X and Y as separate arrays with np.savez('data.npz', x=x, y=y)."
    )


# --------------------------------------------------------------------------- tables


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _read_table(data: bytes, filename: str, ext: str) -> pd.DataFrame:
    """Parse a .csv or .parquet into a DataFrame with unique string column names."""
    try:
        if ext == ".parquet":
            frame = pd.read_parquet(io.BytesIO(data))
        else:
            sep = ","
            frame = pd.read_csv(io.BytesIO(data), sep=sep)
            header = [str(c) for c in frame.columns]
            if frame.shape[1] == 1 and any(s in header[0] for s in (";", "\t")):
                # A single column whose name holds ';' or tabs: the file uses another separator.
                sep = ";" if ";" in header[0] else "\t"
                frame = pd.read_csv(io.BytesIO(data), sep=sep)
                header = [str(c) for c in frame.columns]
            if header and all(_looks_numeric(h) for h in header):
                # A first row made only of numbers is data, not a header (as np.savetxt writes).
                frame = pd.read_csv(io.BytesIO(data), sep=sep, header=None)
                frame.columns = [str(i) for i in range(frame.shape[1])]
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{filename} is empty; it needs a header row and data rows.") from exc
    except Exception as exc:  # pandas and pyarrow raise many exception types for bad input
        if ext == ".parquet":
            advice = "Check that the upload is complete and was written as Parquet."
        else:
            advice = ("Check that it is plain text with one header row and the same number "
                      "of comma-separated fields on every row.")
        kind = "Parquet" if ext == ".parquet" else "CSV"
        raise DataError(f"{filename} could not be read as a {kind} file ({exc}). {advice}") from exc
    names = [str(c) for c in frame.columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(
            f"{filename} has repeated column names ({', '.join(repeated)}); give every "
            f"column a unique name."
        )
    frame.columns = names
    return frame


def _numeric_table_columns(frame: pd.DataFrame) -> list[str]:
    """Columns holding real numbers (booleans count; complex numbers do not)."""
    return [
        c for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_complex_dtype(frame[c])
    ]


def _halves(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """First half (rounded up) for X, the rest for Y."""
    half = (len(names) + 1) // 2
    return list(names[:half]), list(names[half:])


# --------------------------------------------------------------------------- public API


class _Parsed:
    """A parsed input shared by `inspect_file` and `load_pair`, so bytes are read once."""

    def __init__(self, source, filename, max_bytes):
        self.data, self.filename, self.ext = _read_bytes(source, filename, max_bytes)
        self.array = self.frame = self.index = None
        if self.ext == ".npy":
            self.array = _load_npy(self.data, self.filename)
            _npy_columns(self.array, self.filename)
        elif self.ext == ".npz":
            self.index = _npz_index(self.data, self.filename)
        else:
            self.frame = _read_table(self.data, self.filename, self.ext)

    def contents(self) -> FileContents:
        if self.index is not None:
            names = list(self.index)
            numeric = [n for n in names if _is_numeric_dtype(self.index[n][1])]
            # Arrays named x/y are suggested whatever their type, so that an object
            # array there is refused with an explanation rather than silently skipped.
            x_pick = next((n for n in ("x", "X") if n in names), None)
            y_pick = next((n for n in ("y", "Y") if n in names), None)
            rest = [n for n in numeric if n not in (x_pick, y_pick)]
            if x_pick is None and rest:
                x_pick = rest.pop(0)
            if y_pick is None and rest:
                y_pick = rest.pop(0)
            shapes = {n: self.index[n][0] for n in names}
            first = x_pick or (names[0] if names else None)
            n_rows = shapes[first][0] if first is not None and shapes[first] else None
            return FileContents(
                self.filename, "arrays", names, shapes, n_rows, numeric,
                [x_pick] if x_pick else [], [y_pick] if y_pick else [],
            )
        if self.array is not None:
            n_cols = _npy_columns(self.array, self.filename)
            names = [str(j) for j in range(n_cols)]
            numeric = names if _is_numeric_dtype(self.array.dtype) else []
            sx, sy = _halves(numeric)
            n_rows = int(self.array.shape[0])
            return FileContents(
                self.filename, "arrays", names, {n: (n_rows,) for n in names}, n_rows,
                numeric, sx, sy,
            )
        frame = self.frame
        names = list(frame.columns)
        numeric = _numeric_table_columns(frame)
        # A saved DataFrame index ("Unnamed: 0") is numeric but rarely a feature.
        sx, sy = _halves([c for c in numeric if not c.startswith("Unnamed:")])
        n_rows = int(frame.shape[0])
        return FileContents(
            self.filename, "table", names, {n: (n_rows,) for n in names}, n_rows, numeric, sx, sy,
        )


def inspect_file(source, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> FileContents:
    """List what a file holds and suggest X and Y, without building a Dataset.

    `source` is a path, or raw bytes (or a binary file object) with `filename` giving
    the original name, whose extension selects the parser.
    """
    return _Parsed(source, filename, max_bytes).contents()


def _selection(value, default: list[str], role: str, filename: str) -> list[str]:
    """Normalise a user's choice of columns/arrays to a non-empty list of names."""
    if value is None:
        names = list(default)
    elif isinstance(value, (str, bytes, int, np.integer)):
        names = [value.decode() if isinstance(value, bytes) else str(value)]
    elif isinstance(value, Iterable):
        names = [str(v) for v in value]
    else:
        names = [str(value)]
    if not names:
        raise DataError(
            f"Nothing was chosen for {role}, and {filename} offers no default (that needs "
            f"at least two numeric arrays or columns); name the columns (or the array) "
            f"to use for {role}."
        )
    return names


def _short(names: Sequence[str]) -> str:
    """Compact label for a list of names in a dataset id."""
    names = list(names)
    return ",".join(names) if len(names) <= 4 else f"{names[0]},...,{names[-1]}"


def _check_exist(chosen: list[str], available: list[str], what: str, filename: str) -> None:
    missing = [n for n in chosen if n not in available]
    if missing:
        shown = ", ".join(available) if len(available) <= 30 else ", ".join(available[:30]) + ", ..."
        raise DataError(
            f"{what} {', '.join(repr(m) for m in missing)} not found in {filename}. "
            f"Available: {shown}."
        )


def _check_disjoint(xs: list[str], ys: list[str], what: str) -> None:
    shared = [n for n in xs if n in ys]
    if shared:
        raise DataError(
            f"The same {what} ({', '.join(shared)}) were chosen for both X and Y, which makes "
            f"the mutual information infinite. Choose different {what} for X and Y."
        )


def load_pair(
    source,
    filename: str | None = None,
    *,
    x=None,
    y=None,
    time_series: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Dataset:
    """Load paired samples from a file (or uploaded bytes) into a validated `Dataset`.

    For .npz, `x` and `y` are array names; for .csv/.parquet, a column name or a list
    of them; for .npy (one 2-D array), lists of column indices (ints or digit strings).
    Left as None, they default to `inspect_file`'s suggestions. `time_series=True`
    marks the rows as time-ordered so later splits keep their order.
    """
    parsed = _Parsed(source, filename, max_bytes)
    contents = parsed.contents()
    fname = parsed.filename
    xs = _selection(x, contents.suggested_x, "X", fname)
    ys = _selection(y, contents.suggested_y, "Y", fname)

    if parsed.index is not None:
        for chosen, role in ((xs, "X"), (ys, "Y")):
            if len(chosen) != 1:
                raise DataError(
                    f"Choose one array of {fname} for {role}, not {len(chosen)} "
                    f"({', '.join(chosen)}); save combined features as a single 2-D array."
                )
        _check_exist(xs + ys, contents.names, "Array(s)", fname)
        _check_disjoint(xs, ys, "array")
        xa, ya = (
            _npz_array(parsed.data, fname, n, max_bytes, parsed.index[n][2]) for n in (xs[0], ys[0])
        )
        what = ("array", "array")
    elif parsed.array is not None:
        n_cols = len(contents.names)
        for chosen, role in ((xs, "X"), (ys, "Y")):
            bad = [c for c in chosen if not c.isdigit() or int(c) >= n_cols]
            if bad:
                raise DataError(
                    f"Column index(es) {', '.join(bad)} for {role} do not exist in {fname}, "
                    f"which has {n_cols} column(s): use indices 0 to {n_cols - 1}."
                )
        xs, ys = [str(int(c)) for c in xs], [str(int(c)) for c in ys]
        _check_disjoint(xs, ys, "columns")
        table = parsed.array.reshape(parsed.array.shape[0], -1)
        xa = table[:, [int(c) for c in xs]]
        ya = table[:, [int(c) for c in ys]]
        what = ("columns", "columns")
    else:
        frame = parsed.frame
        _check_exist(xs + ys, contents.names, "Column(s)", fname)
        _check_disjoint(xs, ys, "columns")
        non_numeric = [c for c in xs + ys if c not in contents.numeric]
        if non_numeric:
            example = frame[non_numeric[0]].dropna()
            sample = f" (e.g. value {example.iloc[0]!r})" if len(example) else ""
            raise DataError(
                f"Column(s) {', '.join(non_numeric)} in {fname} are not numeric{sample}. "
                f"Choose numeric columns ({', '.join(contents.numeric) or 'none found'}) or "
                f"convert those to numbers first."
            )
        xa, ya = frame[xs], frame[ys]
        what = ("columns", "columns")

    try:
        xv, yv = validate_pair(xa, ya)
    except DataError as exc:
        raise DataError(f"{fname}: {exc}") from exc
    return Dataset(
        x=xv,
        y=yv,
        name=f"file:{fname}[{_short(xs)}|{_short(ys)}]",
        true_mi=None,
        mi_upper_bound=None,
        time_series=bool(time_series),
        description=(
            f"Loaded from {fname}: X = {what[0]} {_short(xs)}, Y = {what[1]} {_short(ys)}; "
            f"{xv.shape[0]} paired samples."
        ),
        meta={"source": "file", "filename": fname, "format": parsed.ext.lstrip("."),
              "x": xs, "y": ys},
    )


def save_pair(path, x, y) -> Path:
    """Write `x` and `y` to an .npz (arrays named "x" and "y") that `load_pair` reads back.

    Returns the path written; numpy appends ".npz" when `path` lacks it.
    """
    xa, ya = np.asarray(x), np.asarray(y)
    for arr, role in ((xa, "x"), (ya, "y")):
        if not _is_numeric_dtype(arr.dtype):
            raise DataError(
                f"{role} has dtype {arr.dtype}, which would need pickling to save; convert it "
                f"to numbers first, e.g. {role}.astype(float)."
            )
    path = Path(os.fspath(path))
    if path.suffix.lower() != ".npz":
        path = path.with_name(path.name + ".npz")
    np.savez(path, x=xa, y=ya)
    return path
