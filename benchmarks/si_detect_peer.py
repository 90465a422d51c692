"""SpikeInterface side of bench_detect.py, run with the peer venv's Python (never imported by
phyclone).

``generate OUT N_CHANNELS DURATION SEED``: ground truth (``generate_ground_truth_recording``)
saved as ``recording.dat`` (int16) + ``gt_times.npy``, ``gt_units.npy``,
``unit_peak_channels.npy``, ``unit_snr.npy``, ``channel_positions.npy``, ``meta.json``.

``detect DIR OUT_JSON``: SpikeInterface's pipeline on ``recording.dat`` with n_jobs=1 (bandpass
300-6000 Hz + common median reference + MAD noise levels + ``detect_peaks`` locally_exclusive),
timed per stage; peaks saved as ``si_peaks_times.npy`` / ``si_peaks_channels.npy``.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

GAIN = 0.25  # µV per int16 bit


def generate(out, n_channels, duration, seed):
    from spikeinterface.core import generate_ground_truth_recording
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if n_channels >= 128:  # Neuropixels-like: 4 staggered columns, 20 µm rows
        probe_kwargs = dict(num_columns=4, num_contact_per_column=n_channels // 4, xpitch=16,
                            ypitch=20, y_shift_per_column=[0, 10, 0, 10],
                            contact_shapes="square", contact_shape_params={"width": 12})
        n_units = n_channels // 2
    else:
        probe_kwargs = dict(num_columns=2, xpitch=20, ypitch=20, contact_shapes="circle",
                            contact_shape_params={"radius": 6})
        n_units = max(4, n_channels * 3 // 4)
    sr = 30000.
    rec, sorting = generate_ground_truth_recording(
        durations=[duration], sampling_frequency=sr, num_channels=n_channels,
        num_units=n_units, generate_probe_kwargs=probe_kwargs, seed=seed,
        noise_kwargs=dict(noise_levels=5.0, strategy="on_the_fly"))
    traces = rec.get_traces()
    np.round(traces / GAIN).clip(-32768, 32767).astype(np.int16).tofile(out / "recording.dat")
    sv = sorting.to_spike_vector()
    np.save(out / "gt_times.npy", sv["sample_index"].astype(np.int64))
    np.save(out / "gt_units.npy", sv["unit_index"].astype(np.int64))
    templates = rec.templates  # (n_units, n_samples, n_channels), µV
    ptp = np.abs(templates).max(axis=1)
    peak_ch = ptp.argmax(axis=1)
    np.save(out / "unit_peak_channels.npy", peak_ch.astype(np.int64))
    np.save(out / "unit_snr.npy", ptp.max(axis=1) / 5.0)
    np.save(out / "channel_positions.npy", rec.get_channel_locations()[:, :2].astype(np.float64))
    (out / "meta.json").write_text(json.dumps(dict(
        sample_rate=sr, n_channels=n_channels, duration=duration, gain_uv=GAIN, n_units=n_units,
        seed=seed, dtype="int16")))


def detect(folder, out_json, threshold=5.0):
    import spikeinterface.core as si
    import spikeinterface.preprocessing as spre
    from spikeinterface.sortingcomponents.peak_detection import detect_peaks
    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text())
    job = dict(n_jobs=1, chunk_duration="1s", progress_bar=False)
    c0 = time.process_time()
    t0 = time.perf_counter()
    rec = si.read_binary(folder / "recording.dat", sampling_frequency=meta["sample_rate"],
                         dtype="int16", num_channels=meta["n_channels"])
    rec.set_channel_locations(np.load(folder / "channel_positions.npy"))
    rec = spre.bandpass_filter(rec, freq_min=300., freq_max=6000., dtype="float32")
    rec = spre.common_reference(rec, reference="global", operator="median")
    t1 = time.perf_counter()
    noise = si.get_noise_levels(rec, return_in_uV=False, method="mad")
    t2 = time.perf_counter()
    peaks = detect_peaks(rec, method="locally_exclusive",
                         method_kwargs=dict(peak_sign="neg", detect_threshold=threshold,
                                            radius_um=50., exclude_sweep_ms=0.1,
                                            noise_levels=noise),
                         job_kwargs=job)
    t3 = time.perf_counter()
    np.save(folder / "si_peaks_times.npy", peaks["sample_index"].astype(np.int64))
    np.save(folder / "si_peaks_channels.npy", peaks["channel_index"].astype(np.int64))
    t4 = time.perf_counter()
    Path(out_json).write_text(json.dumps(dict(
        setup=t1 - t0, noise=t2 - t1, detect=t3 - t2, write=t4 - t3, total=t4 - t0,
        cpu=time.process_time() - c0, n_peaks=int(len(peaks)))))


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1] == "detect":
        detect(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
