"""Probe geometries used by the synthetic dataset generator (positions in µm)."""

import numpy as np

from phyclone.utils.errors import DataError

PROBES = ("linear", "neuropixels")

# Neuropixels 1.0 (bank 0): two sites per 20 µm row, the four x positions of a staggered
# checkerboard repeating every two rows, first row at y = 20 µm.
_NP1_X = np.array([43., 11., 59., 27.])
_NP1_PITCH = 20.


def linear_positions(n_channels, pitch=20.):
    """One column of sites, ``pitch`` µm apart: an (n_channels, 2) array of (x, y)."""
    y = pitch * np.arange(n_channels, dtype=np.float64)
    return np.c_[np.zeros(n_channels), y]


def neuropixels_positions(n_channels=384):
    """The staggered four-column Neuropixels 1.0 layout (20 µm rows, two sites per row)."""
    i = np.arange(n_channels)
    return np.c_[_NP1_X[i % 4], _NP1_PITCH * (i // 2 + 1)].astype(np.float64)


def probe_positions(probe, n_channels):
    """Channel positions of a named probe (``'linear'`` or ``'neuropixels'``)."""
    if probe == "linear":
        return linear_positions(n_channels)
    if probe == "neuropixels":
        return neuropixels_positions(n_channels)
    raise DataError(None, f"unknown probe {probe!r}", f"use one of {', '.join(PROBES)}")


def nearest_channels(positions, point, n):
    """The ``n`` channels closest to ``point`` (x, y), closest first (ties by channel id)."""
    d2 = ((positions - np.asarray(point, dtype=np.float64)[:2]) ** 2).sum(axis=1)
    return np.lexsort((np.arange(len(d2)), d2))[:n]
