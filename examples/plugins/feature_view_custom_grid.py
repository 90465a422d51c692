"""Another grid of subplots in the feature view: a 3x3 grid pairing the best three
channels, one row per PC.

A cell ``'x,y'`` plots dimension y against dimension x; a dimension is a channel rank
(``0``: the cluster's best channel, ``1``: the second best...) followed by a PC letter
(``A``: first PC, ``B``, ``C``), or ``time``.

``add_view`` is sent by the GUI each time a view is docked (sender: the GUI).
Enable with ``c.TemplateGUI.plugins = ['ExampleCustomFeatureViewPlugin']``.
"""

from phyclone import IPlugin, connect
from phyclone.cluster.views import FeatureView

GRID = """
0A,1A  1A,2A  2A,0A
0B,1B  1B,2B  2B,0B
0C,1C  1C,2C  2C,0C
"""


def my_grid():
    """The grid as rows of cells."""
    return [line.split() for line in GRID.strip().splitlines()]


class ExampleCustomFeatureViewPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_add_view(gui, view):
            if isinstance(view, FeatureView):
                view.set_grid_dim(my_grid())
