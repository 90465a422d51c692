"""TemplateFeatureView: the template features of two selected clusters (phy 2.1)."""

from .scatter import ScatterView


class TemplateFeatureView(ScatterView):
    """Scatter of the template features of the spikes of two clusters.

    Constructor: ``coords(cluster_ids, load_all=False)`` as the TemplateController's
    ``_get_template_features``: for exactly two clusters (c0, c1), one
    ``Bunch(x, y, spike_ids)`` per cluster where x (y) is the projection of each spike on
    the templates of c0 (c1) weighted by their spike counts; None otherwise. Lasso split
    as every scatter view.
    """

    @property
    def status(self):
        if len(self.cluster_ids) != 2:
            return "select two clusters to compare their template features"
        return super().status
