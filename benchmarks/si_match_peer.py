"""SpikeInterface side of bench_match.py, run with the peer venv's Python (never imported by
phyclone).

``generate OUT N_CHANNELS N_UNITS DURATION SEED``: ground truth
(``generate_ground_truth_recording``, Neuropixels-like probe) saved as ``recording.dat`` (int16,
0.25 µV per bit) + ``gt_times.npy``, ``gt_units.npy``, ``templates.npy`` (true templates, µV),
``templates_nbefore.npy``, ``unit_peak_channels.npy``, ``unit_snr.npy``,
``channel_positions.npy``, ``meta.json``.

``peel DIR METHOD OUT_JSON``: ``find_spikes_from_templates`` given the true templates on the
bandpass (300-6000 Hz) + common median reference recording, n_jobs=1; timed; spikes saved as
``peel_<METHOD>_times.npy`` / ``peel_<METHOD>_units.npy``.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

GAIN = 0.25  # µV per int16 bit
NOISE_UV = 5.0


def generate(out, n_channels, n_units, duration, seed):
    from spikeinterface.core import generate_ground_truth_recording
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    probe_kwargs = dict(num_columns=4, num_contact_per_column=n_channels // 4, xpitch=16,
                        ypitch=20, y_shift_per_column=[0, 10, 0, 10],
                        contact_shapes="square", contact_shape_params={"width": 12})
    sr = 30000.
    rec, sorting = generate_ground_truth_recording(
        durations=[duration], sampling_frequency=sr, num_channels=n_channels,
        num_units=n_units, generate_probe_kwargs=probe_kwargs, seed=seed,
        noise_kwargs=dict(noise_levels=NOISE_UV, strategy="on_the_fly"))
    traces = rec.get_traces()
    np.round(traces / GAIN).clip(-32768, 32767).astype(np.int16).tofile(out / "recording.dat")
    sv = sorting.to_spike_vector()
    np.save(out / "gt_times.npy", sv["sample_index"].astype(np.int64))
    np.save(out / "gt_units.npy", sv["unit_index"].astype(np.int64))
    templates = np.asarray(rec.templates, dtype=np.float32)  # (n_units, n_samples, n_channels)
    np.save(out / "templates.npy", templates)
    _finish(out, rec, templates, n_channels, n_units, duration, seed, sr)


def _finish(out, rec, templates, n_channels, n_units, duration, seed, sr):
    nbefore = rec._kwargs.get("nbefore")
    if nbefore is None:  # the peak of the templates
        nbefore = int(np.argmax(np.abs(templates).max(axis=(0, 2))))
    np.save(out / "templates_nbefore.npy", np.array(int(np.max(nbefore))))
    ptp = np.abs(templates).max(axis=1)
    np.save(out / "unit_peak_channels.npy", ptp.argmax(axis=1).astype(np.int64))
    np.save(out / "unit_snr.npy", ptp.max(axis=1) / NOISE_UV)
    np.save(out / "channel_positions.npy", rec.get_channel_locations()[:, :2].astype(np.float64))
    (out / "meta.json").write_text(json.dumps(dict(
        sample_rate=sr, n_channels=n_channels, duration=duration, gain_uv=GAIN, n_units=n_units,
        seed=seed, dtype="int16")))


def peel(folder, method, out_json):
    import spikeinterface.core as si
    import spikeinterface.preprocessing as spre
    from spikeinterface.sortingcomponents.matching import find_spikes_from_templates
    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text())
    job = dict(n_jobs=1, chunk_duration="1s", progress_bar=False)
    rec = si.read_binary(folder / "recording.dat", sampling_frequency=meta["sample_rate"],
                         dtype="int16", num_channels=meta["n_channels"])
    rec.set_channel_gains(meta["gain_uv"])
    rec.set_channel_offsets(0.)
    rec.set_channel_locations(np.load(folder / "channel_positions.npy"))
    rec = spre.bandpass_filter(rec, freq_min=300., freq_max=6000., dtype="float32")
    rec = spre.common_reference(rec, reference="global", operator="median")
    templates_array = np.load(folder / "templates.npy") / meta["gain_uv"]  # raw units
    nbefore = int(np.load(folder / "templates_nbefore.npy"))
    templates = si.Templates(templates_array=templates_array.astype(np.float32),
                             sampling_frequency=meta["sample_rate"], nbefore=nbefore,
                             is_in_uV=False, channel_ids=rec.channel_ids,
                             unit_ids=np.arange(len(templates_array)),
                             probe=rec.get_probe())
    noise = si.get_noise_levels(rec, return_in_uV=False)
    t0 = time.perf_counter()
    spikes = find_spikes_from_templates(rec, templates, method=method,
                                        method_kwargs=dict(noise_levels=noise), job_kwargs=job)
    t1 = time.perf_counter()
    np.save(folder / f"peel_{method}_times.npy", spikes["sample_index"].astype(np.int64))
    np.save(folder / f"peel_{method}_units.npy", spikes["cluster_index"].astype(np.int64))
    Path(out_json).write_text(json.dumps(dict(time=t1 - t0, n_spikes=int(len(spikes)))))


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]),
                 int(sys.argv[6]))
    elif sys.argv[1] == "peel":
        peel(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(__doc__)
