"""Readers of the parts of a ``.kwik`` / ``.kwx`` file that ``KwikModel`` loads, each checking
what it reads and raising a ``DataError`` that names the file for malformed content."""

import numpy as np

from phyclone.utils.bunch import Bunch
from phyclone.utils.errors import DataError

from phyclone.io.kwik.h5 import dataset_memmap
from phyclone.io.kwik.arrays import features_masks_views

# SpikeDetekt defaults for the parameters the model uses, when the file does not store them.
SPIKEDETEKT_DEFAULTS = dict(extract_s_before=10, extract_s_after=10, filter_low=500.,
                            filter_high_factor=.95 * .5, filter_butter_order=3,
                            n_features_per_channel=3)


def int_children(f, path):
    return sorted(int(k) for k in f.children(path) if k.isdigit()) if f.exists(path) else []


def read_header(f, path):
    """Check the version; return ``Bunch(metadata, kk2_metadata, channel_groups)``."""
    version = f.read_attr("/", "kwik_version", None)
    if version != 2:
        raise DataError(path, f"kwik_version is {version!r}, not 2",
                        "only Kwik version 2 files (klusta / SpikeDetekt2) are supported")
    sd = "/application_data/spikedetekt"
    kk = "/application_data/klustakwik2"
    metadata = dict(SPIKEDETEKT_DEFAULTS)
    metadata.update(f.read_attrs(sd) if f.exists(sd) else {})
    groups = int_children(f, "/channel_groups")
    if not groups:
        raise DataError(path, "no /channel_groups/<g> group", "the file holds no spikes: "
                        "run klusta (SpikeDetekt + KlustaKwik) on the recording again")
    return Bunch(metadata=metadata, kk2_metadata=f.read_attrs(kk) if f.exists(kk) else {},
                 channel_groups=groups)


def read_recordings(f, channel_groups):
    """``Bunch(ids, start_attrs, raw_attrs, sample_rates, spikes_max)`` of ``/recordings``.

    Without ``/recordings``, one recording 0. ``spikes_max`` (last spike sample of every
    recording over all groups) is only computed when a start sample is missing.
    """
    ids = int_children(f, "/recordings")
    recs = ids or [0]
    starts = [f.read_attr(f"/recordings/{r}", "start_sample", None) for r in recs]
    rates = [f.read_attr(f"/recordings/{r}", "sample_rate", None) for r in recs]
    raw = {r: f.read_attrs(f"/recordings/{r}/raw") for r in ids if f.exists(f"/recordings/{r}/raw")}
    spikes_max = np.full(len(recs), -1, dtype=np.int64)
    if any(s is None for s in starts):
        for g in channel_groups:
            sp = f"/channel_groups/{g}/spikes"
            if not f.exists(f"{sp}/time_samples") or not f.exists(f"{sp}/recording"):
                continue
            t = f.read(f"{sp}/time_samples")[:].astype(np.int64)
            r = np.clip(np.searchsorted(recs, f.read(f"{sp}/recording")[:]), 0, len(recs) - 1)
            if len(r) == len(t):
                np.maximum.at(spikes_max, r, t)
    return Bunch(ids=recs, start_attrs=starts, raw_attrs=raw, sample_rates=rates,
                 spikes_max=spikes_max)


def read_sample_rate(path, metadata, recordings, warnings):
    """The sample rate (PRM, else the first recording's); recordings that disagree are
    reported in ``warnings`` (the model uses one rate for all)."""
    sr = metadata.get("sample_rate")
    if sr is None:
        sr = next((r for r in recordings.sample_rates if r is not None), None)
    try:
        sr = float(sr)
    except (TypeError, ValueError):
        sr = 0.
    if not sr > 0:
        raise DataError(path, "no valid sample rate (application_data/spikedetekt.sample_rate "
                        "or recordings/<r>.sample_rate)", "write the sample rate in the file")
    others = sorted({float(r) for r in recordings.sample_rates if r is not None} - {sr})
    if others:
        warnings.append(f"some recordings have another sample rate ({others}): "
                        f"{sr:g} Hz is used for all")
    return sr


def read_probe(f, path, channel_groups, warnings):
    """The probe dictionary stored in the file (``channel_order``, ``adjacency_graph``,
    channel positions). A group with missing positions gets linear positions (and a warning)."""
    groups = {}
    for g in channel_groups:
        gp = f"/channel_groups/{g}"
        order = f.read_attr(gp, "channel_order", None)
        order = [int(c) for c in np.atleast_1d(order)] if order is not None \
            else int_children(f, f"{gp}/channels")
        if not order:
            raise DataError(path, f"channel group {g} has no channels ({gp}.channel_order and "
                            f"{gp}/channels are missing)", "write the channel order of this group")
        graph = f.read_attr(gp, "adjacency_graph", None)
        graph = np.asarray(graph if graph is not None else [], dtype=np.int64).reshape(-1, 2)
        geometry = {c: f.read_attr(f"{gp}/channels/{c}", "position", None) for c in order}
        if any(p is None or np.size(p) != 2 for p in geometry.values()):
            warnings.append(f"channel group {g}: some channel positions are missing; "
                            "showing the channels on a line")
            geometry = {}
        else:
            geometry = {c: tuple(float(x) for x in np.ravel(p)) for c, p in geometry.items()}
        groups[g] = {"channels": order, "graph": graph.tolist(), "geometry": geometry}
    return {"channel_groups": groups}


def read_spikes(f, path, group, recordings, offsets):
    """``(spike_samples int64, spike_recordings int64)`` of a channel group; samples are on
    the concatenated time axis (``time_samples + offsets[recording]``)."""
    sp = f"/channel_groups/{group}/spikes"
    n = 0
    time_samples = np.zeros(0, dtype=np.int64)
    if f.exists(f"{sp}/time_samples"):
        ts = f.read(f"{sp}/time_samples")
        if ts.ndim != 1:
            raise DataError(path, f"{sp}/time_samples has shape {ts.shape}, expected (n_spikes,)",
                            "rewrite it as a 1D array")
        n = ts.shape[0]
        time_samples = ts[:].astype(np.int64)
    if f.exists(f"{sp}/recording"):
        rec = f.read(f"{sp}/recording")
        if rec.shape != (n,):
            raise DataError(path, f"{sp}/recording has shape {rec.shape} but there are {n} "
                            "spikes (time_samples)", "every spike needs one recording index")
        rec = rec[:].astype(np.int64)
    else:
        rec = np.full(n, recordings[0], dtype=np.int64)
    recs = np.asarray(recordings)
    idx = np.clip(np.searchsorted(recs, rec), 0, len(recs) - 1)
    bad = recs[idx] != rec
    if np.any(bad):
        raise DataError(path, f"{sp}/recording refers to recording(s) "
                        f"{np.unique(rec[bad])[:10].tolist()} not in /recordings "
                        f"({recordings})", "add the missing /recordings/<r> groups")
    return time_samples + np.asarray(offsets, dtype=np.int64)[idx], rec


def read_spike_clusters(f, path, dset_path, n_spikes):
    dset = f.read(dset_path)
    if dset.shape != (n_spikes,):
        raise DataError(path, f"{dset_path} has shape {dset.shape} but there are {n_spikes} "
                        "spikes (time_samples)", "every spike needs exactly one cluster id")
    if dset.dtype.kind not in "iu":
        raise DataError(path, f"{dset_path} has dtype {dset.dtype}, expected integers",
                        "store cluster ids as integers")
    sc = dset[:].astype(np.int64)
    if sc.size and sc.min() < 0:
        raise DataError(path, f"{dset_path} holds negative cluster ids",
                        "cluster ids must be >= 0")
    return sc


def open_features(kwx, group, n_spikes, n_channels, n_features_per_channel):
    """``Bunch(features_masks, features, masks, n_features_per_channel, warning)`` of a group
    (all None with a warning when the .kwx has no features for it). Lazy: memmap of the .kwx
    when the dataset is contiguous, else h5py reads on access."""
    path = f"/channel_groups/{group}/features_masks"
    out = Bunch(features_masks=None, features=None, masks=None,
                n_features_per_channel=n_features_per_channel, warning=None)
    if path not in kwx:
        out.warning = f"{kwx.filename.rsplit('/', 1)[-1]} has no features for channel group {group}"
        return out
    dset = kwx.read(path)
    nc = max(n_channels, 1)
    if dset.ndim != 3 or dset.shape[2] != 2 or dset.shape[0] != n_spikes or dset.shape[1] % nc \
            or dset.shape[1] == 0:
        raise DataError(kwx.filename, f"{path} has shape {dset.shape}, expected ({n_spikes} "
                        f"spikes, {n_channels} channels x n_features, 2)",
                        "the .kwx does not match the .kwik: run klusta again or remove the .kwx")
    nfpc = dset.shape[1] // nc
    if nfpc != n_features_per_channel:
        out.warning = (f"{kwx.filename.rsplit('/', 1)[-1]}: {nfpc} features per channel "
                       f"(the PRM says {n_features_per_channel})")
    mm = dataset_memmap(kwx.filename, dset)
    out.features_masks = mm if mm is not None else dset
    out.features, out.masks = features_masks_views(out.features_masks, n_channels, nfpc)
    out.n_features_per_channel = nfpc
    return out
