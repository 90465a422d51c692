"""A custom similarity: clusters whose mean waveforms look alike come first in the
similarity view (instead of those sharing templates).

A similarity function maps a cluster id to ``[(other cluster id, similarity), ...]``, most
similar first. ``controller.similarity_functions`` holds them by name and
``controller.similarity`` names the one in use.

Here: the cosine similarity of the mean waveforms, each on its own best channels (zero on
the channels the other cluster lacks). The controller caches every cluster's mean waveform
(ids are never reused; also on disk, for the next sessions), so after the first selection
only the dot products are computed; they are computed at each selection, as merges and
splits change the set of clusters.

Enable with ``c.TemplateGUI.plugins = ['ExampleSimilarityPlugin']``.
"""

import numpy as np

from phyclone import IPlugin


def waveform_similarity(w1, channels1, w2, channels2):
    """Cosine similarity of two waveforms ``(n_samples, n_channels_i)`` given on their
    channels ``channels_i``, as vectors over the union of the channels."""
    channels = np.union1d(channels1, channels2)
    a = np.zeros((w1.shape[0], len(channels)))
    b = np.zeros((w2.shape[0], len(channels)))
    a[:, np.searchsorted(channels, channels1)] = w1
    b[:, np.searchsorted(channels, channels2)] = w2
    norm = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / norm) if norm > 0 else 0.


class ExampleSimilarityPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def mean_waveform(cluster_id):
            b = controller._get_mean_waveforms(cluster_id)  # data: (1, n_samples, n_chan)
            return b.data[0], b.channel_ids

        def mean_waveform_similarity(cluster_id):
            w, channels = mean_waveform(cluster_id)
            out = []
            for other in controller.supervisor.clustering.cluster_ids:
                if other != cluster_id:
                    out.append((int(other), waveform_similarity(w, channels,
                                                                *mean_waveform(other))))
            return sorted(out, key=lambda pair: pair[1], reverse=True)

        controller.similarity_functions["mean_waveform"] = mean_waveform_similarity
        controller.similarity = "mean_waveform"
