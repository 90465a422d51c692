"""Data methods of the TemplateController against brute-force numpy on the files themselves
(no Qt needed): spikes, channels, templates, waveforms, features, amplitudes, statistics,
traces, similarity — before and after clustering actions."""

from pathlib import Path

import numpy as np
import pytest

from phyclone.stats import correlograms


def load(d, name):
    return np.load(Path(d) / f"{name}.npy", allow_pickle=False)


def brute_spikes(c, cluster_id):
    return np.flatnonzero(np.asarray(c.supervisor.clustering.spike_clusters) == cluster_id)


def brute_counts(c, d, cluster_id):
    st = load(d, "spike_templates").ravel()
    return np.bincount(st[brute_spikes(c, cluster_id)], minlength=c.model.n_templates)


def brute_features(d, spike_ids, channel_ids):
    pc = load(d, "pc_features")  # (n, n_pcs, n_loc)
    ind = load(d, "pc_feature_ind")
    st = load(d, "spike_templates").ravel()
    out = np.zeros((len(spike_ids), len(channel_ids), pc.shape[1]), dtype=np.float32)
    for i, s in enumerate(spike_ids):
        for j, ch in enumerate(channel_ids):
            cols = np.flatnonzero(ind[st[s]] == ch)
            if len(cols):
                out[i, j] = pc[s, :, cols[0]]
    return out


def _merge_split(c):
    """A merge and a split: the new clusters must be served from the live index."""
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids]
    merged = c.supervisor.merge(ids[:2]).added[0]
    spikes = c.supervisor.clustering.spikes_per_cluster[ids[2]]
    c.supervisor.split(spikes[::3])
    return merged


@pytest.mark.parametrize("act", [False, True])
def test_templates_channels_metrics(controller, synth_dir, act):
    c = controller
    if act:
        _merge_split(c)
    t = load(synth_dir, "templates")
    ind = load(synth_dir, "template_ind")
    for cid in c.supervisor.clustering.cluster_ids:
        cid = int(cid)
        counts = brute_counts(c, synth_dir, cid)
        np.testing.assert_array_equal(c.get_template_counts(cid), counts)
        main = int(np.argmax(counts))
        assert c.get_template_for_cluster(cid) == main
        best = c.get_best_channels(cid)
        assert list(best) == list(c.model.get_template(main).channel_ids)
        # The best channel carries the largest peak-to-peak of the unwhitened template.
        amp = c.model.get_template(main).amplitude
        assert amp[0] == amp.max()
        assert set(best) <= set(ind[main][ind[main] >= 0])
        info = c.supervisor.get_cluster_info(cid)
        assert info["ch"] == int(c.model.channel_mapping[best[0]])
        assert info["depth"] == c.model.channel_positions[best[0], 1]
        assert info["sh"] == c.model.channel_shanks[best[0]]
        assert info["n_spikes"] == counts.sum()
        assert info["fr"] == pytest.approx(counts.sum() / max(1, c.model.duration))
        w = c.model.get_template(main).template
        assert info["amp"] == pytest.approx((w.max(0) - w.min(0)).max())
        assert t.shape[0] == c.model.n_templates
        assert cid in c.get_clusters_on_channel(int(best[0]))


def test_metadata_columns(controller, synth_dir):
    c = controller
    cols = c.supervisor.columns
    for name in ("id", "ch", "sh", "depth", "fr", "amp", "n_spikes", "group", "KSLabel",
                 "Amplitude"):
        assert name in cols
    from phyclone.utils.fileio import read_tsv
    rows = {r["cluster_id"]: r["KSLabel"] for r in read_tsv(synth_dir / "cluster_KSLabel.tsv")}
    for cid, label in rows.items():
        assert c.supervisor.get_cluster_info(cid)["KSLabel"] == label


def test_spike_selection(controller):
    c = controller
    cid = int(c.supervisor.clustering.cluster_ids[-1])
    all_ids = brute_spikes(c, cid)
    np.testing.assert_array_equal(c.get_spike_ids(cid), all_ids)
    for n in (1, 2, 5, len(all_ids) - 1, len(all_ids) + 5):
        ids = c.get_spike_ids(cid, n=n)
        assert len(ids) == min(n, len(all_ids))
        assert np.all(np.isin(ids, all_ids)) and np.all(np.diff(ids) > 0)
        if 1 < n < len(all_ids):  # regularly spaced, both ends included
            pos = np.searchsorted(all_ids, ids)
            assert pos[0] == 0 and pos[-1] == len(all_ids) - 1
            assert np.ptp(np.diff(pos)) <= 1
    bg = c.get_background_spike_ids(10)
    step = max(1, c.model.n_spikes // 10)
    np.testing.assert_array_equal(bg, np.arange(0, c.model.n_spikes, step))
    np.testing.assert_allclose(c.get_spike_times(cid),
                               load(c.dir_path, "spike_times").ravel()[all_ids] /
                               c.model.sample_rate)


def test_similarity(controller, synth_dir):
    c = controller
    assert c.similarity == "template"
    sim = load(synth_dir, "similar_templates")
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids]
    for cid in ids:
        ti = np.flatnonzero(brute_counts(c, synth_dir, cid))
        expected = {}
        for other in ids:
            if other != cid:
                tj = np.flatnonzero(brute_counts(c, synth_dir, other))
                expected[other] = sim[np.ix_(ti, tj)].max()
        got = c.supervisor.similarity(cid)
        assert [o for o, _ in got] == sorted(expected, key=lambda o: (-expected[o], o))
        for other, s in got:
            assert s == pytest.approx(expected[other])


def test_peak_channel_similarity_fallback(synth_dir, config_dir):
    from _controller_fixtures import open_controller
    np.save(synth_dir / "similar_templates.npy",
            np.zeros_like(load(synth_dir, "similar_templates")))
    c = open_controller(synth_dir, config_dir)
    try:
        assert c.similarity == "peak_channel"
        cid = int(c.supervisor.clustering.cluster_ids[0])
        got = c.supervisor.similarity(cid)
        pos = c.model.channel_positions
        ch = c.get_best_channel(cid)
        dist = {o: np.linalg.norm(pos[c.get_best_channel(o)] - pos[ch]) for o, _ in got}
        # Decreasing similarity = increasing distance between peak channels.
        assert all(dist[a] <= dist[b] for (a, _), (b, _) in zip(got, got[1:]))
        assert all(0 < s <= 1 for _, s in got)
    finally:
        c.close()


def test_waveforms_raw_filter(controller, synth_dir):
    c = controller
    c.raw_data_filter.set("raw")
    cid = int(c.supervisor.clustering.cluster_ids[0])
    b = c._get_waveforms(cid)
    assert b.data.shape == (len(b.spike_ids), c.model.n_samples_waveforms, len(b.channel_ids))
    assert len(b.spike_ids) == min(c.n_spikes_waveforms, len(brute_spikes(c, cid)))
    np.testing.assert_array_equal(b.channel_ids, c.get_best_channels(cid))
    np.testing.assert_array_equal(b.channel_positions, c.model.channel_positions[b.channel_ids])
    assert b.channel_labels == [str(c.model.channel_mapping[ch]) for ch in b.channel_ids]
    raw = np.fromfile(synth_dir / "raw.dat", dtype=np.int16).reshape(-1, c.model.n_channels_dat)
    cols = c.model.channel_mapping[b.channel_ids]
    nsw = c.model.n_samples_waveforms
    times = load(synth_dir, "spike_times").ravel()
    for i, s in enumerate(b.spike_ids):
        t = int(times[s])
        w = raw[t - nsw // 2:t - nsw // 2 + nsw][:, cols].astype(np.float32)
        w -= np.median(w, axis=0)
        np.testing.assert_allclose(b.data[i], w, atol=1e-3)
    m = c._get_mean_waveforms(cid)
    np.testing.assert_allclose(m.data[0], b.data.mean(axis=0), rtol=1e-5, atol=1e-4)


def test_waveforms_high_pass_and_custom_filter(controller):
    c = controller
    cid = int(c.supervisor.clustering.cluster_ids[1])
    assert c.raw_data_filter.current == "high_pass"
    b = c._get_waveforms(cid)
    ref = c.model.get_waveforms(b.spike_ids, b.channel_ids, filtered=True)
    ref = ref - np.median(ref, axis=1)[:, None, :]
    np.testing.assert_allclose(b.data, ref, atol=1e-3)

    @c.raw_data_filter.add_filter
    def double(arr, axis=0):
        return 2 * arr
    c.raw_data_filter.set("double")
    b2 = c._get_waveforms(cid)
    raw = c.model.get_waveforms(b2.spike_ids, b2.channel_ids, filtered=False) * 2.
    np.testing.assert_allclose(b2.data, raw - np.median(raw, axis=1)[:, None, :], atol=1e-3)
    assert c.raw_data_filter.next() == "raw"


def test_replaced_high_pass_filter(controller):
    """A plugin replacing ``high_pass`` (as phy's example does) is applied to the waveforms
    and traces instead of the built-in filter, also for clusters cached before; the cache
    key of a plugin filter follows its code and closure values."""
    c = controller
    rdf = c.raw_data_filter
    cid = int(c.supervisor.clustering.cluster_ids[1])
    builtin = c._get_waveforms(cid)  # cached with the built-in high-pass
    assert rdf.is_builtin("high_pass") and rdf.key() == "high_pass"

    @rdf.add_filter
    def high_pass(arr, axis=0):
        return -arr

    assert rdf.names == ["raw", "high_pass"] and rdf.current == "high_pass"
    assert not rdf.is_builtin() and rdf.key().startswith("high_pass@")
    b = c._get_waveforms(cid)
    np.testing.assert_array_equal(b.spike_ids, builtin.spike_ids)
    raw = c.model.get_waveforms(b.spike_ids, b.channel_ids, filtered=False).astype(np.float32)
    np.testing.assert_allclose(b.data, -(raw - np.median(raw, axis=1)[:, None, :]), atol=1e-3)
    traces = c._read_traces(1000, 2000)
    raw = c._read_traces(1000, 2000, current_filter="raw")
    np.testing.assert_allclose(traces, -raw, atol=1e-3)
    # The last intervals are kept (read-only); a new filter function reads them again.
    assert c._read_traces(1000, 2000) is traces and not traces.flags.writeable
    rdf.add_filter(lambda arr, axis=0: 2 * arr, name="high_pass")
    np.testing.assert_allclose(c._read_traces(1000, 2000), 2 * raw, atol=1e-3)

    def scaled(k):
        return lambda arr, axis=0: k * arr
    keys = []
    for k in (2., 3., 2.):
        rdf.add("scaled", scaled(k))
        keys.append(rdf.key("scaled"))
    assert keys[0] == keys[2] != keys[1] and rdf.name_of(keys[1]) == "scaled"


def test_template_waveforms(controller, synth_dir):
    c = controller
    merged = _merge_split(c)
    b = c._get_template_waveforms(merged)
    counts = brute_counts(c, synth_dir, merged)
    tids = np.flatnonzero(counts)
    order = np.argsort(-counts[tids], kind="stable")
    assert b.data.shape == (len(tids), c.model.n_samples_waveforms, len(b.channel_ids))
    for i, t in enumerate(tids[order]):
        tb = c.model.get_template(t, channel_ids=b.channel_ids)
        np.testing.assert_allclose(b.data[i], tb.template, rtol=1e-5)
    np.testing.assert_allclose(b.masks[:, 0], counts[tids][order] / counts.max())
    templates = c.get_templates([merged])  # phy's public name
    np.testing.assert_allclose(templates[merged].template, b.data[0])


def test_features(controller, synth_dir):
    c = controller
    _merge_split(c)
    for cid in c.supervisor.clustering.cluster_ids:
        b = c._get_features(int(cid))
        np.testing.assert_array_equal(b.spike_ids,
                                      c.get_spike_ids(int(cid), n=c.n_spikes_features))
        np.testing.assert_array_equal(b.channel_ids, c.get_best_channels(int(cid)))
        np.testing.assert_allclose(b.data, brute_features(synth_dir, b.spike_ids, b.channel_ids),
                                   rtol=1e-6)
    bg = c._get_features(None, channel_ids=[3, 4])
    np.testing.assert_array_equal(bg.spike_ids,
                                  c.get_background_spike_ids(c.n_spikes_features_background))
    np.testing.assert_allclose(bg.data, brute_features(synth_dir, bg.spike_ids, [3, 4]))
    t = c._get_feature_view_spike_times(int(cid))
    np.testing.assert_allclose(t.data, c._spike_times(t.spike_ids))
    amp = c.get_spike_feature_amplitudes(b.spike_ids, channel_id=int(b.channel_ids[1]), pc=2)
    np.testing.assert_allclose(amp, b.data[:, 1, 2])


def test_template_features(controller, synth_dir):
    c = controller
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids[:2]]
    tf = load(synth_dir, "template_features")
    tind = load(synth_dir, "template_feature_ind")
    st = load(synth_dir, "spike_templates").ravel()
    out = c._get_template_features(ids)
    assert c._get_template_features(ids[:1]) is None
    w = [brute_counts(c, synth_dir, i).astype(float) for i in ids]
    for b in out:
        dense = np.zeros((len(b.spike_ids), c.model.n_templates))
        for k, s in enumerate(b.spike_ids):
            for j, t in enumerate(tind[st[s]]):
                if t >= 0:
                    dense[k, t] = tf[s, j]
        np.testing.assert_allclose(b.x, dense @ w[0] / w[0].sum(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b.y, dense @ w[1] / w[1].sum(), rtol=1e-5, atol=1e-6)


def test_amplitudes(controller, synth_dir):
    c = controller
    c.n_spikes_amplitudes = 20
    c.n_spikes_amplitudes_background = 15
    amps = load(synth_dir, "amplitudes").ravel()
    cid = int(c.supervisor.clustering.cluster_ids[3])
    fg, bg = c._amplitude_getter([cid, None], name="template")
    np.testing.assert_array_equal(fg.spike_ids, c.get_spike_ids(cid, n=20))
    np.testing.assert_allclose(fg.amplitudes, amps[fg.spike_ids])
    np.testing.assert_allclose(fg.spike_times, c._spike_times(fg.spike_ids))
    np.testing.assert_allclose(c.get_amplitudes(cid), amps[fg.spike_ids])
    # Background: other clusters having the first cluster's best channel, within budget.
    others = set(c.get_clusters_on_channel(c.get_best_channel(cid))) - {cid}
    clusters = set(np.asarray(c.supervisor.clustering.spike_clusters)[bg.spike_ids].tolist())
    assert clusters <= others and 0 < len(bg.spike_ids) <= 15
    all_fg = c._amplitude_getter([cid], name="template", load_all=True)[0]
    np.testing.assert_array_equal(all_fg.spike_ids, brute_spikes(c, cid))
    assert c.get_mean_spike_template_amplitudes(cid) == pytest.approx(amps[fg.spike_ids].mean())
    # Raw amplitudes: peak-to-peak of the filtered waveform on the chosen channel.
    raw = c._amplitude_getter([cid], name="raw")[0]
    ch = c.get_best_channel(cid)
    w = c._load_waveforms(raw.spike_ids, [ch])[..., 0]
    np.testing.assert_allclose(raw.amplitudes, w.max(1) - w.min(1), rtol=1e-5)
    c.selection.channel_id = int(c.get_best_channels(cid)[2])
    feat = c._amplitude_getter([cid], name="feature")[0]
    np.testing.assert_allclose(feat.amplitudes, brute_features(
        synth_dir, feat.spike_ids, [c.selection.channel_id])[:, 0, 0])


def test_correlograms_isi_firing_rate(controller, synth_dir):
    c = controller
    _merge_split(c)
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids[:3]]
    sc = np.asarray(c.supervisor.clustering.spike_clusters)
    times = load(synth_dir, "spike_times").ravel()
    mask = np.isin(sc, ids)
    expected = correlograms(times[mask], sc[mask], cluster_ids=ids,
                            sample_rate=c.model.sample_rate, bin_size=1e-3, window_size=50e-3)
    np.testing.assert_array_equal(c._get_correlograms(ids, 1e-3, 50e-3), expected)
    counts = np.array([mask[sc == i].sum() for i in ids], dtype=float)
    np.testing.assert_allclose(c._get_correlograms_rate(ids, 1e-3),
                               np.outer(counts, counts) * 1e-3 / c.model.duration)
    # A spike budget: random subsets, the same each time, baseline from the used counts.
    c.n_spikes_correlograms = 10
    sub = c._get_correlograms(ids, 1e-3, 50e-3)
    np.testing.assert_array_equal(sub, c._get_correlograms(ids, 1e-3, 50e-3))
    assert sub.sum() <= expected.sum()
    used = np.minimum(counts, 10)
    np.testing.assert_allclose(c._get_correlograms_rate(ids, 1e-3),
                               np.outer(used, used) * 1e-3 / c.model.duration)
    spikes = brute_spikes(c, ids[0])
    np.testing.assert_allclose(c._get_isi(ids[0]).data,
                               np.diff(times[spikes]) / c.model.sample_rate)
    fr = c._get_firing_rate(ids[0])
    np.testing.assert_allclose(fr.data, times[spikes] / c.model.sample_rate)
    assert (fr.x_min, fr.x_max) == (0, c.model.duration)


@pytest.mark.parametrize("show_all", [False, True])
def test_traces(controller, synth_dir, show_all):
    c = controller
    c.raw_data_filter.set("raw")
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids]
    c.supervisor.select([ids[3], ids[1]])
    interval = (0.5, 1.5)
    b = c.get_traces(interval, show_all_spikes=show_all)
    sr = c.model.sample_rate
    raw = np.fromfile(synth_dir / "raw.dat", dtype=np.int16).reshape(-1, c.model.n_channels_dat)
    ref = raw[int(0.5 * sr):int(1.5 * sr)][:, c.model.channel_mapping].astype(np.float32)
    ref -= ref.mean(axis=0)
    np.testing.assert_allclose(b.data, ref, atol=1e-2)
    times = load(synth_dir, "spike_times").ravel()
    sc = np.asarray(c.supervisor.clustering.spike_clusters)
    ns = int(round(1e-3 * c.waveform_duration * sr))
    k = ns // 2
    inside = np.flatnonzero((times >= int(0.5 * sr) + k) & (times + ns - k <= int(1.5 * sr)))
    if not show_all:
        inside = inside[np.isin(sc[inside], [ids[3], ids[1]])]
    assert sorted(w.spike_id for w in b.waveforms) == sorted(inside.tolist())
    palette = {ids[3]: 0, ids[1]: 1}
    from phyclone.utils.colors import selected_cluster_color
    for w in b.waveforms:
        assert w.spike_cluster == sc[w.spike_id]
        s = int(times[w.spike_id]) - int(0.5 * sr)
        np.testing.assert_allclose(w.data, b.data[s - k:s + ns - k, w.channel_ids])
        if w.spike_cluster in palette:
            assert w.select_index == palette[w.spike_cluster]
            assert w.color == selected_cluster_color(palette[w.spike_cluster])
        else:
            assert w.select_index is None and len(w.color) == 4
    # Selected clusters' spikes come last (drawn on top).
    sel = [w.select_index is not None for w in b.waveforms]
    assert sel == sorted(sel)
    np.testing.assert_allclose(c._trace_spike_times(), times[brute_spikes(c, ids[3])] / sr)
    # The high-pass filter reads a margin around the interval, as io.filtering does.
    from phyclone.io.raw.filtering import filtered_traces
    c.raw_data_filter.set("high_pass")
    np.testing.assert_allclose(c.get_traces(interval).data,
                               filtered_traces(c.model.traces, int(.5 * sr), int(1.5 * sr)),
                               atol=1e-3)


def test_spike_attributes(controller, synth_dir):
    c = controller
    pos = load(synth_dir, "spike_positions")
    cid = int(c.supervisor.clustering.cluster_ids[0])
    (b,) = c._spike_attribute_coords("positions", [cid])
    np.testing.assert_allclose(b.x, pos[b.spike_ids, 0])
    np.testing.assert_allclose(b.y, pos[b.spike_ids, 1])
    assert "SpikePositionsView" in c.view_creator


def test_split_spikes(controller):
    c = controller
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids[:2]]
    spikes = np.arange(c.model.n_spikes)
    mask = spikes % 2 == 0
    out = c.get_split_spikes(ids, spikes, mask)
    sc = np.asarray(c.supervisor.clustering.spike_clusters)
    np.testing.assert_array_equal(out, np.flatnonzero(mask & np.isin(sc, ids)))


def test_si_export(si_controller, si_dir):
    c = si_controller
    assert c.similarity == "template"
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids]
    assert len(ids) == 10
    for cid in ids:
        best = c.get_best_channels(cid)
        assert len(best) and best[0] == c.model.get_template(
            c.get_template_for_cluster(cid)).channel_ids[0]
        b = c._get_waveforms(cid)
        # Waveforms come from the pool (a subset of even spike ids) when it holds the spikes.
        assert set(b.spike_ids.tolist()) <= set(range(0, 39, 2))
        f = c._get_features(cid)
        np.testing.assert_allclose(f.data, brute_features(si_dir, f.spike_ids, f.channel_ids),
                                   rtol=1e-6)
    assert c._get_template_features(ids[:2]) is None  # no template features in this export
    assert "template_feature" not in c._get_amplitude_functions()
    assert "sh" in c.cluster_metrics  # channel_groups.npy
    assert c.get_traces((0.1, 0.2)).data.shape == (3000, 16)
