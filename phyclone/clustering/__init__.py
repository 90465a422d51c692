"""Clustering core (no Qt): ``Clustering``, ``ClusterMeta``, ``History``, ``GlobalHistory``,
``UpdateInfo`` — phy's ``phy.cluster`` API, O(changed spikes) per action."""

from .cluster_meta import ClusterMeta, create_cluster_meta
from .clustering import Clustering
from .history import GlobalHistory, History
from .update_info import UpdateInfo

__all__ = ["Clustering", "ClusterMeta", "GlobalHistory", "History", "UpdateInfo",
           "create_cluster_meta"]
