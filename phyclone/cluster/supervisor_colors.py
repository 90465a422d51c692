"""Colour mapping of the Supervisor: which field colours the clusters, with which colormap.

``supervisor.color_selector`` (a ``phyclone.utils.colors.ClusterColorSelector`` reading the
metrics and the labels live) is what views use for cluster colours; every change emits
``color_mapping_changed(supervisor)``.
"""

from collections.abc import Mapping

from phyclone.utils import emit
from phyclone.utils.colors import ClusterColorSelector


class _LiveLabels(Mapping):
    """``{field: {cluster_id: value}}`` read live from a ClusterMeta (for the colour selector)."""

    class _Field:
        def __init__(self, meta, field):
            self.meta, self.field = meta, field

        def get(self, cluster_id, default=None):
            value = self.meta.get(self.field, cluster_id)
            return default if value is None else value

    def __init__(self, meta):
        self.meta = meta

    def __getitem__(self, field):
        if field not in self.meta.fields:
            raise KeyError(field)
        return self._Field(self.meta, field)

    def __iter__(self):
        return iter(self.meta.fields)

    def __len__(self):
        return len(self.meta.fields)


def _color_key(sel):
    """What decides the colours (existing clusters keep theirs when new categories appear)."""
    return (sel.name, str(sel.state["colormap"]), sel.categorical, sel.logarithmic,
            sel.vmin, sel.vmax)


class ColorMappingMixin:
    """The colour actions of the Supervisor (which has ``session`` and ``action_creator``)."""

    def _create_color_selector(self):
        s = self.session
        self.color_selector = ClusterColorSelector(
            cluster_ids=s.cluster_ids, cluster_metrics=s.cluster_metrics,
            cluster_labels=_LiveLabels(s.cluster_meta))
        self._color_key = _color_key(self.color_selector)

    def _color_changed(self):
        self._color_key = _color_key(self.color_selector)
        if self.action_creator is not None:
            self.action_creator.update_color_toggles()
        emit("color_mapping_changed", self)

    def _update_color_range(self):
        """After clustering actions, a continuous mapping takes the new value range (emitting
        ``color_mapping_changed`` if it changed); categorical colours never depend on the
        other clusters, so nothing is recomputed (O(n_clusters) metric calls saved)."""
        if self.color_selector.categorical:
            return
        self.color_selector.set_cluster_ids(self.session.cluster_ids)
        if _color_key(self.color_selector) != self._color_key:
            self._color_changed()

    def change_color_field(self, field):
        """Colour the clusters by a metric or label, e.g. `n_spikes`."""
        self.color_selector.set_color_mapping(fun=field)
        self._color_changed()

    def change_colormap(self, colormap):
        """Use a colormap for cluster colours, e.g. `linear`."""
        self.color_selector.set_color_mapping(colormap=colormap)
        self._color_changed()

    def toggle_categorical_colormap(self, checked):
        """Categorical (one colour per value) or continuous cluster colours."""
        self.color_selector.set_color_mapping(categorical=bool(checked))
        self._color_changed()

    def toggle_logarithmic_colormap(self, checked):
        """Logarithmic or linear mapping of values to colours."""
        self.color_selector.set_color_mapping(logarithmic=bool(checked))
        self._color_changed()
