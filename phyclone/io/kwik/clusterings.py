"""Clusterings and cluster groups inside a ``.kwik`` file (read and write).

Layout, per channel group ``g`` and clustering ``name``::

    /channel_groups/g/spikes/clusters/name          (n_spikes,) cluster id of every spike
    /channel_groups/g/clusters/name                 attrs: clustering metadata
    /channel_groups/g/clusters/name/<cluster id>    attr cluster_group (a group id)
        application_data/phy                        attrs: cluster labels (phyclone)
    /channel_groups/g/cluster_groups/name/<gid>     attr name (0 Noise, 1 MUA, 2 Good, 3 Unsorted)

Functions take an open ``phyclone.io.kwik.h5.File``; writers need it writable (see ``edit_h5``).
"""

import numpy as np

DEFAULT_GROUPS = {0: "Noise", 1: "MUA", 2: "Good", 3: "Unsorted"}
UNSORTED = 3
_LABELS = "application_data/phy"


def spike_clusters_path(group, name):
    return f"/channel_groups/{group}/spikes/clusters/{name}"


def clusters_path(group, name):
    return f"/channel_groups/{group}/clusters/{name}"


def cluster_groups_path(group, name):
    return f"/channel_groups/{group}/cluster_groups/{name}"


def _int_children(f, path):
    if not f.exists(path):
        return []
    out = []
    for k in f.children(path):
        try:
            out.append(int(k))
        except ValueError:
            continue
    return sorted(out)


# Reading ------------------------------------------------------------------------------------

def list_clusterings(f, group):
    """Clustering names of a channel group (those with a spike_clusters dataset), 'main' first."""
    path = f"/channel_groups/{group}/spikes/clusters"
    names = sorted(f.datasets(path)) if f.exists(path) else []
    if "main" in names:
        names.remove("main")
        names.insert(0, "main")
    return names


def read_group_names(f, group, name):
    """``{group id: group name}`` of a clustering (the four defaults when none are stored)."""
    path = cluster_groups_path(group, name)
    out = {gid: f.read_attr(f"{path}/{gid}", "name", DEFAULT_GROUPS.get(gid, str(gid)))
           for gid in _int_children(f, path)}
    return out or dict(DEFAULT_GROUPS)


def _group_id(value, names):
    """A stored ``cluster_group`` attribute → group id (old files may store the name)."""
    if isinstance(value, np.ndarray):
        value = value.ravel()[0].item() if value.size else UNSORTED
    if isinstance(value, str):
        lower = {n.lower(): g for g, n in names.items()}
        if value.lower() in lower:
            return lower[value.lower()]
        try:
            return int(value)
        except ValueError:
            return UNSORTED
    return int(value)


def read_cluster_entries(f, group, name):
    """``(cluster_groups, labels)`` stored for a clustering.

    ``cluster_groups`` maps cluster id → group id; ``labels`` maps label name →
    ``{cluster id: value}``.
    """
    path = clusters_path(group, name)
    names = read_group_names(f, group, name)
    groups, labels = {}, {}
    if not f.exists(path):
        return groups, labels
    h5 = f.read(path)
    for key, obj in h5.items():
        try:
            cluster = int(key)
        except ValueError:
            continue
        groups[cluster] = _group_id(obj.attrs.get("cluster_group", UNSORTED), names)
        if _LABELS in obj:
            for label, value in f.read_attrs(f"{path}/{key}/{_LABELS}").items():
                labels.setdefault(label, {})[cluster] = value
    return groups, labels


# Writing ------------------------------------------------------------------------------------

def write_group_names(f, group, name, names):
    """Store ``{group id: name}`` for a clustering (replacing what was there)."""
    path = cluster_groups_path(group, name)
    for gid in _int_children(f, path):
        if gid not in names:
            f.delete(f"{path}/{gid}")
    for gid, gname in names.items():
        f.write_attr(f"{path}/{int(gid)}", "name", str(gname))


def resolve_groups(cluster_groups, names):
    """``{cluster: group name or id or None}`` → ``({cluster: group id}, names)``.

    Names match case-insensitively; an unknown name becomes a new group (next free id).
    """
    names = dict(names)
    lower = {n.lower(): g for g, n in names.items()}
    out = {}
    for cluster, value in cluster_groups.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            gid = UNSORTED
        elif isinstance(value, (int, np.integer)):
            gid = int(value)
            if gid not in names:
                raise ValueError(f"cluster {cluster}: unknown cluster group id {gid} "
                                 f"(known: {sorted(names)})")
        else:
            key = str(value).strip().lower()
            if key not in lower:
                gid = max(list(names) + [UNSORTED]) + 1
                names[gid] = str(value).strip().title()
                lower[key] = gid
            gid = lower[key]
        out[int(cluster)] = gid
    return out, names


def write_spike_clusters(f, group, name, spike_clusters):
    """Write (or overwrite) the spike→cluster dataset; keep its dtype when the ids fit."""
    sc = np.asarray(spike_clusters).ravel()
    if sc.size and sc.min() < 0:
        raise ValueError("cluster ids must be non-negative")
    path = spike_clusters_path(group, name)
    if f.exists(path):
        dset = f.read(path)
        fits = dset.dtype.kind in "iu" and (not sc.size or sc.max() <= np.iinfo(dset.dtype).max)
        if dset.shape == sc.shape and fits:
            dset[...] = sc.astype(dset.dtype, copy=False)
            return
        f.delete(path)
    dtype = np.uint32 if not sc.size or sc.max() <= np.iinfo(np.uint32).max else np.uint64
    f.write(path, sc.astype(dtype, copy=False))


def write_cluster_entries(f, group, name, cluster_ids, cluster_groups, labels=()):
    """Make ``clusters/name`` hold exactly ``cluster_ids`` with their group ids and labels.

    ``cluster_groups``: ``{cluster: group id}`` (missing → kept if stored, else unsorted);
    ``labels``: ``(label, {cluster: value})`` pairs (None values remove the label).
    """
    path = clusters_path(group, name)
    if not f.exists(path):
        f.h5py_file.require_group(path)
    h5 = f.read(path)
    keep = {int(c) for c in cluster_ids}
    for key in list(h5.keys()):
        try:
            if int(key) not in keep:
                del h5[key]
        except ValueError:
            continue
    for cluster in sorted(keep):
        g = h5.require_group(str(cluster))
        if cluster in cluster_groups:
            g.attrs["cluster_group"] = int(cluster_groups[cluster])
        elif "cluster_group" not in g.attrs:
            g.attrs["cluster_group"] = UNSORTED
    for label, values in labels:
        for cluster, value in values.items():
            if int(cluster) not in keep:
                continue
            g = h5.require_group(f"{int(cluster)}/{_LABELS}")
            if value is None:
                if label in g.attrs:
                    del g.attrs[label]
            else:
                g.attrs[label] = value.item() if isinstance(value, np.generic) else value


def create_clustering(f, group, name, spike_clusters, cluster_groups=None, names=None):
    """A new clustering: spike clusters, one entry per cluster, the cluster group names."""
    if f.exists(spike_clusters_path(group, name)):
        raise ValueError(f"the clustering {name!r} already exists")
    sc = np.asarray(spike_clusters).ravel()
    write_spike_clusters(f, group, name, sc)
    gids, names = resolve_groups(cluster_groups or {}, names or DEFAULT_GROUPS)
    write_cluster_entries(f, group, name, np.unique(sc), gids)
    write_group_names(f, group, name, names)


def move_clustering(f, group, old, new, copy=False):
    """Rename (or copy) the three parts of a clustering."""
    if f.exists(spike_clusters_path(group, new)):
        raise ValueError(f"the clustering {new!r} already exists")
    if not f.exists(spike_clusters_path(group, old)):
        raise ValueError(f"the clustering {old!r} does not exist")
    for path_of in (spike_clusters_path, clusters_path, cluster_groups_path):
        src, dst = path_of(group, old), path_of(group, new)
        if f.exists(dst):
            f.delete(dst)
        if f.exists(src):
            (f.copy if copy else f.move)(src, dst)


def delete_clustering(f, group, name):
    """Delete the three parts of a clustering."""
    for path_of in (spike_clusters_path, clusters_path, cluster_groups_path):
        if f.exists(path_of(group, name)):
            f.delete(path_of(group, name))
