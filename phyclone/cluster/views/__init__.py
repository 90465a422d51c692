"""Manual clustering views: one module per view, on the ``ManualClusteringView`` base."""

from .base import LassoMixin, ManualClusteringView, MarkerSizeMixin, ScalingMixin
from .cluscatter import ClusterScatterView
from .correlogram import CorrelogramView
from .firing_rate import FiringRateView
from .global_view import BaseColorView, BaseGlobalView
from .histogram import HistogramView
from .isi import ISIView
from .matplotlib_view import ManualClusteringViewMatplotlib
from .raster import RasterView
from .template import TemplateView

__all__ = [
    "LassoMixin", "ManualClusteringView", "ManualClusteringViewMatplotlib", "MarkerSizeMixin",
    "ScalingMixin",
    "BaseColorView", "BaseGlobalView", "ClusterScatterView", "CorrelogramView",
    "FiringRateView", "HistogramView", "ISIView", "RasterView", "TemplateView",
]
