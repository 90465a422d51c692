"""A custom histogram view of a cluster statistic: the first PC feature of each selected
cluster on its best channel (the ISI and firing rate views are histogram views too).

A ``HistogramView`` subclass only says how to get the values of one cluster
(``cluster_stat(cluster_id) -> Bunch(data=1D array)``); the view bins them, stacks one
histogram per selected cluster, and has the histogram actions: with ``alias_char = 'fh'``,
``:fhn 50`` sets the number of bins, ``:fhmin`` / ``:fhmax`` the range.

Once enabled, open it with ``View > Add FeatureHistogramView`` (the GUI remembers it).
Enable with ``c.TemplateGUI.plugins = ['ExampleClusterStatsPlugin']``.
"""

from phyclone import Bunch, IPlugin
from phyclone.cluster.views import HistogramView


class FeatureHistogramView(HistogramView):
    """Each class is its own kind of view (with its own GUI state): subclass the base."""

    n_bins = 60
    alias_char = "fh"
    bin_unit = "PC"  # shown in the status bar and the snippets' help
    normalization = "density"


class ExampleClusterStatsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def first_feature(cluster_id):
            """The first PC on the best channel of the spikes the feature view shows."""
            features = controller.get_features(cluster_id)  # data: (n_spikes, n_chan, n_pc)
            return Bunch(data=features.data[:, 0, 0])

        def create_view():
            return FeatureHistogramView(cluster_stat=first_feature)

        # View name -> function creating a view (called with no argument).
        controller.view_creator["FeatureHistogramView"] = create_view
