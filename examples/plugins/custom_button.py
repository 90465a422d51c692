"""A button in a view's title bar: the arrow in the waveform view's title bar shows the
next kind of waveforms (spike waveforms, templates, mean waveforms), as ``w`` does.

``view_attached`` is sent by each view once it is docked in the GUI (sender: the view).
``view.dock`` is its dock widget, with ``add_button`` and ``add_checkbox`` (both usable as
decorators) and ``set_status``. Icons: a drawn icon name, a Font Awesome code as in phy
(``'f105'``: angle right) or the path of an image.

Enable with ``c.TemplateGUI.plugins = ['ExampleCustomButtonPlugin']``.
"""

from phyclone import IPlugin, connect
from phyclone.cluster.views import WaveformView


class ExampleCustomButtonPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_view_attached(view, gui):
            if isinstance(view, WaveformView):

                @view.dock.add_button(icon="f105")
                def next_waveforms_type(checked):
                    # `checked` is the state of checkable buttons (checkable=True).
                    view.next_waveforms_type()
