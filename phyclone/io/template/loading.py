"""Load and validate the arrays of a template-gui folder (one function per group of files).

Large arrays stay memory-mapped; whole-array checks read the files in blocks. Every problem
raises one ``DataError`` naming the file; nothing is ever written into the folder.
"""

import logging

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

from phyclone.io.arrays import NpyFile, as_int64_samples, check_range
from phyclone.io.template.metadata import load_all_metadata
from phyclone.io.template.files import FILES

logger = logging.getLogger(__name__)

_INT = "iu"
_SAME_ORDER = "every per-spike file must list the same spikes in the same order"
_INT_FIX = "save it with an integer dtype (e.g. np.int64)"


def _vector(files, role, n, required=False):
    """NpyFile of a per-spike vector, checked to have ``n`` entries (None if absent)."""
    path = files.require(role) if required else files.find(role)
    if path is None:
        return None
    npy = NpyFile(path)
    length = npy.vector_length()
    if n is not None and length != n:
        raise DataError(path, f"has {length} entries but there are {n} spikes", _SAME_ORDER)
    return npy


def _check_samples(npy, what):
    npy.require_kind(_INT, what, "save integer sample indices, not seconds: "
                     "np.round(times * sample_rate).astype(np.int64)")
    st = npy.scan(sorted_=True)
    check_range(npy, st, 0, 2 ** 63 if npy.dtype.kind == "u" else None, what,
                "spike samples must be non-negative sample indices")
    return as_int64_samples(npy)


def load_spike_samples(files, sample_rate):
    """Integer spike samples (int64, memory-mapped when stored as 64-bit integers)."""
    path = files.find("spike_times") or files.find("alf_spike_samples")
    if path is not None:
        return _check_samples(NpyFile(path), "spike times (integer sample indices)"), path
    path = files.find("alf_spike_times")
    if path is None:
        files.require("spike_times")
    npy = NpyFile(path)
    npy.require_kind("f", "ALF spike times (in seconds)", "save spike times in seconds as floats")
    npy.scan(finite=True, sorted_=True)
    logger.info("Converting %s from seconds to samples at %g Hz.", path.name, sample_rate)
    return np.round(npy.load_vector(mmap=True) * sample_rate).astype(np.int64), path


def load_spike_arrays(files, sample_rate):
    """Spike samples, templates, clusters, amplitudes and reordered samples, all checked."""
    samples, samples_path = load_spike_samples(files, sample_rate)
    n = len(samples)

    templates = _vector(files, "spike_templates", n, required=True)
    templates_float = templates.require_index("template ids", _INT_FIX)
    t_stats = templates.scan()
    check_range(templates, t_stats, 0, None, "template ids", "template ids must be >= 0")

    clusters_npy = _vector(files, "spike_clusters", n)
    if clusters_npy is None:
        logger.info("No spike_clusters.npy: starting from the templates (kept in memory).")
        clusters = np.empty(n, dtype=np.int32)
        src = templates
    else:
        clusters_npy.require_index("cluster ids", _INT_FIX)
        check_range(clusters_npy, clusters_npy.scan(), 0, 2 ** 31, "cluster ids",
                    "cluster ids must be in [0, 2**31)")
        clusters = np.empty(n, dtype=np.int32)
        src = clusters_npy
    if src is templates and (t_stats["max"] or 0) >= 2 ** 31:
        raise DataError(templates.path, "holds template ids >= 2**31", "renumber the templates")
    i = 0
    for block in src.iter_blocks():  # an in-memory int32 copy, written block by block
        clusters[i:i + len(block)] = block
        i += len(block)

    amplitudes = _vector(files, "amplitudes", n)
    if amplitudes is not None:
        amplitudes.require_kind("iuf", "spike amplitudes", "save amplitudes as floats")
        amplitudes.scan(finite=True)

    reordered = _vector(files, "spike_times_reordered", n)
    if reordered is not None:
        reordered.require_kind(_INT, "reordered spike times (samples)", _INT_FIX)
        reordered = np.asarray(as_int64_samples(reordered))  # O(n_spikes), as phy
    return Bunch(
        spike_samples=samples, spike_samples_path=samples_path,
        spike_templates=(templates.load_vector().astype(np.int64) if templates_float
                         else templates.load_vector()), spike_templates_path=templates.path,
        spike_templates_max=None if t_stats["max"] is None else int(t_stats["max"]),
        spike_clusters=clusters,
        spike_clusters_path=clusters_npy.path if clusters_npy is not None else None,
        amplitudes=amplitudes.load_vector() if amplitudes is not None else None,
        spike_samples_reordered=reordered,
    )


def linear_positions(n_channels):
    """Channels along a vertical line (phy's fallback when positions are duplicated)."""
    return np.c_[np.zeros(n_channels), np.linspace(0., 1., n_channels)]


def _channel_vector(files, role, nc):
    path = files.find(role)
    if path is None:
        return np.zeros(nc, dtype=np.int32)
    npy = NpyFile(path)
    if npy.size != nc:
        raise DataError(path, f"has {npy.size} entries but channel_map.npy lists {nc} channels",
                        "save one value per channel of channel_map.npy")
    return np.asarray(npy.load(mmap=False)).reshape(nc)


def load_channels(files, n_channels_dat):
    """Channel map (checked against ``n_channels_dat``), positions, shanks and probes."""
    npy = NpyFile(files.require("channel_map"))
    npy.require_index("channel indices", _INT_FIX)
    channel_map = np.asarray(npy.load(mmap=False)).reshape(-1).astype(np.int64)
    nc = len(channel_map)
    fix = "channel_map.npy holds 0-based column indices in the raw data file; check it and " \
          "n_channels_dat in params.py"
    check_range(npy, {"min": channel_map.min(initial=0), "max": channel_map.max(initial=0)},
                0, n_channels_dat, f"the raw data has n_channels_dat = {n_channels_dat} channels",
                fix)

    npy = NpyFile(files.require("channel_positions"))
    npy.require_kind("iuf", "channel positions", "save positions as numbers")
    if npy.ndim != 2 or npy.shape[0] != nc or npy.shape[1] < 2:
        raise DataError(npy.path, f"has shape {npy.shape}, expected ({nc}, 2): one (x, y) "
                        "per channel of channel_map.npy", "check that it belongs to this dataset")
    positions = np.asarray(npy.load(mmap=False), dtype=np.float64)[:, :2]
    if not np.all(np.isfinite(positions)):
        raise DataError(npy.path, "contains NaN or infinite positions", "fix the probe geometry")
    if len({tuple(p) for p in positions}) != nc:
        logger.warning("Some channels share the same position in %s: using linear positions.",
                       npy.path.name)
        positions = linear_positions(nc)

    return Bunch(channel_mapping=channel_map, n_channels=nc, channel_positions=positions,
                 channel_shanks=_channel_vector(files, "channel_shanks", nc),
                 channel_probes=_channel_vector(files, "channel_probes", nc))


def load_templates(files, n_channels):
    """``Bunch(data, cols, empty)`` or None: ``data`` memory-mapped (n_templates, n_samples,
    n_channels_loc); ``cols`` (sparse only, with ``template_ind.npy``); ``empty``: templates
    entirely NaN (KiloSort's unused templates), read as zeros."""
    path = files.find("templates")
    if path is None:
        return None
    npy = NpyFile(path)
    npy.require_kind("f", "template waveforms", "save templates as float32")
    if npy.ndim != 3:
        raise DataError(path, f"has shape {npy.shape}, expected (n_templates, n_samples, "
                        "n_channels)", "re-export the templates")
    nt, _, n_loc = npy.shape
    empty = np.zeros(nt, dtype=bool)
    for start, block in npy.iter_rows():
        finite = np.isfinite(block)
        if finite.all():
            continue
        all_nan = np.isnan(block).all(axis=(1, 2))
        empty[start:start + len(block)] = all_nan
        bad = np.flatnonzero(~finite.all(axis=(1, 2)) & ~all_nan)
        if len(bad):
            raise DataError(path, f"template {start + bad[0]} contains NaN or infinite values",
                            "re-run the spike sorter or replace these values")
    if empty.any():
        logger.info("%d templates are entirely NaN in %s (read as zeros).", empty.sum(), path.name)

    cols = None
    ind_path = files.find("template_ind")
    if ind_path is not None:
        ind = NpyFile(ind_path)
        ind.require_index("channel indices", _INT_FIX)
        ind.require_shape((nt, n_loc), f"one channel per template column of {path.name} "
                          f"{npy.shape}")
        cols = np.asarray(ind.load(mmap=False)).astype(np.int64)
        check_range(ind, {"min": cols.min(initial=0), "max": cols.max(initial=0)}, -1,
                    n_channels, f"channel indices, -1 for padding, with {n_channels} channels",
                    "check that it belongs to this dataset")
    elif n_loc != n_channels:
        raise DataError(path, f"has {n_loc} channels but channel_map.npy lists {n_channels} "
                        "(dense templates need one column per channel)",
                        "add the template_ind.npy of sparse templates, or check channel_map.npy")
    return Bunch(data=npy.load(mmap=True), cols=cols, empty=empty, path=path)


def _square(files, role, n, what):
    path = files.find(role)
    if path is None:
        return None
    npy = NpyFile(path)
    npy.require_kind("iuf", what, "save it as floats")
    npy.require_shape((n, n), what)
    arr = np.asarray(npy.load(mmap=False), dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise DataError(path, "contains NaN or infinite values", "re-run the spike sorter")
    return arr


def load_whitening(files, nc):
    """Whitening matrix (identity if absent) and its inverse (computed in memory if absent)."""
    wm = _square(files, "whitening_mat", nc, f"({nc}, {nc}) whitening matrix")
    wm = np.eye(nc) if wm is None else wm
    wmi = _square(files, "whitening_mat_inv", nc, f"({nc}, {nc}) inverse whitening matrix")
    if wmi is None:
        try:
            wmi = np.linalg.inv(wm)
        except np.linalg.LinAlgError:
            raise DataError(files.find("whitening_mat"), "is singular and cannot be inverted",
                            "provide whitening_mat_inv.npy") from None
    return wm, wmi


def load_similar_templates(files, nt):
    out = _square(files, "similar_templates", nt, f"({nt}, {nt}) template similarity")
    return np.zeros((nt, nt)) if out is None else out


def _sparse_features(files, roles, n_spikes, n_rows_cols, n_values, what):
    """Shared loader of PC features / template features with their column and row indices."""
    data_role, cols_role, rows_role = roles
    path = files.find(data_role)
    if path is None:
        return None
    npy = NpyFile(path)
    npy.require_kind("f", what, "save features as float32")
    rows = _vector(files, rows_role, npy.shape[0]) if npy.ndim else None
    if rows is not None:
        rows.require_index("spike ids", _INT_FIX)
        st = rows.scan(sorted_=True)
        check_range(rows, st, 0, n_spikes, f"spike ids, {n_spikes} spikes", _SAME_ORDER)
        rows = np.asarray(rows.load_vector(mmap=False)).astype(np.int64)
        if len(rows) > 1 and np.any(np.diff(rows) == 0):
            raise DataError(files.find(rows_role), "lists a spike twice", "list each spike once")
    elif npy.ndim and npy.shape[0] != n_spikes:
        raise DataError(path, f"has {npy.shape[0]} rows but there are {n_spikes} spikes",
                        f"a subset of spikes needs {FILES[rows_role][0]}")
    return npy, rows, _cols(files, cols_role, n_rows_cols, n_values)


def _cols(files, role, shape, n_values):
    path = files.find(role)
    if path is None:
        return None
    npy = NpyFile(path)
    npy.require_index("column indices", _INT_FIX)
    npy.require_shape(shape, "one index per template and feature column")
    cols = np.asarray(npy.load(mmap=False)).astype(np.int64)
    check_range(npy, {"min": cols.min(initial=0), "max": cols.max(initial=0)}, -1, n_values,
                f"indices below {n_values}, -1 for padding",
                "check that it belongs to this dataset")
    return cols


def load_features(files, n_spikes, n_templates, n_channels):
    """PC features ``Bunch(data, cols, rows)``; ``data`` is the memory map viewed as
    (n, n_channels_loc, n_pcs) (stored as (n, n_pcs, n_channels_loc))."""
    path = files.find("pc_features")
    if path is None:
        return None
    shape = NpyFile(path).shape
    if len(shape) not in (2, 3):
        raise DataError(path, f"has shape {shape}, expected (n_spikes, n_pcs, n_channels_loc)",
                        "re-export the PC features")
    n_loc = shape[2] if len(shape) == 3 else 1
    npy, rows, cols = _sparse_features(
        files, ("pc_features", "pc_feature_ind", "pc_feature_spike_ids"), n_spikes,
        (n_templates, n_loc), n_channels, "PC features")
    data = npy.load(mmap=True)
    data = data.reshape(data.shape + (1,)) if data.ndim == 2 else data
    return Bunch(data=data.transpose(0, 2, 1), cols=cols, rows=rows)


def load_template_features(files, n_spikes, n_templates):
    """Template features ``Bunch(data, cols, rows)``; ``data`` (n, n_templates_loc)."""
    path = files.find("template_features")
    if path is None:
        return None
    npy = NpyFile(path)
    if npy.ndim != 2:
        raise DataError(path, f"has shape {npy.shape}, expected (n_spikes, n_templates_loc)",
                        "re-export the template features")
    npy, rows, cols = _sparse_features(
        files, ("template_features", "template_feature_ind", "template_feature_spike_ids"),
        n_spikes, (n_templates, npy.shape[1]), n_templates, "template features")
    return Bunch(data=npy.load(mmap=True), cols=cols, rows=rows)


def load_spike_attributes(files, n_spikes):
    """Every extra ``spike_<name>.npy`` (memory-mapped); unusable ones are skipped with a
    warning, as phy does."""
    out = Bunch()
    for name, path in sorted(files.spike_attribute_files().items()):
        try:
            npy = NpyFile(path)
            if npy.ndim == 0 or npy.shape[0] != n_spikes:
                raise DataError(path, f"has shape {npy.shape}, expected {n_spikes} rows", None)
            npy.require_kind("iufb", "a spike attribute")
            arr = npy.load(mmap=True)
            out[name] = arr.reshape(n_spikes) if arr.ndim == 2 and arr.shape[1] == 1 else arr
        except DataError as e:
            logger.warning("Skipping spike attribute %s: %s", path.name, e)
    return out


def load_metadata_files(files):
    return load_all_metadata(files.metadata_files())


def load_template_channels(files, n_templates, n_channels):
    """``template_ind.npy`` (n_templates, n_channels_loc) read on its own, when there is no
    ``templates.npy`` (its channels then only say where each template lies), or None."""
    return _cols(files, "template_ind", (n_templates, None), n_channels)
