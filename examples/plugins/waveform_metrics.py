"""A column computed from the template waveforms: ``trough_peak``, the time (ms) from the
trough of a cluster's template on its best channel to the next peak (short for
fast-spiking interneurons, longer for pyramidal cells).

``controller.get_templates(cluster_ids)`` returns, for each cluster, the waveform of its
main template on its best channels, the best one first.

Enable with ``c.TemplateGUI.plugins = ['ExampleWaveformMetricsPlugin']``.
"""

import numpy as np

from phyclone import IPlugin


def trough_to_peak(waveform, sample_rate):
    """Milliseconds from the minimum of a 1D waveform to its maximum after it."""
    trough = int(np.argmin(waveform))
    peak = trough + int(np.argmax(waveform[trough:]))
    return (peak - trough) / sample_rate * 1e3


class ExampleWaveformMetricsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        sample_rate = float(controller.model.sample_rate)

        def trough_peak(cluster_id):
            template = controller.get_templates([cluster_id])[cluster_id].template
            return trough_to_peak(template[:, 0], sample_rate)

        controller.cluster_metrics["trough_peak"] = controller.context.memcache(trough_peak)
