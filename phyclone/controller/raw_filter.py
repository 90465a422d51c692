"""Raw data filters of the waveform and trace views (phy's ``RawDataFilter``).

A rotating choice of named functions ``f(array, axis=...) -> array``: ``raw`` (identity)
and ``high_pass`` (phy's 3rd-order 150 Hz Butterworth, zero-phase) by default; plugins add
more with ``controller.raw_data_filter.add_filter(f)``, or replace one by adding a function
of the same name (phy's example replaces ``high_pass``). ``alt+r`` cycles through them.

The data readers apply the built-in filters themselves (the high-pass on windows read with
margins); any other function is applied to the windows read. Caches of filtered data are
keyed by ``key(name)``, which changes when a plugin's function changes.
"""

from __future__ import annotations

import logging
import marshal
from collections.abc import Callable
from functools import partial
from typing import Any

from numpy.typing import NDArray

from phyclone.io.raw.filtering import highpass

logger = logging.getLogger(__name__)

#: A filter: ``f(arr, axis=...) -> array`` of the same shape.
Filter = Callable[..., NDArray[Any]]

#: Names of the built-in filters the model applies itself (with margins around windows).
RAW, HIGH_PASS = "raw", "high_pass"


class RawDataFilter:
    """Named filters, one of them current."""

    def __init__(self) -> None:
        self._filters: dict[str, Filter] = {}
        self._builtin: dict[str, Filter] = {}
        self.current: str = None  # type: ignore[assignment]  # the first filter added below
        self._add_builtin(RAW, _identity)

    def _add_builtin(self, name: str, fun: Filter) -> None:
        self.add(name, fun)
        self._builtin[name] = fun

    def add(self, name: str, fun: Filter) -> None:
        """Add (or replace) a filter; the first one added becomes current."""
        self._filters[name] = fun
        if self.current is None:
            self.current = name

    def add_default_filter(self, sample_rate: float) -> None:
        """Add phy's high-pass filter and make it current."""
        self._add_builtin(HIGH_PASS, partial(_highpass, sample_rate=float(sample_rate)))
        self.set(HIGH_PASS)

    def add_filter(self, fun: Filter | None = None, name: str | None = None) -> Any:
        """Add a filter ``fun(arr, axis=0)`` (usable as a decorator)."""
        if fun is None:
            return partial(self.add_filter, name=name)
        self.add(name or fun.__name__, fun)
        return fun

    @property
    def names(self) -> list[str]:
        return list(self._filters)

    def is_builtin(self, name: str | None = None) -> bool:
        """Whether a filter (default: the current one) is a built-in one, not replaced."""
        name = self.name_of(name or self.current)
        return name in self._builtin and self._filters.get(name) is self._builtin[name]

    def key(self, name: str | None = None) -> str:
        """The filter's name for caches: the name of a built-in filter, else the name and a
        digest of the function (code, default arguments, closure values)."""
        name = self.name_of(name or self.current)
        if self.is_builtin(name):
            return name
        return f"{name}@{_digest(self._filters[name])}"

    @staticmethod
    def name_of(key: str) -> str:
        """The filter name of a ``key()`` (or of a name)."""
        return key.split("@", 1)[0] if key else key

    def get(self, name: str | None = None) -> Filter:
        return self._filters[self.name_of(name or self.current)]

    def set(self, name: str | None) -> None:
        """Make a filter current (unknown names are ignored with a warning)."""
        if name is None:
            return
        if name not in self._filters:
            logger.warning("Unknown raw data filter %r; keeping %r.", name, self.current)
            return
        self.current = name

    def next(self) -> str:
        """Switch to the next filter; return its name."""
        names = self.names
        self.current = names[(names.index(self.current) + 1) % len(names)]
        return self.current

    def apply(self, arr: NDArray[Any], axis: int | None = None, name: str | None = None
              ) -> NDArray[Any]:
        """Filter an array with the current (or the named) filter; same shape."""
        out = self.get(name)(arr, axis=axis)
        if out.shape != arr.shape:
            raise ValueError(f"The raw data filter {name or self.current!r} changed the shape "
                             f"{arr.shape} into {out.shape}.")
        return out


def _identity(arr: NDArray[Any], axis: int | None = None) -> NDArray[Any]:
    return arr


def _digest(fun: Filter) -> str:
    """Short digest of what a function computes: its code, defaults and closure values."""
    import joblib
    f = getattr(fun, "func", fun)  # functools.partial
    code = getattr(f, "__code__", None)
    parts = [marshal.dumps(code) if code is not None else repr(f),
             getattr(f, "__defaults__", None), getattr(fun, "args", None),
             getattr(fun, "keywords", None)]
    parts += [c.cell_contents for c in (getattr(f, "__closure__", None) or ())]
    try:
        return joblib.hash(parts)[:12]
    except Exception:  # unpicklable closure values: the function object itself
        return f"id{id(fun):x}"


def _highpass(arr: NDArray[Any], axis: int | None = None, sample_rate: float | None = None
              ) -> NDArray[Any]:
    return highpass(arr, sample_rate, axis=0 if axis is None else axis)
