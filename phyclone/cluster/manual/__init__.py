"""phy 0.x's scripting API at its import path (``from phy.cluster.manual import Session``).

``Session`` is the headless ``KwikSession`` (merge, split, move, undo, redo, save, wizard,
events, settings) plus ``show_gui``, ``show_view`` and ``create_view`` backed by phyclone's
Kwik GUI and views (Qt is imported only when those are called). It is defined in
``phyclone.apps.kwik.scripting`` and only re-exported here, at phy 0.x's path (the one import
from ``phyclone.cluster`` up to ``phyclone.apps``, allowed in pyproject.toml for that reason).
"""

from phyclone.clustering import Clustering, ClusterMeta, UpdateInfo
from phyclone.session.scripting import GROUP_IDS, KwikSession, LegacyWizard
from phyclone.utils.progress import ProgressReporter

from phyclone.apps.kwik.scripting import Session

Wizard = LegacyWizard

__all__ = ["Clustering", "ClusterMeta", "GROUP_IDS", "ProgressReporter", "Session",
           "UpdateInfo", "Wizard", "KwikSession"]
