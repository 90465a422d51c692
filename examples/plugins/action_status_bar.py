"""New actions: menu entries with a keyboard shortcut and a snippet.

- ``display_message`` (File menu, ``ctrl+alt+h``) writes in the status bar.
- ``select_first_clusters`` (Select menu > My submenu, ``ctrl+alt+f``, snippet ``:fc N``)
  selects the first N clusters of the cluster view, as it is sorted and filtered. From the
  shortcut or the menu it asks for N in a dialog (``prompt=True``) proposing 5; the
  snippet takes N directly: ``:fc 3``.

The docstring of an action is its help text (status bar, ``h`` list of shortcuts).
Enable with ``c.TemplateGUI.plugins = ['ExampleActionPlugin']``.
"""

from phyclone import IPlugin, connect


class ExampleActionPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect(sender=controller)
        def on_gui_ready(sender, gui):
            gui.file_actions.separator()

            @gui.file_actions.add(shortcut="ctrl+alt+h")
            def display_message():
                """Say hello in the status bar."""
                gui.status_message = "Hello world"

            # The Supervisor's action groups: actions (Clustering menu), edit_actions,
            # select_actions, wizard_actions, color_actions, view_actions.
            supervisor = controller.supervisor
            supervisor.select_actions.separator()

            @supervisor.select_actions.add(
                submenu="My submenu", shortcut="ctrl+alt+f", alias="fc", prompt=True,
                prompt_default=lambda: 5)
            def select_first_clusters(n_clusters):
                """Select the first N clusters of the cluster view."""
                supervisor.select(supervisor.shown_cluster_ids[:int(n_clusters)])
