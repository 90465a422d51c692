"""A colour scheme for the cluster scatter view: clusters coloured by the amplitude of their
template (``View > Add ClusterScatterView``; ``shift+wheel`` or the view's menu switch
schemes).

A colour scheme is a function ``cluster_id -> value`` and a colormap (``rainbow``,
``linear``, ``diverging``, ``categorical``, any matplotlib name, or an (n, 3) array); the
values of every cluster are spread over the colormap.

Enable with ``c.TemplateGUI.plugins = ['ExampleColorSchemePlugin']``.
"""

from phyclone import IPlugin, connect
from phyclone.cluster.views import ClusterScatterView


class ExampleColorSchemePlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_view_attached(view, gui):
            if isinstance(view, ClusterScatterView):
                view.add_color_scheme(
                    name="template_amplitude",
                    fun=controller.get_cluster_amplitude,  # cluster_id -> value
                    colormap="rainbow",
                    cluster_ids=controller.supervisor.clustering.cluster_ids,
                )
