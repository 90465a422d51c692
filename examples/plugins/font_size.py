"""A smaller font for the text of the OpenGL views (channel labels, axes, histogram
texts): ``TextVisual.default_font_size`` (8 by default) applies to every text visual
created afterwards, hence every view of the GUI.

Enable with ``c.TemplateGUI.plugins = ['ExampleFontSizePlugin']``.
"""

from phyclone import IPlugin
from phyclone.plot import TextVisual


class ExampleFontSizePlugin(IPlugin):
    def attach_to_controller(self, controller):
        TextVisual.default_font_size = 6.
