"""Recordings of a Kwik dataset: their raw data (``.raw.kwd`` or flat ``.dat`` files), where
each starts on the concatenated time axis, the traces of all of them end to end (one
``phyclone.io.raw.traces.EphysTraces``), and spike waveforms filtered as SpikeDetekt did.

Raw data of recording ``r`` are looked for, in order: the ``hdf5_path`` attribute of
``/recordings/r/raw`` (a ``.raw.kwd``), its ``dat_path`` attribute (a flat binary file with the
PRM's ``dtype`` and ``n_channels``), ``<name>.raw.kwd`` next to the ``.kwik``, and the PRM's
``raw_data_files[r]``. Relative paths are relative to the ``.kwik`` folder; a path that does
not exist is also tried by its file name in that folder. Missing raw data is not an error:
it gives a warning and zeros (or no traces at all).
"""

import logging
from pathlib import Path

import numpy as np

from phyclone.utils import butterworth
from phyclone.utils.errors import DataError

from phyclone.io.kwik.h5 import dataset_memmap, open_h5
from phyclone.io.kwik.arrays import LazyRows
from phyclone.io.raw.traces import get_ephys_reader, partial_frame_warning
from phyclone.io.template.waveforms import extract_waveforms

logger = logging.getLogger(__name__)


def candidate_paths(kwik_path, value):
    """Where a raw file named ``value`` may be: as given (relative to the .kwik's folder),
    else beside the .kwik."""
    p = Path(value)
    base = Path(kwik_path).parent
    out = [p if p.is_absolute() else base / p]
    if (base / p.name) not in out:
        out.append(base / p.name)
    return out


def _kwd_file_and_path(value, recording):
    """``hdf5_path`` value → (file part, dataset path). Accepts ``x.raw.kwd``,
    ``x.raw.kwd/recordings/0`` and ``{raw.kwd}/recordings/0`` forms."""
    value = str(value).replace("{", "").replace("}", "")
    i = value.find(".kwd")
    if i < 0:
        return value, f"/recordings/{recording}/data"
    file_part, inner = value[:i + 4], value[i + 4:].strip("/")
    if not inner:
        return file_part, f"/recordings/{recording}/data"
    return file_part, "/" + inner + ("" if inner.endswith("/data") else "/data")


class RawSources:
    """Open raw data of every recording: ``arrays[i]`` is ``(n_samples, n_columns)`` (memmap
    or h5py dataset) or None when missing. Keeps ``.raw.kwd`` files open until ``close()``."""

    def __init__(self, kwik_path, recordings, raw_attrs, metadata, basename):
        self.kwik_path = Path(kwik_path)
        self.recordings = list(recordings)
        self.arrays, self.sources, self.warnings = [], [], []
        self._files = {}
        self._metadata = metadata
        for rec in self.recordings:
            arr, source = self._open_one(rec, raw_attrs.get(rec, {}), basename)
            self.arrays.append(arr)
            self.sources.append(source)
        found = [a for a in self.arrays if a is not None]
        if found and len({a.shape[1] for a in found}) > 1:
            raise DataError(self.kwik_path, "the raw data of the recordings have different numbers "
                            f"of channels ({[a.shape[1] for a in found]})",
                            "make every recording hold the same channels")
        missing = [r for r, a in zip(self.recordings, self.arrays) if a is None]
        if missing and found:
            self.warnings.append(f"no raw data found for recording(s) {missing}: "
                                 "their traces show as zeros")
        elif missing:
            self.warnings.append("no raw data found (.raw.kwd or .dat files): the trace view "
                                 "and the waveforms are not available")

    @property
    def n_columns(self):
        found = [a for a in self.arrays if a is not None]
        return found[0].shape[1] if found else 0

    @property
    def dtype(self):
        found = [a for a in self.arrays if a is not None]
        return found[0].dtype if found else np.dtype(np.int16)

    def _open_kwd(self, path, inner):
        f = self._files.get(path)
        if f is None:
            f = self._files[path] = open_h5(path)
        if inner not in f:
            return None
        dset = f.read(inner)
        if dset.ndim != 2:
            raise DataError(path, f"{inner} has shape {dset.shape}, expected (n_samples, "
                            "n_channels)", "rewrite the raw data as a 2D dataset")
        mm = dataset_memmap(path, dset)
        return mm if mm is not None else dset

    def _open_dat(self, path):
        dtype = self._metadata.get("dtype")
        n_channels = self._metadata.get("n_channels")
        if not dtype or not n_channels:
            self.warnings.append(f"{path.name}: the PRM parameters `dtype` and `n_channels` are "
                                 "missing from the .kwik, so this raw file cannot be read")
            return None
        dtype, n_channels = np.dtype(dtype), int(n_channels)
        size = path.stat().st_size
        row = dtype.itemsize * n_channels
        warning = partial_frame_warning(path, size, n_channels, dtype)
        if warning:
            self.warnings.append(warning)
        n = size // row
        if n == 0:
            return np.zeros((0, n_channels), dtype=dtype)
        return np.memmap(path, dtype=dtype, mode="r", shape=(n, n_channels))

    def _open_one(self, rec, attrs, basename):
        files = self._metadata.get("raw_data_files") or []
        if isinstance(files, str):
            files = [files]
        tries = []
        if "hdf5_path" in attrs:
            file_part, inner = _kwd_file_and_path(attrs["hdf5_path"], rec)
            tries += [("kwd", p, inner) for p in candidate_paths(self.kwik_path, file_part)]
        if "dat_path" in attrs:
            tries += [("dat", p, None) for p in candidate_paths(self.kwik_path, attrs["dat_path"])]
        tries.append(("kwd", self.kwik_path.parent / f"{basename}.raw.kwd",
                      f"/recordings/{rec}/data"))
        if rec < len(files):
            tries += [("dat" if not str(files[rec]).endswith(".kwd") else "kwd", p,
                       f"/recordings/{rec}/data") for p in candidate_paths(self.kwik_path, files[rec])]
        for kind, path, inner in tries:
            if not path.is_file():
                continue
            arr = self._open_kwd(path, inner) if kind == "kwd" else self._open_dat(path)
            if arr is not None:
                return arr, str(path)
        return None, None

    def close(self):
        for f in self._files.values():
            f.close()
        self._files.clear()
        self.arrays = [None] * len(self.arrays)


def recording_starts(kwik_path, recordings, start_attrs, lengths, spikes_max):
    """Start sample of every recording on the concatenated time axis, and warnings.

    ``start_attrs``: ``start_sample`` attributes (None when absent); ``lengths``: raw data
    lengths (None when missing); ``spikes_max``: largest spike sample of each recording over
    all channel groups (-1 when none). The stored start samples are used when all present;
    otherwise recordings are placed end to end (raw length, else last spike + 1).
    """
    warnings = []
    n = len(recordings)
    if n and all(s is not None for s in start_attrs):
        starts = np.asarray(start_attrs, dtype=np.int64)
        if np.any(np.diff(starts) < 0):
            raise DataError(kwik_path, f"the recordings' start_sample attributes decrease "
                            f"({starts.tolist()})", "fix /recordings/<r>.start_sample")
        for i in range(n - 1):
            if lengths[i] is None:
                continue
            room = int(starts[i + 1] - starts[i])
            if lengths[i] < room:
                warnings.append(f"recording {recordings[i]} has {lengths[i]} samples of raw data "
                                f"but the next one starts {room} samples later: the rest reads "
                                "as zeros")
            elif lengths[i] > room:
                warnings.append(f"recording {recordings[i]} has {lengths[i]} samples of raw data, "
                                f"more than the {room} samples before the next one: the end is "
                                "not shown")
        return starts, warnings
    starts, t = [], 0
    for i in range(n):
        starts.append(t)
        t += lengths[i] if lengths[i] is not None else int(spikes_max[i]) + 1
    if n > 1:
        how = "raw data lengths" if all(x is not None for x in lengths) else "last spikes"
        warnings.append(f"the recordings have no start_sample attributes: placed end to end "
                        f"(from their {how})")
    return np.asarray(starts, dtype=np.int64), warnings


def concatenate_recordings(arrays, starts, n_samples, sample_rate):
    """The recordings ``arrays[r]`` (``(n_samples_r, n_columns)`` memmaps or h5py datasets,
    None when missing) placed at ``starts[r]`` on one time axis of ``n_samples`` samples, as
    an ``EphysTraces``. Gaps and missing recordings read as zeros; a recording longer than the
    room before the next one is cut. None when no recording has raw data."""
    found = [a for a in arrays if a is not None]
    if not found:
        return None
    n_columns, dtype = found[0].shape[1], np.dtype(found[0].dtype)
    pieces, t = [], 0

    def zeros(n):  # a read-only block of zeros that takes no memory
        pieces.append(np.broadcast_to(np.zeros((1, n_columns), dtype=dtype), (n, n_columns)))

    ends = list(np.asarray(starts[1:], dtype=np.int64)) + [int(n_samples)]
    for arr, start, end in zip(arrays, starts, ends):
        start = int(start)
        if arr is None or start >= end:
            continue
        if start > t:
            zeros(start - t)
            t = start
        n = min(len(arr), int(end) - start)
        if n <= 0:
            continue
        if n < len(arr):  # a view of the first n rows
            arr = arr[:n] if isinstance(arr, np.ndarray) else \
                LazyRows(arr, (n, n_columns), arr.dtype)
        pieces.append(arr)
        t = start + n
    if n_samples > t:
        zeros(int(n_samples) - t)
    return get_ephys_reader(pieces, sample_rate=sample_rate)


class WaveformLoader:
    """Spike waveforms ``[s - n_before, s + n_after)`` around spike samples ``s``, read from
    ``traces`` (an ``EphysTraces``; zeros outside the recording).

    ``filter_params`` ``(low, high, order)`` (a Butterworth filter,
    :func:`phyclone.utils.butterworth.band_sos`, designed on first use) filter them
    zero-phase after reading ``margin`` extra samples on each side; ``filtered`` is the
    default of ``get``.
    """

    def __init__(self, traces, n_before, n_after, filter_params=None, margin=0, filtered=True):
        self.traces = traces
        self.n_before, self.n_after = int(n_before), int(n_after)
        self.filter_params = filter_params
        self.margin = int(margin)
        self.filtered = bool(filtered) and filter_params is not None
        self._sos = None

    @property
    def n_samples_waveforms(self):
        return self.n_before + self.n_after

    @property
    def n_channels(self):
        return self.traces.n_channels

    def get(self, spike_samples, channels=None, filtered=None):
        """``(n_spikes, n_samples_waveforms, n_channels)`` float32 waveforms."""
        samples = np.asarray(spike_samples, dtype=np.int64).ravel()
        ns = self.n_samples_waveforms
        filtered = self.filtered if filtered is None else \
            (bool(filtered) and self.filter_params is not None)
        if filtered and self._sos is None:
            self._sos = butterworth.band_sos(self.traces.sample_rate, *self.filter_params)
        # extract_waveforms reads [s - ns // 2, s + ns - ns // 2).
        out = extract_waveforms(self.traces, samples + (ns // 2 - self.n_before), channels, ns,
                                filter=filtered, margin=self.margin,
                                sos=self._sos if filtered else None)
        return np.asarray(out, dtype=np.float32)
