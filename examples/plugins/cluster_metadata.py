"""Save more per-cluster data when the user saves: the best channel of every cluster, in
``cluster_best_channel.tsv`` next to the data.

``request_save`` is sent by the GUI when the user saves (``ctrl+s``), after the
Supervisor wrote phy's files. ``cluster_<name>.tsv`` files are cluster labels: on the next
start this one shows as a ``best_channel`` column (the built-in ``ch`` column already has
that value; the point is the mechanism).

Enable with ``c.TemplateGUI.plugins = ['ExampleClusterMetadataPlugin']``.
"""

import logging

from phyclone import IPlugin, connect
from phyclone.io.template.metadata import save_metadata

logger = logging.getLogger("phyclone")


class ExampleClusterMetadataPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect(sender=controller)
        def on_gui_ready(sender, gui):

            @connect(sender=gui)
            def on_request_save(sender):
                path = controller.dir_path / "cluster_best_channel.tsv"
                values = {int(cluster_id): controller.get_best_channel(int(cluster_id))
                          for cluster_id in controller.supervisor.clustering.cluster_ids}
                save_metadata(path, "best_channel", values)  # atomic: never half written
                logger.info("Saved %s.", path)
