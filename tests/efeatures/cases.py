"""The extraction jobs compared with bluepyefe: synthetic sweeps (3 HH cells, IDRest / IV /
APWaveform steps) and, for each case, extract_efeatures' options."""

import copy
from pathlib import Path

import numpy as np

from phyclone.efeatures.synthetic import cell_params, ecode_currents, make_dataset, simulate

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "efeatures"

IDREST = ["Spikecount", "mean_frequency", "AP_amplitude", "time_to_first_spike",
          "voltage_base", "AHP_depth", "inv_first_ISI"]
IV = ["voltage_base", "steady_state_voltage_stimend", "ohmic_input_resistance_vb_ssse",
      "voltage_deflection", "decay_time_constant_after_stim"]
APW = ["AP_amplitude", "AP_width", "AP1_amp", "AP_duration_half_width"]


def relative_targets():
    out = []
    for amp in (150, 200, 250, 300):
        out += [{"efeature": f, "protocol": "IDRest", "amplitude": amp, "tolerance": 20}
                for f in IDREST]
    for amp in (-100, -50):
        out += [{"efeature": f, "protocol": "IV", "amplitude": amp, "tolerance": 20}
                for f in IV]
    # target settings override the global ones; a renamed feature
    out += [{"efeature": f, "protocol": "APWaveform", "amplitude": 350, "tolerance": 100,
             "efel_settings": {"Threshold": -30.}} for f in APW]
    out.append({"efeature": "Spikecount", "efeature_name": "Spikecount_late",
                "protocol": "IDRest", "amplitude": 250, "tolerance": 20,
                "efel_settings": {"stim_start": 350., "stim_end": 600.}})
    return out


def legacy_targets():
    return {
        "IDRest": {"amplitudes": [150, 250], "tolerances": [20],
                   "efeatures": {"Spikecount": {}, "mean_frequency": {"Threshold": -10.},
                                 "AP_amplitude": {}}, "location": "soma"},
        "IV": {"amplitudes": [-100, -50], "tolerances": [20, 25],
               "efeatures": ["voltage_base", "voltage_deflection"], "location": "soma"},
    }


def absolute_targets():
    out = []
    for amp in (0.1, 0.2, 0.3):
        out += [{"efeature": f, "protocol": "IDRest", "amplitude": amp, "tolerance": 0.015}
                for f in IDREST[:4]]
    out += [{"efeature": f, "protocol": "IV", "amplitude": -0.1, "tolerance": 0.01}
            for f in IV[:3]]
    return out


def ecode_targets():
    spec = {"APThreshold": (0.35, 0.2, ["Spikecount", "time_to_first_spike", "AP_amplitude"]),
            "sAHP": (0.2, 0.2, ["Spikecount", "voltage_base"]),
            "HyperDePol": (-0.08, 0.1, ["voltage_base", "Spikecount"]),
            "DeHyperPol": (0.15, 0.1, ["voltage_base", "Spikecount"]),
            "PosCheops": (0.25, 0.2, ["Spikecount", "voltage_base"]),
            "NegCheops": (-0.25, 0.2, ["voltage_base"]),
            "SpikeRec": (8., 5., ["Spikecount", "voltage_base"]),
            "SineSpec": (0.05, 0.05, ["voltage_base", "steady_state_voltage_stimend"]),
            "PinkNoise": (0.1, 0.05, ["voltage_base", "Spikecount"]),
            "CapCheck": (0.065, 0.03, ["voltage_base"])}
    return [{"efeature": f, "protocol": p, "amplitude": a, "tolerance": tol}
            for p, (a, tol, feats) in spec.items() for f in feats]


def cases():
    """name -> (options, dataset kind); kind "txt" (lccr text) or "npz" (custom reader)."""
    base = {"write_files": True, "protocols_rheobase": ["IDRest"]}
    return {
        "targets": ({**base, "targets": relative_targets(), "extract_per_cell": True}, "txt"),
        "legacy": ({**base, "targets": legacy_targets(), "threshold_nvalue_save": 2,
                    "default_std_value": 0.5}, "txt"),
        "absolute": ({"write_files": True, "targets": absolute_targets(),
                      "absolute_amplitude": True}, "txt"),
        "majority_median": ({**base, "targets": relative_targets(),
                             "rheobase_strategy": "majority",
                             "rheobase_settings": {"min_step": 0.01},
                             "protocol_mode": "median",
                             "efel_settings": {"strict_stiminterval": True, "Threshold": -25.,
                                               "interp_step": 0.05}}, "txt"),
        "flush_max": ({**base, "targets": relative_targets(), "rheobase_strategy": "flush",
                       "rheobase_settings": {"flush_length": 2}, "protocol_mode": "max"},
                      "txt"),
        "interpolation_min": ({**base, "targets": relative_targets(),
                               "rheobase_strategy": "interpolation", "protocol_mode": "min"},
                              "txt"),
        "auto_targets": ({"write_files": True, "protocols_rheobase": ["IDRest"]}, "txt"),
        "custom_reader": ({**base, "targets": relative_targets(), "recording_reader": "npz",
                           "efel_settings": {"strict_stiminterval": True,
                                             "interp_step": 0.025}}, "npz"),
        "ecodes": ({"write_files": True, "targets": ecode_targets(), "absolute_amplitude": True,
                    "recording_reader": "npz"}, "ecodes"),
    }


def write_npz_dataset(files_metadata, folder):
    """The same sweeps as .npz (voltage, current in nA) for the custom reader; no timings
    or amplitudes in the metadata, so the steps are detected from the current."""
    folder = Path(folder)
    out = {}
    for cell, protocols in files_metadata.items():
        out[cell] = {}
        for protocol, entries in protocols.items():
            md = entries[0]
            voltage = np.loadtxt(md["filepath"], delimiter="\t", ndmin=2).T
            n = voltage.shape[1]
            ion, ioff = int(md["ton"] / md["dt"]), int(md["toff"] / md["dt"])
            current = np.full(voltage.shape, md["hypamp"] * 1e-3)
            for k, amp in enumerate(md["amplitudes"]):
                current[k, ion:ioff] += amp * 1e-3
            current += np.random.default_rng(len(out) * 10 + len(out[cell])).normal(
                0., 2e-4, (len(voltage), n))
            path = folder / cell / f"{protocol}.npz"
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, voltage=voltage, current=current)
            out[cell][protocol] = [{"filepath": str(path), "dt": md["dt"]}]
    return out


def write_ecode_dataset(folder, n_cells=2):
    """Sweeps of the non-step eCodes (.npz, currents from ecode_currents) for n_cells,
    simulated together (currents padded to the longest protocol)."""
    folder = Path(folder)
    params = cell_params(n_cells, seed=3)
    currents = [ecode_currents(seed=c) for c in range(n_cells)]
    rows, keys = [], []
    for c in range(n_cells):
        for protocol, (_, _, current) in currents[c].items():
            rows += list(current)
            keys += [(c, protocol)] * len(current)
    n = max(len(r) for r in rows)
    padded = np.array([np.pad(r, (0, n - len(r)), mode="edge") for r in rows])
    per = {k: np.array([params[c][k] for c, _ in keys]) for k in ("area", "gna", "gk")}
    voltage = simulate(None, 0., 0., n * 0.1, current=padded, seed=3, **per)
    out = {f"cell{c}": {} for c in range(n_cells)}
    for c in range(n_cells):
        for protocol, (timings, _, current) in currents[c].items():
            sel = [k for k, key in enumerate(keys) if key == (c, protocol)]
            path = folder / f"cell{c}" / f"{protocol}.npz"
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, voltage=voltage[sel, :current.shape[1]], current=current)
            out[f"cell{c}"][protocol] = [{"filepath": str(path), "dt": 0.1, **timings}]
    return out


def make_inputs(folder):
    """{kind: files_metadata} of the sweeps written under ``folder``: "txt" (lccr text),
    "npz" (the same sweeps for the custom reader), "ecodes" (non-step eCodes, .npz)."""
    folder = Path(folder)
    txt = make_dataset(folder / "txt", n_cells=3, seed=1)
    return {"txt": txt, "npz": write_npz_dataset(txt, folder / "npz"),
            "ecodes": write_ecode_dataset(folder / "ecodes")}


def job(name, inputs, output_directory):
    options, kind = cases()[name]
    files_metadata = copy.deepcopy(inputs[kind])
    if name == "absolute":  # liquid junction potential everywhere, v_corr on one cell
        for cell, protocols in files_metadata.items():
            for entries in protocols.values():
                for entry in entries:
                    entry["ljp"] = 5.0
                    if cell == "cell1":
                        entry["v_corr"] = -70.
    return {"output_directory": str(output_directory), "files_metadata": files_metadata,
            "options": options}
