"""Template matching on SpikeInterface ground truth, side by side with SpikeInterface's
``find_spikes_from_templates`` (tdc-peeler) given the true templates.

Run: PYTHONPATH=. python benchmarks/bench_match.py [--data DIR] [--si PYTHON] [--skip-peer]

Ground truth (made once with the SpikeInterface venv, ``si_match_peer.py generate``):
``generate_ground_truth_recording``, 384 channels (4 staggered columns, 20 µm rows), 100 units,
30 s, seed 42, int16 (0.25 µV/bit), cached under ``~/.cache/phyclone/bench/gt384_match``.
Scoring: one-to-one matches within 0.4 ms between found spikes of a template and the true
spikes of its unit, on the units with SNR >= 5 (peak amplitude / 5 µV noise). One core
(numba threads 1, SpikeInterface n_jobs=1).

1. Whole recording: ``phy detect`` (band-pass 300-6000 Hz, threshold 5 × MAD) then
   ``match_recording`` (peeling of the detected events + sliding of every template over the
   residual) with the true templates (band-passed like the data, 1 ms around the peak
   compared, 1 ms before to 2 ms after it subtracted, channels within 100 µm), automatic
   thresholds; vs tdc-peeler on band-pass + CMR data.
2. Mode A: templates built from the ground-truth clusters (mean of 200 spikes); every
   detected event matched to a true spike is matched against all templates (peeling);
   share assigned to the right template; comparisons per second per core (kernel, no
   peeling).
3. Mode B: detection with a high threshold (8 × MAD) misses a share of the spikes; for 10
   units with SNR >= 5 (at least 50 detected spikes, 5 missed), the unit's template is slid
   over the whole 30 s: ``--mode-b residual`` (default): ``find_missed_spikes(peel=True)``,
   over the residual of the detected events peeled on the template's channels; ``plain``:
   over the data; ``peel``: ``match_recording`` of the templates within 200 µm, only the
   unit's slid. Recall of its missed spikes, precision, time per unit.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _paths import peer_venv  # noqa: E402

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = Path.home() / ".cache" / "phyclone" / "bench"
TOL = 12  # 0.4 ms at 30 kHz
HIGH = 8.  # mode B: detection threshold (× MAD) that misses spikes


def ensure_gt(d, si_python):
    if (d / "meta.json").exists():
        return
    subprocess.run([si_python, str(HERE / "si_match_peer.py"), "generate", str(d), "384", "100",
                    "30", "42"], check=True)


def phy_folder(d):
    """A template-gui folder of the ground truth (true spikes and units) next to the data."""
    p = d / "phy"
    if (p / "params.py").exists():
        return p / "params.py"
    p.mkdir(exist_ok=True)
    t, u = np.load(d / "gt_times.npy"), np.load(d / "gt_units.npy")
    np.save(p / "spike_times.npy", t)
    np.save(p / "spike_clusters.npy", u.astype(np.int32))
    np.save(p / "spike_templates.npy", u.astype(np.int32))
    np.save(p / "amplitudes.npy", np.ones(len(t), np.float32))
    np.save(p / "channel_map.npy", np.arange(384, dtype=np.int32))
    np.save(p / "channel_positions.npy", np.load(d / "channel_positions.npy"))
    (p / "params.py").write_text(
        f"dat_path = r'{d / 'recording.dat'}'\nn_channels_dat = 384\ndtype = 'int16'\n"
        f"offset = 0\nsample_rate = 30000.\nhp_filtered = False\n")
    return p / "params.py"


def match_one_to_one(found_t, found_u, gt_t, gt_u, units):
    """(hits per unit, found per unit, true per unit) with one-to-one matching within TOL."""
    hits, nf, nt = {}, {}, {}
    for u in units:
        a = np.sort(found_t[found_u == u])
        b = np.sort(gt_t[gt_u == u])
        nf[u], nt[u] = len(a), len(b)
        i = j = h = 0
        while i < len(a) and j < len(b):
            if abs(a[i] - b[j]) <= TOL:
                h += 1
                i += 1
                j += 1
            elif a[i] < b[j]:
                i += 1
            else:
                j += 1
        hits[u] = h
    return hits, nf, nt


def scores(found_t, found_u, gt_t, gt_u, units):
    h, nf, nt = match_one_to_one(found_t, found_u, gt_t, gt_u, units)
    H, F, T = sum(h.values()), sum(nf.values()), sum(nt.values())
    return dict(recall=H / max(T, 1), precision=H / max(F, 1), accuracy=H / max(F + T - H, 1))


def true_templates(d, positions, radius=100., window_ms=1.):
    """The true templates band-passed like the data (zero phase), 1 ms around the peak of
    their max channel, on the channels within ``radius``; offsets relative to the peak."""
    from scipy.signal import sosfiltfilt

    from phyclone.detect.filters import bandpass_sos
    from phyclone.match.templates import SUBTRACT_MS, _channels_within
    from phyclone.utils import Bunch
    meta = json.loads((d / "meta.json").read_text())
    tpl = np.load(d / "templates.npy") / meta["gain_uv"]  # raw units
    nbefore = int(np.load(d / "templates_nbefore.npy"))
    pad = 200
    x = np.pad(tpl, ((0, 0), (pad, pad), (0, 0)))
    x = sosfiltfilt(bandpass_sos(30000.), x, axis=1)  # padded: windows may reach past it
    n_s = int(round(window_ms * 30.)) | 1
    half = n_s // 2
    bef, aft = (max(half, int(round(v * 30.))) for v in SUBTRACT_MS)
    chans, data, sub, peaks = [], [], [], []
    for j in range(len(x)):
        mc = int(np.abs(x[j]).max(axis=0).argmax())
        pk = int(np.abs(x[j, pad:-pad, mc]).argmax()) + pad
        ch = _channels_within(positions, mc, radius)
        chans.append(ch)
        data.append(x[j, pk - half:pk + half + 1][:, ch])
        sub.append(x[j, pk - bef:pk + aft + 1][:, ch])
        peaks.append(pk - pad)
    n_c = max(len(c) for c in chans)
    D = np.zeros((len(x), n_s, n_c), np.float32)
    S = np.zeros((len(x), bef + aft + 1, n_c), np.float32)
    C = np.full((len(x), n_c), -1, np.int64)
    for j in range(len(x)):
        D[j, :, :len(chans[j])] = data[j]
        S[j, :, :len(chans[j])] = sub[j]
        C[j, :len(chans[j])] = chans[j]
    return Bunch(ids=np.arange(len(x)), data=D, channels=C,
                 max_channels=np.array([c[0] for c in chans]), offsets=np.full(len(x), -half),
                 window_ms=window_ms, radius_um=radius, sub_data=S,
                 sub_offsets=np.full(len(x), -bef)), np.array(peaks) - nbefore


def event_units(ev_t, ev_ch, gt_t, gt_u, pos, unit_peak_channels, radius=100.):
    """(is a true spike, unit) of detected events: among the true spikes within 0.4 ms whose
    unit's peak channel lies within ``radius`` µm of the event's max channel, the nearest in
    space (then in time). Nearest in time alone mislabels: 100 units fire ~2,900 spikes/s
    over the probe, so most events have a far-away spike within 0.4 ms."""
    o = np.argsort(gt_t, kind="stable")
    gts, gus = gt_t[o], gt_u[o]
    lo = np.searchsorted(gts, ev_t - TOL)
    hi = np.searchsorted(gts, ev_t + TOL, side="right")
    ok = np.zeros(len(ev_t), bool)
    unit = np.full(len(ev_t), -1)
    for e in range(len(ev_t)):
        if hi[e] == lo[e]:
            continue
        u = gus[lo[e]:hi[e]]
        dd = np.linalg.norm(pos[unit_peak_channels[u]] - pos[ev_ch[e]], axis=1)
        k = np.argmin(dd + 1e-3 * np.abs(gts[lo[e]:hi[e]] - ev_t[e]))
        if dd[k] <= radius:
            ok[e], unit[e] = True, u[k]
    return ok, unit


def run_detect(d, threshold):
    from phyclone.detect import detect
    return detect(str(d / "recording.dat"), probe=str(d / "channel_positions.npy"),
                  n_channels=384, sample_rate=30000., dtype="int16", jobs=1,
                  threshold=threshold)


def whole_and_mode_a(a, d, model, pos, gt_t, gt_u, good, dur, tplc, rows):
    """Stages 1 (whole recording, with the peer) and 2 (mode A); returns (right, rate)."""
    from phyclone.match.pipeline import match_recording
    tr = a.time_range
    # Warm-up (numba caches loaded, page cache warm): 2 s of everything.
    tpl, shift = true_templates(d, pos, window_ms=a.window_ms)
    det = run_detect(d, 5.)
    if not a.only_mode_a:
        match_recording(model.traces, tpl, det.times, det.channels, pos, time_range=(0, 2))
    if tr is not None:  # score the true spikes of the time range only
        m = (gt_t >= tr[0] * 30000.) & (gt_t < tr[1] * 30000.)
        gt_t, gt_u = gt_t[m], gt_u[m]
        dur = tr[1] - tr[0]
    if a.only_mode_a:
        return mode_a(a, model, pos, det, gt_t, gt_u, good, tplc)

    # 1. Whole recording ------------------------------------------------------------------
    t0 = time.perf_counter()
    det = run_detect(d, 5.)
    t1 = time.perf_counter()
    res = match_recording(model.traces, tpl, det.times, det.channels, pos, time_range=tr)
    t2 = time.perf_counter()
    found_t = res.spike_samples - shift[res.spike_templates]  # peak -> true spike convention
    sc = scores(found_t, res.spike_templates, gt_t, gt_u, good)
    ours = t2 - t0
    rows.append(("whole recording: phyclone detect + match", ours, dur / ours, sc))
    print(f"phyclone: detect {t1 - t0:.2f} s, match {t2 - t1:.2f} s "
          f"({', '.join(f'{k} {v:.2f}' for k, v in res.timings.items())}); "
          f"{len(det.times)} events, {len(res.spike_samples)} spikes "
          f"({(~res.detected).sum()} from sliding)", flush=True)
    if not a.skip_peer and tr is None:
        out = d / "peel_tdc.json"
        subprocess.run([a.si, str(HERE / "si_match_peer.py"), "peel", str(d), "tdc-peeler",
                        str(out)], check=True)
        peer = json.loads(out.read_text())
        pt, pu = np.load(d / "peel_tdc-peeler_times.npy"), np.load(d / "peel_tdc-peeler_units.npy")
        rows.append(("whole recording: SpikeInterface tdc-peeler", peer["time"],
                     dur / peer["time"], scores(pt, pu, gt_t, gt_u, good)))

    return mode_a(a, model, pos, det, gt_t, gt_u, good, tplc)


def mode_a(a, model, pos, det, gt_t, gt_u, good, tplc):
    """Stage 2: share of the detected true spikes assigned to the right template (peeling),
    comparisons per second per core (kernel, no peeling)."""
    from phyclone.match.matching import match_events
    # detected events that are true spikes: their unit is known
    ok, ev_unit = event_units(det.times, det.channels, gt_t, gt_u, pos,
                              np.load(Path(a.data).expanduser() / "unit_peak_channels.npy"))
    tr = a.time_range
    pairs = match_events(model.traces, tplc, det.times, det.channels, pos, filter="bandpass",
                         peel=True, time_range=tr)
    sel = ok & np.isin(ev_unit, good)
    if tr is not None:
        sel &= (det.times >= tr[0] * 30000.) & (det.times < tr[1] * 30000.)
    right = float(np.mean(pairs.best[sel] == ev_unit[sel]))
    plain = match_events(model.traces, tplc, det.times, det.channels, pos, filter="bandpass",
                         time_range=tr)
    rate = plain.n_comparisons / plain.kernel_time
    print(f"mode A: {sel.sum()} events of SNR>=5 units, right template {right:.4f}; "
          f"{plain.n_comparisons} comparisons in {plain.kernel_time:.3f} s = {rate:.3g}/s/core "
          f"(whole call {pairs.kernel_time:.2f} s kernel with peeling)", flush=True)

    return right, rate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(CACHE / "gt384_match"))
    ap.add_argument("--si", default=str(peer_venv("si", "PHYCLONE_PEER_SI") / "bin" / "python"))
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--mode-b-units", type=int, default=10)
    ap.add_argument("--mode-b", choices=("peel", "plain", "residual"), default="residual",
                    help="mode B: find_missed_spikes on the residual of the detected events "
                         "(residual), on the data (plain), or match_recording with the "
                         "neighbouring templates (peel)")
    ap.add_argument("--only-mode-b", action="store_true")
    ap.add_argument("--only-mode-a", action="store_true", help="mode A only (no peer, no mode B)")
    ap.add_argument("--time-range", type=float, nargs=2, metavar=("A", "B"),
                    help="seconds: match and score this range only (no peer: it runs on all)")
    ap.add_argument("--window-ms", type=float, default=1.,
                    help="template window of the whole-recording run")
    a = ap.parse_args()
    from phyclone.utils.runtime import prepare_numba
    prepare_numba()  # as the `phy` command does (512-bit vectors on AVX-512 CPUs)
    import os

    import numba
    numba.set_num_threads(1)
    print("numba CPU features:", "512-bit vectors preferred" if "-prefer-256-bit" in
          os.environ.get("NUMBA_CPU_FEATURES", "") else "numba's defaults", flush=True)
    from phyclone.io.template.model import load_model
    from phyclone.match import auto_threshold, cluster_templates
    from phyclone.match.matching import find_missed_spikes, match_events, template_errors
    from phyclone.match.pipeline import match_recording
    from phyclone.match.templates import subset
    from phyclone.utils import Bunch

    d = Path(a.data).expanduser()
    ensure_gt(d, a.si)
    meta = json.loads((d / "meta.json").read_text())
    dur = meta["duration"]
    gt_t, gt_u = np.load(d / "gt_times.npy"), np.load(d / "gt_units.npy")
    snr = np.load(d / "unit_snr.npy")
    good = np.nonzero(snr >= 5)[0]
    pos = np.load(d / "channel_positions.npy")
    model = load_model(phy_folder(d))
    rows = []

    tplc = cluster_templates(model.traces, model.spike_samples, model.spike_clusters, pos,
                             filter="bandpass")
    right = rate = float("nan")
    if not a.only_mode_b:
        right, rate = whole_and_mode_a(a, d, model, pos, gt_t, gt_u, good, dur, tplc, rows)
    if a.only_mode_a:
        print(f"mode A right template: {right:.4f}; comparisons/s/core: {rate:.3g}")
        return
    # 3. Mode B ---------------------------------------------------------------------------
    high = run_detect(d, HIGH)
    pairs_h = match_events(model.traces, tplc, high.times, high.channels, pos,
                           filter="bandpass")
    from phyclone.match.blocks import noise_levels
    from phyclone.match.threshold import expected_error
    from phyclone.match.weights import weight_arrays
    noise = noise_levels(model.traces, filter="bandpass")
    mu = expected_error(tplc, noise, "signal",
                        weight_arrays(tplc, pos, "signal", 30000.))
    rng = np.random.default_rng(0)
    # missed = true spikes without a detected event within 0.4 ms
    hs = np.sort(high.times)
    k = np.clip(np.searchsorted(hs, gt_t), 1, len(hs) - 1)
    missed = np.minimum(np.abs(hs[k - 1] - gt_t), np.abs(hs[k] - gt_t)) > TOL
    detected = np.bincount(gt_u[~missed], minlength=len(snr))
    cand = [u for u in good if (missed & (gt_u == u)).sum() >= 5 and detected[u] >= 50]
    units = rng.choice(cand, size=min(a.mode_b_units, len(cand)), replace=False)
    H = F = T = 0
    times = []
    # warm-up (numba caches loaded): the first unit on 1 s
    find_missed_spikes(model.traces, tplc, int(units[0]), np.inf, high.times, high.channels,
                       pos, filter="bandpass", time_range=(0, 1),
                       peel=a.mode_b == "residual")
    for u in units:
        j = int(np.nonzero(tplc.ids == u)[0][0])
        _, err = template_errors(pairs_h, j)
        thr = auto_threshold(err, expected=mu[j])
        c0 = time.perf_counter()
        if a.mode_b == "peel":  # the neighbours' events peeled, the unit's template slid
            d_mc = np.linalg.norm(pos[tplc.max_channels] - pos[tplc.max_channels[j]], axis=1)
            near = np.nonzero(d_mc <= 200.)[0]
            thr_near = np.array([auto_threshold(template_errors(pairs_h, i)[1],
                                                expected=mu[i]) for i in near])
            sub = subset(tplc, near)
            jj = int(np.nonzero(near == j)[0][0])
            rr = match_recording(model.traces, sub, high.times, high.channels, pos,
                                 thresholds=thr_near, slide_templates=[jj], noise=noise,
                                 time_range=a.time_range)
            m = (~rr.detected) & (rr.spike_templates == jj)
            r = Bunch(spike_samples=rr.spike_samples[m])
        else:  # the template slid over the data
            r = find_missed_spikes(model.traces, tplc, j, thr, high.times, high.channels, pos,
                                   filter="bandpass", time_range=a.time_range,
                                   peel=a.mode_b == "residual")
        times.append(time.perf_counter() - c0)
        in_range = np.ones(len(gt_t), bool) if a.time_range is None else \
            (gt_t >= a.time_range[0] * 30000.) & (gt_t < a.time_range[1] * 30000.)
        truth = gt_t[missed & (gt_u == u) & in_range]
        h, nf, nt = match_one_to_one(r.spike_samples, np.zeros(len(r.spike_samples), int),
                                     truth, np.zeros(len(truth), int), [0])
        # a found spike that is a detected true spike of the unit is not a false positive
        all_u = gt_t[(gt_u == u) & in_range]
        hit_any = match_one_to_one(r.spike_samples, np.zeros(len(r.spike_samples), int),
                                   all_u, np.zeros(len(all_u), int), [0])[0][0]
        H += h[0]
        T += nt[0]
        F += nf[0]
        print(f"  unit {u} (SNR {snr[u]:.1f}): missed {nt[0]}, found {nf[0]}, recovered "
              f"{h[0]}, true {hit_any}, {times[-1]:.3f} s", flush=True)
        rows.append((f"mode B unit {u}", times[-1], dur / times[-1],
                     dict(recall=h[0] / max(nt[0], 1), precision=hit_any / max(nf[0], 1))))
    share = missed[np.isin(gt_u, good)].mean()
    print(f"mode B: detection at {HIGH} x MAD missed {share:.3f} of SNR>=5 spikes; recovered "
          f"{H}/{T} = {H / max(T, 1):.3f}; median time per unit {np.median(times):.3f} s, max "
          f"{np.max(times):.3f} s", flush=True)

    print("\n| run | time (s) | × real time | recall | precision | accuracy |")
    print("|---|---|---|---|---|---|")
    for name, t, rt, s in rows:
        print(f"| {name} | {t:.2f} | {rt:.1f} | {s.get('recall', 0):.4f} | "
              f"{s.get('precision', 0):.4f} | {s.get('accuracy', float('nan')):.4f} |")
    if not a.skip_peer and not a.only_mode_b:
        print(f"\nspeed ratio whole recording: {rows[1][1] / rows[0][1]:.2f}x tdc-peeler")
    print(f"mode A right template: {right:.4f}; comparisons/s/core: {rate:.3g}")
    model.close()


if __name__ == "__main__":
    sys.exit(main())
