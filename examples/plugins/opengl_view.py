"""A custom OpenGL view: the template of each selected cluster on its peak channel, one
row per cluster, in the cluster's selection colour. OpenGL scales to millions of points;
this view draws few, to show the moving parts:

- the canvas has a layout: here ``stacked``, one box per row (``grid`` and ``boxed``, by
  probe geometry, are the others);
- a visual (``PlotVisual`` for lines; also ``ScatterVisual``, ``HistogramVisual``,
  ``TextVisual``, ``LineVisual``, ``PolygonVisual``, ``ImageVisual``) is added to the
  canvas once, in the constructor;
- ``get_clusters_data`` fetches the numpy data in a worker thread; ``plot`` fills the
  visual, one batch item per cluster (``add_batch_data`` with its ``box_index``), and
  uploads everything at once with ``canvas.update_visual``: one draw call per visual.

Enable with ``c.TemplateGUI.plugins = ['ExampleOpenGLViewPlugin']``.
"""

import numpy as np

from phyclone import IPlugin
from phyclone.cluster.views import ManualClusteringView
from phyclone.plot import PlotVisual
from phyclone.utils.colors import selected_cluster_color


class PeakTemplateView(ManualClusteringView):
    _default_position = "right"

    def __init__(self, templates=None, **kwargs):
        super().__init__(**kwargs)
        self.templates = templates  # cluster_ids -> {cluster_id: Bunch(template, ...)}
        self.canvas.set_layout("stacked", n_plots=1, origin="top")  # first cluster on top
        self.visual = PlotVisual()
        self.canvas.add_visual(self.visual)

    def get_clusters_data(self, cluster_ids):
        return self.templates(cluster_ids) if cluster_ids else None

    def plot(self, **kwargs):
        if not self.data:
            self.visual.hide()
            return
        self.canvas.stacked.n_boxes = len(self.cluster_ids)
        self.visual.reset_batch()
        for i, cluster_id in enumerate(self.cluster_ids):
            # (n_samples, n_channels) on the best channels, the peak channel first.
            y = self.data[cluster_id].template[:, 0]
            lo, hi = float(y.min()), float(y.max())
            self.visual.add_batch_data(
                x=np.linspace(-1., 1., len(y)), y=y, color=selected_cluster_color(i),
                # (x min, y min, x max, y max) mapped onto the box: each row fills its box.
                data_bounds=(-1., lo, 1., hi if hi > lo else lo + 1.), box_index=i)
        self.canvas.update_visual(self.visual)
        self.visual.show()


class ExampleOpenGLViewPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def create_view():
            return PeakTemplateView(templates=controller.get_templates)

        controller.view_creator["PeakTemplateView"] = create_view
        controller.at_least_one_view("PeakTemplateView")
