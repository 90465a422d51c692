"""Synthetic template-gui datasets (``phy synthetic``): a KiloSort-like output folder with raw data.

``make_dataset(out_dir, ...)`` writes, in phy / KiloSort format (see DESIGN.md "Contracts"):

- ``raw.dat``: int16 (n_samples, n_channels_dat) raw recording of ``raw_duration`` seconds: spike-band
  noise + every spike + slow LFP (``hp_filtered = False``); Neuropixels datasets add a sync channel.
- ``params.py``; ``spike_times.npy`` (int64 samples, sorted), ``spike_templates.npy`` (uint32),
  ``spike_clusters.npy`` (int32, = templates), ``amplitudes.npy`` (float64);
- sparse ``templates.npy`` (n_templates, 82, n_channels_loc) float32 + ``template_ind.npy``;
  ``channel_map.npy``, ``channel_positions.npy``, ``channel_shanks.npy``,
  ``whitening_mat.npy`` / ``whitening_mat_inv.npy``, ``similar_templates.npy``;
- ``pc_features.npy`` (n_spikes, 3, n_channels_loc) float32 + ``pc_feature_ind.npy``,
  ``template_features.npy`` (n_spikes, 32) + ``template_feature_ind.npy``;
- ``cluster_group.tsv`` (good / mua / noise / unsorted), ``cluster_KSLabel.tsv``,
  ``cluster_Amplitude.tsv``, ``spike_positions.npy`` (a per-spike attribute, (x, y) µm);
- ``ground_truth/`` (not read by phy): neuron of each template, kind, position, SNR, rates.

Spike trains may be longer than the raw data (``duration`` ≥ ``raw_duration``). pc_features of
spikes inside the raw data are projections of the whitened spike band on the temporal PCs;
beyond it (and for every template feature) they are drawn from the template model with the same
noise covariance (see ``synthetic_features``). Everything big is streamed: memory is O(n_spikes)
for the spike vectors plus one chunk, never n_spikes × n_channels × n_samples.

The folder is built in a hidden sibling and renamed into place when complete; an existing
non-empty folder is only replaced with ``force=True`` and only if it is a dataset (has params.py).
"""

import logging
import os
import secrets
import shutil
from pathlib import Path

import numpy as np
from tqdm import tqdm

from phyclone.utils.errors import DataError
from phyclone.utils.fileio import save_npy, write_text, write_tsv

from phyclone.io.npy_stream import NpyWriter, RawWriter
from phyclone.io.synthetic.probes import PROBES, probe_positions
from phyclone.io.synthetic.features import (
    FeatureModel, similar_templates, temporal_pcs, template_feature_model,
)
from phyclone.io.synthetic.signal import bandpass_sos, noise_autocorrelation, synthesize_raw
from phyclone.io.synthetic.trains import make_spike_trains
from phyclone.io.synthetic.units import make_units

logger = logging.getLogger(__name__)

DAT_NAME = "raw.dat"
_FEATURE_CHUNK = 1 << 17


def make_dataset(out_dir, n_channels=32, duration=60., n_clusters=20, probe="linear", seed=0,
                 sample_rate=30000., n_spikes=None, raw_duration=None, progress=True, force=False,
                 n_channels_loc=32, n_pcs=3, n_samples_templates=82, lfp_std=30.,
                 sync_channel=None):
    """Write a synthetic template-gui dataset into ``out_dir`` and return the path of params.py.

    ``duration`` (s) is the length of the spike trains, ``raw_duration`` (s, default: duration)
    the length of the raw data file. ``n_spikes`` fixes the exact total spike count (default:
    drawn from the firing rates, median 4 Hz). ``sync_channel`` (default: True for Neuropixels)
    adds a last channel to the file that is not in ``channel_map``. Same ``seed`` and parameters
    give byte-identical files.
    """
    out_dir = Path(out_dir).expanduser().absolute()
    raw_duration = duration if raw_duration is None else raw_duration
    _check_args(n_channels, duration, n_clusters, probe, sample_rate, n_spikes, raw_duration)
    _check_target(out_dir, force)
    sync_channel = (probe == "neuropixels") if sync_channel is None else bool(sync_channel)
    staging = out_dir.parent / f".{out_dir.name}.partial-{secrets.token_hex(4)}"
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    os.mkdir(staging)
    try:
        _generate(staging, n_channels, duration, n_clusters, probe, seed, sample_rate, n_spikes,
                  raw_duration, progress, n_channels_loc, n_pcs, n_samples_templates, lfp_std,
                  sync_channel)
        _publish(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / "params.py"


def _check_args(n_channels, duration, n_clusters, probe, sample_rate, n_spikes, raw_duration):
    def bad(problem, fix):
        raise DataError(None, problem, fix)
    if probe not in PROBES:
        bad(f"unknown probe {probe!r}", f"use one of {', '.join(PROBES)}")
    if n_channels < 1 or n_clusters < 1:
        bad("n_channels and n_clusters must be at least 1", "pass positive numbers")
    if sample_rate <= 0 or duration <= 0:
        bad("duration and sample_rate must be positive", "pass positive numbers")
    if not 0 < raw_duration <= duration:
        bad(f"raw_duration={raw_duration} must be in (0, duration={duration}]",
            "use a raw duration no longer than the spike trains")
    if n_spikes is not None and n_spikes < 0:
        bad("n_spikes must be >= 0", "pass a non-negative number")


def _check_target(out_dir, force):
    """Refuse to overwrite a non-empty folder, unless forced and it is a dataset folder."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise DataError(out_dir, "exists and is not a folder", "choose another output folder")
    if not any(out_dir.iterdir()):
        return
    if not force:
        raise DataError(out_dir, "is not empty", "choose a new folder, or pass --force to "
                        "replace the dataset it holds")
    if not (out_dir / "params.py").exists():
        raise DataError(out_dir, "is not empty and holds no params.py (not a dataset folder), "
                        "so --force will not delete it", "choose a new or empty folder")


def _publish(staging, out_dir):
    """Give the files the usual permissions and move the finished folder into place."""
    umask = os.umask(0)
    os.umask(umask)
    for root, _, files in os.walk(staging):
        os.chmod(root, 0o777 & ~umask)
        for f in files:
            os.chmod(os.path.join(root, f), 0o666 & ~umask)
    old = None
    if out_dir.exists():
        if any(out_dir.iterdir()):
            old = out_dir.parent / f".{out_dir.name}.old-{secrets.token_hex(4)}"
            os.rename(out_dir, old)
        else:
            os.rmdir(out_dir)
    os.rename(staging, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _generate(d, n_channels, duration, n_clusters, probe, seed, sample_rate, n_spikes,
              raw_duration, progress, n_channels_loc, n_pcs, n_samples_templates, lfp_std,
              sync_channel):
    rng_units, rng_trains, rng_raw, rng_feat, rng_labels = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5))
    positions = probe_positions(probe, n_channels)
    n_samples = int(round(duration * sample_rate))
    n_raw = min(n_samples, int(round(raw_duration * sample_rate)))

    logger.info("Drawing %d templates and their spike trains.", n_clusters)
    units = make_units(rng_units, positions, n_clusters, sample_rate, n_samples_templates,
                       n_channels_loc)
    trains = make_spike_trains(rng_trains, units, n_samples, sample_rate, n_spikes,
                               n_samples_waveforms=n_samples_templates)
    n = len(trains.spike_times)
    pcs = temporal_pcs(units.templates, n_pcs)
    _, autocorr = noise_autocorrelation(bandpass_sos(sample_rate), n_samples_templates)
    sim = similar_templates(units.templates, units.template_ind, n_channels)
    tf_model = template_feature_model(units.templates, units.template_ind, n_channels, sim,
                                      autocorr)
    _write_small_files(d, units, trains, positions, sim, tf_model, sample_rate,
                       n_channels + int(sync_channel), rng_labels)

    n_loc = units.template_ind.shape[1]
    n_tf = tf_model.ind.shape[1]
    with NpyWriter(d / "pc_features.npy", np.float32, (n, n_pcs, n_loc)) as pc_w, \
            NpyWriter(d / "template_features.npy", np.float32, (n, n_tf)) as tf_w, \
            NpyWriter(d / "spike_positions.npy", np.float32, (n, 2)) as pos_w:
        with RawWriter(d / DAT_NAME, np.int16, (n_raw, n_channels + int(sync_channel))) as raw_w, \
                tqdm(total=n_raw, desc="raw data", unit="sample", unit_scale=True,
                     disable=not progress) as bar:
            n_in = synthesize_raw(rng_raw, units, trains, n_raw, sample_rate, raw_w, pc_w, pcs,
                                  lfp_std=lfp_std, sync_channel=sync_channel, positions=positions,
                                  progress=bar)
        model = FeatureModel(units, pcs, autocorr, tf_model)
        with tqdm(total=n, desc="features", unit="spike", unit_scale=True,
                  disable=not progress) as bar:
            for i0 in range(0, n, _FEATURE_CHUNK):
                i1 = min(n, i0 + _FEATURE_CHUNK)
                st = trains.spike_templates[i0:i1].astype(np.int64)
                amp = trains.amplitudes[i0:i1]
                tf_w.append(model.template_features(rng_feat, st, amp))
                pos_w.append(model.spike_positions(rng_feat, st, amp))
                if i1 > n_in:
                    j = max(i0, n_in) - i0
                    pc_w.append(model.pc_features(rng_feat, st[j:], amp[j:]))
                bar.update(i1 - i0)
    logger.info("%d spikes, %d inside the raw data (%.1f s).", n, n_in, n_raw / sample_rate)


def _write_small_files(d, units, trains, positions, sim, tf_model, sample_rate, n_channels_dat,
                       rng):
    n_channels = len(positions)
    save_npy(d / "spike_times.npy", trains.spike_times)
    save_npy(d / "spike_templates.npy", trains.spike_templates)
    save_npy(d / "spike_clusters.npy", trains.spike_templates.astype(np.int32))
    save_npy(d / "amplitudes.npy", trains.amplitudes)
    save_npy(d / "templates.npy", units.templates)
    save_npy(d / "template_ind.npy", units.template_ind)
    save_npy(d / "pc_feature_ind.npy", units.template_ind.astype(np.uint32))
    save_npy(d / "template_feature_ind.npy", tf_model.ind)
    save_npy(d / "similar_templates.npy", sim)
    save_npy(d / "channel_map.npy", np.arange(n_channels, dtype=np.int32))
    save_npy(d / "channel_positions.npy", positions)
    save_npy(d / "channel_shanks.npy", np.zeros(n_channels, dtype=np.int32))
    save_npy(d / "whitening_mat.npy", np.diag(1. / units.noise_std))
    save_npy(d / "whitening_mat_inv.npy", np.diag(units.noise_std))
    write_text(d / "params.py", (
        f"dat_path = {DAT_NAME!r}\n"
        f"n_channels_dat = {n_channels_dat}\n"
        "dtype = 'int16'\n"
        "offset = 0\n"
        f"sample_rate = {float(sample_rate)!r}\n"
        "hp_filtered = False\n"))
    _write_cluster_tables(d, units, trains, rng)
    gt = d / "ground_truth"
    save_npy(gt / "template_neuron.npy", units.neuron)
    save_npy(gt / "template_kind.npy", units.kind)
    save_npy(gt / "template_position.npy", units.position)
    save_npy(gt / "template_snr.npy", units.snr)
    save_npy(gt / "template_peak_channel.npy", units.peak_channel)
    save_npy(gt / "neuron_rate.npy", trains.rates)


def cluster_labels(snr, rng):
    """(KiloSort-like label, curated group) per cluster from its SNR.

    KSLabel: good if SNR ≥ 5 else mua. Group: the lowest 5 % are noise, SNR < 4 mua, the others
    good; then about 30 % are left unsorted (not reviewed yet).
    """
    ks = np.where(snr >= 5., "good", "mua")
    group = np.where(snr < 4., "mua", "good").astype(object)
    n_noise = int(round(.05 * len(snr)))
    group[np.argsort(snr, kind="stable")[:n_noise]] = "noise"
    group[rng.random(len(snr)) < .3] = "unsorted"
    return ks, group


def _write_cluster_tables(d, units, trains, rng):
    n_t = len(units.templates)
    ks, group = cluster_labels(units.snr, rng)
    counts = np.bincount(trains.spike_templates, minlength=n_t)
    mean_amp = np.bincount(trains.spike_templates, weights=trains.amplitudes, minlength=n_t)
    mean_amp = np.where(counts > 0, mean_amp / np.maximum(counts, 1), units.base_amplitude)
    peak = units.templates[:, :, 0] * units.noise_std[units.template_ind[:, 0]][:, None]
    ptp = mean_amp * (peak.max(axis=1) - peak.min(axis=1))  # ADC units on the peak channel
    ids = range(n_t)
    write_tsv(d / "cluster_group.tsv", [{"cluster_id": i, "group": group[i]} for i in ids])
    write_tsv(d / "cluster_KSLabel.tsv", [{"cluster_id": i, "KSLabel": ks[i]} for i in ids])
    write_tsv(d / "cluster_Amplitude.tsv", [{"cluster_id": i, "Amplitude": float(ptp[i])}
                                            for i in ids], n_significant_figures=4)
