"""Change how many spikes the views show, and how many channels count as a cluster's best.

More spikes give fuller pictures and slower selections. The defaults are in the comments.
The GUI remembers the spike numbers in its state: after changing them here, start once
with ``phy template-gui params.py --clear-state`` for the new values to win, and with
``--clear-cache`` after changing the channel settings (cached per-cluster data uses them).

Enable with ``c.TemplateGUI.plugins = ['ExampleNspikesViewsPlugin']``.
"""

from phyclone import IPlugin


class ExampleNspikesViewsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        controller.n_spikes_waveforms = 250  # waveforms drawn per cluster (100)
        controller.batch_size_waveforms = 10  # (10)
        controller.n_spikes_features = 5000  # points per cluster in the feature view (2500)
        controller.n_spikes_features_background = 1000  # grey background points (2500)
        controller.n_spikes_amplitudes = 5000  # points per cluster, amplitude view (10000)
        controller.n_spikes_correlograms = 50000  # spikes used by the correlograms (100000)

        # A cluster's best channels, when templates.npy is dense: the n closest to its peak
        # channel (12) whose template amplitude reaches this fraction of the peak amplitude
        # (0: all n of them). Sparse templates (template_ind.npy) keep their own channels.
        controller.model.n_closest_channels = 8
        controller.model.amplitude_threshold = .1
