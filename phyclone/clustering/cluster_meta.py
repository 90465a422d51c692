"""``ClusterMeta``: per-cluster metadata fields (group, labels) with undo/redo, as phy's.

Differences from phy 2.1, on purpose: undo restores the previous values of the clusters the
undone action touched (O(changed clusters)) instead of replaying the whole stack from the
initial state — so values set outside the stack (e.g. inherited by ``set_from_descendants``
after a merge) survive the undo of an unrelated label change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..utils.event import emit, silent
from .checks import check_label
from .history import History
from .update_info import UpdateInfo

_MISSING = object()


def _as_list(clusters: Any) -> list[Any]:
    """Clusters as a list of plain Python scalars."""
    if hasattr(clusters, "tolist"):
        out = clusters.tolist()
        return out if isinstance(out, list) else [out]
    if isinstance(clusters, (list, tuple, set, range)):
        return [c.item() if hasattr(c, "item") else c for c in clusters]
    return [clusters]


class ClusterMeta:
    """Metadata fields (``add_field(name, default_value)``) holding a value per cluster."""

    def __init__(self) -> None:
        self._fields: dict[str, Any] = {}
        self._data: dict[int, dict[str, Any]] = {}
        # Items: (field, clusters, value, previous values, UpdateInfo, undo_state).
        self._undo_stack = History()

    @property
    def fields(self) -> list[str]:
        """Sorted list of field names."""
        return sorted(self._fields)

    def add_field(self, name: str, default_value: Any = None) -> None:
        """Add a field with a default value; ``meta.<name>(cluster)`` then returns its value."""
        self._fields[name] = default_value

        def func(cluster: Any) -> Any:
            return self.get(name, cluster)

        setattr(self, name, func)

    def from_dict(self, dic: Mapping[int, Mapping[str, Any]]) -> None:
        """Import ``{cluster_id: {field: value}}`` without events and outside the undo stack."""
        with silent():
            for cluster, values in dic.items():
                for field, value in values.items():
                    self.set(field, [cluster], value, add_to_stack=False)

    def to_dict(self, field: str) -> dict[int, Any]:
        """``{cluster_id: value}`` of one field, for every cluster that has any value set."""
        if field not in self._fields:
            raise KeyError(f"Unknown cluster metadata field {field!r}.")
        return {cluster: self.get(field, cluster) for cluster in self._data}

    def get(self, field: str, cluster: Any) -> Any:
        """Value of a field for a cluster (or a list of values for a list of clusters)."""
        if isinstance(cluster, (list, tuple)) or hasattr(cluster, "ndim") and cluster.ndim:
            return [self.get(field, c) for c in _as_list(cluster)]
        if field not in self._fields:
            raise KeyError(f"Unknown cluster metadata field {field!r}.")
        return self._data.get(cluster, {}).get(field, self._fields[field])

    def _write(self, field: str, clusters: Iterable[int], value: Any) -> None:
        for cluster in clusters:
            self._data.setdefault(cluster, {})[field] = value

    def set(self, field: str, clusters: Any, value: Any, add_to_stack: bool = True) -> UpdateInfo:
        """Set the value of a field for one or several clusters; return an UpdateInfo
        (``description='metadata_<field>'``). With ``add_to_stack`` the change is undoable and
        the ``cluster`` event is emitted."""
        value = check_label(field, value)
        if field not in self._fields:
            self.add_field(field)
        clusters = _as_list(clusters)
        previous = [self._data.get(c, {}).get(field, _MISSING) for c in clusters]
        self._write(field, clusters, value)
        up = UpdateInfo(description=f"metadata_{field}", metadata_changed=list(clusters),
                        metadata_value=value)
        undo_state = emit("request_undo_state", self, up)
        if add_to_stack:
            self._undo_stack.add((field, clusters, value, previous, up, undo_state))
            emit("cluster", self, up)
        return up

    def set_from_descendants(self, descendants: Sequence[tuple[int, int]],
                             largest_old_cluster: int | None = None) -> None:
        """Give new clusters the metadata of the clusters they come from.

        ``descendants`` is a list of ``(old_cluster, new_cluster)``. For each field: if the old
        clusters hold a single non-default value, the new clusters take it; if they disagree,
        the value of ``largest_old_cluster`` wins. New clusters with a non-default value keep it.
        """
        for field in self.fields:
            default = self._fields[field]
            old_values = {old: self.get(field, old) for old, _ in descendants}
            new_clusters = {new for _, new in descendants}
            candidates = set(old_values.values()) - {default}
            if not candidates:
                continue
            if len(candidates) == 1:
                value = candidates.pop()
            else:
                if largest_old_cluster is None:
                    raise ValueError("largest_old_cluster is needed to resolve conflicting "
                                     f"values of {field!r}.")
                value = old_values[largest_old_cluster]
            for new in sorted(new_clusters):
                if self.get(field, new) == default:
                    self.set(field, new, value, add_to_stack=False)

    def _restore(self, field: str, clusters: Iterable[int], previous: Iterable[Any]) -> None:
        for cluster, old in zip(clusters, previous):
            if old is _MISSING:
                values = self._data.get(cluster)
                if values is not None:
                    values.pop(field, None)
                    if not values:
                        del self._data[cluster]
            else:
                self._data.setdefault(cluster, {})[field] = old

    def undo(self) -> UpdateInfo | None:
        """Undo the last metadata change; return its UpdateInfo (``history='undo'``) or None."""
        item = self._undo_stack.back()
        if item is None:
            return None
        field, clusters, value, previous, up, undo_state = item
        self._restore(field, clusters, previous)
        up = up.copy()
        up.history = "undo"
        up.undo_state = undo_state
        emit("cluster", self, up)
        return up

    def redo(self) -> UpdateInfo | None:
        """Redo the next metadata change; return its UpdateInfo (``history='redo'``) or None."""
        item = self._undo_stack.forward()
        if item is None:
            return None
        field, clusters, value, previous, up, undo_state = item
        self._write(field, clusters, value)
        up = up.copy()
        up.history = "redo"
        emit("cluster", self, up)
        return up


def create_cluster_meta(cluster_groups: Mapping[int, str] | None) -> ClusterMeta:
    """A ClusterMeta with a ``group`` field filled from ``{cluster_id: group}``."""
    meta = ClusterMeta()
    meta.add_field("group")
    meta.from_dict({c: {"group": v} for c, v in (cluster_groups or {}).items()})
    return meta
