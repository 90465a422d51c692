"""A Kwik dataset written as a new template-gui folder (Kwik files cannot take new spikes:
their spike arrays have a fixed size in HDF5 files; the new folder can)."""

import logging
from pathlib import Path

import numpy as np

from phyclone.utils.errors import DataError
from phyclone.utils.fileio import atomic_open, ensure_dir_exists, save_npy, write_text

logger = logging.getLogger(__name__)

_BLOCK = 1 << 20  # samples per block of raw data written


def max_channels_from_masks(masks, features, block=1 << 16):
    """The max channel of every spike of a Kwik dataset: the channel of largest mask, ties
    broken by the largest first PC feature (read in blocks of ``block`` spikes)."""
    n = len(masks)
    out = np.empty(n, dtype=np.int64)
    f_max = 0.
    for a in range(0, n, block):
        f_max = max(f_max, float(np.abs(np.asarray(features[a:a + block])[:, :, 0]).max(
            initial=0.)))
    for a in range(0, n, block):
        m = np.asarray(masks[a:a + block])
        f0 = np.abs(np.asarray(features[a:a + block])[:, :, 0])
        out[a:a + block] = np.argmax(m * (1 + f0 / (f_max or 1.)), axis=1)
    return out


def write_template_folder(model, out_dir):
    """Write the current channel group and clustering of a ``KwikModel`` into ``out_dir``
    (``raw.dat`` with the group's channels, spike times, clusters, max channels from the
    masks, channel map and positions, groups); return the path of its ``params.py``."""
    out_dir = Path(out_dir)
    if (out_dir / "params.py").exists():
        raise DataError(out_dir, "already holds a params.py", "choose a new folder")
    traces = model.traces
    if traces is None:
        raise DataError(model.kwik_path, "has no raw data", "the new folder needs the raw data")
    ensure_dir_exists(out_dir)
    n, nc = traces.shape
    dtype = np.dtype(traces.dtype)
    with atomic_open(out_dir / "raw.dat", "wb") as f:
        for a in range(0, n, _BLOCK):
            np.ascontiguousarray(traces[a:a + _BLOCK], dtype=dtype).tofile(f)
    sc = np.asarray(model.spike_clusters, dtype=np.int32)
    save_npy(out_dir / "spike_times.npy", np.asarray(model.spike_samples, dtype=np.int64))
    save_npy(out_dir / "spike_clusters.npy", sc)
    save_npy(out_dir / "spike_templates.npy", sc)
    save_npy(out_dir / "amplitudes.npy", np.ones(len(sc), dtype=np.float32))
    if model.masks is not None:
        save_npy(out_dir / "spike_max_channels.npy",
                 max_channels_from_masks(model.masks, model.features).astype(np.int32))
    save_npy(out_dir / "channel_map.npy", np.arange(nc, dtype=np.int32))
    save_npy(out_dir / "channel_positions.npy", np.asarray(model.channel_positions, float))
    groups = model.cluster_groups
    write_text(out_dir / "cluster_group.tsv", "cluster_id\tgroup\n" + "".join(
        f"{c}\t{groups.get(c) or 'unsorted'}\n" for c in sorted(groups)))
    write_text(out_dir / "params.py", f"dat_path = 'raw.dat'\nn_channels_dat = {nc}\n"
               f"dtype = '{dtype.name}'\noffset = 0\nsample_rate = {float(model.sample_rate)!r}\n"
               f"hp_filtered = False\n")
    logger.info("Wrote %s (from %s).", out_dir, model.kwik_path)
    return out_dir / "params.py"
