"""Spike waveforms: extraction from raw data (optionally filtered, with margins) and the
``_phy_spikes_subset.*`` waveform pool (reading, and writing it as ``phy extract-waveforms``)."""

import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from phyclone.utils import Bunch

from phyclone.io.arrays import NpyFile
from phyclone.io.raw.filtering import default_margin, filter_windows
from phyclone.io.template.sparse import from_sparse

logger = logging.getLogger(__name__)

POOL_WAVEFORMS = "_phy_spikes_subset.waveforms.npy"
POOL_CHANNELS = "_phy_spikes_subset.channels.npy"
POOL_SPIKES = "_phy_spikes_subset.spikes.npy"
#: phy keeps spikes from at most this many chunks of the recording when building the pool.
N_CHUNKS_KEPT = 20
_BATCH = 1024


def extract_waveforms(traces, spike_samples, channel_ids=None, n_samples_waveforms=None,
                      filter=False, margin=None, sos=None):
    """Waveforms (n_spikes, n_samples_waveforms, n_channels) around integer spike samples.

    The window of a spike at sample ``s`` is ``[s - n // 2, s + n - n // 2)`` as in phy.
    Samples outside the recording are zeros. With ``filter=True`` the waveforms are high-pass
    filtered (phy's filter) after reading ``margin`` extra samples on both sides (default
    5 ms) and removing the per-channel mean (phy removes the median of the bare window: any
    constant only changes the start-up transient, which the margin absorbs); float32.
    ``sos``: another filter than phy's high-pass (see ``filter_windows``).
    """
    nsw = int(n_samples_waveforms or 0)
    if nsw <= 0:
        raise ValueError("n_samples_waveforms must be positive")
    samples = np.asarray(spike_samples, dtype=np.int64).reshape(-1)
    a = nsw // 2
    if not filter:
        return traces.read_windows(samples - a, nsw, channel_ids)
    m = default_margin(traces.sample_rate) if margin is None else int(margin)
    nc = traces.n_channels if channel_ids is None else len(np.atleast_1d(channel_ids))
    out = np.empty((len(samples), nsw, nc), dtype=np.float32)
    for i in range(0, len(samples), _BATCH):
        w = traces.read_windows(samples[i:i + _BATCH] - a - m, nsw + 2 * m, channel_ids)
        out[i:i + _BATCH] = filter_windows(w, traces.sample_rate, m, m + nsw, sos=sos)
    return out


# Waveform pool ----------------------------------------------------------------------------

def load_waveform_pool(dir_path, n_spikes, n_samples_waveforms=None):
    """The precomputed waveform pool of a folder, or None (with a warning if inconsistent).

    Returns ``Bunch(waveforms, spike_channels, spike_ids)``: ``waveforms`` memory-mapped
    (n_pool, n_samples, n_channels_loc), ``spike_channels`` (n_pool, n_channels_loc) with -1
    padding, ``spike_ids`` sorted.
    """
    dir_path = Path(dir_path)
    paths = [dir_path / n for n in (POOL_WAVEFORMS, POOL_CHANNELS, POOL_SPIKES)]
    present = [p.exists() for p in paths]
    if not any(present):
        return None
    try:
        if not all(present):
            raise ValueError(f"{paths[present.index(False)].name} is missing")
        wf, ch, sp = (NpyFile(p) for p in paths)
        spikes = sp.load_vector(mmap=False).astype(np.int64)
        channels = ch.load(mmap=False)
        if wf.ndim != 3 or channels.ndim != 2:
            raise ValueError(f"shapes {wf.shape} / {channels.shape} are not (n, n_samples, "
                             "n_channels_loc) / (n, n_channels_loc)")
        if not (wf.shape[0] == channels.shape[0] == len(spikes)) or \
                wf.shape[2] != channels.shape[1]:
            raise ValueError(f"waveforms {wf.shape}, channels {channels.shape} and spikes "
                             f"({len(spikes)},) disagree")
        if channels.dtype.kind not in "iu" or spikes.dtype.kind not in "iu":
            raise ValueError("channel and spike ids must be integers")
        if len(spikes) and (np.any(np.diff(spikes) <= 0) or spikes[0] < 0 or
                            spikes[-1] >= n_spikes):
            raise ValueError(f"spike ids must be sorted, unique and below {n_spikes}")
        if n_samples_waveforms and wf.shape[1] != n_samples_waveforms:
            raise ValueError(f"{wf.shape[1]} samples per waveform, the templates have "
                             f"{n_samples_waveforms}")
    except Exception as e:  # the pool is a cache: a bad one is skipped, never fatal
        logger.warning("Ignoring the waveform pool %s: %s; waveforms will be read from the "
                       "raw data (run `phy extract-waveforms` to rebuild it).", paths[0].name, e)
        return None
    return Bunch(waveforms=wf.load(mmap=True), spike_channels=channels.astype(np.int64),
                 spike_ids=spikes)


def pool_waveforms(pool, spike_ids, channel_ids):
    """Waveforms of ``spike_ids`` on ``channel_ids`` from the pool.

    Returns ``(waveforms, found)``: (n, n_samples, n_channels) with zeros for spikes not in
    the pool (``found`` False) and for channels a pooled spike was not stored on.
    """
    spike_ids = np.asarray(spike_ids, dtype=np.int64).reshape(-1)
    pos = np.searchsorted(pool.spike_ids, spike_ids)
    pos_c = np.minimum(pos, max(0, len(pool.spike_ids) - 1))
    found = (pos < len(pool.spike_ids)) & (pool.spike_ids[pos_c] == spike_ids) \
        if len(pool.spike_ids) else np.zeros(len(spike_ids), dtype=bool)
    nsw = pool.waveforms.shape[1]
    channel_ids = np.atleast_1d(np.asarray(channel_ids, dtype=np.int64))
    out = np.zeros((len(spike_ids), nsw, len(channel_ids)), dtype=pool.waveforms.dtype)
    rel = pos[found]
    if len(rel):
        order = np.argsort(rel, kind="stable")
        data = np.empty((len(rel),) + pool.waveforms.shape[1:], dtype=pool.waveforms.dtype)
        data[order] = pool.waveforms[rel[order]]  # one sorted gather from the memory map
        dense = from_sparse(data.transpose(0, 2, 1), pool.spike_channels[rel], channel_ids)
        out[found] = dense.transpose(0, 2, 1)
    return out, found


def select_pool_spikes(spikes_per_template, spike_samples, chunk_bounds, n_per_template, seed=0):
    """Up to ``n_per_template`` random spikes of every template, taken (as phy) from at most
    ``N_CHUNKS_KEPT`` evenly spread chunks of the recording. Returns sorted spike ids."""
    rng = np.random.default_rng(seed)
    chunk_bounds = np.asarray(chunk_bounds, dtype=np.int64)
    n_chunks = len(chunk_bounds) - 1
    step = max(1, -(-n_chunks // N_CHUNKS_KEPT))
    kept = np.concatenate([chunk_bounds[i:i + 2] for i in range(0, n_chunks, step)]) \
        if n_chunks > 0 else chunk_bounds
    selected = []
    for template_id in sorted(spikes_per_template):
        ids = np.asarray(spikes_per_template[template_id], dtype=np.int64)
        if n_chunks > 1:
            ids = ids[np.searchsorted(kept, spike_samples[ids], side="right") % 2 == 1]
        if n_per_template and len(ids) > n_per_template:
            ids = np.sort(rng.choice(ids, n_per_template, replace=False))
        selected.append(ids)
    return np.sort(np.concatenate(selected)) if selected else np.zeros(0, dtype=np.int64)


def _tmp_path(dir_path, name):
    """A temporary file next to ``name``, with the mode of the file it will replace
    (0644 for a new file; mkstemp alone would give 0600)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=dir_path)
    os.close(fd)
    target = Path(dir_path) / name
    os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
    return tmp


def write_waveform_pool(dir_path, traces, spike_ids, spike_samples, spike_channels,
                        n_samples_waveforms):
    """Write the three ``_phy_spikes_subset.*`` files (raw waveforms as float32).

    ``spike_channels`` (n, n_channels_loc) gives the channels of every pooled spike (-1 =
    padding). Each file is written to a temporary file first and moved into place at the
    end, so an interrupted run leaves any previous pool untouched.
    """
    dir_path = Path(dir_path)
    spike_ids = np.asarray(spike_ids, dtype=np.int64)
    spike_channels = np.asarray(spike_channels, dtype=np.int32)
    n, nc = spike_channels.shape
    nsw = int(n_samples_waveforms)
    tmps = {}
    try:
        tmps[POOL_WAVEFORMS] = _tmp_path(dir_path, POOL_WAVEFORMS)
        out = np.lib.format.open_memmap(tmps[POOL_WAVEFORMS], mode="w+", dtype=np.float32,
                                        shape=(n, nsw, nc))
        if n:
            samples = np.asarray(spike_samples[spike_ids], dtype=np.int64)
            # Spikes sharing the same channels (same template) are read together, in time order.
            _, groups = np.unique(spike_channels, axis=0, return_inverse=True)
            groups = groups.reshape(-1)
            order = np.lexsort((samples, groups))
            for idx in np.split(order, np.flatnonzero(np.diff(groups[order])) + 1):
                chans = spike_channels[idx[0]]
                valid = chans >= 0
                for i in range(0, len(idx), _BATCH):
                    sub = idx[i:i + _BATCH]
                    w = np.zeros((len(sub), nsw, nc), dtype=np.float32)
                    if valid.any():
                        w[:, :, valid] = extract_waveforms(traces, samples[sub], chans[valid], nsw)
                    out[sub] = w
        out.flush()
        del out
        for name, arr in ((POOL_CHANNELS, spike_channels), (POOL_SPIKES, spike_ids)):
            tmps[name] = _tmp_path(dir_path, name)
            with open(tmps[name], "wb") as f:
                np.save(f, arr, allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
        for name in (POOL_WAVEFORMS, POOL_CHANNELS, POOL_SPIKES):
            os.replace(tmps.pop(name), dir_path / name)
    finally:
        for tmp in tmps.values():
            try:
                os.remove(tmp)
            except OSError:
                pass
    return [dir_path / n for n in (POOL_WAVEFORMS, POOL_CHANNELS, POOL_SPIKES)]
