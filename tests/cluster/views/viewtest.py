"""Helpers of the view tests: a Supervisor and a cluster view stand-in, pixel helpers,
screenshots."""

import os
import tempfile
from pathlib import Path

import numpy as np

from phyclone.utils.colors import ClusterColorSelector
from phyclone.cluster.selection_source import SelectionSource

SHOTS = Path(os.environ.get("PHYCLONE_SHOTS", Path(tempfile.gettempdir()) / "phyclone-view-shots"))



class Supervisor(SelectionSource):
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


def settle(qtbot, view, timeout=10000):
    """Wait until no data of the view is being prepared, then process the queued events (its
    plot, canvas updates): what it shows is then final."""
    from phyclone.qt import QApplication

    def idle():
        runner = getattr(view, "_runner", None)
        return runner is None or not runner.is_busy()
    qtbot.waitUntil(idle, timeout=timeout)
    QApplication.processEvents()


def frame(qtbot, view):
    """The view's framebuffer (h, w, 4) once it has settled (``grab_image`` renders now)."""
    settle(qtbot, view)
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


def box_px(view, box, x, y, scale=1.):
    """Pixel of (x, y) given in the NDC of a layout box (``scale``: a canvas-wide scaling
    added after the layout, e.g. the correlogram view's 0.9 margin)."""
    xy = view.canvas.layout.map(np.array([[x, y]], dtype=np.float64), box=box)[0] * scale
    w, h = view.canvas.get_size()
    return int(round((xy[0] + 1) / 2 * w)), int(round((1 - xy[1]) / 2 * h))


def bar_height(img, view, box, bin_index, n_bins, color, scale=1.):
    """(height of a histogram bar in pixels, height of its box): from the highest pixel of
    the bar colour in the bin's column down to the bottom of the box."""
    x = -1 + 2 * (bin_index + .5) / n_bins
    col, top = box_px(view, box, x, 1., scale)
    _, bottom = box_px(view, box, x, -1., scale)
    column = img[top:bottom, col, :3].astype(int)
    hit = np.nonzero(np.abs(column - rgb255(color)).max(axis=1) <= 3)[0]
    return (bottom - top - int(hit[0]) if len(hit) else 0), bottom - top


def near(img, px, color, tol=8, r=1):
    """Whether a pixel within ``r`` of ``px`` has this colour."""
    x, y = px
    patch = img[y - r:y + r + 1, x - r:x + r + 1, :3].astype(int)
    return bool((np.abs(patch - rgb255(color)).max(axis=-1) <= tol).any())


def record_clicks():
    """List receiving the ``cluster_click``, ``request_select`` and ``select_more`` events:
    ('click', id, button, modifiers), ('select', ids), ('more', ids)."""
    from phyclone.utils import connect
    events = []

    @connect
    def on_cluster_click(sender, cluster_id, button=None, modifiers=None):
        events.append(("click", cluster_id, button, modifiers))

    @connect
    def on_request_select(sender, cluster_ids):
        events.append(("select", cluster_ids))

    @connect
    def on_select_more(sender, cluster_ids):
        events.append(("more", cluster_ids))
    return events
