"""Whole-recording matching: peeling of the detected events + sliding over the residual."""

import numpy as np
import pytest

from phyclone.io.template.model import load_model
from phyclone.match import cluster_templates
from phyclone.match.pipeline import match_recording
from phyclone.match.templates import subset


@pytest.fixture(scope="module")
def model(recording):
    m = load_model(recording.params)
    yield m
    m.close()


def _score(t, j, truth_t, truth_u):
    hit = found = 0
    for u in np.unique(truth_u):
        a, b = np.sort(t[j == u]), np.sort(truth_t[truth_u == u])
        d = np.abs(a[:, None] - b[None, :]) <= 3 if len(a) and len(b) else np.zeros((0, 0))
        hit += min(d.any(axis=1).sum(), d.any(axis=0).sum()) if d.size else 0
        found += len(a)
    return hit / len(truth_t), hit / max(found, 1)


def test_match_recording(model, recording):
    rng = np.random.default_rng(2)
    tpl = cluster_templates(model.traces, recording.times, recording.units, recording.positions,
                            filter="bandpass")
    ch = recording.centers[recording.units]
    kept = rng.random(len(recording.times)) > 0.2  # detection missed 20 %
    res = match_recording(model.traces, tpl, recording.times[kept], ch[kept],
                          recording.positions)
    assert np.all(np.diff(res.spike_samples) >= 0)
    recall, precision = _score(res.spike_samples, res.spike_templates, recording.times,
                               recording.units)
    assert recall >= 0.95 and precision >= 0.95
    # the missed spikes come from sliding
    slid = res.spike_samples[~res.detected]
    missed = recording.times[~kept]
    assert np.mean(np.abs(missed[:, None] - slid[None, :]).min(axis=1) <= 3) >= 0.9
    # only one template slid: the others' spikes come from their events only
    one = match_recording(model.traces, tpl, recording.times[kept], ch[kept],
                          recording.positions, thresholds=res.thresholds, slide_templates=[2])
    assert set(one.spike_templates[~one.detected]) <= {2}
    assert (~one.detected).sum() >= 0.85 * (~kept & (recording.units == 2)).sum()
    # a subset of templates works the same way
    sub = subset(tpl, [1, 2, 3])
    r = match_recording(model.traces, sub, recording.times[kept], ch[kept], recording.positions,
                        thresholds=res.thresholds[[1, 2, 3]], time_range=(0, 5))
    assert r.spike_samples.max() < 5 * 30000 and set(r.spike_templates) <= {0, 1, 2}


def test_detected_events_take_best_template(model, recording):
    """A detected event takes the template that explains it whatever the threshold (the
    default ``event_factor``), but an event where there is no spike takes none; with
    ``event_factor=1`` the thresholds apply to detected events too."""
    tpl = cluster_templates(model.traces, recording.times, recording.units, recording.positions,
                            filter="bandpass")
    ch = recording.centers[recording.units]
    rng = np.random.default_rng(4)
    t = recording.times
    # events where no spike is (3 ms from any), on the units' channels
    fake = np.sort(rng.integers(1000, recording.n_samples - 1000, 200))
    fake = fake[np.abs(fake[:, None] - t[None, :]).min(axis=1) > 90]
    ev_t = np.r_[t, fake]
    ev_c = np.r_[ch, rng.choice(recording.centers, len(fake))]
    o = np.argsort(ev_t, kind="stable")
    tight = np.full(len(tpl.ids), 1e-3)  # no error is below these
    res = match_recording(model.traces, tpl, ev_t[o], ev_c[o], recording.positions,
                          thresholds=tight, slide=False)
    recall, precision = _score(res.spike_samples, res.spike_templates, t, recording.units)
    assert recall >= 0.98 and precision >= 0.99
    assert res.detected.all()
    strict = match_recording(model.traces, tpl, ev_t[o], ev_c[o], recording.positions,
                             thresholds=tight, slide=False, event_factor=1.)
    assert len(strict.spike_samples) == 0
