"""Channel positions (µm) for detection: a ``.prb`` file (parsed safely, never executed),
a probeinterface JSON file, an (n_channels, 2) ``channel_positions.npy``, or the probe a
klusta ``.kwik`` file holds."""

import json
from pathlib import Path

import numpy as np

from phyclone.electrode.mea import load_probe
from phyclone.utils.errors import DataError

_FIX = ("give --probe a .prb file, a probeinterface .json file, a channel_positions.npy or "
        "a klusta .kwik")


def _from_prb(path, n_channels):
    mea = load_probe(path)
    chans, pos = [], []
    for g in mea.channel_groups:
        mea.change_channel_group(g)
        chans.extend(mea.channels.tolist())
        pos.extend(mea.positions.tolist())
    return np.asarray(chans, dtype=np.int64), np.asarray(pos, dtype=np.float64)


def _from_json(path):
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        chans, pos = [], []
        for probe in d["probes"]:
            xy = np.asarray(probe["contact_positions"], dtype=np.float64)[:, :2]
            dev = probe.get("device_channel_indices")
            if dev is None:
                dev = np.arange(len(chans), len(chans) + len(xy))
            for c, p in zip(dev, xy):
                if int(c) >= 0:  # -1: contact not wired
                    chans.append(int(c))
                    pos.append(p)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        raise DataError(path, f"is not a probeinterface JSON file ({type(e).__name__}: {e})",
                        _FIX) from None
    return np.asarray(chans, dtype=np.int64), np.asarray(pos, dtype=np.float64).reshape(-1, 2)


def _from_kwik(path):
    from phyclone.io.kwik.h5 import open_h5
    from phyclone.io.kwik.loading import int_children, read_probe
    chans, pos = [], []
    with open_h5(path) as f:
        warnings = []
        groups = read_probe(f, path, int_children(f, "/channel_groups"), warnings)
    if warnings:
        raise DataError(path, warnings[0], _FIX)
    for g in groups["channel_groups"].values():
        chans.extend(g["channels"])
        pos.extend(g["geometry"][c] for c in g["channels"])
    return np.asarray(chans, dtype=np.int64), np.asarray(pos, dtype=np.float64).reshape(-1, 2)


def _from_npy(path, n_channels):
    try:
        pos = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise DataError(path, f"cannot be read as a .npy array ({e})", _FIX) from None
    if pos.ndim != 2 or pos.shape[1] < 2 or pos.dtype.kind not in "iuf":
        raise DataError(path, f"has shape {pos.shape} ({pos.dtype}), expected numeric "
                        "(n_channels, 2)", _FIX)
    return np.arange(len(pos), dtype=np.int64), pos[:, :2].astype(np.float64)


def load_channel_positions(path, n_channels):
    """``(channels, positions)``: the raw-file columns the probe wires, in probe order, and
    their (x, y) positions in µm. Positions must be finite and distinct."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "probe file not found", _FIX)
    ext = path.suffix.lower()
    if ext == ".prb":
        chans, pos = _from_prb(path, n_channels)
    elif ext == ".json":
        chans, pos = _from_json(path)
    elif ext == ".npy":
        chans, pos = _from_npy(path, n_channels)
    elif ext == ".kwik":
        chans, pos = _from_kwik(path)
    else:
        raise DataError(path, f"unknown probe file type `{ext}`", _FIX)
    if not len(chans):
        raise DataError(path, "lists no channel", _FIX)
    if chans.min() < 0 or chans.max() >= n_channels:
        raise DataError(path, f"names channel {int(chans.max())}, but the raw data has "
                        f"{n_channels} channels", "use the probe of this recording, or fix "
                        "--n-channels")
    if len(np.unique(chans)) != len(chans):
        raise DataError(path, "lists a channel twice", _FIX)
    if not np.isfinite(pos).all():
        raise DataError(path, "holds non-finite channel positions", _FIX)
    _, first, counts = np.unique(pos, axis=0, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = pos[first[counts > 1][0]]
        which = chans[np.all(pos == dup, axis=1)].tolist()
        raise DataError(path, f"gives channels {', '.join(map(str, which))} the same position "
                        f"({', '.join(f'{v:g}' for v in dup)}) µm",
                        "every channel needs its own (x, y) position in µm")
    return chans, pos
