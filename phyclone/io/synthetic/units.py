"""Synthetic units for the dataset generator: action-potential shapes, spatial footprints on the
probe and the sparse, whitened templates KiloSort would have found.

Units are point sources beside the probe plane. Their extracellular spike is biphasic (a trough,
a slower repolarisation peak, sometimes a small positive pre-peak); on each channel the amplitude
falls off as ``(1 + d²/λ²)^-1.5`` with the 3D distance ``d``, the waveform widens with distance and
shifts in time along the probe (back-propagation), so templates are not rank one in space.

Besides independent units, a few templates are *over-split* copies of a neuron (KiloSort split one
neuron in two after drift: same spike train shared between both templates, almost identical shapes,
a few µm apart; merging them is the right curation) and a few are *look-alikes* (a different
neuron close by with a similar shape and an independent spike train; they must not be merged).
"""

import numpy as np

from phyclone.utils.bunch import Bunch

from phyclone.io.synthetic.probes import nearest_channels

KINDS = ("unit", "oversplit", "lookalike")


def biphasic(t, trough_width, repol_delay, repol_width, repol_ratio, pre_ratio, pre_delay):
    """Extracellular action potential at times ``t`` (ms), trough near t = 0, unnormalised."""
    w = -np.exp(-0.5 * (t / trough_width) ** 2)
    w += repol_ratio * np.exp(-0.5 * ((t - repol_delay) / repol_width) ** 2)
    w += pre_ratio * np.exp(-0.5 * ((t + pre_delay) / (0.6 * trough_width + 0.05)) ** 2)
    return w


def _draw_unit(rng, positions):
    """Random parameters of one neuron: shape, position (x, y, z) in µm, spatial decay, SNR."""
    narrow = rng.random() < 0.25  # fast-spiking interneurons have narrow, symmetric spikes
    if narrow:
        shape = dict(trough_width=rng.uniform(.05, .08), repol_delay=rng.uniform(.18, .3),
                     repol_width=rng.uniform(.1, .18), repol_ratio=rng.uniform(.35, .7))
    else:
        shape = dict(trough_width=rng.uniform(.08, .14), repol_delay=rng.uniform(.28, .5),
                     repol_width=rng.uniform(.15, .28), repol_ratio=rng.uniform(.12, .4))
    shape.update(pre_ratio=rng.uniform(0., .12), pre_delay=rng.uniform(.15, .3))
    x0, x1 = positions[:, 0].min(), positions[:, 0].max()
    y0, y1 = positions[:, 1].min(), positions[:, 1].max()
    pos = np.array([rng.uniform(x0 - 20, x1 + 20), rng.uniform(y0 - 10, y1 + 10),
                    rng.uniform(5., 30.)])
    return Bunch(shape=shape, position=pos, decay=rng.uniform(15., 30.),
                 velocity=rng.choice([-1., 1.]) * rng.uniform(.0005, .0025),
                 snr=float(np.clip(rng.lognormal(np.log(7.), .5), 2.5, 40.)))


def _perturb(rng, unit, shift, scale, snr_range):
    """A copy of ``unit`` moved along the probe by ±``shift`` µm with shape factors ×(1 ± scale)."""
    out = Bunch(shape={k: v * rng.uniform(1 - scale, 1 + scale) for k, v in unit.shape.items()},
                position=unit.position.copy(), decay=unit.decay * rng.uniform(1 - scale, 1 + scale),
                velocity=unit.velocity * rng.uniform(1 - scale, 1 + scale),
                snr=unit.snr * rng.uniform(*snr_range))
    out.position += [rng.uniform(-shift[0], shift[0]) / 2, rng.choice([-1, 1]) * rng.uniform(*shift),
                     rng.uniform(-shift[0], shift[0]) / 4]
    out.position[2] = max(out.position[2], 3.)
    return out


def unit_waveforms(unit, positions, n_samples, sample_rate):
    """Waveforms (n_samples, n_channels) of a unit on every channel, in units of the peak trough.

    The spike time is at sample ``n_samples // 2`` (as phy's waveform extraction window).
    """
    d_xy = positions - unit.position[:2]
    d = np.sqrt((d_xy ** 2).sum(axis=1) + unit.position[2] ** 2)
    gain = (1 + (d / unit.decay) ** 2) ** -1.5
    gain /= gain.max()
    far = (d / (d + unit.decay))[None, :]  # 0 at the soma, → 1 far away
    t = (np.arange(n_samples) - n_samples // 2)[:, None] * 1000. / sample_rate
    # propagation along the probe, over the extent of the dendrites (±150 µm)
    t = t - np.clip(d_xy[None, :, 1], -150., 150.) * unit.velocity
    s = unit.shape
    w = biphasic(t, s["trough_width"] * (1 + .4 * far), s["repol_delay"] * (1 + .15 * far),
                 s["repol_width"] * (1 + .2 * far), s["repol_ratio"] * (1 + .6 * far),
                 s["pre_ratio"], s["pre_delay"])
    w /= np.abs(w.min(axis=0))[None, :]  # every channel's trough is -1 before the spatial gain
    return w * (gain[None, :] * _taper(n_samples)[:, None])


def _taper(n, edge=8):
    """1 in the middle, raised-cosine ramps to 0 over ``edge`` samples at both ends."""
    w = np.ones(n)
    ramp = .5 - .5 * np.cos(np.pi * np.arange(edge) / edge)
    w[:edge], w[n - edge:] = ramp, ramp[::-1]
    return w


def make_units(rng, positions, n_clusters, sample_rate, n_samples=82, n_channels_loc=32,
               noise_std=(15., 25.), oversplit_fraction=.08, lookalike_fraction=.08,
               footprint_threshold=.03):
    """Draw ``n_clusters`` templates on a probe.

    Returns a Bunch with ``templates`` (n_templates, n_samples, n_channels_loc) float32 whitened
    and of unit L2 norm, ``template_ind`` (n_templates, n_channels_loc) int64 (the channels nearest
    to the peak channel, peak first; the template is zero on those where the spike is below
    ``footprint_threshold`` × its peak), ``base_amplitude`` (the norm: a spike's whitened waveform is
    ``amplitude * template``), ``noise_std`` per channel (ADC units; the whitening matrix is
    ``diag(1 / noise_std)``), ``position`` (n_templates, 3) µm, ``neuron`` (template → neuron id,
    shared by over-split pairs), ``kind``, ``peak_channel`` and ``snr`` (peak trough / noise).
    """
    positions = np.asarray(positions, dtype=np.float64)
    n_channels = len(positions)
    n_loc = min(n_channels_loc, n_channels)
    noise = rng.uniform(*noise_std, size=n_channels)
    n_split = int(round(oversplit_fraction * n_clusters)) if n_clusters >= 4 else 0
    n_alike = int(round(lookalike_fraction * n_clusters)) if n_clusters >= 4 else 0
    n_base = n_clusters - n_split - n_alike
    units = [_draw_unit(rng, positions) for _ in range(n_base)]
    neuron = list(range(n_base))
    kind = ["unit"] * n_base
    for _ in range(n_alike):
        units.append(_perturb(rng, units[rng.integers(n_base)], (10., 25.), .1, (.7, 1.3)))
        neuron.append(len(set(neuron)))
        kind.append("lookalike")
    for i in rng.choice(n_base, size=n_split, replace=False):
        units.append(_perturb(rng, units[i], (4., 10.), .05, (.75, .95)))
        neuron.append(neuron[i])
        kind.append("oversplit")

    order = rng.permutation(n_clusters)  # template ids carry no hint of the pairs
    templates = np.zeros((n_clusters, n_samples, n_loc), dtype=np.float32)
    template_ind = np.zeros((n_clusters, n_loc), dtype=np.int64)
    base_amplitude = np.zeros(n_clusters)
    peak = np.zeros(n_clusters, dtype=np.int64)
    for t, u in enumerate(units[i] for i in order):
        w = unit_waveforms(u, positions, n_samples, sample_rate)
        peak[t] = np.argmax(np.abs(w).max(axis=0))
        channels = nearest_channels(positions, positions[peak[t]], n_loc)
        raw = u.snr * noise[peak[t]] * w[:, channels]  # ADC units, trough = snr × noise
        # no signal where the spike is below 3 % of its peak (phy then hides those channels)
        raw[:, np.abs(raw).max(axis=0) < footprint_threshold * np.abs(raw).max()] = 0.
        white = raw / noise[channels][None, :]
        base_amplitude[t] = np.sqrt((white ** 2).sum())
        templates[t] = white / base_amplitude[t]
        template_ind[t] = channels
    return Bunch(
        templates=templates, template_ind=template_ind, base_amplitude=base_amplitude,
        noise_std=noise, peak_channel=peak,
        position=np.array([units[i].position for i in order]),
        snr=np.array([units[i].snr for i in order]),
        neuron=np.array(neuron)[order], kind=np.array(kind)[order],
        n_neurons=len(set(neuron)),
    )
