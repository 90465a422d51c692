"""Hello world: print every change of the clustering (merge, split, label, move, undo...).

Copy this file into ``~/.phy/plugins/`` and enable it in ``~/.phy/phy_config.py``::

    c.TemplateGUI.plugins = ['ExampleHelloPlugin']
"""

from phyclone import IPlugin, connect


class ExampleHelloPlugin(IPlugin):
    def attach_to_controller(self, controller):
        # The Supervisor does not exist yet when plugins are attached: wait until the GUI
        # is ready (every view and the Supervisor are set up by then).
        @connect(sender=controller)
        def on_gui_ready(sender, gui):

            # `cluster` is sent by the Supervisor after each clustering or label change;
            # `up` describes it (description, added and deleted clusters, ...).
            @connect(sender=controller.supervisor)
            def on_cluster(sender, up):
                print(f"Clusters update: {up.description} {list(up.deleted)} -> "
                      f"{list(up.added)}")
