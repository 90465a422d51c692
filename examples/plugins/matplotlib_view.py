"""A custom view drawn with matplotlib: the density of the spikes of the first selected
cluster in the plane of its first PC feature on its two best channels.

``ManualClusteringViewMatplotlib`` follows the selection like every view, in two steps:

- ``get_clusters_data(cluster_ids)`` runs in a worker thread, so selecting clusters never
  waits for it: numpy work only, no drawing.
- ``plot()`` draws ``self.data`` on ``self.figure`` in the GUI thread, for the latest
  selection only; ``self.subplots()`` gives axes styled for the dark background.

Matplotlib is fine for small data; the built-in views use OpenGL (see opengl_view.py).
Enable with ``c.TemplateGUI.plugins = ['ExampleMatplotlibViewPlugin']``.
"""

import numpy as np

from phyclone import Bunch, IPlugin
from phyclone.cluster.views import ManualClusteringViewMatplotlib


class FeatureDensityView(ManualClusteringViewMatplotlib):
    n_bins = 40

    def __init__(self, features=None, **kwargs):
        super().__init__(**kwargs)
        self.features = features  # cluster_id -> Bunch(data (n_spikes, n_chan, n_pc), ...)

    def get_clusters_data(self, cluster_ids):
        if not cluster_ids:
            return None
        b = self.features(cluster_ids[0])
        if b.get("data") is None or b.data.shape[1] < 2:
            return None
        x, y = b.data[:, 0, 0], b.data[:, 1, 0]
        counts, x_edges, y_edges = np.histogram2d(x, y, bins=self.n_bins)
        return Bunch(counts=counts, x_edges=x_edges, y_edges=y_edges,
                     channels=list(b.channel_labels[:2]))

    def plot(self, **kwargs):
        ax, = self.subplots().flat
        d = self.data
        if d is None:
            return
        # Counts are (x, y): transpose for pcolormesh, which wants rows along y.
        ax.pcolormesh(d.x_edges, d.y_edges, d.counts.T, cmap="magma")
        ax.set_xlabel(f"PC1 on channel {d.channels[0]}", color="#aaa", fontsize=8)
        ax.set_ylabel(f"PC1 on channel {d.channels[1]}", color="#aaa", fontsize=8)
        ax.set_title(f"cluster {self.cluster_ids[0]}", color="#ddd", fontsize=9)


class ExampleMatplotlibViewPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def create_view():
            return FeatureDensityView(features=controller.get_features)

        controller.view_creator["FeatureDensityView"] = create_view
        # Open one at start-up when the GUI has none (otherwise: View > Add ...).
        controller.at_least_one_view("FeatureDensityView")
