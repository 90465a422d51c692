"""A custom dimension reduction view: the spikes of the selected clusters projected on the
first two principal components of their waveforms (on the best channels of all of these
clusters). A lasso (``ctrl+click`` around points, then ``k``) splits, as in the other
scatter views.

A ``ScatterView`` only needs ``coords(cluster_ids, load_all=False)``, returning positions
and spike ids. phy's example used UMAP; plain numpy PCA needs no extra package.
``load_all=True`` is the lasso asking for every spike: they are projected on the axes
computed from the displayed spikes, so the points inside the lasso are the ones seen (this
reads the waveforms of every spike of the clusters: slow for very large clusters).

Enable with ``c.TemplateGUI.plugins = ['ExampleWaveformPCAPlugin']``.
"""

import numpy as np

from phyclone import Bunch, IPlugin
from phyclone.cluster.views import ScatterView

N_SPIKES = 300  # spikes shown per cluster


class WaveformPCAView(ScatterView):
    """Each class is its own kind of view (with its own GUI state): subclass the base."""


def waveform_rows(controller, spike_ids, channel_ids):
    """(n_spikes, n_samples * n_channels): high-pass filtered waveforms."""
    w = controller.model.get_waveforms(spike_ids, channel_ids, filtered=True)
    return np.asarray(w, dtype=np.float64).reshape(len(spike_ids), -1)


class ExampleWaveformPCAPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def coords(cluster_ids, load_all=False):
            shown = controller.selector(N_SPIKES, cluster_ids)  # regularly spaced spikes
            if len(shown) < 2:
                return None
            channels = np.unique(np.concatenate(
                [controller.get_best_channels(c) for c in cluster_ids]))
            x = waveform_rows(controller, shown, channels)
            mean = x.mean(axis=0)
            _, _, vt = np.linalg.svd(x - mean, full_matrices=False)  # PCA of those
            spike_ids = controller.selector(None, cluster_ids) if load_all else shown
            rows = waveform_rows(controller, spike_ids, channels) if load_all else x
            return Bunch(pos=(rows - mean) @ vt[:2].T, spike_ids=spike_ids,
                         spike_clusters=controller.supervisor.clustering.spike_clusters[
                             spike_ids])

        def create_view():
            return WaveformPCAView(coords=coords)

        controller.view_creator["WaveformPCAView"] = create_view
