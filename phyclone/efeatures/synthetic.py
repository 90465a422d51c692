"""Synthetic current-clamp sweeps from a Hodgkin-Huxley neuron (numpy), written as the
text (lccr) files the readers read, with their ``files_metadata``. For tests, examples and
benchmarks."""

import json
from pathlib import Path

import numpy as np

# protocol -> (ton ms, toff ms, duration ms, amplitudes in units of the cell's scale (nA))
PROTOCOLS = {
    "IDRest": (100., 600., 800., np.round(np.arange(0.0, 0.31, 0.02), 3)),
    "IV": (100., 500., 700., np.round(np.arange(-0.1, 0.06, 0.025), 3)),
    "APWaveform": (100., 150., 300., np.round(np.arange(0.2, 0.41, 0.05), 3)),
}


def _rates(v):
    am = 0.1 * (v + 40.) / (1. - np.exp(-(v + 40.) / 10.))
    bm = 4. * np.exp(-(v + 65.) / 18.)
    ah = 0.07 * np.exp(-(v + 65.) / 20.)
    bh = 1. / (1. + np.exp(-(v + 35.) / 10.))
    an = 0.01 * (v + 55.) / (1. - np.exp(-(v + 55.) / 10.))
    bn = 0.125 * np.exp(-(v + 65.) / 80.)
    return am, bm, ah, bh, an, bn


def simulate(amps, ton, toff, duration, hypamp=0., area=1.0, gna=120., gk=36., gl=0.3,
             dt_rec=0.1, n_sub=2, noise=0.1, seed=0, current=None):
    """Membrane potential (mV, shape (n_sweeps, n_samples)) of single-compartment HH neurons
    under steps of ``amps`` nA (on top of ``hypamp``) between ``ton`` and ``toff`` ms;
    1 nA = 40 µA/cm² / ``area``. ``hypamp``, ``area``, ``gna``, ``gk`` are scalars or one
    value per sweep; ``current`` (nA, (n_sweeps, n_samples)) replaces the steps. Exponential
    Euler on the gates and the voltage, ``n_sub`` substeps per
    recorded sample of ``dt_rec`` ms, Gaussian recording noise of ``noise`` mV."""
    amps = np.asarray(amps, dtype=np.float64)
    if current is not None:
        amps = np.zeros(len(current))
    hypamp, area, gna, gk = (np.broadcast_to(np.asarray(x, dtype=np.float64), amps.shape)
                             for x in (hypamp, area, gna, gk))
    dt = dt_rec / n_sub
    n = int(round(duration / dt_rec))
    v = np.full(amps.shape, -65.)
    am, bm, ah, bh, an, bn = _rates(v)
    m, h, k = am / (am + bm), ah / (ah + bh), an / (an + bn)
    out = np.empty((len(amps), n))
    scale = 40. / area
    for i in range(n):
        t = i * dt_rec
        if current is None:
            stim = (hypamp + (amps if ton <= t < toff else 0.)) * scale
        else:
            stim = current[:, i] * scale
        for _ in range(n_sub):
            am, bm, ah, bh, an, bn = _rates(v)
            m = m + (am / (am + bm) - m) * (1. - np.exp(-dt * (am + bm)))
            h = h + (ah / (ah + bh) - h) * (1. - np.exp(-dt * (ah + bh)))
            k = k + (an / (an + bn) - k) * (1. - np.exp(-dt * (an + bn)))
            g_na, g_k = gna * m ** 3 * h, gk * k ** 4
            g = g_na + g_k + gl
            v_inf = (g_na * 50. - g_k * 77. - gl * 54.387 + stim) / g
            v = v_inf + (v - v_inf) * np.exp(-dt * g)
        out[:, i] = v
    rng = np.random.default_rng(seed)
    return out + rng.normal(0., noise, out.shape)


def cell_params(n_cells, seed=0):
    """Per-cell model parameters (membrane area and conductances vary)."""
    rng = np.random.default_rng(seed)
    return [{"area": float(0.7 + 0.9 * rng.random()), "gna": float(110. + 20. * rng.random()),
             "gk": float(32. + 8. * rng.random()), "hypamp": float(-0.005 * rng.random())}
            for _ in range(n_cells)]


def make_dataset(folder, n_cells=3, protocols=None, seed=0, amplitude_scale=1.0):
    """Write ``<cell>/<protocol>.txt`` (one voltage column per sweep) for ``n_cells``
    cells and return ``files_metadata`` (also saved as files_metadata.json). All the sweeps
    of a protocol (every cell) are simulated together."""
    folder = Path(folder)
    protocols = protocols or PROTOCOLS
    params = cell_params(n_cells, seed)
    files_metadata = {f"cell{c}": {} for c in range(n_cells)}
    for p, (protocol, (ton, toff, duration, amps)) in enumerate(protocols.items()):
        amps = np.round(np.asarray(amps) * amplitude_scale, 4)
        per = {key: np.repeat([c[key] for c in params], len(amps)) for key in params[0]}
        v = simulate(np.tile(amps, n_cells), ton, toff, duration, seed=seed * 100 + p, **per)
        for c in range(n_cells):
            name = f"cell{c}"
            (folder / name).mkdir(parents=True, exist_ok=True)
            path = folder / name / f"{protocol}.txt"
            np.savetxt(path, v[c * len(amps):(c + 1) * len(amps)].T, fmt="%.5f",
                       delimiter="\t")
            files_metadata[name][protocol] = [{
                "filepath": str(path), "dt": 0.1, "ton": ton, "toff": toff,
                "amplitudes": [round(float(a) * 1e3, 6) for a in amps],
                "hypamp": round(params[c]["hypamp"] * 1e3, 6), "i_unit": "pA",
                "v_unit": "mV", "t_unit": "ms", "ljp": 0.,
            }]
    (folder / "files_metadata.json").write_text(json.dumps(files_metadata, indent=1))
    return files_metadata


def ecode_currents(dt=0.1, seed=0):
    """Currents (nA) of the non-step eCodes: {protocol: (config timings (ms), duration (ms),
    current array (n_sweeps, n_samples))}, a few amplitudes each, with a little noise."""
    rng = np.random.default_rng(seed)

    def base(duration, n):
        return np.full((n, int(round(duration / dt))), -0.002) + rng.normal(0, 2e-4, (n, int(
            round(duration / dt))))

    def idx(ms):
        return int(round(ms / dt))

    out = {}
    # Ramp: rises from ton to toff
    c = base(800., 3)
    for k, amp in enumerate((0.25, 0.35, 0.45)):
        c[k, idx(100):idx(600)] += np.linspace(0., amp, idx(600) - idx(100))
    out["APThreshold"] = ({"ton": 100., "toff": 600.}, 800., c)
    # sAHP: long step amp, amp2 between tmid and tmid2
    c = base(900., 3)
    for k, amp2 in enumerate((0.15, 0.2, 0.3)):
        c[k, idx(100):idx(700)] += 0.03
        c[k, idx(300):idx(450)] += amp2 - 0.03
    out["sAHP"] = ({"ton": 100., "tmid": 300., "tmid2": 450., "toff": 700.}, 900., c)
    for name, (a1, a2s) in {"HyperDePol": (-0.08, (0.12, 0.2, 0.3)),
                            "DeHyperPol": (0.15, (-0.05, -0.1, -0.15))}.items():
        c = base(700., 3)
        for k, a2 in enumerate(a2s):
            c[k, idx(100):idx(300)] += a1
            c[k, idx(300):idx(500)] += a2
        out[name] = ({"ton": 100., "tmid": 300., "toff": 500.}, 700., c)
    timings = {"ton": 100., "t1": 400., "t2": 500., "t3": 800., "t4": 900., "toff": 1200.}
    for name, sign in (("PosCheops", 1.), ("NegCheops", -1.)):
        c = base(1300., 2)
        for k, amp in enumerate((0.2, 0.3)):
            for a, b in (("ton", "t1"), ("t2", "t3"), ("t4", "toff")):
                i0, i1 = idx(timings[a]), idx(timings[b])
                mid = (i0 + i1) // 2
                c[k, i0:mid] += sign * np.linspace(0., amp, mid - i0)
                c[k, mid:i1] += sign * np.linspace(amp, 0., i1 - mid)
        out[name] = (dict(timings), 1300., c)
    # SpikeRec: 10 pulses of 2 ms every 10 ms
    c = base(300., 2)
    for k, amp in enumerate((1.0, 1.5)):
        for p in range(10):
            c[k, idx(100 + 10 * p):idx(102 + 10 * p)] += amp
    out["SpikeRec"] = ({}, 300., c)
    # SineSpec: chirp between ton and toff
    c = base(1200., 2)
    ts = np.arange(idx(1000)) * dt / 1e3 - 0.1
    for k, amp in enumerate((0.04, 0.06)):
        c[k, idx(100):idx(1100)] += amp * np.sin(2 * np.pi * (1. + 1. / (5.15 - ts)) * ts)
    out["SineSpec"] = ({"ton": 100., "toff": 1100.}, 1300. - 100., c)
    # PinkNoise: 1/f noise between 100 and 300 ms (timings left to the detection)
    c = base(400., 2)
    for k, amp in enumerate((0.08, 0.12)):
        spectrum = rng.normal(size=idx(200) // 2 + 1) + 1j * rng.normal(size=idx(200) // 2 + 1)
        spectrum /= np.sqrt(np.arange(1, len(spectrum) + 1))
        noise = np.fft.irfft(spectrum, idx(200))
        c[k, idx(100):idx(300)] += amp * noise / np.abs(noise).max()
    out["PinkNoise"] = ({}, 400., c)
    # CapCheck: three -0.05 nA pulses of 5 ms, 10 ms apart, from 50 ms
    c = base(150., 2)
    for k, amp in enumerate((-0.05, -0.08)):
        for p in range(3):
            c[k, idx(50 + 15 * p):idx(55 + 15 * p)] += amp
    out["CapCheck"] = ({}, 150., c)
    return out
