"""Put more variables in the IPython console (``View > Add IPythonView``): here the
waveform view, as ``wv`` (``wv.next_waveforms_type()``, ``wv.cluster_ids``...). The console
already has ``controller`` (also ``c``), ``m`` (the model), ``s`` (the Supervisor), ``gui``,
``emit``, ``connect``, ``np`` and ``plt``.

Enable with ``c.TemplateGUI.plugins = ['ExampleIPythonViewPlugin']``.
"""

from phyclone import IPlugin, connect
from phyclone.cluster.views import WaveformView
from phyclone.gui import IPythonView


class ExampleIPythonViewPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_add_view(gui, view):
            if isinstance(view, IPythonView):
                view.inject(wv=gui.get_view(WaveformView))
