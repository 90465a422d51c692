"""Sorted sets of spike ids that are cheap to derive from one another.

A ``SpikeSet`` is ``(base \\ minus) ∪ plus`` with three sorted int64 arrays. Removing or adding
a few spikes costs O(changed + pending), not O(size): a cluster that loses 20 of its 20,000
spikes shares its parent's base array. The sorted array is built on first access to
``array()`` and memoized. Arrays are never modified in place (all are read-only).
"""

import numpy as np


def readonly(arr):
    """Mark an array read-only and return it."""
    arr.flags.writeable = False
    return arr


EMPTY = readonly(np.empty(0, dtype=np.int64))


def insert_sorted(a, b):
    """Union of two disjoint sorted int64 arrays, sorted."""
    if not len(b):
        return a
    if not len(a):
        return b
    return np.insert(a, np.searchsorted(a, b), b)


def delete_sorted(a, b):
    """``a`` without the elements of ``b`` (``b`` ⊆ ``a``, both sorted)."""
    if not len(b):
        return a
    if len(b) == len(a):
        return EMPTY
    return np.delete(a, np.searchsorted(a, b))


def union_sorted(arrays):
    """Sorted union of pairwise-disjoint sorted arrays."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return EMPTY
    if len(arrays) == 1:
        return arrays[0]
    if len(arrays) == 2:
        return insert_sorted(arrays[0], arrays[1])
    return np.sort(np.concatenate(arrays))


def _split_by_membership(base, s):
    """Split sorted ``s`` into (elements in sorted ``base``, elements not in it)."""
    if not len(base):
        return EMPTY, s
    idx = np.searchsorted(base, s)
    np.minimum(idx, len(base) - 1, out=idx)
    inside = base[idx] == s
    return s[inside], s[~inside]


class SpikeSet:
    """Immutable sorted set of spike ids; ``remove``/``add`` return new sets."""

    __slots__ = ("_base", "_minus", "_plus", "count")

    def __init__(self, base, minus=EMPTY, plus=EMPTY, count=None):
        self._base = base
        self._minus = minus
        self._plus = plus
        self.count = len(base) - len(minus) + len(plus) if count is None else count

    @classmethod
    def _derive(cls, base, minus, plus, count):
        out = cls(base, minus, plus, count)
        if len(minus) + len(plus) > len(base):
            # The pending changes outweigh the base: consolidating now costs no more than
            # the change itself did, and keeps later operations cheap.
            out.array()
        return out

    @property
    def is_materialized(self):
        return not len(self._minus) and not len(self._plus)

    def array(self):
        """Sorted read-only int64 array of the spike ids (built once, then memoized)."""
        if self.is_materialized:
            return self._base
        a = delete_sorted(self._base, self._minus)
        a = insert_sorted(a, self._plus)
        if a.flags.writeable:
            readonly(a)
        self._base, self._minus, self._plus = a, EMPTY, EMPTY
        return a

    def __len__(self):
        return self.count

    def remove(self, s):
        """The set without the sorted spikes ``s`` (all must be members)."""
        if not len(s):
            return self
        if not len(self._plus):
            in_base, in_plus = s, EMPTY
        else:
            in_base, in_plus = _split_by_membership(self._base, s)
        minus = insert_sorted(self._minus, in_base)
        plus = delete_sorted(self._plus, in_plus)
        return SpikeSet._derive(self._base, minus, plus, self.count - len(s))

    def add(self, s):
        """The set with the sorted spikes ``s`` (none may be a member)."""
        if not len(s):
            return self
        if not len(self._minus):
            in_base, new = EMPTY, s
        elif len(self._minus) == len(s) and np.array_equal(self._minus, s):
            in_base, new = s, EMPTY  # exactly undoes a previous removal
        else:
            in_base, new = _split_by_membership(self._base, s)
        minus = EMPTY if in_base is s else delete_sorted(self._minus, in_base)
        plus = insert_sorted(self._plus, new)
        return SpikeSet._derive(self._base, minus, plus, self.count + len(s))


EMPTY_SET = SpikeSet(EMPTY)


def union_of_sets(sets, n_spikes, all_spikes):
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
