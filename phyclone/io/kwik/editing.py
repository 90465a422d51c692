"""Writing methods of ``KwikModel``: save, clusterings and cluster groups (phy 0.x API).

Every write edits a copy of the ``.kwik`` and atomically replaces it (``edit_h5``): a crash
or an error mid-way leaves the original file as it was. The file as it was before is kept in
``<kwik dir>/.phy/phyclone/backup/`` (a hard link: instant; the last ``N_BACKUPS`` are kept).
"""

import numpy as np

from phyclone.io.kwik import clusterings as kc
from phyclone.io.backup import backup_file
from phyclone.io.kwik.h5 import edit_h5, open_h5
from phyclone.io.kwik.arrays import unique_ids

#: Number of timestamped backups of the .kwik kept in ``<kwik dir>/.phy/phyclone/backup/``.
N_BACKUPS = 5


class KwikEditingMixin:
    """Save and clustering-management methods; needs the loading state of ``KwikModel``."""

    def save(self, spike_clusters=None, cluster_groups=None, *labels, clustering_metadata=None):
        """Save into the current clustering of the .kwik: spike clusters (default: unchanged),
        cluster groups ``{cluster: group name or id}`` (default: stored groups, unsorted for
        new clusters), labels ``(name, {cluster: value})``, clustering metadata attributes.

        Entries of clusters that no longer exist are removed. A channel group without a
        clustering gets a 'main' one. Unknown group names become new cluster groups.
        """
        sc = self._spike_clusters if spike_clusters is None else \
            np.asarray(spike_clusters, dtype=np.int64).ravel()
        if sc.shape != (self.n_spikes,):
            raise ValueError(f"spike_clusters has {sc.size} values, not {self.n_spikes}")
        if sc.size and sc.min() < 0:
            raise ValueError("cluster ids must be non-negative")
        labels = [(name, values) for name, values in labels if name != "group"]
        g, name = self._channel_group, self._clustering or "main"
        gids, names = kc.resolve_groups(cluster_groups or {}, self._group_names)

        def edit(f):
            kc.write_spike_clusters(f, g, name, sc)
            kc.write_cluster_entries(f, g, name, unique_ids(sc), gids, labels)
            kc.write_group_names(f, g, name, names)
            for k, v in (clustering_metadata or {}).items():
                f.write_attr(kc.clusters_path(g, name), k, v)
        self._edit(edit, name)

    def save_spike_clusters(self, spike_clusters):
        """BaseController interface: save the spike-cluster assignments."""
        self.save(spike_clusters)

    def save_metadata(self, name, values):
        """BaseController interface: save one cluster field (``group`` or a label)."""
        if name == "group":
            self.save(None, values)
        else:
            self.save(None, None, (name, values))

    def _edit(self, func, clustering=None):
        """Apply ``func(file)`` to the .kwik atomically, then reload the list of clusterings
        and ``clustering`` (default: the current one)."""
        backup_file(self.kwik_path, self.kwik_path.parent / ".phy" / "phyclone" / "backup",
                    N_BACKUPS)
        with edit_h5(self.kwik_path) as f:
            func(f)
        with open_h5(self.kwik_path) as f:
            self._clusterings = kc.list_clusterings(f, self._channel_group)
            self._load_clustering(f, clustering or self._clustering)

    # Clusterings ----------------------------------------------------------------------------
    def add_clustering(self, name, spike_clusters, cluster_groups=None, labels=()):
        """Add a clustering to the current channel group: spike clusters, cluster groups
        ``{cluster: group name or id}`` (default: every cluster unsorted) and labels
        ``(name, {cluster: value})``; the current clustering stays current."""
        sc = np.asarray(spike_clusters).ravel()
        if sc.shape != (self.n_spikes,):
            raise ValueError(f"spike_clusters has {sc.size} values, not {self.n_spikes}")
        if sc.size and sc.min() < 0:
            raise ValueError("cluster ids must be non-negative")
        name = self._check_new_name(name)
        g = self._channel_group
        labels = [(k, v) for k, v in labels if k != "group"]
        names = dict(kc.DEFAULT_GROUPS) if self._clustering is None else self._group_names

        def edit(f):
            kc.create_clustering(f, g, name, sc, cluster_groups, names)
            if labels:
                gids, _ = kc.resolve_groups(cluster_groups or {}, names)
                kc.write_cluster_entries(f, g, name, unique_ids(sc), gids, labels)
        self._edit(edit)

    def copy_clustering(self, name, new_name):
        """Copy a clustering (spike clusters, cluster entries, cluster groups)."""
        self._check_clustering(name)
        new_name = self._check_new_name(new_name)
        self._edit(lambda f: kc.move_clustering(f, self._channel_group, name, new_name, True))

    def rename_clustering(self, old_name, new_name):
        """Rename a clustering (the current one too)."""
        self._check_clustering(old_name)
        new_name = self._check_new_name(new_name)
        current = new_name if self._clustering == old_name else self._clustering
        self._edit(lambda f: kc.move_clustering(f, self._channel_group, old_name, new_name),
                   current)

    def delete_clustering(self, name):
        """Delete a clustering (not the current one)."""
        self._check_clustering(name)
        if name == self._clustering:
            raise ValueError("the current clustering cannot be deleted: switch to another first")
        self._edit(lambda f: kc.delete_clustering(f, self._channel_group, name))

    def _check_new_name(self, name):
        name = str(name).strip()
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"invalid clustering name {name!r}")
        if name in self._clusterings:
            raise ValueError(f"the clustering {name!r} already exists")
        return name

    def _check_clustering(self, name):
        if name not in self._clusterings:
            raise ValueError(f"unknown clustering {name!r} (known: {self._clusterings})")

    # Cluster groups -------------------------------------------------------------------------
    def _write_group_names(self, names, moved=None):
        if self._clustering is None:
            raise ValueError("this channel group has no clustering yet: save first")
        g, c = self._channel_group, self._clustering
        kept = list(self._cluster_group_ids)

        def edit(f):
            kc.write_group_names(f, g, c, names)
            if moved:
                kc.write_cluster_entries(f, g, c, kept, moved)
        self._edit(edit)

    def add_cluster_group(self, group_id, name):
        """Add a cluster group to the current clustering (ids 0-3 are the defaults)."""
        group_id = int(group_id)
        if group_id in self._group_names or group_id <= kc.UNSORTED:
            raise ValueError(f"cluster group {group_id} already exists")
        self._write_group_names({**self._group_names, group_id: str(name)})

    def rename_cluster_group(self, group_id, name):
        """Rename a cluster group (not one of the defaults 0-3)."""
        group_id = self._check_group(group_id)
        self._write_group_names({**self._group_names, group_id: str(name)})

    def delete_cluster_group(self, group_id):
        """Delete a cluster group (not one of the defaults 0-3); its clusters become unsorted."""
        group_id = self._check_group(group_id)
        names = {k: v for k, v in self._group_names.items() if k != group_id}
        moved = {c: kc.UNSORTED for c, gid in self._cluster_group_ids.items() if gid == group_id}
        self._write_group_names(names, moved)

    def _check_group(self, group_id):
        group_id = int(group_id)
        if group_id <= kc.UNSORTED:
            raise ValueError("the default cluster groups 0-3 cannot be renamed or deleted")
        if group_id not in self._group_names:
            raise ValueError(f"unknown cluster group {group_id}")
        return group_id
