"""Sparse per-row channel structures (templates, PC features, waveform pool) to dense arrays."""

import numpy as np


def from_sparse(data, cols, channel_ids):
    """Dense values on ``channel_ids`` from a sparse structure.

    ``data``: (n, n_channels_loc, ...) values; ``cols``: (n, n_channels_loc) channel id of
    every column (``-1`` = padding). Returns (n, len(channel_ids), ...): requested channels a
    row does not hold are zeros; columns on other channels are dropped.
    """
    data = np.asarray(data)
    cols = np.asarray(cols).astype(np.int64, copy=False)
    channel_ids = np.asarray(channel_ids).astype(np.int64, copy=False).reshape(-1)
    if cols.ndim != 2 or data.shape[:2] != cols.shape:
        raise ValueError(f"data {data.shape} and cols {cols.shape} do not match")
    if len(np.unique(channel_ids)) != len(channel_ids):
        raise ValueError("requested channel ids must be unique")
    n, n_loc = cols.shape
    nc = len(channel_ids)
    top = int(max(cols.max(initial=0), channel_ids.max(initial=0))) + 1
    lut = np.full(top + 1, nc, dtype=np.int64)  # nc = the discarded column
    lut[channel_ids[channel_ids >= 0]] = np.flatnonzero(channel_ids >= 0)
    loc = lut[np.where(cols >= 0, cols, top)]
    out = np.zeros((n, nc + 1) + data.shape[2:], dtype=data.dtype)
    out[np.arange(n)[:, None], loc] = data
    return out[:, :nc]


def sparse_rows(sparse, spike_ids):
    """Rows of ``sparse.data`` for spikes; ``sparse.rows`` (sorted spike ids) when the data
    holds a subset. Spikes without stored data get NaN rows. Returns float32."""
    n = len(spike_ids)
    out = np.full((n,) + sparse.data.shape[1:], np.nan, dtype=np.float32)
    if sparse.rows is not None:
        pos = np.searchsorted(sparse.rows, spike_ids)
        found = pos < len(sparse.rows)
        found[found] = sparse.rows[pos[found]] == spike_ids[found]
        idx, dst = pos[found], np.flatnonzero(found)
    else:  # one row per spike; spikes added since (ids beyond the rows) have none
        found = spike_ids < sparse.data.shape[0]
        idx, dst = spike_ids[found], np.flatnonzero(found)
    if len(idx):
        order = np.argsort(idx, kind="stable")
        out[dst[order]] = sparse.data[idx[order]]  # one sorted gather from the memory map
    return out


def densify(sparse, spike_templates, spike_ids, channel_ids):
    """Dense features of spikes on ``channel_ids`` from ``Bunch(data, cols, rows)`` whose
    ``cols`` are per template (``None``: column ``i`` is channel ``i``). Spikes without
    stored data get NaN rows."""
    spike_ids = np.asarray(spike_ids, dtype=np.int64).reshape(-1)
    data = sparse_rows(sparse, spike_ids)
    if sparse.cols is not None:
        cols = sparse.cols[np.asarray(spike_templates[spike_ids], dtype=np.int64)]
    else:
        cols = np.tile(np.arange(data.shape[1]), (len(spike_ids), 1))
    out = from_sparse(data, cols, channel_ids)
    out[np.isnan(data).all(axis=tuple(range(1, data.ndim)))] = np.nan
    return out
