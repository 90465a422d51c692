"""ISIView: histogram of the inter-spike intervals of the selected clusters (phy's).

``cluster_stat(cluster_id)`` returns ``Bunch(data=intervals in seconds)`` (phy's controller:
``np.diff`` of the cluster's spike times).
"""

from .histogram import HistogramView


class ISIView(HistogramView):
    """Inter-spike intervals, 0 to 50 ms in 1 ms bins by default; values set in ms
    (snippets ``:isin``, ``:isib``, ``:isimin``, ``:isimax``)."""

    x_min = 0.
    x_max = .05
    n_bins = 50
    alias_char = "isi"
    bin_unit = "ms"
