"""Synthetic spike trains: refractory, sometimes bursting neurons, amplitude drift and jitter.

Every train has an absolute refractory period: consecutive spikes of one neuron are more than
``refractory_ms`` apart (so autocorrelograms have an empty centre and over-split pairs have an
empty cross-correlogram centre). Counts are exact: a train of ``n`` spikes is drawn as ``n``
sorted uniform integers in the free time, then spread by the dead time.
"""

import numpy as np

from phyclone.utils.bunch import Bunch
from phyclone.utils.errors import DataError

_BURST_ISI_MS = (3., 8.)


def neuron_rates(rng, n_neurons):
    """Mean firing rates (Hz): log-normal, median 4 Hz, clipped to [0.3, 40] Hz."""
    return np.clip(rng.lognormal(np.log(4.), .8, size=n_neurons), .3, 40.)


def dead_time_train(rng, n, t0, t1, gap):
    """Exactly ``n`` sorted integer times in [t0, t1) whose consecutive differences are ≥ gap."""
    free = (t1 - t0) - (n - 1) * gap
    if n and free <= 0:
        raise ValueError(f"{n} spikes do not fit in {t1 - t0} samples with a {gap}-sample gap")
    u = np.sort(rng.integers(0, free, size=n)) if n else np.zeros(0, dtype=np.int64)
    return t0 + u + gap * np.arange(n, dtype=np.int64)


def spike_counts(rng, rates, n_samples, sample_rate, n_spikes, capacity):
    """Spikes per neuron: Poisson from the rates, or a multinomial summing to ``n_spikes``.

    No neuron gets more than ``capacity`` spikes (the excess goes to the others).
    """
    duration = n_samples / sample_rate
    if n_spikes is None:
        return np.minimum(rng.poisson(rates * duration), capacity)
    if n_spikes > capacity * len(rates):
        raise DataError(None, f"{n_spikes} spikes do not fit in {duration:g} s with "
                        f"{len(rates)} neurons and their refractory period",
                        "use a longer --duration, more clusters or fewer spikes")
    counts = rng.multinomial(n_spikes, rates / rates.sum())
    while (counts > capacity).any():
        excess = (counts - capacity).clip(0).sum()
        counts = np.minimum(counts, capacity)
        free = counts < capacity
        counts[free] += rng.multinomial(excess, rates[free] / rates[free].sum())
    return counts


def _bursty_train(rng, n, t0, t1, gap, sample_rate):
    """A train of ``n`` spikes where some spikes start bursts of 1–3 followers 3–8 ms apart.

    Returns (times, amplitude factors): followers decrease in amplitude (×0.8 per spike).
    """
    p_burst = rng.uniform(.1, .3)
    n_primary = int(round(n / (1 + 1.8 * p_burst)))
    n_follow = n - n_primary
    n_bursts = min(n_primary, int(np.ceil(n_follow / 1.8)))
    if n_bursts == 0:
        return dead_time_train(rng, n, t0, t1, gap), np.ones(n)
    k = 1 + rng.multinomial(n_follow - n_bursts, np.full(n_bursts, 1. / n_bursts))
    isi0, isi1 = (max(gap, int(x * sample_rate / 1000.)) for x in _BURST_ISI_MS)
    span = k.max() * isi1
    primary = dead_time_train(rng, n_primary, t0, t1 - span, gap + span)
    starts = rng.choice(n_primary, size=n_bursts, replace=False)
    rank = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)  # 0.. k-1 inside each burst
    isi = rng.integers(isi0, isi1 + 1, size=k.sum())
    offset = np.cumsum(isi) - np.repeat(np.cumsum(isi)[np.cumsum(k) - k] - isi[np.cumsum(k) - k], k)
    follow = np.repeat(primary[starts], k) + offset
    times = np.r_[primary, follow]
    factor = np.r_[np.ones(n_primary), .8 ** (rank + 1)]
    order = np.argsort(times, kind="stable")
    return times[order], factor[order]


def make_spike_trains(rng, units, n_samples, sample_rate, n_spikes=None, refractory_ms=2.,
                      n_samples_waveforms=82):
    """Spike trains of all templates of ``units`` (see ``make_units``), sorted by time.

    Returns a Bunch with ``spike_times`` (int64 samples in the recording, leaving half a waveform
    window at both ends), ``spike_templates`` (uint32), ``amplitudes`` (float64: the template
    scaling of each spike) and ``rates`` (Hz per neuron). Over-split neurons give their spikes
    to one template or the other, switching in the middle of the recording (as after a drift).
    """
    gap = int(np.floor(refractory_ms * sample_rate / 1000.)) + 1  # ISI strictly > refractory
    pre = n_samples_waveforms // 2
    t0, t1 = pre, n_samples - (n_samples_waveforms - pre)
    if t1 - t0 < gap:
        raise DataError(None, f"the recording ({n_samples} samples) is too short",
                        "use a longer --duration")
    rates = neuron_rates(rng, units.n_neurons)
    counts = spike_counts(rng, rates, t1 - t0, sample_rate, n_spikes, (t1 - t0) // (2 * gap))
    times, templates, amplitudes = [], [], []
    for neuron, n in enumerate(counts):
        tids = np.nonzero(units.neuron == neuron)[0]
        bursty = rates[neuron] < 10 and rng.random() < .3
        try:
            t, factor = (_bursty_train(rng, n, t0, t1, gap, sample_rate) if bursty
                         else (dead_time_train(rng, n, t0, t1, gap), np.ones(n)))
        except ValueError:  # too dense for bursts
            t, factor = dead_time_train(rng, n, t0, t1, gap), np.ones(n)
        if len(tids) == 1:
            which = np.zeros(n, dtype=np.int64)
        else:  # over-split: the spikes move from one template to the other around tau
            tau, width = rng.uniform(.3, .7) * n_samples, .05 * n_samples
            p = 1. / (1. + np.exp(-(t - tau) / width))
            which = (rng.random(n) < p).astype(np.int64)
        tid = tids[which]
        period = rng.uniform(.5, 2.) * n_samples
        drift = 1 + .1 * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
        jitter = rng.lognormal(0., .07, size=n)
        times.append(t)
        templates.append(tid.astype(np.uint32))
        amplitudes.append(units.base_amplitude[tid] * drift * jitter * factor)
    # concatenate and sort one array at a time (peak memory ~ 3 spike vectors)
    times = np.concatenate(times).astype(np.int64, copy=False)
    order = np.argsort(times, kind="stable")
    out = Bunch(spike_times=times[order], rates=rates)
    del times
    out.spike_templates = np.concatenate(templates)[order]
    del templates
    out.amplitudes = np.concatenate(amplitudes)[order]
    return out
