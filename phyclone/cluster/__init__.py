"""Manual clustering: the core Clustering/ClusterMeta/History/UpdateInfo (re-exported, as in
phy's ``phy.cluster``), the Qt-side Supervisor and tables, and every view with
``ManualClusteringView`` and ``select_traces`` (as ``from phy.cluster import WaveformView``).
Everything is imported lazily: ``from phyclone.cluster import Clustering`` never imports Qt."""

from phyclone.utils.lazy import lazy_attributes

_VIEWS = "phyclone.cluster.views"

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
    # phy.cluster.views.__init__ re-exports these, and phy.cluster does `from .views import *`.
    **{name: _VIEWS for name in (
        "ManualClusteringView", "ClusterScatterView", "AmplitudeView", "CorrelogramView",
        "FeatureView", "HistogramView", "ISIView", "FiringRateView", "ProbeView", "RasterView",
        "ScatterView", "TemplateView", "TraceView", "TraceImageView", "select_traces",
        "WaveformView", "TemplateFeatureView", "EventView", "ManualClusteringViewMatplotlib",
        "LassoMixin", "MarkerSizeMixin", "ScalingMixin", "BaseColorView", "BaseGlobalView",
    )},
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
