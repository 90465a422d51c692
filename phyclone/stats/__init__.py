"""Statistics (no Qt): numba kernels with pure-numpy fallbacks — correlograms, firing rates,
ISI and time histograms, peri-event rasters and PSTHs, template and cluster statistics."""

from ._jit import HAVE_NUMBA
from .ccg import (
    bin_samples, cluster_index, correlograms, firing_rate, n_window_bins, spike_samples,
)
from .clusters import (
    best_template, cluster_amplitude, cluster_depth, cluster_templates,
    mean_spike_amplitudes, spike_depths, template_counts,
)
from .psth import peri_event_spikes, psth, psth_bins
from .rates import firing_rate_histogram, histogram, isi, isi_histogram, mean_firing_rate
from .templates import (
    best_channels, channel_amplitudes, closest_channels, peak_channels, similar_templates,
    template_amplitudes, template_similarity, waveform_durations,
)

__all__ = [
    "HAVE_NUMBA", "best_channels", "best_template", "bin_samples", "channel_amplitudes",
    "closest_channels", "cluster_amplitude", "cluster_depth", "cluster_index",
    "cluster_templates", "correlograms", "firing_rate", "firing_rate_histogram", "histogram",
    "isi", "isi_histogram", "mean_firing_rate", "mean_spike_amplitudes", "n_window_bins",
    "peak_channels", "peri_event_spikes", "psth", "psth_bins", "similar_templates", "spike_depths", "spike_samples",
    "template_amplitudes", "template_counts", "template_similarity", "waveform_durations",
]
