"""``UpdateInfo``: what a clustering or metadata action changed (phy's fields), with fields
that are expensive to build (``spike_ids`` of a split touching every cluster) computed on
first access."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.bunch import Bunch

if TYPE_CHECKING:
    from _collections_abc import dict_items, dict_keys, dict_values

_DEFAULTS = (
    ("description", ""),        # 'merge', 'assign', or 'metadata_<field>'
    ("history", None),          # None, 'undo', 'redo' (or 'reset')
    ("spike_ids", None),        # sorted int64 array of every spike whose cluster id changed
    ("added", None),            # new cluster ids (sorted list of int)
    ("deleted", None),          # cluster ids that disappeared (sorted list of int)
    ("descendants", None),      # sorted list of (old_cluster_id, new_cluster_id) pairs
    ("metadata_changed", None), # cluster ids whose metadata changed
    ("metadata_value", None),   # the new metadata value
    ("undo_state", None),       # on undo: what `request_undo_state` returned for that action
)


def _join(clusters: Iterable[Any]) -> str:
    return "[" + ", ".join(map(str, clusters)) + "]"


def _values_equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


def _rebuild(items: dict[str, Any]) -> UpdateInfo:
    return UpdateInfo(**items)


class UpdateInfo(Bunch):
    """Dictionary (with attribute access) describing one change of the clustering.

    Cluster ids are disposable: a changed cluster is ``deleted`` and its new version
    ``added`` under a fresh id. Keys set with ``set_lazy(key, func)`` are computed by
    ``func()`` on first access (by attribute, item, ``get``, iteration or pickling).
    """

    __slots__ = ("_lazy",)

    def __init__(self, **kwargs: Any) -> None:
        d: dict[str, Any] = {
            k: ([] if v is None and k in ("spike_ids", "added", "deleted", "descendants",
                                          "metadata_changed") else v)
            for k, v in _DEFAULTS}
        d.update(kwargs)
        super().__init__(d)
        object.__setattr__(self, "_lazy", {})

    # Lazy keys
    # ---------------------------------------------------------------------------------------

    def set_lazy(self, key: str, func: Callable[[], Any]) -> None:
        """Make ``key`` computed by ``func()`` when first read."""
        dict.pop(self, key, None)
        self._lazy[key] = func

    def _lazy_map(self) -> dict[str, Callable[[], Any]]:
        try:
            return object.__getattribute__(self, "_lazy")
        except AttributeError:
            return {}

    def _resolve(self, key: str) -> Any:
        value = self._lazy.pop(key)()
        dict.__setitem__(self, key, value)
        return value

    def _force(self) -> None:
        for key in list(self._lazy_map()):
            if dict.__contains__(self, key):
                self._lazy.pop(key)
            else:
                self._resolve(key)

    def __missing__(self, key: str) -> Any:
        if key in self._lazy_map():
            return self._resolve(key)
        raise KeyError(key)

    def __getattr__(self, name: str) -> Any:
        # Only called when `name` is not a class attribute: keys (lazy or not) are attributes.
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    # dict interface aware of lazy keys
    # ---------------------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        if not dict.__contains__(self, key) and key in self._lazy_map():
            return self._resolve(key)
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self._lazy_map()

    def __setitem__(self, key: str, value: Any) -> None:
        self._lazy_map().pop(key, None)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        if self._lazy_map().pop(key, None) is not None and not dict.__contains__(self, key):
            return
        dict.__delitem__(self, key)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self._lazy_map() and not dict.__contains__(self, key):
            self._resolve(key)
        return dict.pop(self, key, *default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def __iter__(self) -> Iterator[str]:
        self._force()
        return dict.__iter__(self)

    def __len__(self) -> int:
        return dict.__len__(self) + sum(
            1 for k in self._lazy_map() if not dict.__contains__(self, k))

    def keys(self) -> dict_keys[str, Any]:
        self._force()
        return dict.keys(self)

    def values(self) -> dict_values[str, Any]:
        self._force()
        return dict.values(self)

    def items(self) -> dict_items[str, Any]:
        self._force()
        return dict.items(self)

    def copy(self, deep: bool = False) -> UpdateInfo:
        """A shallow (or, with ``deep=True``, deep) copy with every lazy key computed."""
        self._force()
        return copy.deepcopy(self) if deep else UpdateInfo(**dict(dict.items(self)))

    def __reduce__(self) -> tuple[Callable[[dict[str, Any]], UpdateInfo], tuple[dict[str, Any]]]:
        self._force()
        return (_rebuild, (dict(dict.items(self)),))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, dict):
            return NotImplemented
        a, b = dict(self.items()), dict(other.items())
        return a.keys() == b.keys() and all(_values_equal(a[k], b[k]) for k in a)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]  # unhashable, as a dict

    def __repr__(self) -> str:
        desc = self.get("description")
        h = f" ({self.get('history')})" if self.get("history") else ""
        if desc in ("merge", "assign"):
            return f"<{desc}{h} {_join(self.get('deleted'))} => {_join(self.get('added'))}>"
        if desc and desc.startswith("metadata"):
            return f"<{desc}{h} {_join(self.get('metadata_changed'))} => {self.get('metadata_value')}>"
        return "<UpdateInfo>"
