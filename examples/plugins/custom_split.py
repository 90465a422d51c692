"""A custom split: k-means on the PC features of the first selected cluster.

Press ``s`` to split it in two, or type ``:ks 3`` for three parts. Every spike of the
cluster goes to one part; the parts become new clusters and are selected, and ``ctrl+z``
undoes the split like any other.

``controller.get_features(cluster_id, load_all=True)`` gives the PC features of every spike
of a cluster on its best channels (spikes without stored features, when the sorter kept
them for a subset only, stay together in one more cluster);
``supervisor.actions.split(spike_ids, labels)`` makes one new cluster per label. The
k-means below is plain numpy (no scikit-learn needed).

Enable with ``c.TemplateGUI.plugins = ['ExampleCustomSplitPlugin']``.
"""

import numpy as np

from phyclone import IPlugin, connect


def squared_distances(x, centers):
    """(n_points, n_centers) squared distances, without an (n, k, dims) temporary."""
    d2 = (x * x).sum(axis=1)[:, None] - 2 * x @ centers.T + (centers * centers).sum(axis=1)
    return np.maximum(d2, 0)


def kmeans(x, k, max_iter=200, seed=0):
    """Lloyd's k-means of the rows of ``x``, started by k-means++; iterates until no point
    changes cluster. Returns labels 0..m-1 (m <= k: as many as distinct points allow)."""
    x = np.asarray(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    centers = x[[rng.integers(len(x))]]
    for _ in range(1, k):  # k-means++: far points are likelier next centres
        d2 = squared_distances(x, centers).min(axis=1)
        if d2.sum() == 0:
            break
        centers = np.vstack([centers, x[rng.choice(len(x), p=d2 / d2.sum())]])
    labels = None
    for _ in range(max_iter):
        new = squared_distances(x, centers).argmin(axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        centers = np.array([x[labels == j].mean(axis=0) if (labels == j).any() else c
                            for j, c in enumerate(centers)])
    return np.unique(labels, return_inverse=True)[1]


class ExampleCustomSplitPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect(sender=controller)
        def on_gui_ready(sender, gui):
            supervisor = controller.supervisor

            @supervisor.actions.add(shortcut="s", alias="ks", set_busy=True)
            def kmeans_split(n_clusters=2):
                """Split the first selected cluster with k-means on its PC features."""
                if not supervisor.selected:
                    return
                features = controller.get_features(supervisor.selected[0], load_all=True)
                if features.get("data") is None or len(features.spike_ids) < 2:
                    return
                # (n_spikes, n_channels, n_pcs) -> one row of features per spike.
                x = features.data.reshape(len(features.spike_ids), -1)
                labels = kmeans(x, int(n_clusters))
                if labels.max() > 0:  # else every spike is alike: nothing to split
                    supervisor.actions.split(features.spike_ids, labels)
