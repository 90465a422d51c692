"""Sorted sets of spike ids that are cheap to derive from one another.

Removing or adding a few spikes costs O(1), not O(size): a cluster that loses 20 of its 20,000
spikes shares its parent's base array and records the removal. The sorted array is built on
first access to ``array()`` and memoized. Arrays are never modified in place (all read-only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

_A = TypeVar("_A", bound=np.ndarray)
_Ops = tuple[tuple[bool, NDArray[np.int64]], ...]  # pending (is_add, sorted spikes) changes


def readonly(arr: _A) -> _A:
    """Mark an array read-only and return it."""
    arr.flags.writeable = False
    return arr


EMPTY = readonly(np.empty(0, dtype=np.int64))


def insert_sorted(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int64]:
    """Union of two disjoint sorted int64 arrays, sorted."""
    if not len(b):
        return a
    if not len(a):
        return b
    return np.insert(a, np.searchsorted(a, b), b)


def delete_sorted(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int64]:
    """``a`` without the elements of ``b`` (``b`` ⊆ ``a``, both sorted)."""
    if not len(b):
        return a
    if len(b) == len(a):
        return EMPTY
    return np.delete(a, np.searchsorted(a, b))


def union_sorted(arrays: Sequence[NDArray[np.int64]]) -> NDArray[np.int64]:
    """Sorted union of pairwise-disjoint sorted arrays."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return EMPTY
    if len(arrays) == 1:
        return arrays[0]
    if len(arrays) == 2:
        return insert_sorted(arrays[0], arrays[1])
    return np.sort(np.concatenate(arrays))


def _is_member(base: NDArray[np.int64], s: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Boolean mask: which elements of ``s`` are in sorted ``base``."""
    if not len(base):
        return np.zeros(len(s), dtype=bool)
    idx = np.searchsorted(base, s)
    np.minimum(idx, len(base) - 1, out=idx)
    return base[idx] == s


_MAX_OPS = 16


def _net_changes(base: NDArray[np.int64], ops: _Ops) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Net effect of a sequence of removals/additions on sorted ``base``: the sorted spikes to
    delete from it and to insert into it (the last operation on a spike wins)."""
    values = np.concatenate([a for _, a in ops])
    adds = np.concatenate([np.full(len(a), is_add) for is_add, a in ops])
    order = np.argsort(values, kind="stable")  # stable: operations stay in sequence
    values, adds = values[order], adds[order]
    last = np.r_[values[1:] != values[:-1], True]
    values, adds = values[last], adds[last]
    member = _is_member(base, values)
    return values[~adds & member], values[adds & ~member]


class SpikeSet:
    """Immutable sorted set of spike ids; ``remove``/``add`` return new sets.

    A set is a sorted base array plus a short log of pending removals/additions (sorted
    arrays): deriving a set costs O(1), a removal undone by adding back the very same array
    cancels out, and the log is consolidated (net changes, O(pending log pending)) when it
    grows, or applied to the base (O(size)) when it outweighs the base or ``array()`` is read.
    """

    __slots__ = ("_base", "_ops", "_pending", "count")

    def __init__(self, base: NDArray[np.int64], ops: _Ops = (), count: int | None = None,
                 pending: int = 0) -> None:
        self._base = base if not base.flags.writeable else readonly(base)
        self._ops = ops  # tuple of (is_add, sorted array)
        self._pending = pending  # total length of the arrays in ops
        self.count = len(base) if count is None else count

    def _derive(self, is_add: bool, s: NDArray[np.int64], count: int) -> SpikeSet:
        ops = self._ops
        if ops and ops[-1][1] is s and ops[-1][0] != is_add:  # exactly undoes the last change
            return SpikeSet(self._base, ops[:-1], count, self._pending - len(s))
        out = SpikeSet(self._base, ops + ((is_add, s),), count, self._pending + len(s))
        if out._pending > len(self._base):
            out.array()
        elif len(out._ops) > _MAX_OPS:
            removed, added = _net_changes(out._base, out._ops)
            out._ops = tuple((is_add, a) for is_add, a in ((False, removed), (True, added))
                             if len(a))
            out._pending = len(removed) + len(added)
        return out

    def array(self) -> NDArray[np.int64]:
        """Sorted read-only int64 array of the spike ids (built once, then memoized)."""
        ops = self._ops
        if not ops:
            return self._base
        if len(ops) == 1:
            is_add, s = ops[0]
            a = insert_sorted(self._base, s) if is_add else delete_sorted(self._base, s)
        else:
            removed, added = _net_changes(self._base, ops)
            a = insert_sorted(delete_sorted(self._base, removed), added)
        if a.flags.writeable:
            a = readonly(a)
        self._base, self._ops, self._pending = a, (), 0
        return a

    def __len__(self) -> int:
        return self.count

    def remove(self, s: NDArray[np.int64]) -> SpikeSet:
        """The set without the sorted spikes ``s`` (all must be members)."""
        return self._derive(False, s, self.count - len(s)) if len(s) else self

    def add(self, s: NDArray[np.int64]) -> SpikeSet:
        """The set with the sorted spikes ``s`` (none may be a member)."""
        return self._derive(True, s, self.count + len(s)) if len(s) else self


EMPTY_SET = SpikeSet(EMPTY)


def union_of_sets(sets: Sequence[SpikeSet], n_spikes: int,
                  all_spikes: Callable[[], NDArray[np.int64]]) -> NDArray[np.int64]:
    """Sorted union of pairwise-disjoint SpikeSets; ``all_spikes()`` gives ``arange(n_spikes)``."""
    total = sum(s.count for s in sets)
    if total == 0:
        return EMPTY
    if total == n_spikes:
        return all_spikes()
    if len(sets) == 1:
        return sets[0].array()
    if total > n_spikes // 16:
        mask = np.zeros(n_spikes, dtype=bool)
        for s in sets:
            mask[s.array()] = True
        return readonly(np.flatnonzero(mask).astype(np.int64, copy=False))
    return readonly(union_sorted([s.array() for s in sets]))
