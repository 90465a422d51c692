"""Wizard navigation (phy's semantics): best clusters in cluster-list order, similar clusters
in similarity order; noise and mua clusters are skipped."""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .session import Session


def _sort_key(value: Any) -> tuple[int, float, str]:
    # None / NaN / strings sort after numbers, deterministically.
    if value is None:
        return (2, 0.0, "")
    if isinstance(value, str):
        return (1, 0.0, value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return (1, 0.0, str(value))
    if np.isnan(v):
        return (2, 0.0, "")
    return (0, v, "")


class Wizard:
    """Chooses the next best / similar cluster to look at, for a ``Session``."""

    def __init__(self, session: Session) -> None:
        self.s = session

    # Orders ---------------------------------------------------------------------------------
    def cluster_order(self) -> list[int]:
        """Cluster ids in the order shown in the cluster list."""
        s = self.s
        if s.cluster_order is not None:
            return [int(c) for c in s.cluster_order()]
        ids = [int(c) for c in s.cluster_ids]
        if not s.sort or s.sort[0] is None:
            return ids
        name, direction = s.sort
        # (typed: name is not None here)
        values = {c: _sort_key(self._value(name, c)) for c in sorted(ids)}  # type: ignore[arg-type]
        present = [c for c in values if values[c][0] < 2]
        missing = [c for c in values if values[c][0] == 2]
        # list.sort is stable even with reverse=True: ties keep increasing ids.
        # (typed: every c is a key of values)
        present.sort(key=values.get, reverse=direction == "desc")  # type: ignore[arg-type]
        return present + missing

    def _value(self, name: str, cluster_id: int) -> Any:
        """The value of one column of the cluster list (without building the whole row)."""
        s = self.s
        if name == "id":
            return cluster_id
        if name in s.cluster_metrics:
            return s.metric(name, cluster_id)
        if name in s.cluster_meta.fields:
            return s.cluster_meta.get(name, cluster_id)
        return s.cluster_info(cluster_id).get(name)

    def similar_order(self) -> list[int]:
        """Similar cluster ids (of the last selected best cluster) in displayed order."""
        s = self.s
        if not s.best:
            return []
        if s.similar_order is not None:
            ids = [int(c) for c in s.similar_order()]
        else:
            ids = [c for c, _ in s.similar_clusters(s.best[-1])]
        return [c for c in ids if c not in s.best]

    # Stepping -------------------------------------------------------------------------------
    def _step(self, order: Sequence[int], current: int | None, step: int) -> int | None:
        """Next (step=1) or previous (-1) non-masked id after ``current`` (None: from the edge)."""
        if current is None or current not in order:
            candidates = order if step > 0 else order[::-1]
        else:
            i = order.index(current)
            candidates = order[i + 1:] if step > 0 else order[:i][::-1]
        for c in candidates:
            if not self.s.is_masked(c):
                return c
        return None

    def first(self) -> list[int]:
        c = self._step(self.cluster_order(), None, 1)
        if c is not None:
            self.s.select([c])
        return self.s.selected

    def last(self) -> list[int]:
        c = self._step(self.cluster_order(), None, -1)
        if c is not None:
            self.s.select([c])
        return self.s.selected

    def next_best(self) -> list[int]:
        if not self.s.best:
            return self.first()
        c = self._step(self.cluster_order(), self.s.best[-1], 1)
        if c is not None:
            self.s.select([c])
        return self.s.selected

    def previous_best(self) -> list[int]:
        if not self.s.best:
            return self.last()
        c = self._step(self.cluster_order(), self.s.best[0], -1)
        if c is not None:
            self.s.select([c])
        return self.s.selected

    def next(self) -> list[int]:
        """Next similar cluster (the first best cluster when nothing is selected)."""
        if not self.s.best:
            return self.first()
        current = self.s.similar[-1] if self.s.similar else None
        c = self._step(self.similar_order(), current, 1)
        if c is not None:
            self.s.select_similar([c])
        return self.s.selected

    def previous(self) -> list[int]:
        if not self.s.best:
            return self.s.selected
        current = self.s.similar[0] if self.s.similar else None
        c = self._step(self.similar_order(), current, -1)
        if c is not None:
            self.s.select_similar([c])
        return self.s.selected

    def reset(self) -> list[int]:
        """Back to the first best cluster, no similar cluster selected."""
        return self.first()

    def unselect_similar(self) -> list[int]:
        self.s.select_similar([])
        return self.s.selected

    def next_similar_after(self, excluded: Container[int]) -> int | None:
        """The similar cluster that follows the selected similar ones, skipping ``excluded``."""
        if not self.s.similar:
            return None
        order = [c for c in self.similar_order() if c not in excluded or c in self.s.similar]
        c = self._step(order, self.s.similar[-1], 1)
        return c if c is not None and c not in excluded else None
