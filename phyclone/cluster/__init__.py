"""Manual clustering: the core Clustering/ClusterMeta/History/UpdateInfo (re-exported, as in
phy's ``phy.cluster``) and the Qt-side Supervisor and views (imported lazily)."""

import importlib

_LAZY = {
    "Clustering": "phyclone.clustering",
    "ClusterMeta": "phyclone.clustering",
    "History": "phyclone.clustering",
    "GlobalHistory": "phyclone.clustering",
    "UpdateInfo": "phyclone.clustering",
    "Supervisor": "phyclone.cluster.supervisor",
    "ClusterView": "phyclone.cluster.cluster_view",
    "SimilarityView": "phyclone.cluster.cluster_view",
    "ActionCreator": "phyclone.cluster.supervisor_actions",
}


def __getattr__(name):
    # Lazy so that `from phyclone.cluster import Clustering` never imports Qt.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
