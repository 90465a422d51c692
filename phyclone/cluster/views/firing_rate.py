"""FiringRateView: firing rate of the selected clusters along the recording (phy's).

``cluster_stat(cluster_id)`` returns ``Bunch(data=spike times in seconds, x_min=0,
x_max=duration)`` (phy's controller). Bars are in Hz (spikes per second in each bin).
"""

from .base import ManualClusteringView
from .histogram import HistogramView


class FiringRateView(HistogramView):
    """Firing rate in 200 bins over the recording; values set in seconds (snippets
    ``:frn``, ``:frb``, ``:frmin``, ``:frmax``). ``x_max`` depends on the dataset: it is
    kept in the local state."""

    n_bins = 200
    alias_char = "fr"
    bin_unit = "s"
    x_min = 0.
    normalization = "rate"
    state_attrs = ManualClusteringView.state_attrs + ("n_bins", "x_min")
    local_state_attrs = ("x_max",)
