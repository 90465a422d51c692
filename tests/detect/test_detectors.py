"""The detectors and the spatiotemporal lockout on hand-made filtered blocks."""

import numpy as np

from phyclone.detect import detect_events
from phyclone.detect.features import neighbour_table

POS = np.c_[np.zeros(8), np.arange(8) * 20.]  # a line of channels 20 µm apart


def _spike(x, t, c, amp, spread=0.5):
    """A negative spike at (t, c) decaying over neighbouring channels."""
    for c2 in range(x.shape[1]):
        x[t - 1:t + 2, c2] += -amp * spread ** abs(c2 - c) * np.array([.5, 1., .5])


def _run(x, radius=50., lockout=3, sign="neg", **kw):
    thr = np.full((1, x.shape[1]), 10., np.float32)
    t, c, a = detect_events(x.astype(np.float32), 0, 0, len(x), thr, 1 << 40,
                            neighbour_table(POS, radius), lockout, sign, **kw)
    return list(zip(t.tolist(), c.tolist())), a


def test_one_event_per_spike_on_its_max_channel():
    x = np.zeros((200, 8))
    _spike(x, 50, 3, 100)
    ev, amp = _run(x)
    assert ev == [(50, 3)] and np.allclose(amp, -100)


def test_lockout_radius_and_time():
    x = np.zeros((300, 8))
    _spike(x, 50, 1, 100)
    _spike(x, 51, 2, 60, spread=0.1)  # 20 µm away, 1 sample later: locked out
    _spike(x, 52, 6, 50, spread=0.1)  # 100 µm away: a spike of another unit
    _spike(x, 150, 1, 40, spread=0.1)  # same channel, later than the lockout
    ev, _ = _run(x, radius=50., lockout=3)
    assert ev == [(50, 1), (52, 6), (150, 1)]
    # a smaller radius lets the nearby spike through; no lockout time neither
    ev, _ = _run(x, radius=10., lockout=3)
    assert (51, 2) in ev


def test_polarity_and_rebound_of_larger_spikes():
    x = np.zeros((200, 8))
    _spike(x, 50, 3, 100)
    x[58:61, 3] += [20, 40, 20]  # the positive rebound of the spike
    x[120:123, 5] += [15, 30, 15]  # a positive spike alone
    assert _run(x, sign="neg")[0] == [(50, 3)]
    assert _run(x, sign="pos")[0] == [(59, 3), (121, 5)]
    # both polarities: the rebound is locked out by the larger trough (phase window)
    assert _run(x, sign="both", phase_window=15)[0] == [(50, 3), (121, 5)]


def test_threshold_windows_and_disabled_channels():
    x = np.zeros((400, 8))
    _spike(x, 50, 3, 15, spread=0.)
    _spike(x, 250, 3, 15, spread=0.)
    _spike(x, 300, 6, 100, spread=0.)
    thr = np.full((2, 8), 10., np.float32)
    thr[1] = 20.  # second window (samples 200-399): a higher threshold
    thr[:, 6] = 0  # channel 6 disabled
    t, c, _ = detect_events(x.astype(np.float32), 0, 0, 400, thr, 200,
                            neighbour_table(POS, 50.), 3, "neg")
    assert list(zip(t.tolist(), c.tolist())) == [(50, 3)]



def _run_near(x, near, prominence, lockout=3):
    thr = np.full((1, x.shape[1]), 10., np.float32)
    t, c, _ = detect_events(x.astype(np.float32), 0, 0, len(x), thr, 1 << 40,
                            neighbour_table(POS, 50.), lockout, "neg",
                            near=neighbour_table(POS, near),
                            prominence=np.full(x.shape[1], prominence, np.float32))
    return list(zip(t.tolist(), c.tolist()))


def test_near_radius_finds_a_spike_in_the_footprint_of_a_larger_one():
    """Channel 4 holds a spike of its own (-91.6 at sample 51), 60 µm from a larger one on
    channel 1 whose footprint on channel 2 (-121.4, 40 µm away) is larger: the classic
    lockout hides it. It is the largest sample of its near channels (3 and 5, 20 µm) and
    exceeds them by 12.6 (channel 3 reaches -79.0)."""
    x = np.zeros((200, 8))
    _spike(x, 50, 1, 200, spread=0.6)
    _spike(x, 51, 4, 70, spread=0.2)
    assert _run_near(x, 50., 0.) == [(50, 1)]  # near = lockout radius: the classic rule
    assert _run_near(x, 30., 12.) == [(50, 1), (51, 4)]
    assert _run_near(x, 30., 13.) == [(50, 1)]  # it does not stand out by the prominence


def test_near_radius_does_not_split_a_spike_with_a_bumpy_footprint():
    """A broad spike whose footprint has a bump 60 µm away (channel 4 at -103.4 exceeds its
    near channels by 5.4): an event for no prominence, not for a prominence above 5.4."""
    x = np.zeros((200, 8))
    _spike(x, 50, 1, 200, spread=0.8)
    x[50, 4] -= 1.
    x[50, 3] += 30.
    assert _run_near(x, 30., 0.) == [(50, 1), (50, 4)]
    assert _run_near(x, 30., 6.) == [(50, 1)]


def test_a_larger_peak_within_the_lockout_radius_locks_a_prominent_one_out():
    """Two spikes 40 µm apart, 1 sample apart: the smaller stands out of its near channels
    but the larger *event* lies within the lockout radius and time."""
    x = np.zeros((200, 8))
    _spike(x, 50, 1, 200, spread=0.1)
    _spike(x, 51, 3, 80, spread=0.1)
    assert _run_near(x, 30., 1.) == [(50, 1)]
    assert _run_near(x, 30., 1., lockout=0) == [(50, 1), (51, 3)]


def test_lockout_before_a_larger_spike_is_shorter_than_after_it():
    """A smaller spike 20 µm from a larger one: 3 samples *before* it, it is an event when the
    lockout before a larger sample (``ahead``) is 1 sample, not when it is 3 (symmetric);
    3 samples *after* it, the lockout of 3 samples after a larger sample hides it either way.
    Also through step 2 (the smaller one 40 µm away: only the larger *peak* locks it out)."""
    for c_small, spread, near in ((2, 0.5, 50.), (3, 0.1, 30.)):
        x = np.zeros((300, 8))
        _spike(x, 50, 1, 200, spread=spread)
        _spike(x, 47, c_small, 80, spread=0.1)  # before the larger spike
        _spike(x, 150, 1, 200, spread=spread)
        _spike(x, 153, c_small, 80, spread=0.1)  # after it
        kw = dict(near=neighbour_table(POS, near), prominence=np.full(8, 1., np.float32))
        assert _run(x, lockout=3, **kw)[0] == [(50, 1), (150, 1)]
        assert _run(x, lockout=3, ahead=1, **kw)[0] == [(47, c_small), (50, 1), (150, 1)]
        assert _run(x, lockout=3, ahead=3, **kw)[0] == [(50, 1), (150, 1)]
        assert _run(x, lockout=1, ahead=3, **kw)[0] == [(50, 1), (150, 1), (153, c_small)]


def _classic_events(x, thr, thr_len, table, lockout, ahead, sign, multiphasic,
                    phase_window=4, phase_ratio=0.25):
    """The classic rule (near = lockout radius), sample by sample in Python: a sample
    crossing its threshold in an enabled polarity, a strict extremum before and a weak one
    after, not exceeded (ties: earlier, then lower channel) by a sample of a channel of
    ``table`` within the lockout (or, with both polarities, by an opposite one within
    ``phase_window``)."""
    n, nc = x.shape
    span = max(lockout, ahead, phase_window if sign == "both" else 0)
    events = []
    for t in range(1, n - 1):
        for c in range(nc):
            v, th = float(x[t, c]), float(thr[t // thr_len, c])
            if th <= 0:
                continue
            up = sign != "neg" and v >= th and v > x[t - 1, c] and v >= x[t + 1, c]
            down = sign != "pos" and v <= -th and v < x[t - 1, c] and v <= x[t + 1, c]
            if not (up or down):
                continue
            a = abs(v)
            if multiphasic:
                w = x[max(0, t - phase_window):t + phase_window + 1, c]
                if max(0., float((-w if up else w).max())) < phase_ratio * a:
                    continue
            blocked = False
            for c2 in table[c][table[c] >= 0]:
                for t2 in range(max(0, t - span), min(n, t + span + 1)):
                    w, dt = float(x[t2, c2]), t2 - t
                    if sign == "both" and (w > 0) != (v > 0):
                        m = abs(w) if abs(dt) <= phase_window else -1.
                    elif dt < -lockout or dt > ahead:
                        m = -1.
                    else:
                        m = w if up else -w
                    if m > a or (m == a and (t2 < t or (t2 == t and c2 < c))):
                        blocked = True
            if not blocked:
                events.append((t, c))
    return events


def test_events_match_the_rule_sample_by_sample():
    """Random blocks with plateaus (ties), a disabled channel, two threshold windows and
    infinite samples (one of each polarity: never an event of the other): every polarity
    and detector against :func:`_classic_events`."""
    rng = np.random.default_rng(7)
    table = neighbour_table(POS, 30.)
    for trial in range(6):
        x = rng.normal(0, 6, (300, 8)).astype(np.float32)
        x = np.round(x / 2) * 2  # plateaus
        for _ in range(12):
            _spike(x, int(rng.integers(5, 295)), int(rng.integers(8)),
                   rng.uniform(15, 60) * rng.choice([-1, 1]), spread=0.4)
        x[rng.integers(300), rng.integers(8)] = -np.inf
        x[rng.integers(300), rng.integers(8)] = np.inf
        x = x.astype(np.float32)
        thr = np.full((2, 8), 10., np.float32)
        thr[1] = 14.
        thr[:, trial % 8] = 0
        for sign in ("neg", "pos", "both"):
            for method in ("bipolar", "multiphasic"):
                t, c, _ = detect_events(x, 0, 0, 300, thr, 150, table, 2, sign, method,
                                        phase_window=4, ahead=1)
                expected = _classic_events(x, thr, 150, table, 2, 1, sign,
                                           method == "multiphasic")
                assert list(zip(t.tolist(), c.tolist())) == expected, (trial, sign, method)
