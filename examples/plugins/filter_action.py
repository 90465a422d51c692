"""A filter snippet: ``:fr 10`` shows only the clusters firing faster than 10 spikes per
second (``esc`` shows them all again).

``supervisor.filter(expression)`` takes what ``:f`` takes: a Python-like expression on
the columns of the cluster view (``n_spikes > 100 and group != 'noise'``...).

Enable with ``c.TemplateGUI.plugins = ['ExampleFilterFiringRatePlugin']``.
"""

from phyclone import IPlugin, connect


class ExampleFilterFiringRatePlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect(sender=controller)
        def on_gui_ready(sender, gui):
            @controller.supervisor.select_actions.add(alias="fr", prompt=True,
                                                      prompt_default=lambda: 5)
            def filter_firing_rate(rate):
                """Show only the clusters firing faster than this rate (spikes/s)."""
                controller.supervisor.filter(f"fr > {float(rate)}")
