"""Lazy arrays behind ``KwikModel``: HDF5 row readers, recordings concatenated in time, and
virtual spike waveforms filtered on the fly. Nothing here loads a whole file in memory.

The raw-trace pieces (recording concatenation, Butterworth filtering) are private to the Kwik
reader until the shared ``phyclone.io.traces`` / ``phyclone.io.filtering`` modules exist.
"""

import numpy as np


def _as_index(item, n):
    """Normalize a first-axis selection to an int, a slice or a 1D int64 array."""
    if isinstance(item, (int, np.integer)):
        i = int(item)
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for length {n}")
        return i + n if i < 0 else i
    if isinstance(item, slice):
        return item
    arr = np.asarray(item)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise IndexError(f"boolean index of shape {arr.shape} for length {n}")
        return np.nonzero(arr)[0]
    arr = arr.astype(np.int64, copy=False).ravel()
    if arr.size and (arr.min() < -n or arr.max() >= n):
        raise IndexError(f"index out of range for length {n}")
    return np.where(arr < 0, arr + n, arr)


def unique_ids(x):
    """Sorted unique values of a non-negative int array (bincount when the range is small)."""
    x = np.asarray(x)
    if x.size and x.min() >= 0 and x.max() < 4 * x.size + 1024:
        return np.nonzero(np.bincount(x))[0]
    return np.unique(x)


class LazyVector:
    """``(n,)`` virtual array computed on access: ``v[ids]`` returns ``func(ids)``."""

    def __init__(self, func, n, dtype=np.float64):
        self._func = func
        self.shape = (int(n),)
        self.dtype = np.dtype(dtype)
        self.ndim = 1

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, item):
        idx = _as_index(item, self.shape[0])
        if isinstance(idx, int):
            return self._func(np.array([idx]))[0]
        if isinstance(idx, slice):
            idx = np.arange(*idx.indices(self.shape[0]))
        return self._func(idx)


def read_rows(dset, rows):
    """Rows of an h5py dataset (or array) for any int-array selection, in the order asked.

    h5py wants increasing, unique indices: read those, then scatter back.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        return np.zeros((0,) + tuple(dset.shape[1:]), dtype=dset.dtype)
    if isinstance(dset, np.ndarray):
        return dset[rows]
    uniq, inv = np.unique(rows, return_inverse=True)
    if uniq[-1] - uniq[0] + 1 <= 4 * len(uniq):
        block = dset[int(uniq[0]):int(uniq[-1]) + 1]  # one contiguous read is faster
        return block[rows - uniq[0]]
    return dset[uniq][inv]


class LazyRows:
    """An ``(n, ...)`` array read from an h5py dataset on demand, with a per-read transform.

    ``transform(block)`` maps the raw rows to the exposed trailing shape (e.g. keep the
    features of a ``features_masks`` block and reshape them per channel).
    """

    def __init__(self, dset, shape, dtype, transform=None):
        self._dset = dset
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.ndim = len(self.shape)
        self._transform = transform or (lambda x: x)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, item):
        rest = ()
        if isinstance(item, tuple):
            item, rest = item[0], item[1:]
        idx = _as_index(item, self.shape[0])
        if isinstance(idx, int):
            out = self._transform(self._dset[idx:idx + 1])[0]
            return out[rest] if rest else out
        if isinstance(idx, slice):
            out = self._transform(self._dset[idx])
        else:
            out = self._transform(read_rows(self._dset, idx))
        return out[(slice(None),) + rest] if rest else out

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out.astype(dtype) if dtype is not None else out


def features_masks_views(fm, n_channels, n_features_per_channel):
    """``features (n, n_channels, n_fpc)`` and ``masks (n, n_channels)`` views of a
    ``features_masks (n, n_channels * n_fpc, 2)`` array (memmap → strided views, no copy;
    h5py dataset → ``LazyRows``)."""
    n, nc, nf = fm.shape[0], n_channels, n_features_per_channel
    if isinstance(fm, np.ndarray):
        features = fm[:, :, 0].reshape((n, nc, nf))
        masks = fm[:, ::nf, 1]
        return features, masks
    features = LazyRows(fm, (n, nc, nf), fm.dtype,
                        lambda b: np.asarray(b)[:, :, 0].reshape((-1, nc, nf)))
    masks = LazyRows(fm, (n, nc), fm.dtype, lambda b: np.asarray(b)[:, ::nf, 1])
    return features, masks


class ConcatenatedTraces:
    """Several recordings ``(n_samples_r, n_columns)`` placed end to end in time.

    Recording ``r`` starts at sample ``starts[r]``; samples not covered by any recording (gaps,
    truncated or missing files) read as zeros. ``cols`` selects and orders the columns
    (channels) exposed; None exposes all. Rows are read lazily from memmaps / h5py datasets.
    """

    def __init__(self, arrays, starts, n_columns, dtype, cols=None, n_samples=None):
        self.arrays = list(arrays)
        self.starts = np.asarray(starts, dtype=np.int64)
        ends = [s + (len(a) if a is not None else 0) for s, a in zip(self.starts, self.arrays)]
        # A recording never overlaps the next one.
        nexts = list(self.starts[1:]) + [None]
        self.stops = np.array([e if n is None else min(e, n) for e, n in zip(ends, nexts)],
                              dtype=np.int64)
        self.n_samples = int(n_samples if n_samples is not None else max(ends, default=0))
        self.n_columns = int(n_columns)
        self.cols = None if cols is None else np.asarray(cols, dtype=np.int64)
        self.dtype = np.dtype(dtype)

    @property
    def shape(self):
        nc = len(self.cols) if self.cols is not None else self.n_columns
        return (self.n_samples, nc)

    @property
    def ndim(self):
        return 2

    @property
    def chunk_bounds(self):
        """Sample boundaries of the recordings, ``[start_0, start_1, ..., n_samples]``."""
        return np.r_[self.starts, self.n_samples]

    def __len__(self):
        return self.n_samples

    def _read(self, start, stop, cols):
        """Rows ``[start, stop)`` (clipped to the data) on the given columns."""
        out = np.zeros((max(0, stop - start), len(cols)), dtype=self.dtype)
        for arr, s0, s1 in zip(self.arrays, self.starts, self.stops):
            a, b = max(start, s0), min(stop, s1)
            if arr is None or a >= b:
                continue
            block = np.asarray(arr[a - s0:b - s0])
            out[a - start:b - start] = block[:, cols]
        return out

    def read(self, start, stop, channels=None):
        """Samples ``[start, stop)`` (outside the data: zeros) on the exposed channel indices
        ``channels`` (default: all), as ``(stop - start, n_channels)``."""
        cols = self.cols if self.cols is not None else np.arange(self.n_columns)
        if channels is not None:
            cols = cols[np.asarray(channels, dtype=np.int64)]
        return self._read(int(start), int(stop), cols)

    def __getitem__(self, item):
        cols_item = slice(None)
        if isinstance(item, tuple):
            item, cols_item = item[0], (item[1] if len(item) > 1 else slice(None))
        idx = _as_index(item, self.n_samples)
        cols = self.cols if self.cols is not None else np.arange(self.n_columns)
        cols = np.atleast_1d(cols[cols_item])
        if isinstance(idx, int):
            out = self._read(idx, idx + 1, cols)[0]
        elif isinstance(idx, slice):
            start, stop, step = idx.indices(self.n_samples)
            out = self._read(start, max(start, stop), cols)[::step]
        else:
            out = np.zeros((len(idx), len(cols)), dtype=self.dtype)
            order = np.argsort(idx, kind="stable")
            sorted_idx = idx[order]
            for arr, s0, s1 in zip(self.arrays, self.starts, self.stops):
                lo, hi = np.searchsorted(sorted_idx, [s0, s1])
                if arr is None or lo >= hi:
                    continue
                out[order[lo:hi]] = read_rows(arr, sorted_idx[lo:hi] - s0)[:, cols]
        if isinstance(cols_item, (int, np.integer)):
            out = out[..., 0]
        return out


def butter_filter(sample_rate, low, high=None, order=3):
    """Butterworth ``(b, a)``: band-pass ``[low, high]`` Hz, or high-pass at ``low`` when
    ``high`` is None or not below Nyquist."""
    from scipy import signal  # imported on first use: keeps model loading fast
    nyq = .5 * float(sample_rate)
    if high is not None and float(high) < nyq:
        return signal.butter(int(order), (float(low) / nyq, float(high) / nyq), "bandpass")
    return signal.butter(int(order), float(low) / nyq, "highpass")


class WaveformLoader:
    """Extract spike waveforms from traces, filtering each window on the fly.

    A waveform of spike sample ``s`` covers samples ``[s - n_before, s + n_after)``. With
    ``filter_params`` (``butter_filter`` arguments; the filter is designed on first use),
    ``margin`` extra samples on each side are read, filtered forward and backward (zero phase)
    and dropped. Samples outside the recording read as zeros.
    """

    def __init__(self, traces, n_samples_before, n_samples_after, filter_params=None, margin=0):
        self.traces = traces
        self.n_before = int(n_samples_before)
        self.n_after = int(n_samples_after)
        self.filter_params = filter_params
        self.margin = int(margin) if filter_params is not None else 0
        self._ba = None

    @property
    def n_samples_waveforms(self):
        return self.n_before + self.n_after

    def get(self, spike_samples, channels=None):
        """``(n_spikes, n_samples_waveforms, n_channels)`` float32 waveforms."""
        spike_samples = np.asarray(spike_samples, dtype=np.int64).ravel()
        n_ch = self.traces.shape[1] if channels is None else len(channels)
        m, ns = self.margin, self.n_samples_waveforms
        out = np.zeros((len(spike_samples), ns, n_ch), dtype=np.float32)
        if not len(spike_samples):
            return out
        windows = np.stack([self.traces.read(s - self.n_before - m, s + self.n_after + m,
                                             channels) for s in spike_samples])
        windows = windows.astype(np.float32)
        if self.filter_params is not None:
            from scipy import signal
            if self._ba is None:
                self._ba = butter_filter(*self.filter_params)
            b, a = self._ba
            windows = signal.filtfilt(b, a, windows, axis=1).astype(np.float32)
        out[:] = windows[:, m:m + ns, :]
        return out


class VirtualWaveforms:
    """``(n_spikes, n_samples_waveforms, n_channels)`` virtual array: ``w[spike_ids]``
    extracts and filters those spikes' waveforms from the raw traces."""

    def __init__(self, loader, spike_samples):
        self.loader = loader
        self.spike_samples = spike_samples
        self.shape = (len(spike_samples), loader.n_samples_waveforms, loader.traces.shape[1])
        self.dtype = np.dtype(np.float32)
        self.ndim = 3

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, item):
        rest = ()
        if isinstance(item, tuple):
            item, rest = item[0], item[1:]
        idx = _as_index(item, self.shape[0])
        if isinstance(idx, slice):
            idx = np.arange(*idx.indices(self.shape[0]))
        channels = None
        if len(rest) == 2 and not isinstance(rest[1], slice):
            channels, rest = np.atleast_1d(rest[1]), (rest[0], slice(None))
        out = self.loader.get(self.spike_samples[np.atleast_1d(idx)], channels)
        if isinstance(idx, int):
            out = out[0]
            return out[rest] if rest else out
        return out[(slice(None),) + rest] if rest else out
