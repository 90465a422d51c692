"""Small file helpers with phy's conventions; every writer is atomic.

Writers go through ``atomic_open``: a temporary file in the target's folder, flushed and
fsynced, then ``os.replace``. On any error the previous file is intact and the temporary
file is removed. A replaced file keeps its permission bits. Inside ``synced_together()``
the fsyncs of the files written are deferred and issued together on exit.
"""

from __future__ import annotations

import base64
import hashlib
import csv
import io
import json
import logging
import os
import pickle
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any, Union

import numpy as np
from numpy.typing import ArrayLike

from .errors import DataError

logger = logging.getLogger(__name__)

PathLike = Union[str, os.PathLike[str]]  # a file or folder path


def ensure_dir_exists(path: PathLike) -> Path:
    """Create a folder (and its parents) if needed; return it as a Path."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise DataError(path, "exists and is not a folder", "remove or rename this file")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask is process-wide, not thread-safe)
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(folder: PathLike) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: Files written inside ``synced_together()`` whose fsync is deferred (None: outside).
_DEFERRED: ContextVar[list[Path] | None] = ContextVar("deferred_fsync", default=None)


def _fsync_file(path: PathLike) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def synced_together() -> Iterator[None]:
    """Atomic writes inside are not fsynced one by one: on exit every file written and its
    folder are fsynced at once (concurrently: the file system commits them together). A
    crash before the block exits may leave these files empty or missing: write the file
    that marks the set complete after the block."""
    written: list[Path] = []
    token = _DEFERRED.set(written)
    try:
        yield
    finally:
        _DEFERRED.reset(token)
    if written:
        with ThreadPoolExecutor(min(8, len(written))) as ex:
            list(ex.map(_fsync_file, written))
        for folder in {p.parent for p in written}:
            _fsync_dir(folder)


def file_stamp(path: str | os.PathLike[str], with_hash: bool = True
               ) -> tuple[int, int, str | None] | None:
    """``(size, mtime_ns, sha256 or None)`` of a file, None when it does not exist. The hash
    is None when not asked, or when the file changed while it was being read."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    if not with_hash:
        return (st.st_size, st.st_mtime_ns, None)
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
        after = os.stat(path)
    except FileNotFoundError:
        return None
    same = (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    return (st.st_size, st.st_mtime_ns, h.hexdigest() if same else None)


@contextmanager
def atomic_open(path: PathLike, mode: str = "w", fsync: bool = True, **kwargs: Any
                ) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success it replaces ``path`` atomically.

    A symlink is written through (its target is replaced). On error the temporary file is
    removed and ``path`` is left untouched.
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    ensure_dir_exists(path.parent)
    try:
        perms = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        perms = 0o666 & ~_umask()
    deferred = _DEFERRED.get() if fsync else None
    if deferred is not None:
        fsync = False
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.chmod(tmp, perms)
        os.replace(tmp, path)
        if deferred is not None:
            deferred.append(path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    if fsync:
        _fsync_dir(path.parent)


def write_bytes(path: PathLike, data: bytes) -> None:
    """Write bytes atomically."""
    with atomic_open(path, "wb") as f:
        f.write(data)


def read_text(path: PathLike) -> str:
    """Read a UTF-8 text file (a byte-order mark is skipped)."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(path, f"is not UTF-8 text ({e})", "save it as UTF-8 text") from None


def write_text(path: PathLike, contents: str) -> None:
    """Write a UTF-8 text file atomically (newlines written as given)."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        f.write(contents)


def save_npy(path: PathLike, arr: ArrayLike) -> None:
    """Save a NumPy array atomically (``.npy``, no pickled objects)."""
    with atomic_open(path, "wb") as f:
        np.save(f, np.asarray(arr), allow_pickle=False)


# TSV / CSV -----------------------------------------------------------------------------------

def _sniff_delimiter(first_line: str) -> str:
    if "\t" in first_line:
        return "\t"
    if "," in first_line:
        return ","
    if ";" in first_line:
        return ";"
    return "\t"


def _parse_value(s: str) -> int | float | str:
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return s


def read_tsv(path: PathLike) -> list[dict[str, int | float | str]]:
    """Read a TSV/CSV table as a list of dicts {field: value}, as phy does.

    The delimiter is a tab if the header has one, else a comma (else a semicolon). Values
    are parsed as int, then float, else kept as strings; empty values are left out of the
    row. A missing file gives ``[]``.
    """
    path = Path(path)
    if not path.exists():
        logger.debug("%s does not exist, skipping.", path)
        return []
    text = read_text(path)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        return []
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line)))
    header = [h.strip() for h in rows[0]]
    out = []
    for i, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(header):
            raise DataError(path, f"line {i} has {len(row)} fields, the header has {len(header)}",
                            "make every line have the same number of fields as the header")
        out.append({h: _parse_value(c.strip()) for h, c in zip(header, row) if c.strip() != ""})
    return out


def tsv_format(path: PathLike) -> tuple[list[str], str, str]:
    """``(header, delimiter, newline)`` of an existing table, as :func:`read_tsv` sees it
    (``newline`` is ``"\\r\\n"`` when the first line ends so, else ``"\\n"``)."""
    with open(path, "rb") as f:
        raw = f.readline()
    newline = "\r\n" if raw.endswith(b"\r\n") else "\n"
    try:
        first = raw.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as e:
        raise DataError(path, f"is not UTF-8 text ({e})", "save it as UTF-8 text") from None
    delimiter = _sniff_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter), []) if first.strip() else []
    return [h.strip() for h in header], delimiter, newline


def _format(v: object, n_significant_figures: int | None) -> str:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if n_significant_figures and np.isfinite(v):
            return f"{v:.{n_significant_figures}g}"
        return repr(v)
    return str(v)


def write_tsv(path: PathLike, data: Iterable[Mapping[str, Any]], first_field: str | None = None,
              exclude_fields: Iterable[str] = (), n_significant_figures: int | None = None,
              fields: Sequence[str] | None = None, delimiter: str | None = None,
              newline: str = "\n") -> None:
    """Write a list of dicts as a table, atomically (phy's layout).

    Tab-separated, or comma-separated when ``path`` ends with ``.csv`` (``delimiter``
    overrides), lines ending with ``newline``. Columns: ``fields`` when given, else the union
    of the rows' keys minus ``exclude_fields``, ``first_field`` first, the others sorted.
    Missing values and None are empty. Floats keep ``n_significant_figures`` significant
    figures when given, else their full precision.
    """
    path = Path(path)
    if fields is None:
        keys: set[Any] = set()
        for row in data:
            keys.update(row)
        keys.difference_update(exclude_fields)
        fields = sorted(keys, key=str)
        if first_field in fields:
            fields.remove(first_field)
            fields.insert(0, first_field)
    if delimiter is None:
        delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator=newline)
        if fields:
            writer.writerow(fields)
        for row in data:
            writer.writerow([_format(row.get(k), n_significant_figures) for k in fields])


# JSON ----------------------------------------------------------------------------------------

class _Encoder(json.JSONEncoder):
    """NumPy arrays as phy writes them (small 1-D as lists, others base64), bytes as phy's
    QByteArray encoding, NumPy scalars as numbers, sets/tuples as lists, paths as strings."""

    def default(self, o: Any) -> Any:
        if isinstance(o, np.ndarray):
            if (o.ndim == 1 and o.shape[0] <= 10) or o.dtype.hasobject or o.dtype.fields:
                return o.tolist()
            data = base64.b64encode(np.ascontiguousarray(o).data).decode("ascii")
            return {"__ndarray__": data, "dtype": o.dtype.str, "shape": list(o.shape)}
        if isinstance(o, (bytes, bytearray)):
            inner = base64.b64encode(bytes(o))
            return {"__qbytearray__": base64.b64encode(inner).decode("ascii")}
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, (set, frozenset, tuple)):
            return list(o)
        if isinstance(o, Path):
            return str(o)
        return super().default(o)


def _json_hook(d: dict[str, Any]) -> Any:
    if "__ndarray__" in d:
        data = d["__ndarray__"]
        if isinstance(data, str):
            arr = np.frombuffer(base64.b64decode(data), dtype=d["dtype"]).copy()
            return arr.reshape(d["shape"])
        return np.asarray(data, dtype=d.get("dtype")).reshape(d.get("shape", -1))
    if "__qbytearray__" in d:
        return base64.b64decode(base64.b64decode(d["__qbytearray__"]))
    return d


def _intify_keys(d: Mapping[Any, Any]) -> dict[Any, Any]:
    return {int(k) if isinstance(k, str) and k.isdigit() else k: v for k, v in d.items()}


def _stringify_keys(d: Mapping[Any, Any]) -> dict[Any, Any]:
    return {str(k) if isinstance(k, (int, np.integer)) and not isinstance(k, bool) else k: v
            for k, v in d.items()}


def load_json(path: PathLike) -> Any:
    """Load a JSON file; NumPy arrays saved by ``save_json`` (or phy) come back as arrays.

    Top-level digit keys become ints (as phy). A missing or empty file gives ``{}``.
    """
    path = Path(path)
    if not path.exists():
        return {}
    text = read_text(path)
    if not text.strip():
        return {}
    try:
        out = json.loads(text, object_hook=_json_hook)
    except (ValueError, TypeError, KeyError) as e:
        raise DataError(path, f"is not valid JSON ({e})", "delete this file to reset it") from None
    return _intify_keys(out) if isinstance(out, dict) else out


def save_json(path: PathLike, data: Any) -> None:
    """Save data (dicts, lists, NumPy arrays and scalars, bytes) as JSON, atomically."""
    if isinstance(data, dict):
        data = _stringify_keys(data)
    text = json.dumps(data, cls=_Encoder, indent=2, sort_keys=True)
    write_text(path, text)


# Pickle --------------------------------------------------------------------------------------

def load_pickle(path: PathLike) -> Any:
    """Load a pickle (or joblib) file, as phylib's helper (for scripts): unpickling runs code,
    so only for files you trust. phyclone itself never calls it: its caches are signed pickles
    (``phyclone.utils.signing``) checked before loading."""
    import joblib

    path = Path(path)
    try:
        return joblib.load(path)
    except FileNotFoundError:
        raise
    except Exception as e:
        raise DataError(path, f"is not a readable pickle ({type(e).__name__}: {e})",
                        "delete this cache file") from None


def save_pickle(path: PathLike, data: object) -> None:
    """Save a pickle atomically."""
    with atomic_open(path, "wb") as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
