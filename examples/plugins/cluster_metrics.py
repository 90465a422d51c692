"""A custom cluster metric: a ``meanisi`` column (mean inter-spike interval, in ms).

``controller.cluster_metrics`` maps column names to functions ``cluster_id -> value``.
The Supervisor (and with it the cluster and similarity views) is created after the plugins
are attached, so a metric added in ``attach_to_controller`` becomes a column of both
tables, can be sorted and filtered on (``:f meanisi > 50``), colours clusters (Color menu)
and is saved in ``cluster_info.tsv``. New clusters (merge, split) get their value computed
when they appear.

``controller.context.memcache`` remembers the values in memory and in ``<data dir>/.phy/``
for the next session: cluster ids are never reused, so a value never goes stale.

Enable with ``c.TemplateGUI.plugins = ['ExampleClusterMetricsPlugin']``.
"""

import numpy as np

from phyclone import IPlugin


class ExampleClusterMetricsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def meanisi(cluster_id):
            """Mean time between consecutive spikes of the cluster, in milliseconds."""
            times = controller.get_spike_times(cluster_id)  # every spike, in seconds
            if len(times) < 2:
                return float("nan")
            return float(np.diff(times).mean() * 1e3)

        controller.cluster_metrics["meanisi"] = controller.context.memcache(meanisi)
