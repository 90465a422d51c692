"""Lazy arrays behind ``KwikModel``: HDF5 row readers, the features / masks views of a
``features_masks`` array, and virtual spike waveforms. Nothing here loads a whole file in
memory. (Raw traces are ``phyclone.io.raw.traces.EphysTraces``, see ``kwik_recordings``.)
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


class VirtualWaveforms:
    """``(n_spikes, n_samples_waveforms, n_channels)`` virtual array: ``w[spike_ids]``
    extracts and filters those spikes' waveforms from the raw traces with
    ``loader.get(spike_samples, channels)``."""

    def __init__(self, loader, spike_samples):
        self.loader = loader
        self.spike_samples = spike_samples
        self.shape = (len(spike_samples), loader.n_samples_waveforms, loader.n_channels)
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
