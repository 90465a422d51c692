"""Multi-electrode arrays (probes): channels, 2D positions, adjacency graph, channel groups.

A probe dictionary follows the ``.prb`` layout used by klusta and phy::

    channel_groups = {
        0: {'channels': [0, 1, 2], 'graph': [(0, 1), (1, 2)],
            'geometry': {0: (0., 0.), 1: (0., 20.), 2: (0., 40.)}},
    }

``.prb`` files are read with ``phyclone.utils.safe_python.read_python``: never executed.
"""

import itertools
from pathlib import Path

import numpy as np

from phyclone.utils.errors import DataError
from phyclone.utils.safe_python import read_python

_PROBES_DIR = Path(__file__).parent / "probes"
_PRB_FIX = ("define `channel_groups = {group: {'channels': [...], 'graph': [(a, b), ...], "
            "'geometry': {channel: (x, y), ...}}}`")


def linear_positions(n_channels):
    """Positions of ``n_channels`` sites on a vertical line, x = 0, y from 0 to 1."""
    n = int(n_channels)
    return np.c_[np.zeros(n), np.linspace(0., 1., n) if n > 1 else np.zeros(n)]


def edges_to_adjacency(edges):
    """Edges ``[(i, j), ...]`` → adjacency dict ``{channel: set of neighbours}``."""
    adj = {}
    for i, j in edges:
        i, j = int(i), int(j)
        adj.setdefault(i, set()).add(j)
        adj.setdefault(j, set()).add(i)
    return adj


def _check_probe(probe, path=None):
    """Validate a probe dict and return it normalized (int keys, lists, float positions)."""
    where = path or "probe"
    if not isinstance(probe, dict) or not isinstance(probe.get("channel_groups"), dict):
        raise DataError(where, "no `channel_groups` dictionary", _PRB_FIX)
    if not probe["channel_groups"]:
        raise DataError(where, "`channel_groups` is empty", _PRB_FIX)
    groups = {}
    for group, d in probe["channel_groups"].items():
        try:
            group = int(group)
        except (TypeError, ValueError):
            raise DataError(where, f"channel group key {group!r} is not an integer", _PRB_FIX) \
                from None
        if not isinstance(d, dict) or "channels" not in d:
            raise DataError(where, f"channel group {group} has no 'channels' list", _PRB_FIX)
        try:
            channels = [int(c) for c in d["channels"]]
            graph = [(int(a), int(b)) for a, b in d.get("graph", ())]
            geometry = {int(c): tuple(float(x) for x in pos)
                        for c, pos in dict(d.get("geometry", {})).items()}
        except (TypeError, ValueError):
            raise DataError(where, f"channel group {group}: channels must be integers, graph "
                            "edges pairs of channels, geometry (x, y) pairs", _PRB_FIX) from None
        if len(set(channels)) != len(channels):
            raise DataError(where, f"channel group {group} lists a channel twice", _PRB_FIX)
        if any(len(pos) != 2 for pos in geometry.values()):
            raise DataError(where, f"channel group {group}: every position must be (x, y)",
                            _PRB_FIX)
        missing = [c for c in channels if c not in geometry]
        if geometry and missing:
            raise DataError(where, f"channel group {group}: no position for channels {missing}",
                            _PRB_FIX)
        groups[group] = {"channels": channels, "graph": graph, "geometry": geometry}
    return {"channel_groups": groups}


def _group_positions(group_dict):
    channels = group_dict["channels"]
    geometry = group_dict["geometry"]
    if not geometry:
        return linear_positions(len(channels))
    return np.array([geometry[c] for c in channels], dtype=np.float64).reshape(-1, 2)


class MEA:
    """A multi-electrode array.

    Either give ``channels``/``positions``/``adjacency`` directly (one group), or a ``probe``
    dictionary with several channel groups (shanks); then ``change_channel_group(g)`` selects
    the current group (the first one at start). ``positions`` follow the order of ``channels``.
    """

    def __init__(self, channels=None, positions=None, adjacency=None, probe=None):
        self._probe = None
        self._channel_group = None
        self.channels_per_group = {}
        if probe is not None:
            self._probe = _check_probe(probe)
            cgs = self._probe["channel_groups"]
            self.channels_per_group = {g: d["channels"] for g, d in cgs.items()}
            if adjacency is None:
                adjacency = edges_to_adjacency(
                    itertools.chain.from_iterable(d["graph"] for d in cgs.values()))
            self._adjacency = adjacency
            self.change_channel_group(sorted(cgs)[0])
            return
        self._channels = np.asarray(channels if channels is not None else [], dtype=np.int64)
        if positions is not None:
            positions = np.asarray(positions, dtype=np.float64)
            if positions.ndim != 2 or positions.shape != (len(self._channels), 2):
                raise ValueError(f"positions must have shape ({len(self._channels)}, 2), "
                                 f"not {positions.shape}")
        self._positions = positions
        self._adjacency = adjacency or {}

    @property
    def probe(self):
        """The normalized probe dictionary (None without a probe)."""
        return self._probe

    @property
    def channel_groups(self):
        """Sorted list of channel group ids ([] without a probe)."""
        return sorted(self.channels_per_group)

    @property
    def channel_group(self):
        """The current channel group (None without a probe)."""
        return self._channel_group

    @property
    def channels(self):
        """Channel ids of the current group, in probe order."""
        return self._channels

    @property
    def n_channels(self):
        return len(self._channels)

    @property
    def positions(self):
        """``(n_channels, 2)`` positions of the current group's channels (or None)."""
        return self._positions

    @property
    def adjacency(self):
        """``{channel: set of neighbouring channels}`` over the whole probe."""
        return self._adjacency

    @property
    def adjacency_graph(self):
        """``(n_edges, 2)`` edges between channels of the current group (dead channels dropped)."""
        keep = set(int(c) for c in self._channels)
        edges = sorted({(min(a, b), max(a, b)) for a, ns in self._adjacency.items() if a in keep
                        for b in ns if b in keep})
        return np.array(edges, dtype=np.int64).reshape(-1, 2)

    def change_channel_group(self, group):
        """Select the current channel group (shank)."""
        if self._probe is None:
            raise ValueError("this MEA has no probe with channel groups")
        cgs = self._probe["channel_groups"]
        if group not in cgs:
            raise ValueError(f"unknown channel group {group!r} (the probe has {sorted(cgs)})")
        self._channel_group = group
        self._channels = np.asarray(cgs[group]["channels"], dtype=np.int64)
        self._positions = _group_positions(cgs[group])

    def __repr__(self):
        return f"<MEA {self.n_channels} channels, groups {self.channel_groups}>"


def list_probes():
    """Names of the built-in probes (usable with ``load_probe``)."""
    return sorted(p.stem for p in _PROBES_DIR.glob("*.prb"))


def load_probe(name_or_path):
    """Load a probe from a ``.prb`` file path or a built-in probe name; return an ``MEA``.

    The file is parsed safely (only literal assignments, comprehensions and arithmetic).
    """
    path = Path(name_or_path)
    if not path.exists():
        builtin = _PROBES_DIR / f"{name_or_path}.prb"
        if not builtin.exists():
            raise DataError(path, "probe file not found and not a built-in probe name",
                            f"give the path of a .prb file or one of {list_probes()}")
        path = builtin
    prb = read_python(path)
    return MEA(probe=_check_probe(prb, path))
