"""Template matching core: templates, match error (against a numpy brute force), mode A,
mode B, thresholds."""

import numpy as np
import pytest

from phyclone.io.raw.filtering import highpass
from phyclone.io.template.model import load_model
from phyclone.match import auto_threshold, blocks, cluster_templates
from phyclone.match.matcher import Matcher
from phyclone.match.matching import find_missed_spikes, match_events, template_errors
from phyclone.match.weights import WEIGHTINGS, weight_arrays


@pytest.fixture(scope="module")
def model(recording):
    m = load_model(recording.params)
    yield m
    m.close()


@pytest.fixture(scope="module")
def templates(model, recording):
    return cluster_templates(model.traces, recording.times, recording.units,
                             recording.positions)


def _filtered(recording):
    raw = np.fromfile(recording.path / "recording.dat", dtype=np.int16).reshape(
        -1, recording.n_channels)
    return highpass(raw.astype(np.float64), 30000., axis=0)


def test_templates(templates, recording):
    n_s = templates.data.shape[1]
    assert n_s == 31 and n_s % 2 == 1  # 1 ms at 30 kHz, the peak in the middle
    assert np.array_equal(templates.max_channels, recording.centers)
    for j, c in enumerate(recording.centers):
        ch = templates.channels[j]
        assert ch[0] == c
        d = np.abs(recording.positions[ch[ch >= 0], 1] - recording.positions[c, 1])
        assert d.max() <= 100 and np.all(np.diff(d) >= 0)
        assert np.argmax(np.abs(templates.data[j, :, 0])) == n_s // 2
        # Close to the true waveform, high-passed, on the max channel.
        true = recording.wfs[j][:, c]
        peak = np.argmax(np.abs(true))
        t = true[peak - n_s // 2:peak + n_s // 2 + 1]
        r = np.corrcoef(t, templates.data[j, :, 0])[0, 1]
        assert r > 0.97


@pytest.mark.parametrize("weighting", WEIGHTINGS)
def test_error_brute_force(model, recording, templates, weighting):
    x = _filtered(recording)
    ev = np.arange(0, len(recording.times), 7)
    t, ch = recording.times[ev], recording.centers[recording.units[ev]]
    pairs = match_events(model.traces, templates, t, ch, recording.positions,
                         weighting=weighting, n_shifts=1)
    w = weight_arrays(templates, recording.positions, weighting, 30000.)
    n_s = templates.data.shape[1]
    assert pairs.n_comparisons > len(ev)
    pos = recording.positions
    for p in range(0, pairs.n_comparisons, 5):
        i, j = pairs.event[p], pairs.template[p]
        # the channels around the event's max channel; the template is zero beyond its own
        chans = np.nonzero(np.linalg.norm(pos - pos[ch[i]], axis=1) <= 100)[0]
        T = np.zeros((n_s, len(chans)))
        W = np.zeros((n_s, len(chans)))
        for a, c in enumerate(chans):
            if c in templates.channels[j]:
                b = list(templates.channels[j]).index(c)
                T[:, a] = templates.data[j][:, b]
                W[:, a] = w[j][:, b]
        best = np.inf
        for sh in (-1, 0, 1):
            s0 = t[i] + templates.offsets[j] + sh
            E = x[s0:s0 + n_s][:, chans]
            ww = np.maximum(np.abs(T), np.abs(E)) if weighting == "signal" else W
            best = min(best, np.sum(((T - E) * ww) ** 2))
        assert pairs.error[p] == pytest.approx(best, rel=1e-2)
        # only templates whose max channel is within 100 µm of the event's
        d = abs(recording.positions[ch[i], 1] - recording.positions[templates.max_channels[j], 1])
        assert d <= 100


def test_mode_a_right_template(model, recording, templates):
    ch = recording.centers[recording.units]
    pairs = match_events(model.traces, templates, recording.times, ch, recording.positions)
    right = np.mean(pairs.best == recording.units)
    assert right >= 0.98
    # the same whatever the block size
    old = blocks.BLOCK_SAMPLES
    try:
        blocks.BLOCK_SAMPLES = 7001
        from phyclone.match import matching
        again = matching.match_events(model.traces, templates, recording.times, ch,
                                      recording.positions)
    finally:
        blocks.BLOCK_SAMPLES = old
    assert np.array_equal(again.best, pairs.best)


def test_auto_threshold():
    rng = np.random.default_rng(0)
    members = 10 ** rng.normal(3, 0.2, 2000)
    others = 10 ** rng.normal(5, 0.3, 5000)
    thr = auto_threshold(np.r_[members, others])
    assert 10 ** 3.6 < thr < 10 ** 4.2
    assert np.mean(members < thr) > 0.99 and np.mean(others < thr) < 0.01
    # one mode: above nearly all of it
    assert np.mean(members < auto_threshold(members)) > 0.99


def test_threshold_separates_members(model, recording, templates):
    ch = recording.centers[recording.units]
    pairs = match_events(model.traces, templates, recording.times, ch, recording.positions)
    t = recording.times
    gap = np.minimum(np.diff(t, prepend=-10**9), np.diff(t, append=10**12))
    isolated = gap > 61  # spikes that do not overlap another one (collisions match worse)
    for j in range(len(templates.ids)):
        ev, err = template_errors(pairs, j)
        thr = auto_threshold(err)
        member = recording.units[ev] == j
        below = err < thr
        assert np.mean(below[member & isolated[ev]]) >= 0.99
        assert np.mean(below[member]) >= 0.9
        if (~member).sum():
            assert np.mean(below[~member]) < 0.05


def test_mode_b_recovers_missed(model, recording, templates):
    rng = np.random.default_rng(1)
    ch = recording.centers[recording.units]
    missed = rng.random(len(recording.times)) < 0.2  # the "detector" missed 20 %
    t = recording.times
    isolated = np.minimum(np.diff(t, prepend=-10**9), np.diff(t, append=10**12)) > 61
    t_ev, c_ev = recording.times[~missed], ch[~missed]
    pairs = match_events(model.traces, templates, t_ev, c_ev, recording.positions)
    for j in range(len(templates.ids)):
        _, err = template_errors(pairs, j)
        thr = auto_threshold(err)
        out = find_missed_spikes(model.traces, templates, j, thr, t_ev, c_ev,
                                 recording.positions)
        truth = recording.times[missed & (recording.units == j)]
        d = np.abs(out.spike_samples[:, None] - truth[None, :])
        hit = d.min(axis=0) <= 3 if len(out.spike_samples) else np.zeros(len(truth), bool)
        good = d.min(axis=1) <= 3 if len(truth) else np.zeros(len(out.spike_samples), bool)
        iso = isolated[missed & (recording.units == j)]  # collisions: see the benchmark
        assert hit[iso].mean() >= 0.95, j
        assert good.mean() >= 0.95, j
        # a time range restricts the search
        half = find_missed_spikes(model.traces, templates, j, thr, t_ev, c_ev,
                                  recording.positions, time_range=(0, 5))
        assert np.array_equal(half.spike_samples, out.spike_samples[out.spike_samples < 150000])


def test_matcher(model, recording):
    m = Matcher(model)
    res = m.match([0, 2], recording.units)
    assert set(res.clusters) == {0, 2}
    below = m.below_threshold(res)
    t = recording.times
    isolated = np.minimum(np.diff(t, prepend=-10**9), np.diff(t, append=10**12)) > 61
    for c in (0, 2):
        truth = np.nonzero(recording.units == c)[0]
        iso = np.nonzero((recording.units == c) & isolated)[0]
        assert len(np.intersect1d(below[c], iso)) >= 0.99 * len(iso)
        assert len(np.setdiff1d(below[c], truth)) <= 0.03 * len(truth)
    assert not np.intersect1d(below[0], below[2]).size


def test_sparse_windows_and_cache_give_the_block_templates(model, recording, templates,
                                                           monkeypatch):
    """Few spikes per block: each window is filtered on its own (margin 5 ms) instead of the
    whole block, within filtering precision of the block path; a cache reuses the means."""
    from phyclone.match import templates as tm
    sparse = cluster_templates(model.traces, recording.times, recording.units,
                               recording.positions, n_spikes=3)
    calls = []
    monkeypatch.setattr(tm, "read_filtered_windows",
                        lambda *a, **k: calls.append(1) or blocks.read_filtered_windows(*a, **k))
    sparse = cluster_templates(model.traces, recording.times, recording.units,
                               recording.positions, n_spikes=3)
    assert calls  # the windows path ran
    monkeypatch.setattr(tm, "read_filtered_windows", None)  # any use would fail now
    monkeypatch.setattr(tm, "default_margin", lambda sr: 10 ** 9)  # windows never cheaper
    dense = cluster_templates(model.traces, recording.times, recording.units,
                              recording.positions, n_spikes=3)
    scale = np.abs(dense.data).max()
    assert np.abs(sparse.data - dense.data).max() < 1e-3 * scale
    cache = tm.MeanCache(size=2)
    first = cluster_templates(model.traces, recording.times, recording.units,
                              recording.positions, cache=cache)
    plain = cluster_templates(model.traces, recording.times, recording.units,
                              recording.positions)
    assert np.array_equal(first.data, plain.data)  # the cache changes nothing
    monkeypatch.setattr(tm, "_mean_windows", None)  # computed once: the cache answers
    again = cluster_templates(model.traces, recording.times, recording.units,
                              recording.positions, cluster_ids=first.ids[-2:], cache=cache)
    n_c = again.data.shape[2]  # (channel padding: the widest of the templates given)
    assert np.array_equal(again.data, first.data[-2:, :, :n_c])  # the last two are kept


def test_templates_from_the_channels_around_the_clusters(model, recording, templates):
    """Reading only the channels within the radius of two clusters' max channels gives their
    templates of the whole probe; the Matcher reads (at least) that neighbourhood."""
    ids = np.array([0, 1])
    y = recording.positions[:, 1]
    near = np.flatnonzero(np.abs(y[:, None] - y[recording.centers[ids]][None, :]).min(1)
                          <= 100.)
    assert len(near) < len(y)
    part = cluster_templates(model.traces, recording.times, recording.units,
                             recording.positions, cluster_ids=ids, read_channels=near)
    n_c = part.channels.shape[1]
    assert np.array_equal(part.channels, templates.channels[ids, :n_c])
    assert (templates.channels[ids, n_c:] < 0).all()
    np.testing.assert_allclose(part.data, templates.data[ids, :, :n_c], rtol=1e-5, atol=1e-4)
    around = Matcher(model)._channels_around(ids, np.asarray(model.spike_clusters))
    assert set(near.tolist()) <= set(around.tolist()) and len(around) < len(y)
