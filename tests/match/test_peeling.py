"""Peeling resolves collisions: spikes with a long repolarisation tail, three units on
neighbouring channels firing independently at 40 Hz. Matching each event on the residual
of the others assigns it correctly only when the whole waveform (tail included) is
subtracted, not just the 1 ms window that is compared."""

import numpy as np
import pytest

from phyclone.io.template.model import load_model
from phyclone.match import auto_threshold, cluster_templates
from phyclone.match.blocks import noise_levels
from phyclone.match.matcher import Matcher
from phyclone.match.matching import find_missed_spikes, match_events, template_errors
from phyclone.match.threshold import expected_error, slide_threshold
from phyclone.match.weights import weight_arrays

from _match_recording import write_recording

SR = 30000.


def _waveform(amp, center, n_channels, width_ms, rng):
    """A spike with a long positive tail (4 ms window, peak in the middle)."""
    t = (np.arange(121) - 60) / SR * 1e3
    tail = np.where(t > 0, (t / 0.6) * np.exp(1 - t / 0.6), 0.)
    pre = np.exp(-0.5 * ((t + 0.6) / 0.35) ** 2)
    shape = -np.exp(-0.5 * (t / width_ms) ** 2) + 0.45 * tail + 0.15 * pre
    space = np.exp(-0.5 * ((np.arange(n_channels) - center) / 1.5) ** 2)
    return amp * shape[:, None] * space[None, :]


@pytest.fixture(scope="module")
def collisions(tmp_path_factory):
    rng = np.random.default_rng(5)
    path = tmp_path_factory.mktemp("peel")
    n_ch, n = 16, int(10 * SR)
    # units 0 and 1 alike (20 µm, 10 % apart): a tail left in the residual confuses them
    wfs = [_waveform(150., 6, n_ch, 0.18, rng), _waveform(135., 7, n_ch, 0.18, rng),
           _waveform(200., 9, n_ch, 0.2, rng)]
    times, units = [], []
    for u in range(3):  # independent trains, 40 Hz: ~20 % of the spikes collide
        t = np.sort(rng.integers(200, n - 200, int(40 * n / SR)))
        t = t[np.r_[True, np.diff(t) > 60]]
        times.append(t)
        units.append(np.full(len(t), u))
    times, units = np.concatenate(times), np.concatenate(units)
    o = np.argsort(times, kind="stable")
    times, units = times[o], units[o]
    x = rng.normal(0, 8., (n, n_ch))
    for t, u in zip(times, units):
        x[t - 60:t + 61] += wfs[u]
    x.round().astype(np.int16).tofile(path / "recording.dat")
    model = _folder(path, "recording.dat", times, units, None, n_ch)
    yield model, times, units, np.c_[np.zeros(n_ch), 20. * np.arange(n_ch)]
    model.close()


def _folder(path, dat, times, units, channels, n_ch):
    """A template-gui folder of the spikes given (max ``channels`` when not None), on the
    raw data ``dat``; its model."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "params.py").write_text(
        f"dat_path = r'{dat}'\nn_channels_dat = {n_ch}\ndtype = 'int16'\n"
        f"offset = 0\nsample_rate = {SR}\nhp_filtered = False\n")
    np.save(path / "spike_times.npy", times.astype(np.int64))
    np.save(path / "spike_clusters.npy", units.astype(np.int32))
    np.save(path / "spike_templates.npy", units.astype(np.int32))
    if channels is not None:
        np.save(path / "spike_max_channels.npy", channels.astype(np.int64))
    np.save(path / "amplitudes.npy", np.ones(len(times), np.float32))
    np.save(path / "channel_map.npy", np.arange(n_ch, dtype=np.int32))
    np.save(path / "channel_positions.npy", np.c_[np.zeros(n_ch), 20. * np.arange(n_ch)])
    return load_model(path / "params.py")


def test_peeling_with_tails(collisions):
    model, times, units, pos = collisions
    ch = np.array([6, 7, 9])[units]
    kw = dict(filter="bandpass")
    full = cluster_templates(model.traces, times, units, pos, **kw)
    assert full.sub_data.shape[1] == 91  # 1 ms before to 2 ms after the peak
    short = cluster_templates(model.traces, times, units, pos, subtract_ms=(0.5, 0.5), **kw)
    assert short.sub_data.shape[1] == short.data.shape[1]
    # the subtracted waveform holds the compared window
    for j in range(3):
        a = full.offsets[j] - full.sub_offsets[j]
        np.testing.assert_allclose(full.sub_data[j, a:a + 31], full.data[j], atol=1e-4)

    # events with another spike 0.5-2 ms away: the other's tail (or onset) lies in their
    # compared window, but not its 1 ms window
    gap = np.abs(times[:, None] - times[None, :])
    tails = ((gap >= 15) & (gap <= 60)).any(axis=1)

    def run(tpl, peel):
        r = match_events(model.traces, tpl, times, ch, pos, peel=peel, **kw)
        own = r.error[r.template == units[r.event]]  # each event against its own template
        assert np.array_equal(r.event[r.template == units[r.event]], np.arange(len(times)))
        return np.mean(r.best == units), own

    plain, e_plain = run(full, False)
    peeled_short, e_short = run(short, True)
    peeled_full, e_full = run(full, True)
    assert peeled_full >= 0.98 and peeled_full > plain
    # the neighbours' tails are gone from the residual: the events next to another spike
    # match their own template better (the isolated ones do not change)
    assert np.median(e_full[tails] / e_short[tails]) < 0.9
    iso = (gap <= 90).sum(axis=1) == 1  # no other spike within 3 ms
    np.testing.assert_allclose(e_full[iso], e_short[iso], rtol=1e-4)


@pytest.fixture(scope="module")
def small_units(tmp_path_factory):
    """Two small units (peak ~7 × noise) 20 µm apart and a large one."""
    rec = write_recording(tmp_path_factory.mktemp("small") / "rec", n_units=3, rate=20.,
                          amplitudes=[60., 55., 150.], centers=[6, 7, 11], seed=1)
    model = load_model(rec.params)
    yield model, rec
    model.close()


def test_mode_b_competition(small_units):
    """Sliding unit 0's template also finds unit 1's missed spikes (small and alike, their
    errors overlap): ``compete`` keeps only the minima where unit 0's template is the best;
    with the expected error the sliding bound is lower still."""
    model, rec = small_units
    times, units, pos = rec.times, rec.units, rec.positions
    ch = rec.centers[units]
    tpl = cluster_templates(model.traces, times, units, pos, filter="bandpass")
    rng = np.random.default_rng(3)
    missed = rng.random(len(times)) < 0.2
    t_ev, c_ev = times[~missed], ch[~missed]
    pairs = match_events(model.traces, tpl, t_ev, c_ev, pos, filter="bandpass")
    noise = noise_levels(model.traces, filter="bandpass")
    mu = expected_error(tpl, noise, "signal", weight_arrays(tpl, pos, "signal", SR))
    thr = auto_threshold(template_errors(pairs, 0)[1], expected=mu[0])
    isolated = (np.abs(times[:, None] - times[None, :]) <= 60).sum(axis=1) == 1
    truth = missed & (units == 0)

    def run(**kw):
        r = find_missed_spikes(model.traces, tpl, 0, thr, t_ev, c_ev, pos, filter="bandpass",
                               **kw)
        d = np.abs(r.spike_samples[:, None] - times[None, :])
        own = (d.min(axis=1) <= 3) & (units[d.argmin(axis=1)] == 0)
        hit = (np.abs(times[truth][:, None] - r.spike_samples[None, :]) <= 3).any(axis=1)
        return own.mean(), hit[isolated[truth]].mean()

    p_plain, r_plain = run(compete=False)
    p_comp, r_comp = run(compete=True)
    p_cap, r_cap = run(compete=True, expected=mu[0])
    assert p_plain < 0.9  # unit 1's missed spikes taken
    assert p_comp >= 0.97 and r_comp >= 0.95
    assert p_cap >= p_comp and r_cap >= 0.9
    assert slide_threshold(thr, mu[0]) <= thr


def test_mode_b_on_residual(collisions):
    """Missed spikes that overlap a detected spike of another unit: sliding over the
    residual of the detected events (``peel=True``) finds more of them, as precisely."""
    model, times, units, pos = collisions
    ch = np.array([6, 7, 9])[units]
    tpl = cluster_templates(model.traces, times, units, pos, filter="bandpass")
    rng = np.random.default_rng(6)
    missed = rng.random(len(times)) < 0.2
    t_ev, c_ev = times[~missed], ch[~missed]
    gap = np.abs(times[:, None] - times[None, :])
    # another unit's detected spike within 1 ms
    collides = ((gap <= 30) & (gap > 0) & ~missed[None, :]).any(axis=1)
    pairs = match_events(model.traces, tpl, t_ev, c_ev, pos, filter="bandpass")
    noise = noise_levels(model.traces, filter="bandpass")
    mu = expected_error(tpl, noise, "signal", weight_arrays(tpl, pos, "signal", SR))
    for j in range(3):
        thr = auto_threshold(template_errors(pairs, j)[1], expected=mu[j])
        truth = missed & (units == j)
        out = {}
        for peel in (False, True):
            r = find_missed_spikes(model.traces, tpl, j, thr, t_ev, c_ev, pos,
                                   filter="bandpass", expected=mu[j], peel=peel)
            d = np.abs(r.spike_samples[:, None] - times[None, :])
            own = (d.min(axis=1) <= 3) & (units[d.argmin(axis=1)] == j)
            hit = (np.abs(times[truth][:, None] - r.spike_samples[None, :]) <= 3).any(axis=1)
            out[peel] = own.mean(), hit.mean(), hit[collides[truth]].mean()
        assert out[True][0] >= 0.97  # precision
        assert out[True][1] >= out[False][1] + 0.03  # recall
        assert out[True][2] >= out[False][2] + 0.2  # recall of the colliding ones


def test_matcher_missed_on_residual(collisions, tmp_path):
    """``Matcher.missed(peel=True)``: the neighbouring clusters' templates peel their spikes
    before the cluster's template slides: more of its missed spikes found, as precisely."""
    model0, times, units, pos = collisions
    ch = np.array([6, 7, 9])[units]
    missed = np.random.default_rng(7).random(len(times)) < 0.2
    model = _folder(tmp_path / "f", model0.dir_path / "recording.dat", times[~missed],
                    units[~missed], ch[~missed], 16)
    try:
        m = Matcher(model, filter="bandpass")
        res = m.match([0], model.spike_clusters)
        assert m.neighbours(res, 0) == [1, 2]
        truth = times[missed & (units == 0)]
        out = {}
        for peel in (False, True):
            r = m.missed(res, 0, peel=peel)
            d = np.abs(r.spike_samples[:, None] - times[None, :])
            own = (d.min(axis=1) <= 3) & (units[d.argmin(axis=1)] == 0)
            hit = (np.abs(truth[:, None] - r.spike_samples[None, :]) <= 3).any(axis=1)
            out[peel] = own.mean(), hit.mean()
        assert out[True][0] >= 0.97 and out[True][1] >= out[False][1] + 0.03
    finally:
        model.close()
