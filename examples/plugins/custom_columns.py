"""Choose the columns of the cluster and similarity views.

``controller_ready`` is sent once the controller (and its Supervisor) exists, before the
GUI and its tables are created: setting ``supervisor.columns`` then decides what the tables
show. ``id`` always comes first and ``n_spikes`` is always shown; the similarity view adds
its ``similarity`` column. Hidden metrics are still computed when needed, can be filtered
on, and are saved in ``cluster_info.tsv``.

Enable with ``c.TemplateGUI.plugins = ['ExampleCustomColumnsPlugin']``.
"""

from phyclone import IPlugin, connect


class ExampleCustomColumnsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect(sender=controller)
        def on_controller_ready(sender):
            controller.supervisor.columns = ["id", "ch", "fr", "n_spikes", "group"]
