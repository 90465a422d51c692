"""Helpers of the view tests: a Supervisor and a cluster view stand-in, pixel helpers,
screenshots."""

import os
from pathlib import Path

import numpy as np

from phyclone.utils.colors import ClusterColorSelector

SHOTS = Path(os.environ.get("PHYCLONE_SHOTS", "/tmp/views2-shots"))



class Supervisor:
    """Stands for the Supervisor: views follow what it sends (selection, colours, clusters)."""

    def __init__(self, cluster_ids, spike_clusters=None, fun="cluster_id"):
        self.shown_cluster_ids = [int(c) for c in cluster_ids]
        self.color_selector = ClusterColorSelector(fun=fun, cluster_ids=cluster_ids)
        if spike_clusters is not None:
            self.clustering = type("Clustering", (), {})()
            self.clustering.spike_clusters = spike_clusters
            self.clustering.cluster_ids = np.unique(spike_clusters)


class ClusterView:
    """Stands for the cluster view table (sender of table_sort / table_filter)."""


def frame(qtbot, view):
    """Process events until the view painted, then return its framebuffer (h, w, 4)."""
    qtbot.wait(30)
    return view.canvas.grab_image()


def ndc_to_px(view, x, y):
    """Pixel (column, row) of an NDC position (after pan-zoom) in the view's framebuffer."""
    w, h = view.canvas.get_size()
    r = view.canvas.devicePixelRatioF()
    return int((x + 1) / 2 * w * r), int((1 - y) / 2 * h * r)


def lit(img, threshold=40):
    """Boolean mask of the non-background pixels."""
    return img[..., :3].max(axis=-1) > threshold


def shot(view, name):
    """Save a screenshot of the view for a human to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return view.screenshot(SHOTS / f"{name}.png")


def rgb255(color):
    return np.round(np.asarray(color[:3]) * 255).astype(int)
