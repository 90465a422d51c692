"""Small file helpers; every writer is atomic (temporary file in the same folder + ``os.replace``)."""

import csv
import json
import logging
import os
import pickle
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import DataError

logger = logging.getLogger(__name__)


def ensure_dir_exists(path):
    """Create a folder (and its parents) if needed; return it as a Path."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise DataError(path, "exists and is not a folder", "remove or rename this file")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def atomic_open(path, mode="w", fsync=True, **kwargs):
    """Open a temporary file next to ``path``; on success it replaces ``path`` atomically.

    On error the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    ensure_dir_exists(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def write_bytes(path, data):
    with atomic_open(path, "wb") as f:
        f.write(data)


def read_text(path):
    """Read a UTF-8 text file."""
    return Path(path).read_text(encoding="utf-8")


def write_text(path, contents):
    """Write a UTF-8 text file atomically."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        f.write(contents)


def save_npy(path, arr):
    """Save a NumPy array atomically (``.npy``)."""
    with atomic_open(path, "wb") as f:
        np.save(f, np.asarray(arr), allow_pickle=False)


def _sniff_delimiter(text, path):
    first = text.splitlines()[0] if text else ""
    if "\t" in first:
        return "\t"
    if "," in first:
        return ","
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters="\t,;").delimiter
    except csv.Error:
        return "\t"


def _parse_value(s):
    if s == "":
        return None
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return s


def read_tsv(path):
    """Read a TSV/CSV table (delimiter sniffed) as a list of dicts with numbers parsed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(path, f"cannot be read as text ({e})", "save it as UTF-8 text")
    if not text.strip():
        return []
    delimiter = _sniff_delimiter(text, path)
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    rows = list(reader)
    header = [h.strip() for h in rows[0]]
    out = []
    for i, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) > len(header):
            raise DataError(path, f"line {i} has {len(row)} fields, the header has {len(header)}",
                            "make every line have the same number of fields as the header")
        out.append({h: _parse_value(c.strip()) for h, c in zip(header, row)})
    return out


def _format(v, n_significant_figures):
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if np.isnan(v):
            return "nan"
        if n_significant_figures:
            return f"{v:.{n_significant_figures}g}"
        return repr(v)
    return str(v)


def write_tsv(path, data, first_field=None, exclude_fields=(), n_significant_figures=None):
    """Write a list of dicts as a tab-separated table, atomically.

    ``first_field`` goes first, the others follow in order of appearance; ``exclude_fields``
    are dropped; floats keep ``n_significant_figures`` when given.
    """
    fields = []
    for row in data:
        for k in row:
            if k not in fields and k not in exclude_fields:
                fields.append(k)
    if first_field in fields:
        fields.remove(first_field)
        fields.insert(0, first_field)
    lines = ["\t".join(fields)]
    for row in data:
        lines.append("\t".join(_format(row.get(f), n_significant_figures) for f in fields))
    write_text(path, "\n".join(lines) + "\n")


class _NumpyEncoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, np.ndarray):
            return {"__ndarray__": o.tolist(), "dtype": str(o.dtype), "shape": list(o.shape)}
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, (set, tuple)):
            return list(o)
        if isinstance(o, Path):
            return str(o)
        return super().default(o)


def _json_hook(d):
    if "__ndarray__" in d:
        return np.asarray(d["__ndarray__"], dtype=d.get("dtype")).reshape(d.get("shape", -1))
    return d


def load_json(path):
    """Load a JSON file (NumPy arrays saved by ``save_json`` come back as arrays).

    A missing file gives ``{}``.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"), object_hook=_json_hook)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(path, f"is not valid JSON ({e})", "delete this file to reset it")


def save_json(path, data):
    """Save data (dicts, lists, NumPy arrays and scalars) as JSON, atomically."""
    text = json.dumps(data, cls=_NumpyEncoder, indent=1, sort_keys=True)
    write_text(path, text)


def load_pickle(path):
    """Load a pickle file written by phyclone (trusted local cache only)."""
    with open(path, "rb") as f:
        return pickle.load(f)


def save_pickle(path, data):
    """Save a pickle atomically."""
    with atomic_open(path, "wb") as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
