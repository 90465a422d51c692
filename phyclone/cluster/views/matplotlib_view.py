"""``ManualClusteringViewMatplotlib``: a view drawn with matplotlib (plugins' custom views)."""

from phyclone.plot.mpl_canvas import style_dark_axes
from phyclone.utils.bunch import Bunch

from .base import ManualClusteringView


class ManualClusteringViewMatplotlib(ManualClusteringView):
    """A view whose ``plot()`` draws on ``self.figure`` (dark style, as phy's)."""

    plot_canvas_class = None

    def __init__(self, shortcuts=None, threaded=True, **kwargs):
        from matplotlib.figure import Figure
        self.figure = Figure(facecolor="black")
        self.axes = None
        self.canvas_widget = None
        super().__init__(shortcuts=shortcuts, threaded=threaded, **kwargs)

    @property
    def canvas(self):
        return self.figure.canvas

    @canvas.setter
    def canvas(self, value):
        pass  # the figure owns its canvas

    def subplots(self, nrows=1, ncols=1, **kwargs):
        """Create (and return) a grid of axes styled for a black background."""
        self.figure.clear()
        self.axes = self.figure.subplots(nrows, ncols, squeeze=False, **kwargs)
        for ax in self.axes.flat:
            style_dark_axes(ax)
        return self.axes

    def _on_data(self, cluster_ids, kwargs, data):
        if cluster_ids != self.cluster_ids:
            return
        self.data = data
        self._data_cluster_ids = list(cluster_ids)
        self.plot(**kwargs)
        self.figure.canvas.draw_idle()
        self.update_status()
        self.n_plots_done += 1

    def screenshot(self, path=None, dir=None):
        path = self._screenshot_path(path, dir)
        self.figure.savefig(str(path), facecolor="black")
        return path

    def show(self):
        """Show the figure in its own window (outside a GUI)."""
        if self.canvas_widget is None:
            from phyclone.gui.gui import _view_widget
            self.canvas_widget = _view_widget(self)
        self.canvas_widget.show()
        return self.canvas_widget

    @property
    def state(self):
        return Bunch({a: getattr(self, a, None) for a in self.state_attrs})

    def close(self):
        self._on_gui_close()
