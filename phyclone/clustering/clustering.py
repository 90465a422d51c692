"""``Clustering``: spike-cluster assignments with merge, split/assign, undo and redo, with the
semantics of phy's ``phy.cluster.Clustering`` and a cost proportional to the change.

How it stays O(changed spikes):

- Every spike carries an internal *part* label (int32) and a lookup table maps each live part
  to its public cluster id. A cluster is exactly one part. A split moves only the selected
  spikes to new parts; the untouched remainder of each split cluster keeps its part and just
  gets a new id in the table. A merge moves the spikes of all but the largest cluster.
- The public ``spike_clusters`` array (``lut[labels]``) is patched in place after small
  changes and rebuilt on the next read after large ones.
- Each cluster's spike ids are a ``SpikeSet`` derived from its parent by removing/adding the
  moved spikes; the sorted array is built when first read.
- The undo stack stores only the moved spikes (grouped by old and new part) and the id changes
  of the touched parts; undo and redo replay that record backwards or forwards.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..utils.event import emit
from .checks import check_cluster_ids, check_spike_ids
from .history import History
from .index import (
    SpikesPerCluster, check_spike_clusters, check_spikes_per_cluster, compact_labels,
    group_by_label,
)
from .spike_set import EMPTY_SET, SpikeSet, readonly, union_of_sets, union_sorted
from .update_info import UpdateInfo

logger = logging.getLogger(__name__)


class _Change:
    """One undoable clustering change, replayable forwards and backwards.

    ``moved`` (sorted int64), ``from_labels``/``to_labels`` (int32): the spikes that change part
    and their old/new parts; None for a merge, where every part of ``outs`` moves wholly into
    the single part of ``ins``. ``outs``/``ins``: ``{part: sorted spikes leaving/entering it}``.
    ``parts``/``old_ids``/``new_ids``: the id of every touched part before/after (-1: none).
    """

    __slots__ = ("moved", "from_labels", "to_labels", "outs", "ins", "parts", "old_ids",
                 "new_ids", "added", "deleted", "descendants", "largest_old", "largest_new",
                 "undo_state")

    def __init__(self, moved: NDArray[np.int64] | None, from_labels: NDArray[np.int32] | None,
                 to_labels: NDArray[np.int32] | None, outs: dict[int, NDArray[np.int64]],
                 ins: dict[int, NDArray[np.int64]], parts: NDArray[np.int64],
                 old_ids: NDArray[np.int64], new_ids: NDArray[np.int64], added: list[int],
                 deleted: list[int], descendants: list[tuple[int, int]], largest_old: int | None,
                 largest_new: int | None) -> None:
        self.moved, self.from_labels, self.to_labels = moved, from_labels, to_labels
        self.outs, self.ins = outs, ins
        self.parts, self.old_ids, self.new_ids = parts, old_ids, new_ids
        self.added, self.deleted, self.descendants = added, deleted, descendants
        self.largest_old, self.largest_new = largest_old, largest_new
        self.undo_state = None


class _Grow:
    """New spikes ``[n_old, n_old + n_new)`` joining cluster ``old_id`` (part ``part``), which
    becomes ``new_id``; undone by dropping them again."""

    __slots__ = ("n_old", "n_new", "part", "spikes", "added", "deleted", "descendants",
                 "largest_old", "largest_new", "undo_state")

    def __init__(self, n_old: int, n_new: int, part: int, old_id: int, new_id: int) -> None:
        self.n_old, self.n_new, self.part = n_old, n_new, part
        self.spikes = readonly(np.arange(n_old, n_old + n_new, dtype=np.int64))
        self.added, self.deleted = [new_id], [old_id]
        self.descendants = [(old_id, new_id)]
        self.largest_old, self.largest_new = old_id, new_id
        self.undo_state = None


def _slices(arr: NDArray[np.int64], bounds: Sequence[int]) -> list[NDArray[np.int64]]:
    """Consecutive read-only slices of ``arr`` between ``bounds``."""
    return [arr[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _group_sorted(spikes: NDArray[np.int64], key: NDArray[np.integer], n_keys: int
                  ) -> tuple[list[int], list[NDArray[np.int64]]]:
    """Split sorted ``spikes`` by ``key`` (ints in [0, n_keys)): ``(present keys, slices)``,
    every slice sorted."""
    if n_keys == 1 or (key[0] == key[-1] and not np.any(key != key[0])):
        return [int(key[0])], [spikes]
    perm = np.argsort(key, kind="stable")
    k = key[perm]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    return k[starts].tolist(), _slices(readonly(spikes[perm]), np.r_[starts, len(k)].tolist())


def _largest(ids: Sequence[int], counts: Sequence[int]) -> int | None:
    """The id with the most spikes (smallest id on ties, like phy's bincount().argmax())."""
    best, best_n = None, -1
    for c, n in sorted(zip(ids, counts)):
        if n > best_n:
            best, best_n = c, n
    return best


class Clustering:
    """Spike-cluster assignments with undoable merge/split/assign (phy's API).

    Parameters
    ----------
    spike_clusters : array-like of non-negative int
        The cluster id of every spike (not modified; int32 and int64 are kept, other integer
        types become int64).
    new_cluster_id : int
        First id to give to new clusters (default: max id + 1). Ids are never reused in a
        session, even after undo or reset.
    spikes_per_cluster : dict
        Optional precomputed ``{cluster: sorted spike ids}``; used when it matches
        ``spike_clusters`` exactly, otherwise rebuilt.
    """

    def __init__(self, spike_clusters: ArrayLike, new_cluster_id: int | None = None,
                 spikes_per_cluster: Mapping[int, ArrayLike] | None = None) -> None:
        sc, _, hi = check_spike_clusters(spike_clusters)
        self._n_spikes = len(sc)
        self._dtype = sc.dtype
        ids, counts, labels = compact_labels(sc, hi)
        self._labels = labels
        k = len(ids)
        self._lut = np.full(max(16, 2 * k), -1, dtype=np.int64)
        self._lut[:k] = ids
        self._n_parts = k
        ids_list = ids.tolist()
        self._part = dict(zip(ids_list, range(k)))
        use_spc = (spikes_per_cluster is not None and
                   check_spikes_per_cluster(spikes_per_cluster, sc, ids, counts))
        if spikes_per_cluster is not None and not use_spc:
            logger.debug("The given spikes_per_cluster does not match spike_clusters: rebuilt.")
        if use_spc:  # spikes_per_cluster is not None
            self._sets = {c: SpikeSet(readonly(np.array(spikes_per_cluster[c], dtype=np.int64)))  # type: ignore[index]
                          for c in ids_list}
        else:
            order = group_by_label(labels, len(ids))
            bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
            self._sets = {c: SpikeSet(order[bounds[i]:bounds[i + 1]])
                          for i, c in enumerate(ids_list)}
        self._ids = readonly(ids)
        if new_cluster_id and int(new_cluster_id) <= hi:
            raise ValueError(
                f"new_cluster_id={new_cluster_id} must be larger than every cluster id ({hi}).")
        self._new_cluster_id = int(new_cluster_id) if new_cluster_id else hi + 1
        self._history = History()
        self._sc_cache: NDArray[np.integer] | None = None
        self._counts_cache: dict[int, int] | None = None
        self._spike_ids: NDArray[np.int64] | None = None
        self._spc = SpikesPerCluster(self._sets, lambda: self._ids)

    # Properties
    # ---------------------------------------------------------------------------------------

    @property
    def spike_clusters(self) -> NDArray[np.integer]:
        """Read-only array with the cluster id of every spike. Small changes update it in
        place (O(changed spikes)); after a large one it is rebuilt on the next read
        (O(n_spikes)). Read it again after every action; ``get_spike_clusters(spike_ids)``
        is O(len(spike_ids)) whatever happened."""
        if self._sc_cache is None:
            self._sc_cache = readonly(self._lut.astype(self._dtype, copy=False)[self._labels])
        return self._sc_cache

    def get_spike_clusters(self, spike_ids: ArrayLike) -> NDArray[np.integer]:
        """Cluster ids of some spikes, in O(len(spike_ids))."""
        spike_ids = np.asarray(spike_ids, dtype=np.int64)
        if self._sc_cache is not None:
            return self._sc_cache[spike_ids]
        return self._lut[self._labels[spike_ids]].astype(self._dtype, copy=False)

    @property
    def spikes_per_cluster(self) -> SpikesPerCluster:
        """Live mapping ``{cluster_id: sorted int64 array of spike ids}``."""
        return self._spc

    @property
    def cluster_ids(self) -> NDArray[np.int64]:
        """Sorted int64 array of the ids of all non-empty clusters."""
        return self._ids

    @property
    def cluster_counts(self) -> dict[int, int]:
        """``{cluster_id: number of spikes}`` for every cluster."""
        if self._counts_cache is None:
            self._counts_cache = {c: self._sets[c].count for c in self._ids.tolist()}
        return self._counts_cache

    @property
    def n_clusters(self) -> int:
        """Number of clusters."""
        return len(self._sets)

    @property
    def n_spikes(self) -> int:
        """Number of spikes."""
        return self._n_spikes

    @property
    def spike_ids(self) -> NDArray[np.int64]:
        """Read-only ``arange(n_spikes)`` (int64)."""
        if self._spike_ids is None:
            self._spike_ids = readonly(np.arange(self._n_spikes, dtype=np.int64))
        return self._spike_ids

    def new_cluster_id(self) -> int:
        """The id the next new cluster gets; it only ever increases (ids are never reused)."""
        return self._new_cluster_id


    def reserve_cluster_ids(self, new_cluster_id: int) -> None:
        """Never give new ids below ``new_cluster_id`` (ids an earlier session already used)."""
        self._new_cluster_id = max(self._new_cluster_id, int(new_cluster_id))
    def spikes_in_clusters(self, clusters: ArrayLike) -> NDArray[np.int64]:
        """Sorted int64 array of the spikes belonging to any of these clusters (unknown ids
        are ignored)."""
        wanted = set(int(c) for c in np.atleast_1d(np.asarray(clusters)).tolist())
        sets = [self._sets[c] for c in sorted(wanted) if c in self._sets]
        return union_of_sets(sets, self._n_spikes, lambda: self.spike_ids)

    # Internal machinery
    # ---------------------------------------------------------------------------------------

    def _new_part(self) -> int:
        if self._n_parts == len(self._lut):
            self._lut = np.concatenate((self._lut, np.full(len(self._lut), -1, np.int64)))
        self._n_parts += 1
        return self._n_parts - 1

    def _apply(self, change: _Change | _Grow, forward: bool) -> None:
        """Apply a change (or its inverse): move spikes between parts, relabel parts."""
        if isinstance(change, _Grow):
            return self._apply_grow(change, forward)
        if forward:
            outs, ins, labels = change.outs, change.ins, change.to_labels
            a_ids, b_ids = change.old_ids, change.new_ids
        else:
            outs, ins, labels = change.ins, change.outs, change.from_labels
            a_ids, b_ids = change.new_ids, change.old_ids
        if change.moved is not None:
            self._labels[change.moved] = labels  # type: ignore[assignment]  # set with moved
        else:  # merge
            for p, spikes in change.outs.items():
                self._labels[spikes] = next(iter(change.ins)) if forward else p
        sets, part = self._sets, self._part
        new = []
        for p, a, b in zip(change.parts.tolist(), a_ids.tolist(), b_ids.tolist()):
            s = EMPTY_SET
            if a >= 0:
                s = sets.pop(a)
                del part[a]
            if b < 0:
                continue
            o = outs.get(p)
            if o is not None:
                s = s.remove(o)
            i = ins.get(p)
            if i is not None:
                s = s.add(i)
            new.append((p, b, s))
        for p, b, s in new:
            sets[b] = s
            part[b] = p
        self._lut[change.parts] = b_ids
        old_ids, new_ids = ((change.deleted, change.added) if forward
                            else (change.added, change.deleted))
        ids = self._ids[~np.isin(self._ids, old_ids)]
        ids = np.insert(ids, np.searchsorted(ids, new_ids), new_ids)
        self._ids = readonly(ids.astype(np.int64, copy=False))
        self._counts_cache = None
        self._update_sc_cache(new_ids)

    def _apply_grow(self, change: _Grow, forward: bool) -> None:
        """Append the new spikes to their cluster's part (or drop them again)."""
        (old,), (new,) = change.deleted, change.added
        a, b = (old, new) if forward else (new, old)
        s = self._sets.pop(a)
        del self._part[a]
        if forward:
            labels = np.full(change.n_new, change.part, dtype=self._labels.dtype)
            self._labels = np.concatenate((self._labels[:change.n_old], labels))
            self._sets[b] = s.add(change.spikes)
            self._n_spikes = change.n_old + change.n_new
        else:
            self._labels = self._labels[:change.n_old]
            self._sets[b] = s.remove(change.spikes)
            self._n_spikes = change.n_old
        self._part[b] = change.part
        self._lut[change.part] = b
        ids = self._ids[self._ids != a]
        self._ids = readonly(np.insert(ids, np.searchsorted(ids, b), b).astype(np.int64))
        self._counts_cache = None
        self._sc_cache = None
        self._spike_ids = None

    def _update_sc_cache(self, new_ids: Sequence[int]) -> None:
        """Patch the materialized ``spike_clusters`` in place for a small change (O(changed
        spikes)); drop it after a large one (rebuilt on the next read)."""
        sc = self._sc_cache
        if sc is None:
            return
        sets = [self._sets[c] for c in new_ids]
        if sum(s.count for s in sets) > self._n_spikes // 8:
            self._sc_cache = None
            return
        sc.flags.writeable = True
        for c, s in zip(new_ids, sets):
            sc[s.array()] = c
        sc.flags.writeable = False

    def _make_up(self, change: _Change | _Grow, forward: bool, history: str | None = None) -> UpdateInfo:
        if forward:
            added, deleted, desc = change.added, change.deleted, change.descendants
            largest = change.largest_old
        else:
            added, deleted = change.deleted, change.added
            desc = sorted((b, a) for a, b in change.descendants)
            largest = change.largest_new
        up = UpdateInfo(
            description="merge" if len(added) == 1 else "assign", history=history,
            added=list(added), deleted=list(deleted), descendants=list(desc),
            largest_old_cluster=largest)
        sets = [self._sets[c] for c in added]
        n, ids = self._n_spikes, self._ids
        up.set_lazy("spike_ids", lambda: union_of_sets(sets, n, lambda: self.spike_ids))
        up.set_lazy("all_cluster_ids", lambda: ids.tolist())
        return up

    def _do(self, change: _Change | _Grow) -> UpdateInfo:
        """Apply a new action, record it in the undo stack, emit the events."""
        self._apply(change, True)
        self._new_cluster_id = max(self._new_cluster_id, max(change.added) + 1)
        up = self._make_up(change, True)
        change.undo_state = emit("request_undo_state", self, up)
        self._history.add(change)
        emit("cluster", self, up)
        return up

    def _merge_change(self, cluster_ids: list[int], to: int) -> _Change:
        counts = [self._sets[c].count for c in cluster_ids]
        keep = _largest(cluster_ids, counts)
        pk = self._part[keep]
        others = [c for c in cluster_ids if c != keep]
        arrays = [self._sets[c].array() for c in others]
        parts = [self._part[c] for c in others]
        outs = dict(zip(parts, arrays))
        ins = {pk: union_sorted(arrays)} if arrays else {}
        return _Change(
            None, None, None, outs, ins,
            np.array([pk] + parts, dtype=np.int64), np.array([keep] + others, dtype=np.int64),
            np.array([to] + [-1] * len(others), dtype=np.int64),
            [to], list(cluster_ids), [(c, to) for c in cluster_ids], keep, to)

    # Actions
    # ---------------------------------------------------------------------------------------

    def merge(self, cluster_ids: ArrayLike, to: int | None = None) -> UpdateInfo:
        """Merge clusters into a new cluster ``to`` (default: ``new_cluster_id()``).

        Returns an UpdateInfo (``description='merge'``); an empty list is a no-op.
        """
        if np.ndim(cluster_ids) != 1:
            raise ValueError("The first argument should be a list or an array.")
        cluster_ids = sorted(set(check_cluster_ids(cluster_ids, self._sets)))
        if not cluster_ids:
            return UpdateInfo()
        to = self._new_cluster_id if to is None else int(to)
        if to < self._new_cluster_id:
            raise ValueError(f"The new cluster numbers should be higher than "
                             f"{self._new_cluster_id}.")
        self._check_id_fits(to)
        return self._do(self._merge_change(cluster_ids, to))

    def _check_id_fits(self, cluster_id: int) -> None:
        if cluster_id > np.iinfo(self._dtype).max:
            raise ValueError(f"Cluster id {cluster_id} does not fit in {self._dtype}.")

    def assign(self, spike_ids: ArrayLike, spike_clusters_rel: ArrayLike = 0) -> UpdateInfo:
        """Assign spikes to new clusters given relative cluster numbers (phy semantics).

        ``spike_clusters_rel`` (non-negative, scalar or one per spike) only says which of the
        given spikes end up together: spikes with relative number r get id
        ``new_cluster_id() + r - min(rel)``. Every cluster losing spikes is deleted and its
        remaining spikes get a brand new id (one per old cluster, in increasing old-id order,
        after the ids above). If everything ends up in one cluster this is a merge.
        """
        spikes: NDArray[np.int64] = check_spike_ids(spike_ids, self._n_spikes).copy()
        if not len(spikes):
            return UpdateInfo()
        rel = np.asarray(spike_clusters_rel)
        if rel.ndim == 0:
            rel = np.full(len(spikes), int(rel), dtype=np.int64)
        rel = rel.astype(np.int64).ravel()
        if len(rel) != len(spikes):
            raise ValueError("spike_ids and spike_clusters_rel must have the same length.")
        if spikes.min() < 0 or spikes.max() >= self._n_spikes:
            raise ValueError("Some spikes do not exist.")
        if rel.min() < 0:
            raise ValueError("spike_clusters_rel must be non-negative.")
        order = np.argsort(spikes, kind="stable")
        spikes, rel = spikes[order], rel[order]
        if np.any(spikes[1:] == spikes[:-1]):
            raise ValueError("spike_ids contains duplicates.")
        readonly(spikes)
        return self._do(self._assign_change(spikes, rel))

    def _assign_change(self, spikes: NDArray[np.int64], rel: NDArray[np.int64]) -> _Change:
        nid = self._new_cluster_id
        new_ids = rel + (nid - rel.min())
        self._check_id_fits(int(new_ids.max()))
        lp = self._labels[spikes]
        old_parts, part_idx, n_taken = np.unique(lp, return_inverse=True, return_counts=True)
        old_ids = self._lut[old_parts].tolist()
        by_id = sorted(range(len(old_ids)), key=old_ids.__getitem__)
        remaining = {old_ids[i]: self._sets[old_ids[i]].count - int(n_taken[i]) for i in by_id}
        uniq_new = np.unique(new_ids)
        next_id = int(uniq_new[-1]) + 1
        rem_id = {}
        for i in by_id:
            if remaining[old_ids[i]] > 0:
                rem_id[old_ids[i]] = next_id
                next_id += 1
        deleted = sorted(old_ids)
        if len(uniq_new) == 1 and not rem_id:  # whole clusters into one: a merge
            return self._merge_change(deleted, int(uniq_new[0]))
        m = len(uniq_new)
        new_idx = np.searchsorted(uniq_new, new_ids)
        new_parts = np.array([self._new_part() for _ in range(m)], dtype=np.int64)
        out_keys, out_arrays = _group_sorted(spikes, part_idx, len(old_parts))
        in_keys, in_arrays = _group_sorted(spikes, new_idx, m)
        outs = dict(zip(old_parts[out_keys].tolist(), out_arrays))
        ins = dict(zip(new_parts[in_keys].tolist(), in_arrays))
        pairs = np.unique(part_idx.astype(np.int64) * m + new_idx)
        uniq_new_l = uniq_new.tolist()
        desc = {(old_ids[i], uniq_new_l[j]) for i, j in zip(*np.divmod(pairs, m))}
        desc.update(rem_id.items())
        old_order = np.array(by_id, dtype=np.int64)
        parts = np.concatenate((old_parts[old_order].astype(np.int64), new_parts))
        ids_before = [old_ids[i] for i in by_id] + [-1] * m
        ids_after = [rem_id.get(old_ids[i], -1) for i in by_id] + uniq_new_l
        added = sorted(uniq_new_l + list(rem_id.values()))
        new_counts = dict(zip(uniq_new_l, np.bincount(new_idx, minlength=m).tolist()))
        new_counts.update((r, remaining[c]) for c, r in rem_id.items())
        largest_old = _largest(deleted, [self._sets[c].count for c in deleted])
        largest_new = _largest(added, [new_counts[c] for c in added])
        return _Change(
            spikes, lp, new_parts[new_idx].astype(np.int32), outs, ins, parts,
            np.array(ids_before, dtype=np.int64), np.array(ids_after, dtype=np.int64),
            added, deleted, sorted(desc), largest_old, largest_new)

    def add_spikes(self, n_new: int, cluster_id: int, to: int | None = None) -> UpdateInfo:
        """Append ``n_new`` new spikes (ids ``n_spikes ..``) to cluster ``cluster_id``, which
        becomes the new cluster ``to`` (default ``new_cluster_id()``); undo drops them."""
        n_new, cluster_id = int(n_new), int(cluster_id)
        if n_new <= 0:
            return UpdateInfo()
        if cluster_id not in self._sets:
            raise ValueError(f"There is no cluster {cluster_id}.")
        to = self._new_cluster_id if to is None else int(to)
        if to < self._new_cluster_id:
            raise ValueError(f"The new cluster numbers should be higher than "
                             f"{self._new_cluster_id}.")
        self._check_id_fits(to)
        return self._do(_Grow(self._n_spikes, n_new, self._part[cluster_id], cluster_id, to))

    def split(self, spike_ids: ArrayLike, spike_clusters_rel: ArrayLike = 0) -> UpdateInfo:
        """Split spikes into a new cluster (``assign`` with relative numbers, default 0)."""
        return self.assign(spike_ids, spike_clusters_rel)

    def undo(self) -> UpdateInfo | None:
        """Undo the last action; return its UpdateInfo (``history='undo'``), or None."""
        change = self._history.back()
        if change is None:
            return None
        self._apply(change, False)
        up = self._make_up(change, False, history="undo")
        up.undo_state = change.undo_state
        emit("cluster", self, up)
        return up

    def redo(self) -> UpdateInfo | None:
        """Redo the last undone action; return its UpdateInfo (``history='redo'``), or None."""
        change = self._history.forward()
        if change is None:
            return None
        self._apply(change, True)
        up = self._make_up(change, True, history="redo")
        emit("cluster", self, up)
        return up

    def reset(self) -> UpdateInfo:
        """Go back to the initial assignment and clear the undo stack.

        Returns an UpdateInfo (``history='reset'``) describing the whole change (empty when
        nothing changed). Cost: O(n_spikes). New ids keep increasing after a reset.
        """
        if self._history.current_position == 0:
            self._history.clear()
            return UpdateInfo()
        before = self.spike_clusters.copy()
        old_sets = dict(self._sets)
        while True:
            change = self._history.back()
            if change is None:
                break
            self._apply(change, False)
        self._history.clear()
        added = sorted(set(self._sets) - set(old_sets))
        deleted = sorted(set(old_sets) - set(self._sets))
        spikes = union_of_sets([self._sets[c] for c in added], self._n_spikes,
                               lambda: self.spike_ids)
        after = self.spike_clusters
        pairs = np.unique(np.c_[before[spikes], after[spikes]].astype(np.int64), axis=0)
        up = UpdateInfo(
            description="merge" if len(added) == 1 else "assign", history="reset",
            spike_ids=spikes, added=added, deleted=deleted,
            descendants=[tuple(p) for p in pairs.tolist()],
            largest_old_cluster=_largest(deleted, [old_sets[c].count for c in deleted]),
            all_cluster_ids=self._ids.tolist())
        emit("cluster", self, up)
        return up

    def __repr__(self) -> str:
        return f"<Clustering {self._n_spikes} spikes, {self.n_clusters} clusters>"
