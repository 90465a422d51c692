"""Raw recordings as lazy (n_samples, n_channels) arrays.

One or several files concatenated in time: flat binary (``.dat .bin .raw``, any other
extension is read as flat binary too), MountainSort ``.mda``, ``.npy`` and mtscomp ``.cbin``
(with its ``.ch``). Nothing is read until sliced: ``traces[i:j]``, ``traces[i:j, channels]``,
``traces[sample_indices, channels]``. An optional channel map (``channel_map.npy``) reorders
and selects the columns, as in phy.
"""

import logging
from pathlib import Path

import numpy as np

from phyclone.utils.errors import DataError

from phyclone.io.raw.mda import open_mda_recording

logger = logging.getLogger(__name__)

#: Extensions read as flat binary without a header.
FLAT_EXTENSIONS = (".dat", ".bin", ".raw")
#: Duration of the regular chunks used to pick spikes in a subset of the recording (as phy).
CHUNK_DURATION = 600.0
_PARAMS_FIX = "check n_channels_dat, dtype and offset in params.py"


class _Part:
    """One file: a memory-mapped 2-D array, or an mtscomp reader (``array`` is None)."""

    def __init__(self, path, n_channels, dtype, n_samples, array=None, reader=None,
                 warning=None):
        self.path, self.n_channels, self.dtype = path, n_channels, np.dtype(dtype)
        self.n_samples, self.array, self.reader = n_samples, array, reader
        self.warning = warning

    def read(self, i0, i1):
        if self.array is not None:
            return self.array[i0:i1]
        return self.reader[i0:i1]

    def close(self):
        if self.reader is not None:
            self.reader.close()
        self.array = self.reader = None


def _flat_part(path, n_channels, dtype, offset):
    if not n_channels:
        raise DataError(path, "n_channels_dat is not set", "set n_channels_dat in params.py")
    dtype = np.dtype(dtype)
    size = path.stat().st_size
    row = n_channels * dtype.itemsize
    if size < offset:
        raise DataError(path, f"is {size} bytes long, shorter than the header offset {offset}",
                        _PARAMS_FIX)
    warning = partial_frame_warning(path, size - offset, n_channels, dtype)
    if warning:
        logger.warning("%s.", warning)
    n = (size - offset) // row
    arr = (np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(n, n_channels))
           if n else np.zeros((0, n_channels), dtype=dtype))
    return _Part(path, n_channels, dtype, n, array=arr, warning=warning)


def spikes_after_end_warning(n_after, n_spikes, duration):
    """The message when ``n_after`` of ``n_spikes`` spikes lie after the end of the raw data
    (``duration`` seconds long), else None: the same words for every kind of dataset."""
    if not n_after:
        return None
    return (f"{n_after}/{n_spikes} spikes are after the end of the raw data ({duration:.3f} s); "
            "their waveforms read as zeros")


def partial_frame_warning(path, n_bytes, n_channels, dtype):
    """The message when ``n_bytes`` of flat raw data end with a partial frame (as phylib, the
    partial last frame is ignored), else None."""
    itemsize = np.dtype(dtype).itemsize
    extra = n_bytes % (n_channels * itemsize)
    if not extra:
        return None
    message = (f"{Path(path).name}: its last {extra} bytes are not a whole frame of "
               f"{n_channels} channels x {itemsize} bytes and are ignored (a truncated file, "
               "or wrong n_channels_dat / dtype / offset)")
    return message


def _npy_part(path):
    from phyclone.io.arrays import NpyFile
    npy = NpyFile(path)
    if npy.ndim != 2:
        raise DataError(path, f"has shape {npy.shape}, expected (n_samples, n_channels)",
                        "save the recording as a 2-D array, one column per channel")
    npy.require_kind("iuf", "raw data", "save the recording as integers or floats")
    return _Part(path, npy.shape[1], npy.dtype, npy.shape[0], array=npy.load(mmap=True))


def _cbin_part(path):
    import mtscomp
    ch = path.with_suffix(".ch")
    if not ch.exists():
        raise DataError(path, f"its metadata file {ch.name} is missing",
                        "put the .ch file written by mtscomp next to the .cbin file")
    reader = mtscomp.Reader(quiet=True)
    try:
        reader.open(path, ch)
    except (ValueError, KeyError, OSError) as e:
        raise DataError(ch, f"is not a valid mtscomp header ({e})", "re-compress the raw data") \
            from None
    return _Part(path, reader.n_channels, reader.dtype, reader.n_samples, reader=reader), reader


def _open_part(path, n_channels, dtype, offset):
    ext = path.suffix.lower()
    if ext == ".cbin":
        return _cbin_part(path)
    if ext == ".npy":
        return _npy_part(path), None
    if ext == ".mda":
        arr = open_mda_recording(path)
        return _Part(path, arr.shape[1], arr.dtype, arr.shape[0], array=arr), None
    if ext not in FLAT_EXTENSIONS:
        logger.warning("Unknown raw data extension `%s`: reading %s as flat binary.", ext, path)
    return _flat_part(path, n_channels, dtype, offset), None


def _columns(chunk, cols):
    """``chunk[:, cols]``; an index array goes through ``np.take`` (3× faster than fancy
    indexing on a memory map of interleaved samples)."""
    if isinstance(cols, np.ndarray) and cols.ndim == 1:
        return np.take(chunk, cols, axis=1)
    return chunk[:, cols]


class EphysTraces:
    """Lazy (n_samples, n_channels) view over one or several raw data files.

    ``channel_map`` (optional) gives, for every output column, the column in the files.
    """

    def __init__(self, parts, sample_rate, channel_map=None):
        if not parts:
            raise ValueError("at least one part is needed")
        self._parts = parts
        self.sample_rate = float(sample_rate)
        self.n_channels_raw = parts[0].n_channels
        self.dtype = parts[0].dtype
        self.paths = [p.path for p in parts]
        self.name = self.paths[0].stem if self.paths[0] else "array"
        cm = np.arange(self.n_channels_raw) if channel_map is None else np.asarray(channel_map)
        cm = cm.astype(np.int64).reshape(-1)
        if len(cm) and (cm.min() < 0 or cm.max() >= self.n_channels_raw):
            raise IndexError(f"channel map values must be in [0, {self.n_channels_raw})")
        self.channel_map = cm
        self.part_bounds = np.cumsum([0] + [p.n_samples for p in parts]).astype(np.int64)
        #: What the user should know about the files (e.g. an ignored partial last frame).
        self.warnings = [p.warning for p in parts if p.warning]

    # Shape ---------------------------------------------------------------------------------
    @property
    def n_samples(self):
        return int(self.part_bounds[-1])

    @property
    def n_channels(self):
        return len(self.channel_map)

    @property
    def shape(self):
        return (self.n_samples, self.n_channels)

    ndim = 2

    def __len__(self):
        return self.n_samples

    @property
    def duration(self):
        """Duration in seconds."""
        return self.n_samples / self.sample_rate

    @property
    def chunk_bounds(self):
        """Sample bounds of the compression chunks (.cbin) or of regular 600 s chunks."""
        step = max(1, int(round(CHUNK_DURATION * self.sample_rate)))
        out = []
        for part, b0 in zip(self._parts, self.part_bounds[:-1]):
            if part.reader is not None:
                bounds = np.asarray(part.reader.chunk_bounds, dtype=np.int64) + b0
            else:
                bounds = np.r_[np.arange(0, part.n_samples, step), part.n_samples] + b0
            out.extend(bounds[1:] if out else bounds)
        return np.unique(np.asarray(out, dtype=np.int64))

    def __repr__(self):
        files = ", ".join(str(p) for p in self.paths)
        return f"<EphysTraces {self.shape} {self.dtype} @ {self.sample_rate:g} Hz: {files}>"

    # Channel selection ---------------------------------------------------------------------
    def select_channels(self, channel_ids):
        """A view of these traces on a subset / permutation of the (mapped) channels."""
        return EphysTraces(self._parts, self.sample_rate, self.channel_map[channel_ids])

    def _raw_cols(self, cols):
        if cols is None:
            return self.channel_map
        return self.channel_map[cols]

    # Reading -------------------------------------------------------------------------------
    def read(self, start, stop, channel_ids=None):
        """Samples ``[start, stop)`` (clipped to the recording) on the given channels."""
        start, stop = max(0, int(start)), min(self.n_samples, int(stop))
        cols = self._raw_cols(channel_ids)
        if stop <= start:
            return np.zeros((0,) + np.shape(cols), dtype=self.dtype)
        pieces = []
        for i, part in enumerate(self._parts):
            b0, b1 = self.part_bounds[i], self.part_bounds[i + 1]
            if b1 <= start or b0 >= stop:
                continue
            chunk = part.read(max(start, b0) - b0, min(stop, b1) - b0)
            pieces.append(_columns(chunk, cols))
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=0)

    def read_windows(self, starts, length, channel_ids=None):
        """Windows ``[s, s + length)`` for every start ``s``: (n, length, n_channels).

        Samples outside the recording are zeros (spikes near the edges or beyond the end of
        the file never raise).
        """
        starts = np.asarray(starts, dtype=np.int64).reshape(-1)
        cols = np.atleast_1d(self._raw_cols(channel_ids))
        out = np.zeros((len(starts), length, len(cols)), dtype=self.dtype)
        if not len(starts) or not length or not len(cols):
            return out
        # A run of consecutive columns is sliced (a view), other selections gathered.
        if len(cols) > 1 and np.all(np.diff(cols) == 1):
            cols = slice(int(cols[0]), int(cols[-1]) + 1)
        bounds = self.part_bounds
        first = np.searchsorted(bounds, starts, side="right") - 1
        last = np.searchsorted(bounds, starts + length - 1, side="right") - 1
        for j, s in enumerate(starts.tolist()):  # per-window slices: faster than a gather
            for i in range(max(first[j], 0), min(last[j], len(self._parts) - 1) + 1):
                b0, b1 = int(bounds[i]), int(bounds[i + 1])
                a, b = max(s, b0), min(s + length, b1)
                if a < b:
                    out[j, a - s:b - s] = _columns(self._parts[i].read(a - b0, b - b0), cols)
        return out

    def __getitem__(self, item):
        rows, cols = (item if isinstance(item, tuple) else (item, None))
        if isinstance(item, tuple) and len(item) != 2:
            raise IndexError("traces are indexed as traces[rows] or traces[rows, channels]")
        if cols is not None and isinstance(cols, slice):
            cols = np.arange(self.n_channels)[cols]
        if isinstance(rows, slice):
            start, stop, step = rows.indices(self.n_samples)
            if step < 0:
                return self[np.arange(start, stop, step), cols]
            out = self.read(start, stop, cols)
            return out[::step] if step != 1 else out
        if isinstance(rows, (int, np.integer)):
            r = int(rows) + (self.n_samples if rows < 0 else 0)
            if not 0 <= r < self.n_samples:
                raise IndexError(f"sample {rows} out of range for {self.n_samples} samples")
            return self.read(r, r + 1, cols)[0]
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        rows = np.where(rows < 0, rows + self.n_samples, rows)
        if len(rows) and (rows.min() < 0 or rows.max() >= self.n_samples):
            raise IndexError(f"sample indices out of range for {self.n_samples} samples")
        scalar_col = cols is not None and np.ndim(cols) == 0
        out = self.read_windows(rows, 1, np.atleast_1d(cols) if cols is not None else None)[:, 0]
        return out[:, 0] if scalar_col else out

    def __array__(self, dtype=None, copy=None):
        arr = self.read(0, self.n_samples)
        return arr.astype(dtype) if dtype is not None else arr

    def iter_chunks(self):
        """Yield ``(start, stop)`` sample bounds of consecutive chunks."""
        b = self.chunk_bounds
        yield from zip(b[:-1].tolist(), b[1:].tolist())

    def close(self):
        """Release the memory maps and decompressors."""
        for p in self._parts:
            p.close()


def _is_array(obj):
    return not isinstance(obj, (str, Path)) and hasattr(obj, "shape") and hasattr(obj, "dtype")


def get_ephys_reader(obj, n_channels_dat=None, dtype=None, offset=0, sample_rate=None,
                     channel_map=None):
    """Open raw data as :class:`EphysTraces`; ``None`` (with a warning) when a file is missing.

    ``obj``: a path, a list of paths (concatenated in time), a NumPy-like 2-D array (a
    memmap, an h5py dataset...), a list of such arrays (concatenated in time), or an
    ``mtscomp.Reader``. Files that describe themselves (``.npy``, ``.mda``, ``.cbin``) must
    agree with ``n_channels_dat`` when it is given.
    """
    if obj is None:
        return None
    if hasattr(obj, "cmeta") and hasattr(obj, "chunk_bounds"):  # an open mtscomp.Reader
        parts = [_Part(Path(getattr(obj.cdata, "name", "")), obj.n_channels, obj.dtype,
                       obj.n_samples, reader=obj)]
        return EphysTraces(parts, sample_rate or obj.sample_rate, channel_map)
    arrays = [obj] if _is_array(obj) else list(obj) if isinstance(obj, (list, tuple)) else []
    if arrays and all(_is_array(a) for a in arrays):
        if any(len(a.shape) != 2 for a in arrays):
            raise ValueError("raw data arrays must be (n_samples, n_channels)")
        if len({(a.shape[1], np.dtype(a.dtype)) for a in arrays}) > 1:
            raise ValueError("concatenated raw data arrays must have the same number of "
                             "channels and dtype")
        parts = [_Part(None, a.shape[1], a.dtype, a.shape[0], array=a) for a in arrays]
        return EphysTraces(parts, sample_rate or 1.0, channel_map)
    paths = [Path(p) for p in (obj if isinstance(obj, (list, tuple)) else [obj])]
    if not paths:
        return None
    missing = [p for p in paths if not p.exists()]
    if missing:
        logger.warning("Raw data file %s not found: continuing without raw data.",
                       ", ".join(map(str, missing)))
        return None
    dtype = np.dtype(dtype if dtype is not None else np.int16)
    parts, readers = [], []
    try:
        for p in paths:
            part, reader = _open_part(p, n_channels_dat, dtype, offset)
            parts.append(part)
            if reader is not None:
                readers.append(reader)
                if sample_rate and abs(reader.sample_rate - sample_rate) > 1e-6 * sample_rate:
                    logger.warning("%s says %g Hz, params.py says %g Hz: using %g Hz.",
                                   p.name, reader.sample_rate, sample_rate, sample_rate)
                sample_rate = sample_rate or reader.sample_rate
            if n_channels_dat and part.n_channels != n_channels_dat:
                raise DataError(p, f"holds {part.n_channels} channels but n_channels_dat = "
                                f"{n_channels_dat}", _PARAMS_FIX)
            if part.dtype != dtype and p.suffix.lower() not in FLAT_EXTENSIONS:
                logger.debug("%s stores %s (params.py says %s).", p.name, part.dtype, dtype)
        first = parts[0]
        for part in parts[1:]:
            if part.n_channels != first.n_channels or part.dtype != first.dtype:
                raise DataError(part.path, f"has {part.n_channels} channels of {part.dtype}, "
                                f"but {first.path.name} has {first.n_channels} of {first.dtype}",
                                "concatenate only files of the same recording")
        if not sample_rate or sample_rate <= 0:
            raise DataError(paths[0], "no sample rate is known for this raw data",
                            "set sample_rate in params.py")
    except BaseException:
        for r in readers:
            r.close()
        raise
    return EphysTraces(parts, sample_rate, channel_map)
