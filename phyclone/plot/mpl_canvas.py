"""``PlotCanvasMpl``: phy's matplotlib canvas for views (``plot_canvas_class =
PlotCanvasMpl``), so that phy's matplotlib view plugins run unchanged.

The canvas is a Qt widget (docked as the view) holding a dark matplotlib figure; ``ax`` is
the current axes (``canvas[i, j]`` or ``canvas[i]`` chooses another one of a grid), and
``update()`` redraws the figure after the plugin drew on it. phyclone's own matplotlib views
derive from ``ManualClusteringViewMatplotlib`` instead.
"""

import numpy as np

from phyclone.qt import QVBoxLayout, QWidget, matplotlib_canvas


def style_dark_axes(ax):
    """Black background, grey ticks and spines (the look of the OpenGL views)."""
    ax.set_facecolor("black")
    ax.tick_params(colors="#aaa", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("bottom", "left"):
        ax.spines[side].set_color("#888")


class PlotCanvasMpl(QWidget):
    """A matplotlib figure as a view's canvas (phy's API: ``figure``, ``ax``, ``axes``,
    ``subplots``, ``set_layout('grid', shape=...)``, ``clear``, ``update``/``show``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        from matplotlib.figure import Figure
        self.figure = Figure(facecolor="black")
        self._mpl = matplotlib_canvas(self.figure)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._mpl)
        self._box = (0, 0)
        self.subplots()

    @property
    def canvas(self):
        """The matplotlib Qt canvas widget of the figure."""
        return self._mpl

    def subplots(self, nrows=1, ncols=1, **kwargs):
        """Replace the axes by a grid of dark axes; return them as an (nrows, ncols) array."""
        self.figure.clear()
        self.axes = np.atleast_2d(self.figure.subplots(nrows, ncols, squeeze=False, **kwargs))
        for ax in self.axes.flat:
            style_dark_axes(ax)
        self._box = (0, 0)
        return self.axes

    def set_layout(self, layout=None, shape=None, n_plots=None, **kwargs):
        """``grid`` with ``shape``, or ``stacked`` with ``n_plots`` rows: one axes per box."""
        if layout == "grid":
            self.subplots(*shape)
        elif layout == "stacked":
            self.subplots(int(n_plots or 1), 1)

    def __getitem__(self, box_index):
        box = tuple(np.atleast_1d(box_index).tolist())
        self._box = box if len(box) == 2 else (
            (box[0], 0) if self.axes.shape[1] == 1 else (0, box[0]))
        return self

    @property
    def ax(self):
        """The current axes (the first one unless chosen with ``canvas[box]``)."""
        return self.axes[self._box]

    def iter_ax(self):
        return iter(self.axes.flat)

    def clear(self):
        for ax in self.axes.flat:
            ax.clear()
            style_dark_axes(ax)

    def update(self):
        """Redraw the figure (call it after drawing)."""
        self._mpl.draw_idle()
        super().update()

    show = update

    def on_next_paint(self, f):
        self._mpl.draw()
        f()

    def screenshot(self, path):
        self.figure.savefig(str(path), facecolor="black")
        return path

    # phy's OpenGL canvas methods that mean nothing here.
    def attach_events(self, view):
        pass

    def set_lazy(self, lazy):
        pass

    def enable_axes(self, *args, **kwargs):
        pass

    def enable_lasso(self):
        pass

    def enable_panzoom(self, *args, **kwargs):
        pass
