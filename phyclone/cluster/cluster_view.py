"""ClusterView and SimilarityView: the two tables of the Supervisor (phy's names).

Both hold one row per existing cluster (id, metrics, group, labels) in the NumPy column store
of ``phyclone.gui.Table``; the Supervisor keeps them in sync incrementally with
``update_rows`` (a merge adds one row and removes two, it never rebuilds the table).
The similarity view shows only the clusters similar to the last selected best cluster:
``reset`` writes the ``similarity`` column in one vectorised assignment and hides the other
rows with a mask combined with the user's filter, so a selection costs O(n) NumPy work even
with 10,000 clusters.
"""

from itertools import chain

import numpy as np

from phyclone.gui import Table
from phyclone.gui.table import answer
from phyclone.utils.event import emit

_SORT_DIRS = ("asc", "desc")


def _ints(ids):
    return [int(i) for i in (ids or ())]


def _pairs_array(pairs):
    """``[(id, similarity), ...]`` (or an (n, 2) array) as an (n, 2) float64 array."""
    if pairs is None:
        return np.zeros((0, 2))
    if isinstance(pairs, np.ndarray):
        return pairs.astype(np.float64, copy=False).reshape(-1, 2)
    return np.fromiter(chain.from_iterable(pairs), dtype=np.float64).reshape(-1, 2)


class ClusterView(Table):
    """Table of all clusters (phy's ``ClusterView``).

    Constructor
    -----------
    parent : Qt parent (the GUI)
    data : list of dicts (``id``, metrics, ``group``, labels, ``is_masked``)
    columns : shown columns (``id`` is always first, required columns are added)
    sort : initial ``(column, 'asc' | 'desc')``, default ``('n_spikes', 'desc')``
    """

    _required_columns = ("n_spikes",)
    _default_sort = ("n_spikes", "desc")
    state_attrs = ("current_sort",)
    local_state_attrs = ("selected",)

    def __init__(self, parent=None, data=None, columns=(), sort=None):
        columns = ["id"] + [c for c in columns if c != "id"]
        columns += [c for c in self._required_columns if c not in columns]
        sort = tuple(sort) if sort and sort[0] else self._default_sort
        super().__init__(parent, columns=columns, data=data, sort=sort,
                         title=type(self).__name__)
        self.restored_selection = []  # selection found in the saved GUI state

    # Incremental updates ---------------------------------------------------------------------
    def update_rows(self, added=(), removed=(), changed=()):
        """Add rows, remove ids and change fields, then re-sort and re-filter once."""
        m = self.model
        removed = [i for i in _ints(removed) if m.has(i)]
        if removed:
            m.remove_ids(removed)
            self._selected = [i for i in self._selected if m.has(i)]
        if added:
            m.add_rows(list(added))
        if changed:
            m.change_rows(list(changed))
        if removed or added or changed:
            self._refresh()

    def set_selected(self, ids, offset=None):
        """Show ``ids`` as the selection without emitting ``select`` (the Supervisor syncs the
        tables with the session this way); ``offset``: first selection colour index."""
        ids = [i for i in dict.fromkeys(_ints(ids)) if self.model.has(i)]
        offset = self._selected_index_offset if offset is None else int(offset)
        if ids == self._selected and offset == self._selected_index_offset:
            return
        self._selected = ids
        self._selected_index_offset = offset
        self._apply_selection()

    # GUI state -------------------------------------------------------------------------------
    @property
    def state(self):
        """The current sort and selection (saved in the GUI state when the GUI closes)."""
        sort = self.get_current_sort()
        return {"current_sort": tuple(sort) if sort and sort[0] else None,
                "selected": self.get_selected()}

    def set_state(self, state):
        """Restore the sort now; the selection is kept in ``restored_selection`` for the
        Supervisor to select once the GUI is shown."""
        sort = list(state.get("current_sort") or ()) + [None, None]
        if sort[0]:
            self.sort_by(sort[0], sort[1] if sort[1] in _SORT_DIRS else "asc")
        self.restored_selection = _ints(state.get("selected"))


class SimilarityView(ClusterView):
    """Clusters similar to the selected ones, with a ``similarity`` column (phy's
    ``SimilarityView``).

    ``similar``: function ``cluster_id -> [(other_id, similarity), ...]`` used by ``reset``
    (phy's similarity function; ids that are not rows of the table are ignored).
    """

    _required_columns = ("n_spikes", "similarity")
    _default_sort = ("similarity", "desc")
    local_state_attrs = ()
    _exclude = np.zeros(0, dtype=np.int64)  # the selected best clusters, never shown here

    def __init__(self, parent=None, data=None, columns=(), sort=None, similar=None):
        super().__init__(parent, data=data, columns=columns, sort=sort)
        self.similar = similar
        # The user's filter expression applies to the similar rows only.
        evaluate = self.model.evaluate
        self.model.evaluate = lambda text: evaluate(text) & self._similar_mask()

    def _similar_mask(self):
        """Boolean mask over the stored rows: similar to the selection and not selected."""
        m = self.model
        sim = m.column("similarity")
        mask = ~np.isnan(sim.values) if sim.kind == "num" else np.zeros(len(m.ids), bool)
        if len(self._exclude):
            mask &= ~np.isin(m.ids, self._exclude)
        return mask

    def _refresh(self):
        if not self._filter_text:
            self.model.mask = self._similar_mask()
        super()._refresh()

    def reset(self, cluster_ids):
        """Show the clusters similar to the last of ``cluster_ids`` (those excluded), sorted by
        the current sort; clear the selection. Ids without a row (deleted clusters) are
        ignored; a repeated id keeps its first similarity."""
        cluster_ids = _ints(cluster_ids)
        m = self.model
        n = len(m.ids)
        pairs = _pairs_array(self._similar_pairs(cluster_ids[-1]) if cluster_ids else None)
        values = np.full(n, np.nan)
        if n and len(pairs):
            ids = pairs[:, 0].astype(np.int64)
            order = np.argsort(m.ids, kind="stable")
            sorted_ids = m.ids[order]
            i = np.minimum(np.searchsorted(sorted_ids, ids), n - 1)
            found = sorted_ids[i] == ids
            values[order[i[found]][::-1]] = pairs[found, 1][::-1]
        m.column("similarity").set(np.arange(n), values)
        self._exclude = np.asarray(cluster_ids, dtype=np.int64)
        self._selected = []
        self._refresh()

    def _similar_pairs(self, cluster_id):
        """``[(id, similarity)]``: the first answer to ``request_similar_clusters(self,
        cluster_id)`` (phy's event: rows with ``id`` and ``similarity``, the Supervisor answers
        it; plugins may too), else the ``similar`` function."""
        for rows in emit("request_similar_clusters", self, int(cluster_id)):
            if rows is not None:
                return [(r["id"], float(r["similarity"])) if isinstance(r, dict) else tuple(r)
                        for r in rows]
        return self.similar(cluster_id) if self.similar else None

    def get_ids(self, callback=None):
        """The similar ids in the current sort order (filtered-out ones included)."""
        m = self.model
        order = m.order
        return answer(m.ids[order[self._similar_mask()[order]]].tolist(), callback)
