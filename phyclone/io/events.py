"""Event times for peri-event views (``--events FILE``): ``.npy``, ``.tsv``, ``.csv``.

- ``.npy``: one value per event, shape (n,) or (n, 1). Integer arrays are sample indices,
  floating-point arrays are times in seconds.
- ``.tsv`` / ``.csv`` (tab, comma or semicolon, sniffed from the first line): a header line and
  one event per line. The column is the one named with ``column=``, else the first of
  ``onset, time, times, t, event_time, event_times, seconds`` (seconds) or ``sample, samples,
  frame, event_sample, event_samples`` (samples); a single-column file may use any name
  (seconds unless the name starts with ``sample``). A file without header is one column of
  seconds. Empty lines and ``#`` comments are skipped.

The result is always a sorted int64 array of sample indices, so events stay exact integer
samples, as the spike times do.
"""

import csv
import io
from pathlib import Path

import numpy as np

from phyclone.utils.errors import DataError
from phyclone.utils.fileio import read_text

from phyclone.io.arrays import NpyFile

#: Column names read as seconds / as samples, in order of preference.
SECONDS_COLUMNS = ("onset", "time", "times", "t", "event_time", "event_times", "seconds")
SAMPLES_COLUMNS = ("sample", "samples", "frame", "event_sample", "event_samples")
_FIX = "give one event time per line (seconds), or an .npy array of seconds or samples"


def _to_samples(values, unit, sample_rate, path):
    values = np.asarray(values)
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DataError(path, f"event {bad} is not a finite number ({values[bad]})",
                        "remove the NaN / infinite values")
    if unit == "seconds":
        samples = np.round(values.astype(np.float64) * float(sample_rate))
    else:
        samples = values.astype(np.float64)
        if np.any(samples != np.round(samples)):
            raise DataError(path, "sample indices must be whole numbers",
                            "give samples as integers, or times in seconds")
    if len(samples) and values.min() < 0:
        raise DataError(path, f"has a negative event time ({values.min():g} {unit})",
                        "give times from the start of the recording")
    return np.sort(samples.astype(np.int64))


def _load_npy(path, sample_rate):
    npy = NpyFile(path)
    if not (npy.ndim == 1 or (npy.ndim == 2 and npy.shape[1] == 1)):
        raise DataError(path, f"has shape {npy.shape}, expected one value per event (n,)",
                        "save a 1-D array of event times")
    npy.require_kind("iuf", "event times", _FIX)
    values = np.asarray(npy.load(mmap=False)).reshape(-1)
    unit = "seconds" if values.dtype.kind == "f" else "samples"
    return _to_samples(values, unit, sample_rate, path)


def _sniff(line):
    for d in ("\t", ",", ";"):
        if d in line:
            return d
    return "\t"


def _number(s):
    try:
        return float(s)
    except ValueError:
        return None


def _pick_column(header, column, path):
    lower = [h.strip().lower() for h in header]
    if column is not None:
        if column.lower() not in lower:
            raise DataError(path, f"has no column {column!r} (columns: {', '.join(header)})",
                            "pass the name of the column holding the event times")
        i = lower.index(column.lower())
        unit = "samples" if lower[i].startswith(("sample", "frame")) else "seconds"
        return i, unit
    for names, unit in ((SECONDS_COLUMNS, "seconds"), (SAMPLES_COLUMNS, "samples")):
        for name in names:
            if name in lower:
                return lower.index(name), unit
    if len(header) == 1:
        return 0, "samples" if lower[0].startswith(("sample", "frame")) else "seconds"
    raise DataError(path, f"has no event time column among {', '.join(header)}",
                    "name the column 'onset' or 'time' (seconds) or 'sample' (samples), "
                    "or choose it with column=")


def _load_text(path, sample_rate, column):
    numbered = [(i, ln) for i, ln in enumerate(read_text(path).splitlines(), start=1)
                if ln.strip() and not ln.lstrip().startswith("#")]
    if not numbered:
        raise DataError(path, "holds no events", _FIX)
    line_numbers = [i for i, _ in numbered]
    rows = list(csv.reader(io.StringIO("\n".join(ln for _, ln in numbered)),
                           delimiter=_sniff(numbered[0][1])))
    has_header = any(_number(c) is None for c in rows[0] if c.strip())
    if has_header:
        i, unit = _pick_column(rows[0], column, path)
        rows, line_numbers = rows[1:], line_numbers[1:]
    elif column is not None:
        raise DataError(path, f"has no header line, so no column {column!r}",
                        "add a header line naming the columns")
    else:
        i, unit = 0, "seconds"
    if not rows:
        raise DataError(path, "holds a header but no events", _FIX)
    values = np.empty(len(rows))
    for k, row in enumerate(rows):
        cell = row[i].strip() if i < len(row) else ""
        v = _number(cell)
        if v is None:
            raise DataError(path, f"line {line_numbers[k]}: {cell!r} is not a number", _FIX)
        values[k] = v
    return _to_samples(values, unit, sample_rate, path)


def load_events(path, sample_rate, column=None):
    """Event times of a file as a sorted int64 array of sample indices.

    ``sample_rate`` (Hz) converts times in seconds; ``column`` names the column of a TSV/CSV
    file. Bad files raise :class:`DataError` naming the file and the fix.
    """
    path = Path(path)
    if not sample_rate or sample_rate <= 0:
        raise DataError(path, "no sample rate to convert event times", "pass sample_rate > 0")
    if not path.is_file():
        raise DataError(path, "events file not found", "check the path given to --events")
    if path.suffix.lower() == ".npy":
        return _load_npy(path, sample_rate)
    return _load_text(path, sample_rate, column)
