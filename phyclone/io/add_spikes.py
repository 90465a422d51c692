"""Adding spikes to a template-gui folder (spikes recovered by template matching).

Every per-spike array is extended together, in time order: ``spike_times``,
``spike_templates``, ``spike_clusters``, ``amplitudes``, ``spike_times_reordered``,
``spike_max_channels`` and every other ``spike_<name>.npy``. Feature files are not given
invented rows: ``pc_features.npy``/``template_features.npy`` keep their rows and their
``*_spike_ids.npy`` (written if absent) map them to the spikes' new ids; so does the waveform
pool's ``_phy_spikes_subset.spikes.npy``.

The change is atomic: the new files are staged in ``.phy/``, a manifest lists the
replacements, then they are moved into place; an interrupted run is completed the next time
the folder is opened (``finish_pending``). The previous files are kept in
``.phy/backup/add_spikes.<timestamp>/``.
"""

import json
import logging
import os
import shutil
import time
from pathlib import Path

import numpy as np

from phyclone.utils.errors import DataError
from phyclone.utils.fileio import _fsync_dir, ensure_dir_exists, save_npy, write_text

from phyclone.io.template.files import TemplateFiles

logger = logging.getLogger(__name__)

PENDING = "add_spikes.pending.json"
#: Per-spike files with a known meaning (others: every spike_<name>.npy).
_ROLES = ("spike_times", "spike_templates", "spike_clusters", "amplitudes",
          "spike_times_reordered")
_SUBSETS = (("pc_features", "pc_feature_spike_ids.npy"),
            ("template_features", "template_feature_spike_ids.npy"))
_POOL_SPIKES = "_phy_spikes_subset.spikes.npy"


def _load(path):
    return np.load(path, allow_pickle=False)


def mode_per_cluster(values, clusters, wanted):
    """For each id in ``wanted``: the most common value of ``values`` among its spikes (the
    median for floats); 0 when the cluster has no spike."""
    out = np.zeros((len(wanted),) + values.shape[1:], dtype=values.dtype)
    for i, c in enumerate(wanted):
        v = values[clusters == c]
        if not len(v):
            continue
        if v.dtype.kind == "f":
            out[i] = np.median(v, axis=0)
        else:
            u, n = np.unique(v.reshape(len(v), -1), axis=0, return_counts=True)
            out[i] = u[n.argmax()].reshape(values.shape[1:])
    return out


def add_spikes(dir_path, spike_samples, spike_clusters, spike_templates=None,
               amplitudes=None, spike_max_channels=None, current_spike_clusters=None,
               spike_attributes=None):
    """Insert new spikes (integer samples and clusters) into the folder; return
    ``(old_to_new, new_ids)``: the new index of every previous spike and of every added one.

    ``current_spike_clusters``: the clusters of the previous spikes to save (default the
    folder's ``spike_clusters.npy``, else ``spike_templates.npy``). ``spike_attributes``:
    ``{name: values}`` of other ``spike_<name>.npy`` files. Values of per-spike arrays
    not given for the new spikes: the most common value (median for floats) among the spikes
    of the same cluster.
    """
    d = Path(dir_path)
    finish_pending(d)
    files = TemplateFiles(d)
    st_path = files.find("spike_times")
    if st_path is None or st_path.name != "spike_times.npy":
        raise DataError(d, "has no spike_times.npy (ALF names or no spikes): this folder cannot "
                        "take new spikes", "write a new template-gui folder and add them there")
    old_t = _load(st_path)
    n_old = old_t.shape[0]
    new_t = np.asarray(spike_samples, dtype=np.int64).reshape(-1)
    new_c = np.asarray(spike_clusters, dtype=np.int64).reshape(-1)
    if len(new_c) != len(new_t):
        raise ValueError("spike_samples and spike_clusters must have the same length")
    if len(new_t) and new_t.min() < 0:
        raise ValueError("spike samples must be >= 0")
    all_t = np.concatenate([old_t.reshape(n_old).astype(np.int64), new_t])
    order = np.argsort(all_t, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    old_to_new, new_ids = rank[:n_old], rank[n_old:]

    # Clusters of the previous spikes.
    sc_path = files.find("spike_clusters")
    stp_path = files.find("spike_templates")
    if current_spike_clusters is not None:
        old_c = np.asarray(current_spike_clusters).reshape(-1)
    elif sc_path is not None:
        old_c = _load(sc_path).reshape(-1)
    elif stp_path is not None:
        old_c = _load(stp_path).reshape(-1)
    else:
        raise DataError(d, "has neither spike_clusters.npy nor spike_templates.npy",
                        "export the folder again from the spike sorter")
    if len(old_c) != n_old:
        raise ValueError(f"{len(old_c)} current spike clusters for {n_old} spikes")

    given = dict(spike_attributes or {})
    given.update({k: v for k, v in (("spike_templates", spike_templates),
                                    ("amplitudes", amplitudes),
                                    ("max_channels", spike_max_channels)) if v is not None})
    writes = {}  # final path -> array

    def extend(path, old, new_vals):
        full = np.concatenate([old, new_vals.astype(old.dtype).reshape(
            (len(new_t),) + old.shape[1:])])[order]
        writes[path] = full

    extend(st_path, old_t, new_t.reshape((-1,) + old_t.shape[1:]))
    extend(sc_path or d / "spike_clusters.npy", old_c.astype(np.int32), new_c)
    for role in ("spike_templates", "amplitudes", "spike_times_reordered"):
        p = files.find(role)
        if p is None:
            continue
        old = _load(p)
        if old.shape[0] != n_old:
            raise DataError(p, f"has {old.shape[0]} rows for {n_old} spikes",
                            "export the folder again from the spike sorter")
        if role == "spike_times_reordered":
            vals = new_t
        elif given.get(role) is not None:
            vals = np.asarray(given[role])
        else:
            vals = mode_per_cluster(old.reshape(n_old, -1), old_c, new_c)
        extend(p, old, vals)
    for name, p in files.spike_attribute_files().items():
        old = _load(p)
        if old.ndim == 0 or old.shape[0] != n_old:
            logger.warning("Leaving %s as is: not a per-spike array.", p.name)
            continue
        vals = (np.asarray(given[name]) if given.get(name) is not None
                else mode_per_cluster(old.reshape(n_old, -1), old_c, new_c))
        extend(p, old, vals)
    for role, ids_name in _SUBSETS:
        p = files.find(role)
        if p is None:
            continue
        ids_path = d / ids_name
        ids = (_load(ids_path).reshape(-1).astype(np.int64) if ids_path.exists()
               else np.arange(n_old, dtype=np.int64))
        writes[ids_path] = old_to_new[ids]
    pool = d / _POOL_SPIKES
    if pool.exists():
        writes[pool] = old_to_new[_load(pool).reshape(-1).astype(np.int64)]

    _commit(d, writes)
    logger.info("Added %d spikes to %s (previous files in .phy/backup/).", len(new_t), d)
    return old_to_new, new_ids


def _commit(d, writes):
    """Stage, back up, then move every file into place under a manifest."""
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 10**9:09d}"
    phy = ensure_dir_exists(d / ".phy")
    staging = ensure_dir_exists(phy / f"add_spikes.{stamp}")
    backup = ensure_dir_exists(phy / "backup" / f"add_spikes.{stamp}")
    moves = []
    for path, arr in writes.items():
        tmp = staging / path.name
        save_npy(tmp, arr)
        if path.exists():
            try:
                os.link(path, backup / path.name)
            except OSError:
                shutil.copy2(path, backup / path.name)
        moves.append([str(tmp), str(path)])
    write_text(phy / PENDING, json.dumps({"moves": moves, "staging": str(staging)}))
    finish_pending(d)


def finish_pending(dir_path):
    """Complete an interrupted ``add_spikes`` (move its staged files into place); return
    whether there was one."""
    manifest = Path(dir_path) / ".phy" / PENDING
    if not manifest.exists():
        return False
    info = json.loads(manifest.read_text(encoding="utf-8"))
    for tmp, path in info["moves"]:
        if os.path.exists(tmp):
            os.replace(tmp, path)
    _fsync_dir(Path(dir_path))
    manifest.unlink()
    staging = Path(info["staging"])
    if staging.is_dir() and not any(staging.iterdir()):
        staging.rmdir()
    return True
