"""Raw data filters of the waveform and trace views (phy's ``RawDataFilter``).

A rotating choice of named functions ``f(array, axis=...) -> array``: ``raw`` (identity)
and ``high_pass`` (phy's 3rd-order 150 Hz Butterworth, zero-phase) by default; plugins add
more with ``controller.raw_data_filter.add_filter(f)``. ``alt+r`` cycles through them.
"""

import logging
from functools import partial

from phyclone.io.filtering import highpass

logger = logging.getLogger(__name__)

#: Names of the built-in filters the model applies itself (with margins around windows).
RAW, HIGH_PASS = "raw", "high_pass"


class RawDataFilter:
    """Named filters, one of them current."""

    def __init__(self):
        self._filters = {}
        self.current = None
        self.add(RAW, lambda arr, axis=None: arr)

    def add(self, name, fun):
        """Add (or replace) a filter; the first one added becomes current."""
        self._filters[name] = fun
        if self.current is None:
            self.current = name

    def add_default_filter(self, sample_rate):
        """Add phy's high-pass filter and make it current."""
        self.add(HIGH_PASS, partial(_highpass, sample_rate=float(sample_rate)))
        self.set(HIGH_PASS)

    def add_filter(self, fun=None, name=None):
        """Add a filter ``fun(arr, axis=0)`` (usable as a decorator)."""
        if fun is None:
            return partial(self.add_filter, name=name)
        self.add(name or fun.__name__, fun)
        return fun

    @property
    def names(self):
        return list(self._filters)

    def get(self, name=None):
        return self._filters[name or self.current]

    def set(self, name):
        """Make a filter current (unknown names are ignored with a warning)."""
        if name is None:
            return
        if name not in self._filters:
            logger.warning("Unknown raw data filter %r; keeping %r.", name, self.current)
            return
        self.current = name

    def next(self):
        """Switch to the next filter; return its name."""
        names = self.names
        self.current = names[(names.index(self.current) + 1) % len(names)]
        return self.current

    def apply(self, arr, axis=None, name=None):
        """Filter an array with the current (or the named) filter; same shape."""
        out = self.get(name)(arr, axis=axis)
        if out.shape != arr.shape:
            raise ValueError(f"The raw data filter {name or self.current!r} changed the shape "
                             f"{arr.shape} into {out.shape}.")
        return out


def _highpass(arr, axis=None, sample_rate=None):
    return highpass(arr, sample_rate, axis=0 if axis is None else axis)
