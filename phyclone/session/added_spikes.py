"""The spikes added during a session (template matching recovers spikes detection missed):
their samples and per-spike values, for the spike ids ``n_base ..`` the clustering appended.

Added spikes get the ids after every spike of the dataset (appended, not inserted in time
order), so that no earlier spike id changes and the undo history stays valid. Undoing an
addition shortens the clustering; the values are kept for a redo and dropped by the next
addition. Saving writes them in time order (``phyclone.io.add_spikes``), which renumbers the
spikes: the session then starts again from the saved files (``Session.rebase``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.utils.bunch import Bunch


class AddedSpikes:
    """``{name: array}`` of the spikes ``n_base ..`` (``spike_samples`` and the values each
    addition gave, e.g. ``spike_templates``, ``amplitudes``, ``spike_max_channels``); a value
    may hold several numbers per spike (given flat, spike after spike: rows come back)."""

    def __init__(self, n_base: int) -> None:
        self.n_base = int(n_base)
        self.version = 0
        self._arrays: dict[str, NDArray] = {}
        self._width: dict[str, int] = {}

    def extend(self, n_spikes: int, values: Mapping[str, ArrayLike]) -> None:
        """Append the values of new spikes ``n_spikes ..`` (dropping those of undone ones)."""
        n_kept = int(n_spikes) - self.n_base
        flat: dict[str, NDArray] = {k: np.asarray(v).ravel() for k, v in values.items()}
        n_new = len(flat["spike_samples"])
        width = {}
        for k, v in flat.items():
            if not n_new or len(v) % n_new or not len(v):
                raise ValueError(f"{k} has {len(v)} values for {n_new} spikes")
            width[k] = len(v) // n_new
        if n_kept and width != self._width:
            raise ValueError(f"added spikes need the same values as before: "
                             f"{self._width}, got {width}")
        self._arrays = {k: np.concatenate([self._arrays[k][:n_kept * width[k]], v])
                        if n_kept else v.copy() for k, v in flat.items()}
        self._width = width
        self.version += 1

    def arrays(self, n_spikes: int) -> Bunch:
        """The values of the spikes ``n_base .. n_spikes`` (empty Bunch when there is none);
        ``(n, width)`` rows for values of several numbers per spike."""
        n = int(n_spikes) - self.n_base
        if n <= 0:
            return Bunch()
        return Bunch({k: v[:n * self._width[k]].reshape((n, self._width[k]) if self._width[k] > 1
                                                         else (n,))
                      for k, v in self._arrays.items()})
