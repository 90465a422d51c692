"""Write a Kwik dataset (``.kwik``, ``.kwx``, raw data) with plain h5py, following the layout
klusta writes: for tests, benchmarks and demos. Arrays can be large: features and masks are
written in chunks from a callable, never held whole in memory.
"""

from pathlib import Path

import h5py
import numpy as np

from phyclone.utils.bunch import Bunch

DEFAULT_GROUPS = {0: "Noise", 1: "MUA", 2: "Good", 3: "Unsorted"}
_CHUNK = 100_000


def _write_features_masks(kwx, group, n_spikes, width, spikes):
    """``features`` (n, nc, nfpc) + ``masks`` (n, nc) arrays, or ``features_masks(start, stop)``
    returning ``(stop - start, nc * nfpc, 2)`` blocks."""
    dset = kwx.create_dataset(f"channel_groups/{group}/features_masks",
                              shape=(n_spikes, width, 2), dtype=np.float32)
    for start in range(0, n_spikes, _CHUNK):
        stop = min(n_spikes, start + _CHUNK)
        if "features_masks" in spikes:
            block = np.asarray(spikes["features_masks"](start, stop), dtype=np.float32)
        else:
            f = np.asarray(spikes["features"][start:stop], dtype=np.float32)
            m = np.asarray(spikes["masks"][start:stop], dtype=np.float32)
            nfpc = f.shape[2]
            block = np.stack([f.reshape(len(f), -1), np.repeat(m, nfpc, axis=1)], axis=-1)
        dset[start:stop] = block


def _write_clustering(kwik, group, name, spike_clusters, cluster_groups):
    g = kwik.require_group(f"channel_groups/{group}")
    g.create_dataset(f"spikes/clusters/{name}", data=np.asarray(spike_clusters, dtype=np.uint32))
    for cluster in np.unique(spike_clusters):
        c = g.require_group(f"clusters/{name}/{int(cluster)}")
        c.attrs["cluster_group"] = int(cluster_groups.get(int(cluster), 3))
    for gid, gname in DEFAULT_GROUPS.items():
        g.require_group(f"cluster_groups/{name}/{gid}").attrs["name"] = gname


def create_kwik(kwik_path, probe, spikes, clusterings=None, recordings=(), *,
                sample_rate=20000., raw_format="kwd", n_features_per_channel=3, params=None,
                recording_lengths=None):
    """Write a Kwik dataset; return ``Bunch(kwik_path, kwx_path, raw_paths)``.

    - ``probe``: ``{'channel_groups': {g: {'channels', 'graph', 'geometry'}}}``.
    - ``spikes``: ``{g: {'time_samples', 'recording', and 'features' + 'masks' or
      'features_masks'}}``; time samples are relative to their recording; without features
      the group gets none in the .kwx.
    - ``clusterings``: ``{g: {name: (spike_clusters, {cluster: group id})}}``.
    - ``recordings``: raw data per recording, ``(n_samples, n_channels)`` int16 arrays (or ints:
      lengths without raw data). ``raw_format``: 'kwd' (``<name>.raw.kwd``), 'dat' (one
      ``<name>_rec<r>.dat`` each, named in the PRM) or None (no raw file written).
    - ``params``: extra SpikeDetekt parameters stored in ``application_data/spikedetekt``.
    - ``recording_lengths``: samples of every recording (start samples follow from them);
      default: the raw data lengths.
    """
    kwik_path = Path(kwik_path)
    kwik_path.parent.mkdir(parents=True, exist_ok=True)
    name = kwik_path.stem
    kwx_path = kwik_path.with_suffix(".kwx")
    lengths = recording_lengths or [r if isinstance(r, (int, np.integer)) else len(r)
                                    for r in recordings]
    n_channels = max(max(d["channels"]) for d in probe["channel_groups"].values()) + 1
    n_channels = next((r.shape[1] for r in recordings if not isinstance(r, (int, np.integer))),
                      n_channels)
    raw_paths = []
    if raw_format == "dat":
        raw_paths = [kwik_path.parent / f"{name}_rec{i}.dat" for i in range(len(recordings))]
        for path, data in zip(raw_paths, recordings):
            np.asarray(data, dtype=np.int16).tofile(path)
    elif raw_format == "kwd":
        raw_paths = [kwik_path.with_name(f"{name}.raw.kwd")]
        with h5py.File(raw_paths[0], "w") as kwd:
            kwd.attrs["kwik_version"] = 2
            for i, data in enumerate(recordings):
                kwd.create_dataset(f"recordings/{i}/data", data=np.asarray(data, dtype=np.int16))
    sd = dict(sample_rate=sample_rate, n_channels=n_channels, dtype="int16",
              n_features_per_channel=n_features_per_channel, extract_s_before=10,
              extract_s_after=10, filter_low=500., filter_high_factor=.475,
              filter_butter_order=3, prb_file=f"{name}.prb", experiment_name=name)
    if raw_format == "dat":
        sd["raw_data_files"] = [p.name for p in raw_paths]
    sd.update(params or {})
    with h5py.File(kwik_path, "w") as kwik, h5py.File(kwx_path, "w") as kwx:
        for f in (kwik, kwx):
            f.attrs["kwik_version"] = 2
            f.attrs["name"] = name
            f.attrs["creator_version"] = "phyclone"
        app = kwik.require_group("application_data/spikedetekt")
        for k, v in sd.items():
            app.attrs[k] = np.array([s.encode() for s in v]) if isinstance(v, list) else v
        start = 0
        for i, n in enumerate(lengths):
            rec = kwik.require_group(f"recordings/{i}")
            rec.attrs.update(name=f"recording_{i}", sample_rate=float(sample_rate),
                             start_sample=start, start_time=start / sample_rate)
            if raw_format == "kwd":
                rec.require_group("raw").attrs["hdf5_path"] = raw_paths[0].name
            elif raw_format == "dat":
                rec.require_group("raw").attrs["dat_path"] = raw_paths[i].name
            start += int(n)
        for group, d in probe["channel_groups"].items():
            g = kwik.require_group(f"channel_groups/{group}")
            g.attrs["channel_order"] = np.asarray(d["channels"], dtype=np.int32)
            g.attrs["adjacency_graph"] = np.asarray(d.get("graph", []), dtype=np.int32)
            for c in d["channels"]:
                ch = g.require_group(f"channels/{c}")
                ch.attrs["name"] = str(c)
                ch.attrs["position"] = np.asarray(d["geometry"][c], dtype=np.float32)
            sp = spikes.get(group)
            if sp is None:
                continue
            ts = np.asarray(sp["time_samples"], dtype=np.uint64)
            g.create_dataset("spikes/time_samples", data=ts)
            g.create_dataset("spikes/time_fractional", data=np.zeros(len(ts), dtype=np.uint8))
            g.create_dataset("spikes/recording",
                             data=np.asarray(sp.get("recording", np.zeros(len(ts))), np.uint16))
            if "features" in sp or "features_masks" in sp:
                width = len(d["channels"]) * n_features_per_channel
                _write_features_masks(kwx, group, len(ts), width, sp)
            for cname, (sc, groups) in (clusterings or {}).get(group, {}).items():
                _write_clustering(kwik, group, cname, sc, groups)
    return Bunch(kwik_path=kwik_path, kwx_path=kwx_path, raw_paths=raw_paths)


def _template(n_samples, n_channels, main, amplitude):
    """A negative spike of ``amplitude`` peaking at the middle sample on ``main``, half as big
    on its two neighbours (in channel order)."""
    t = np.arange(n_samples) - n_samples // 2
    shape = -np.exp(-.5 * (t / 1.5) ** 2) + .3 * np.exp(-.5 * ((t - 4) / 3.) ** 2)
    weights = np.zeros(n_channels)
    weights[main] = 1.
    weights[[c for c in (main - 1, main + 1) if 0 <= c < n_channels]] = .5
    return amplitude * shape[:, None] * weights[None, :], weights


def synthetic_kwik(kwik_path, *, n_spikes=400, n_clusters=4, n_channels=4, n_groups=2,
                   n_recordings=2, recording_duration=.5, raw_duration=None, sample_rate=20000.,
                   raw_format="kwd", n_features_per_channel=3, seed=0):
    """Write a synthetic Kwik dataset with known content; return its ground truth.

    Every channel group has ``n_channels`` channels (odd groups list them in decreasing order,
    so that ``channel_order`` is not sorted) plus one dead raw channel at the end; spikes are
    injected into the raw data (``raw_duration`` seconds of each recording, default all) as
    negative spikes on a main channel and its neighbours; cluster ids are ``1, 4, 7, ...``;
    clusterings 'main' (the true clusters, the first three Good, MUA, Noise) and 'original'
    (spikes split by parity of their cluster index). The returned ``Bunch`` holds, per group,
    ``spike_samples`` (concatenated time axis), ``spike_recordings``, ``spike_clusters``,
    ``cluster_ids``, ``templates``, ``main_channels`` and ``features_masks(start, stop)``.
    """
    rng = np.random.default_rng(seed)
    sr, ns_w = float(sample_rate), 20
    rec_len = int(recording_duration * sr)
    raw_len = rec_len if raw_duration is None else min(rec_len, int(raw_duration * sr))
    n_raw = n_groups * n_channels + 1
    cluster_ids = 1 + 3 * np.arange(n_clusters)
    raw = [rng.normal(0, 5, (raw_len, n_raw)) for _ in range(n_recordings)]
    probe, spikes, clusterings, truth = {"channel_groups": {}}, {}, {}, Bunch(groups={})
    for g in range(n_groups):
        channels = list(range(g * n_channels, (g + 1) * n_channels))[::(-1) ** g]
        probe["channel_groups"][g] = {
            "channels": channels, "graph": list(zip(channels[:-1], channels[1:])),
            "geometry": {c: (200. * g + 16. * (i % 2), 20. * i) for i, c in enumerate(channels)}}
        recs = np.sort(rng.integers(0, n_recordings, n_spikes))
        ts = np.concatenate([np.sort(rng.integers(0, rec_len, int(np.sum(recs == r))))
                             for r in range(n_recordings)]).astype(np.int64)
        k = rng.integers(0, n_clusters, n_spikes)
        mains = np.arange(n_clusters) % n_channels
        tpl = [_template(ns_w, n_channels, mains[i], 60. + 30. * i) for i in range(n_clusters)]
        inside = np.nonzero((ts >= ns_w // 2) & (ts < raw_len - ns_w // 2))[0]
        for i in inside:
            s = ts[i] - ns_w // 2
            raw[recs[i]][s:s + ns_w, channels] += tpl[k[i]][0]
        weights = np.stack([w for _, w in tpl])
        amps = np.array([t.min(axis=0) for t, _ in tpl])

        def features_masks(start, stop, k=k, g=g, weights=weights, amps=amps):
            r = np.random.default_rng([seed, g, start])
            kk = k[start:stop]
            f = r.normal(0, 2, (len(kk), n_channels, n_features_per_channel))
            f[:, :, 0] += amps[kk]
            m = np.repeat(weights[kk], n_features_per_channel, axis=1)
            return np.stack([f.reshape(len(kk), -1), m], axis=-1).astype(np.float32)

        spikes[g] = {"time_samples": ts, "recording": recs, "features_masks": features_masks}
        original = (k % 2).astype(np.int64)
        clusterings[g] = {"main": (cluster_ids[k], dict(zip(cluster_ids[:3].tolist(),
                                                            (2, 1, 0)))),
                          "original": (original, {})}
        truth.groups[g] = Bunch(
            channels=channels, spike_samples=ts + recs * rec_len, spike_recordings=recs,
            time_samples=ts, spike_clusters=cluster_ids[k], cluster_ids=cluster_ids,
            original_clusters=original, templates=np.stack([t for t, _ in tpl]),
            main_channels=mains, features_masks=features_masks)
    raw = [np.clip(np.round(r), -32768, 32767).astype(np.int16) for r in raw]
    out = create_kwik(kwik_path, probe, spikes, clusterings, raw, sample_rate=sr,
                      raw_format=raw_format, n_features_per_channel=n_features_per_channel,
                      recording_lengths=[rec_len] * n_recordings)
    out.update(truth, probe=probe, raw=raw, sample_rate=sr, recording_length=rec_len,
               n_raw_channels=n_raw)
    return out
