"""Manual clustering views: one module per view, on the ``ManualClusteringView`` base."""

from .base import LassoMixin, ManualClusteringView, MarkerSizeMixin, ScalingMixin
from .matplotlib_view import ManualClusteringViewMatplotlib

__all__ = [
    "LassoMixin", "ManualClusteringView", "ManualClusteringViewMatplotlib", "MarkerSizeMixin",
    "ScalingMixin",
]
