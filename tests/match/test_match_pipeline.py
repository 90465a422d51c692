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
