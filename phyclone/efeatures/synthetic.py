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
             dt_rec=0.1, n_sub=2, noise=0.1, seed=0):
    """Membrane potential (mV, shape (n_sweeps, n_samples)) of single-compartment HH neurons
    under steps of ``amps`` nA (on top of ``hypamp``) between ``ton`` and ``toff`` ms;
    1 nA = 40 µA/cm² / ``area``. ``hypamp``, ``area``, ``gna``, ``gk`` are scalars or one
    value per sweep. Exponential Euler on the gates and the voltage, ``n_sub`` substeps per
    recorded sample of ``dt_rec`` ms, Gaussian recording noise of ``noise`` mV."""
    amps = np.asarray(amps, dtype=np.float64)
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
        stim = (hypamp + (amps if ton <= t < toff else 0.)) * scale
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
