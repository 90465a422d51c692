"""Argument checks of clustering actions: a wrong argument fails loudly, before anything
changes (``move([1, 2], 2)`` must not set a group to a list)."""

from __future__ import annotations

import numbers
from collections.abc import Container
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: The cluster groups phy knows (any other non-empty string is accepted as a custom group).
GROUPS = ("noise", "mua", "good", "unsorted")


def check_cluster_ids(cluster_ids: Any, existing: Container[int],
                      what: str = "cluster") -> list[int]:
    """Cluster ids as a list of Python ints, checking each is an integer present in
    ``existing`` (a container); raise ValueError naming the bad ones."""
    if isinstance(cluster_ids, (str, bytes, dict)) or cluster_ids is None:
        raise ValueError(f"Expected {what} ids (an int or a list of ints), got {cluster_ids!r}.")
    items = [cluster_ids] if np.ndim(cluster_ids) == 0 else np.asarray(cluster_ids).ravel()
    out = []
    for c in items:
        if isinstance(c, (bool, np.bool_)) or not isinstance(c, numbers.Integral):
            if not (isinstance(c, numbers.Real) and float(c).is_integer()):
                raise ValueError(f"Expected integer {what} ids, got {c!r} in {cluster_ids!r}.")
        out.append(int(c))
    missing = [c for c in out if c not in existing]
    if missing:
        raise ValueError(f"{what.capitalize()}(s) {missing} do not exist.")
    return out


def check_spike_ids(spike_ids: ArrayLike, n_spikes: int) -> NDArray[np.int64]:
    """Spike ids as an int64 array, all integers in ``[0, n_spikes)``."""
    arr = np.asarray(spike_ids)
    if arr.dtype == bool:
        raise ValueError("Expected spike ids, got a boolean mask (use np.flatnonzero(mask)).")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.floating) or not np.all(np.mod(arr, 1) == 0):
            raise ValueError(f"Expected integer spike ids, got {arr.dtype} values.")
    arr = arr.astype(np.int64).ravel()
    if arr.size and (arr.min() < 0 or arr.max() >= n_spikes):
        bad = arr[(arr < 0) | (arr >= n_spikes)][:5].tolist()
        raise ValueError(f"Spike ids {bad} do not exist (there are {n_spikes} spikes).")
    return arr


def check_label(field: str, value: Any) -> Any:
    """A metadata value must be a scalar (str, number, bool or None); a group a non-empty
    string or None."""
    if not isinstance(field, str) or not field:
        raise ValueError(f"A label name must be a non-empty string, got {field!r}.")
    if isinstance(value, np.generic):
        value = value.item()
    if field == "group":
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"A cluster group must be one of {GROUPS} (or another name), "
                             f"got {value!r}.")
    elif value is not None and not isinstance(value, (str, numbers.Number)):
        raise ValueError(f"The value of label {field!r} must be a string or a number, "
                         f"got {value!r}.")
    return value
