"""The curation session: clustering, labels, selection, wizard, undo/redo and the crash journal.

Pure Python/numpy (no Qt): scripts and notebooks use it directly; the Qt ``Supervisor`` is a
thin adaptor that mirrors it in the cluster and similarity tables. Listeners subscribe to the
session's own ``events`` (``select``, ``cluster``, ``save``), not to the global bus, so plugins
see each event once (re-emitted by the Supervisor).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.clustering import Clustering, ClusterMeta, UpdateInfo
from phyclone.clustering.checks import check_cluster_ids, check_label, check_spike_ids
from phyclone.utils.bunch import Bunch
from phyclone.utils.event import EventEmitter

from .added_spikes import AddedSpikes
from .journal import Journal, fingerprint
from .wizard import Wizard

logger = logging.getLogger(__name__)

MASKED_GROUPS = ("noise", "mua")

#: One cluster id, several, or None (nothing / the default).
ClusterIds = Union[int, np.integer, Iterable[int], None]


def _ids(x: ClusterIds) -> list[int]:
    if x is None:
        return []
    if isinstance(x, (int, np.integer)):
        return [int(x)]
    return [int(i) for i in x]


def _uniq(seq: Iterable[int]) -> list[int]:
    """Items in order, without repeats (O(n): a split can select thousands of clusters)."""
    return list(dict.fromkeys(seq))


class Session:
    """Manual curation of one clustering.

    Parameters
    ----------
    spike_clusters : int array (n_spikes,)
    cluster_groups : dict {cluster_id: 'good'|'mua'|'noise'|'unsorted'|None}
    cluster_labels : dict {label_name: {cluster_id: value}}
    cluster_metrics : dict {metric_name: function cluster_id -> value}
    similarity : function cluster_id -> [(other_id, similarity), ...] (best first)
    new_cluster_id : first id to use for new clusters (default max + 1)
    journal_path : where to keep the crash journal (None: no journal)
    sort : initial (column, 'asc'|'desc') of the cluster list
    """

    def __init__(self, spike_clusters: ArrayLike,
                 cluster_groups: Mapping[int, str | None] | None = None,
                 cluster_labels: Mapping[str, Mapping[int, Any]] | None = None,
                 cluster_metrics: Mapping[str, Callable[[int], Any]] | None = None,
                 similarity: Callable[[int], Iterable[tuple[int, float]]] | None = None,
                 new_cluster_id: int | None = None,
                 journal_path: str | os.PathLike[str] | None = None,
                 sort: Sequence[str | None] | None = ("n_spikes", "desc")) -> None:
        self.events = EventEmitter()
        self.journal = Journal(journal_path) if journal_path else None
        self.replayed = 0
        # Cluster ids are never reused, across sessions too: the journal remembers the next id.
        # A replay must start from the journal's own first id to give the same ids; the other
        # ids used before (``new_cluster_id``) are reserved once the journal is started.
        self._id_floor = int(new_cluster_id or 0)
        header, actions = self.journal.read() if self.journal else (None, [])
        if header and header.get("fingerprint") == fingerprint(spike_clusters):
            stored = header.get("new_cluster_id")
            if stored is not None:
                self._id_floor = max(self._id_floor, int(stored))
                new_cluster_id = int(stored) if actions else self._id_floor
        self.clustering = Clustering(spike_clusters, new_cluster_id=new_cluster_id or None)
        self.added = AddedSpikes(self.clustering.n_spikes)
        self.cluster_meta = ClusterMeta()
        self.cluster_meta.add_field("group")
        for c, g in (cluster_groups or {}).items():
            self.cluster_meta.set("group", [int(c)], g, add_to_stack=False)
        self.cluster_labels = {k: v for k, v in (cluster_labels or {}).items() if k != "group"}
        for name, values in self.cluster_labels.items():
            self.cluster_meta.add_field(name)
            for c, v in values.items():
                self.cluster_meta.set(name, [int(c)], v, add_to_stack=False)
        self.cluster_metrics = dict(cluster_metrics or {})
        self.cluster_metrics.setdefault("n_spikes", self.n_spikes)
        self.similarity = similarity
        # (metric, cluster_id) -> value; ids are disposable, never stale
        self._metric_cache: dict[tuple[str, int], Any] = {}
        self.sort: tuple[str | None, ...] | None = tuple(sort) if sort else None
        # optional callable -> ids in displayed order (the Qt table)
        self.cluster_order: Callable[[], Iterable[int]] | None = None
        self.similar_order: Callable[[], Iterable[int]] | None = None
        self.wizard = Wizard(self)
        self.best: list[int] = []
        self.similar: list[int] = []

        # Undo stack shared by clustering and metadata actions: entries are Bunch(kind,
        # before, after, uid); `_pos` entries are applied.
        self._stack: list[Bunch] = []
        self._pos = 0
        self._uid = 0
        self._saved_uid = 0

    # Journal --------------------------------------------------------------------------------
    def pending_actions(self) -> list[dict[str, Any]]:
        """Actions journaled after the last save (to replay after a crash)."""
        if not self.journal:
            return []
        return self.journal.pending(fingerprint(self.clustering.spike_clusters))

    @property
    def journal_started(self) -> bool:
        """Whether actions are being journaled (False without a journal, or while the
        journal of an unsaved session waits for the decision to replay it)."""
        return self.journal is not None and self.journal._f is not None

    def start_journal(self, replay: bool = False) -> int:
        """Replay the crash journal if asked, then start journaling; return the replay count.

        Declined actions are not lost: the old journal is kept as ``<journal>.declined``.
        """
        if not self.journal:
            return 0
        actions = self.pending_actions()
        if actions and not replay:
            self.journal.close()
            backup = self.journal.path.with_name(self.journal.path.name + ".declined")
            self.journal.path.replace(backup)
            logger.warning("Crash journal not replayed; kept as %s.", backup)
            actions = []
        self.journal.start(fingerprint(self.clustering.spike_clusters),
                           self.clustering.new_cluster_id(), keep_actions=bool(actions))
        journal, self.journal = self.journal, None  # replayed actions are already journaled
        try:
            for a in actions:
                getattr(self, a["action"])(**a["args"])
        finally:
            self.journal = journal
        self.clustering.reserve_cluster_ids(self._id_floor)
        self.replayed = len(actions)
        if actions:
            logger.info("Replayed %d actions from the crash journal.", len(actions))
        return len(actions)

    def _log(self, action: str, **args: Any) -> None:
        if self.journal and self.journal._f is not None:
            self.journal.append(action, **args)

    # Cluster information ---------------------------------------------------------------------
    @property
    def cluster_ids(self) -> NDArray[np.int64]:
        return self.clustering.cluster_ids

    def n_spikes(self, cluster_id: int) -> int:
        # Counts, not arrays: a split touching every cluster must not materialise them all.
        return self.clustering.cluster_counts.get(int(cluster_id), 0)

    @property
    def fields(self) -> tuple[str, ...]:
        """Label fields other than group."""
        return tuple(f for f in self.cluster_meta.fields if f != "group")

    @property
    def columns(self) -> list[str]:
        return ["id"] + list(self.cluster_metrics) + ["group"] + list(self.fields)

    def metric(self, name: str, cluster_id: int) -> Any:
        key = (name, cluster_id)
        if key not in self._metric_cache:
            try:
                self._metric_cache[key] = self.cluster_metrics[name](cluster_id)
            except Exception:  # a user metric that fails must not break the session
                logger.exception("Cluster metric %s failed for cluster %d.", name, cluster_id)
                self._metric_cache[key] = None
        return self._metric_cache[key]

    def cluster_info(self, cluster_id: int) -> dict[str, Any]:
        """One row of the cluster view: id, metrics, group and labels."""
        out = {"id": int(cluster_id)}
        for name in self.cluster_metrics:
            out[name] = self.metric(name, cluster_id)
        for field in self.cluster_meta.fields:
            out[field] = self.cluster_meta.get(field, cluster_id)
        out["is_masked"] = out.get("group") in MASKED_GROUPS
        return out

    def get_labels(self, field: str) -> dict[int, Any]:
        return {int(c): self.cluster_meta.get(field, c) for c in self.cluster_ids}

    def is_masked(self, cluster_id: int) -> bool:
        return self.cluster_meta.get("group", cluster_id) in MASKED_GROUPS

    def similar_clusters(self, cluster_id: int) -> list[tuple[int, float]]:
        """[(id, similarity)] of existing clusters most similar to ``cluster_id``."""
        if self.similarity is None:
            return []
        existing = self.clustering.spikes_per_cluster  # O(1) membership
        return [(int(c), float(s)) for c, s in self.similarity(cluster_id)
                if int(c) in existing and int(c) != cluster_id]

    # Selection ------------------------------------------------------------------------------
    @property
    def selected_clusters(self) -> list[int]:
        return list(self.best)

    @property
    def selected_similar(self) -> list[int]:
        return list(self.similar)

    @property
    def selected(self) -> list[int]:
        return _uniq(self.best + self.similar)

    def _set_selection(self, best: ClusterIds, similar: ClusterIds, emit: bool = True) -> bool:
        existing = self.clustering.spikes_per_cluster  # O(1) membership
        best = [c for c in _uniq(_ids(best)) if c in existing]
        in_best = set(best)
        similar = [c for c in _uniq(_ids(similar)) if c in existing and c not in in_best]
        changed = (best, similar) != (self.best, self.similar)
        self.best, self.similar = best, similar
        if emit and changed:
            self.events.emit("select", self, self.selected)
        return changed

    def select(self, *cluster_ids: ClusterIds) -> list[int]:
        """Select clusters in the cluster list (``select(1, 2)`` or ``select([1, 2])``)."""
        ids = []
        for c in cluster_ids:
            ids.extend(_ids(c))
        self._set_selection(ids, [])
        return self.selected

    def select_similar(self, *cluster_ids: ClusterIds) -> list[int]:
        ids = []
        for c in cluster_ids:
            ids.extend(_ids(c))
        self._set_selection(self.best, ids)
        return self.selected

    @property
    def state(self) -> tuple[list[int], list[int]]:
        return (list(self.best), list(self.similar))

    # Actions --------------------------------------------------------------------------------
    def _push(self, kind: str, before: tuple[list[int], list[int]]) -> None:
        del self._stack[self._pos:]
        self._uid += 1
        self._stack.append(Bunch(kind=kind, before=before, after=None, uid=self._uid))
        self._pos += 1

    def _emit_cluster(self, up: UpdateInfo | None) -> None:
        self.events.emit("cluster", self, up)

    def _after(self, up: UpdateInfo, select: Callable[[], object]) -> None:
        self._emit_cluster(up)
        select()
        self._stack[self._pos - 1].after = self.state

    def merge(self, cluster_ids: ClusterIds = None, to: int | None = None) -> UpdateInfo | None:
        """Merge clusters (the selection by default) into a new cluster; select it."""
        if cluster_ids is None:
            cluster_ids = self.selected
        cluster_ids = _uniq(check_cluster_ids(cluster_ids, self.clustering.spikes_per_cluster))
        if len(cluster_ids) <= 1:
            return None
        if to is not None and int(to) < self.clustering.new_cluster_id():
            raise ValueError(f"The merged cluster id must be at least "
                             f"{self.clustering.new_cluster_id()} (got {to}).")
        to = int(to) if to is not None else int(self.clustering.new_cluster_id())
        self._log("merge", cluster_ids=cluster_ids, to=to)
        before = self.state
        next_similar = self.wizard.next_similar_after(cluster_ids)
        up = self.clustering.merge(cluster_ids, to=to)
        self._push("clustering", before)
        self._set_meta_from_descendants(up)

        def select() -> None:
            if set(cluster_ids) & set(before[1]):
                similar = [next_similar] if next_similar is not None else []
            else:
                similar = before[1]
            self._set_selection([to], similar)
        self._after(up, select)
        return up

    def split(self, spike_ids: ArrayLike, spike_clusters_rel: ArrayLike = 0) -> UpdateInfo | None:
        """Move spikes to new cluster(s); select the new clusters."""
        spike_ids = check_spike_ids(spike_ids, self.clustering.n_spikes)
        rel = spike_clusters_rel
        if not np.isscalar(rel):
            rel = np.asarray(rel, dtype=np.int64).ravel()
            if rel.shape != spike_ids.shape:
                raise ValueError("spike_ids and spike_clusters_rel must have the same length.")
            spike_ids, first = np.unique(spike_ids, return_index=True)
            rel = rel[first]
        else:
            spike_ids = np.unique(spike_ids)
        if len(spike_ids) == 0:
            return None
        self._log("split", spike_ids=spike_ids, spike_clusters_rel=rel)
        before = self.state
        up = self.clustering.split(spike_ids, spike_clusters_rel=rel)
        self._push("clustering", before)
        self._set_meta_from_descendants(up)
        self._after(up, lambda: self._set_selection(up.added, []))
        return up

    def assign_matched(self, cluster_id: int, spike_ids: ArrayLike) -> UpdateInfo | None:
        """Add spikes (e.g. the events below a template's match threshold) to a cluster: its
        spikes and these form a new cluster (every cluster losing spikes gets a new id as in a
        split); select it. None when nothing changes."""
        cluster_id = int(cluster_id)
        spike_ids = np.unique(np.asarray(spike_ids, dtype=np.int64))
        own = self.clustering.spikes_per_cluster.get(cluster_id)
        if own is None:
            raise ValueError(f"no cluster {cluster_id}")
        new = np.setdiff1d(spike_ids, own)
        if not len(new):
            return None
        union = np.union1d(own, new)
        self._log("assign_matched", cluster_id=cluster_id, spike_ids=spike_ids)
        before = self.state
        up = self.clustering.split(union)
        self._push("clustering", before)
        self._set_meta_from_descendants(up)
        new_id = int(self.clustering.spike_clusters[union[0]])
        self._after(up, lambda: self._set_selection([new_id], []))
        return up

    def add_spikes(self, cluster_id: int, spike_samples: ArrayLike,
                   values: Mapping[str, ArrayLike] | None = None, to: int | None = None
                   ) -> UpdateInfo | None:
        """Add new spikes (e.g. recovered by template matching) to a cluster: it becomes the
        new cluster ``to`` (default the next id), selected. ``spike_samples``: integer
        samples; ``values``: ``{name: one value per new spike}`` (template, amplitude, max
        channel...). The new spikes get the ids after all others (see ``added_spikes``);
        the journal holds every value, so that a replay adds the very same spikes."""
        cluster_id = int(cluster_id)
        if cluster_id not in self.clustering.spikes_per_cluster:
            raise ValueError(f"no cluster {cluster_id}")
        t = np.asarray(spike_samples, dtype=np.int64).ravel()
        if not len(t):
            return None
        if t.min() < 0:
            raise ValueError("spike samples must be >= 0")
        values = {str(k): np.asarray(v).ravel() for k, v in (values or {}).items()}
        if "spike_samples" in values:
            raise ValueError("spike_samples is not a value name")
        to = int(to) if to is not None else int(self.clustering.new_cluster_id())
        self._log("add_spikes", cluster_id=cluster_id, spike_samples=t, values=values, to=to)
        before = self.state
        n = self.clustering.n_spikes
        self.added.extend(n, dict(values, spike_samples=t))
        up = self.clustering.add_spikes(len(t), cluster_id, to=to)
        self._push("clustering", before)
        self._set_meta_from_descendants(up)
        self._after(up, lambda: self._set_selection([to], []))
        return up

    @property
    def added_spikes(self) -> Bunch:
        """``{name: array}`` of the spikes added since the dataset was opened or saved
        (ids ``added.n_base ..``; ``spike_samples`` and the values of ``add_spikes``)."""
        return self.added.arrays(self.clustering.n_spikes)

    def rebase(self, spike_clusters: ArrayLike) -> None:
        """Start again from a saved clustering that numbers the spikes differently (a save
        that added spikes writes every spike in time order): the same clusters, labels and
        selection, an empty undo history."""
        new_id = self.clustering.new_cluster_id()
        self.clustering = Clustering(spike_clusters, new_cluster_id=new_id)
        self.added = AddedSpikes(self.clustering.n_spikes)
        self._stack, self._pos, self._saved_uid = [], 0, 0
        self._set_selection(self.best, self.similar, emit=False)
        self.events.emit("select", self, self.selected)

    def _set_meta_from_descendants(self, up: UpdateInfo) -> None:
        if up.descendants:
            self.cluster_meta.set_from_descendants(
                up.descendants, largest_old_cluster=up.get("largest_old_cluster"))

    def label(self, name: str, value: Any, cluster_ids: ClusterIds = None) -> UpdateInfo | None:
        """Set a label (e.g. ``group``) of clusters (the selection by default)."""
        if cluster_ids is None:
            cluster_ids = self.selected
        cluster_ids = check_cluster_ids(cluster_ids, self.clustering.spikes_per_cluster)
        value = check_label(name, value)
        if not cluster_ids:
            return None
        if name not in self.cluster_meta.fields:
            self.cluster_meta.add_field(name)
        self._log("label", name=name, value=value, cluster_ids=cluster_ids)
        before = self.state
        up = self.cluster_meta.set(name, cluster_ids, value)
        self._push("meta", before)
        self._after(up, lambda: None)
        return up

    def move(self, group: str | None, which: str | ClusterIds = "all") -> UpdateInfo | None:
        """Set the group of the best / similar / all selected clusters (or of the cluster ids
        given as ``which``), then advance the wizard."""
        group = check_label("group", group)
        if isinstance(which, str) and which not in ("all", "best", "similar"):
            raise ValueError(f"which must be 'all', 'best', 'similar' or cluster ids, "
                             f"got {which!r}.")
        if which == "all":
            ids = self.selected
        elif which == "best":
            ids = self.selected_clusters
        elif which == "similar":
            ids = self.selected_similar
        else:
            ids = check_cluster_ids(which, self.clustering.spikes_per_cluster)
        if not ids:
            return None
        moved = set(ids)
        best, similar = set(self.best), set(self.similar)
        up = self.label("group", "unsorted" if group is None else group, cluster_ids=ids)
        if moved <= best:
            self.wizard.next_best()
        elif moved <= similar:
            self.wizard.next()
        else:
            self.wizard.next_best()
            self.wizard.next()
        self._stack[self._pos - 1].after = self.state
        return up

    def undo(self) -> UpdateInfo | None:
        """Undo the last action (clustering or label) and restore the selection before it."""
        if self._pos == 0:
            return None
        self._log("undo")
        entry = self._stack[self._pos - 1]
        up = self.clustering.undo() if entry.kind == "clustering" else self.cluster_meta.undo()
        self._pos -= 1
        self._emit_cluster(up)
        self._set_selection(*entry.before)
        return up

    def redo(self) -> UpdateInfo | None:
        """Redo the last undone action and restore the selection after it."""
        if self._pos >= len(self._stack):
            return None
        self._log("redo")
        entry = self._stack[self._pos]
        up = self.clustering.redo() if entry.kind == "clustering" else self.cluster_meta.redo()
        self._pos += 1
        self._emit_cluster(up)
        if entry.after is not None:
            self._set_selection(*entry.after)
        return up

    @property
    def can_undo(self) -> bool:
        return self._pos > 0

    @property
    def can_redo(self) -> bool:
        return self._pos < len(self._stack)

    # Saving ---------------------------------------------------------------------------------
    @property
    def is_dirty(self) -> bool:
        top = self._stack[self._pos - 1].uid if self._pos else 0
        return top != self._saved_uid

    def save_data(self
                  ) -> tuple[NDArray[np.integer], dict[int, str], list[tuple[str, dict[int, Any]]]]:
        """(spike_clusters, {cluster: group}, [(label, {cluster: value}), ...]) as phy saves."""
        groups = {int(c): self.cluster_meta.get("group", c) or "unsorted" for c in self.cluster_ids}
        labels = [(f, self.get_labels(f)) for f in self.fields]
        return self.clustering.spike_clusters, groups, labels

    def mark_saved(self) -> None:
        """Call once the data of ``save_data()`` is safely on disk: restart the journal."""
        self._saved_uid = self._stack[self._pos - 1].uid if self._pos else 0
        if self.journal:
            self.journal.start(fingerprint(self.clustering.spike_clusters),
                               self.clustering.new_cluster_id())
        self.events.emit("save", self)

    def close(self) -> None:
        if self.journal:
            self.journal.close()
