"""Synthetic template-gui datasets: files, shapes, relations, raw data content, determinism, CLI."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import butter, sosfiltfilt

from phyclone.apps.cli import phycli
from phyclone.io.npy_stream import NpyWriter, RawWriter
from phyclone.io.synthetic.probes import linear_positions, nearest_channels, neuropixels_positions
from phyclone.io.synthetic.dataset import make_dataset
from phyclone.io.synthetic.features import temporal_pcs
from phyclone.io.synthetic.trains import dead_time_train, spike_counts
from phyclone.utils.errors import DataError
from phyclone.utils.fileio import read_tsv
from phyclone.utils.safe_python import read_python

SR = 30000.
SMALL = dict(n_channels=16, duration=12., n_clusters=8, seed=3, progress=False)


def load(d, name):
    return np.load(Path(d) / f"{name}.npy", allow_pickle=False)


@pytest.fixture(scope="module")
def linear(tmp_path_factory):
    """16-channel linear probe, spike trains longer than the raw data."""
    d = tmp_path_factory.mktemp("synth") / "linear"
    make_dataset(d, raw_duration=9., **SMALL)
    return d


@pytest.fixture(scope="module")
def neuropixels(tmp_path_factory):
    """24 Neuropixels channels (+ sync), no LFP: the raw file is the rounded spike band."""
    d = tmp_path_factory.mktemp("synth") / "np"
    make_dataset(d, n_channels=24, duration=8., n_clusters=10, probe="neuropixels", seed=7,
                 lfp_std=0., progress=False)
    return d


def unwhitened(d, t):
    """Template t in ADC units per unit amplitude, on its channels."""
    wmi = load(d, "whitening_mat_inv")
    ind = load(d, "template_ind")[t]
    return load(d, "templates")[t] @ wmi[np.ix_(ind, ind)]


@pytest.mark.parametrize("name", ["linear", "neuropixels"])
def test_files_shapes_dtypes_relations(name, request):
    d = request.getfixturevalue(name)
    params = read_python(d / "params.py")
    nc = 16 if name == "linear" else 24
    n_dat = nc + (name == "neuropixels")
    assert params == dict(dat_path="raw.dat", n_channels_dat=n_dat, dtype="int16", offset=0,
                          sample_rate=SR, hp_filtered=False)
    duration = 12. if name == "linear" else 8.
    raw_s = 9. if name == "linear" else 8.
    assert (d / "raw.dat").stat().st_size == int(raw_s * SR) * n_dat * 2

    times, templates = load(d, "spike_times"), load(d, "spike_templates")
    n = len(times)
    assert n > 100
    assert times.dtype == np.int64 and times.shape == (n,)
    assert np.all(np.diff(times) >= 0)
    assert times[0] >= 41 and times[-1] < duration * SR - 41
    tpl = load(d, "templates")
    n_t, ns, n_loc = tpl.shape
    assert tpl.dtype == np.float32 and ns == 82 and n_t == (8 if name == "linear" else 10)
    assert n_loc == nc  # 32 nearest channels, clipped to the probe
    assert np.allclose(np.sqrt((tpl.astype(np.float64) ** 2).sum(axis=(1, 2))), 1., atol=1e-5)
    assert templates.dtype == np.uint32 and templates.max() < n_t
    clusters = load(d, "spike_clusters")
    assert clusters.dtype == np.int32 and np.array_equal(clusters, templates)
    amp = load(d, "amplitudes")
    assert amp.dtype == np.float64 and amp.shape == (n,) and np.all(amp > 0)

    ind = load(d, "template_ind")
    assert ind.shape == (n_t, n_loc) and np.all((ind >= 0) & (ind < nc))
    assert all(len(set(row)) == n_loc for row in ind)
    for t in range(n_t):  # peak channel first
        w = unwhitened(d, t)
        assert np.argmax(w.max(axis=0) - w.min(axis=0)) == 0
    assert np.array_equal(load(d, "pc_feature_ind"), ind)
    pcf = load(d, "pc_features")
    assert pcf.dtype == np.float32 and pcf.shape == (n, 3, n_loc) and np.isfinite(pcf).all()
    tf, tfi = load(d, "template_features"), load(d, "template_feature_ind")
    assert tf.dtype == np.float32 and tf.shape == (n, n_t) and np.isfinite(tf).all()
    assert tfi.shape == (n_t, n_t) and np.array_equal(tfi[:, 0], np.arange(n_t))
    assert all(sorted(row) == list(range(n_t)) for row in tfi)

    cmap, pos = load(d, "channel_map"), load(d, "channel_positions")
    assert cmap.dtype == np.int32 and np.array_equal(cmap, np.arange(nc)) and cmap.max() < n_dat
    assert pos.shape == (nc, 2) and len(np.unique(pos, axis=0)) == nc
    assert load(d, "channel_shanks").shape == (nc,)
    wm, wmi = load(d, "whitening_mat"), load(d, "whitening_mat_inv")
    assert wm.shape == wmi.shape == (nc, nc) and np.allclose(wm @ wmi, np.eye(nc))
    sim = load(d, "similar_templates")
    assert sim.shape == (n_t, n_t) and np.allclose(sim, sim.T) and np.allclose(np.diag(sim), 1)
    assert np.all(sim <= 1 + 1e-5)
    assert load(d, "spike_positions").shape == (n, 2)

    rows = read_tsv(d / "cluster_group.tsv")
    assert [r["cluster_id"] for r in rows] == list(range(n_t))
    assert {r["group"] for r in rows} <= {"good", "mua", "noise", "unsorted"}
    for metric in ("KSLabel", "Amplitude"):
        assert len(read_tsv(d / f"cluster_{metric}.tsv")) == n_t
    assert not list(d.parent.glob(".*partial*"))


def test_probe_geometries():
    p = neuropixels_positions(384)
    assert set(p[:, 0]) == {11., 27., 43., 59.}
    assert np.array_equal(np.unique(np.diff(np.unique(p[:, 1]))), [20.])
    assert np.array_equal(p[:4], [[43, 20], [11, 20], [59, 40], [27, 40]])
    lin = linear_positions(5)
    assert np.array_equal(lin, np.c_[np.zeros(5), 20. * np.arange(5)])
    assert list(nearest_channels(lin, lin[2], 3)) == [2, 1, 3]


def test_raw_contains_spikes(linear):
    """Mean high-passed raw waveform at each unit's spike times ≈ its (scaled) template."""
    raw = np.fromfile(linear / "raw.dat", dtype=np.int16).reshape(-1, 16).astype(np.float64)
    raw = sosfiltfilt(butter(3, 150., "high", fs=SR, output="sos"), raw, axis=0)
    times, templates = load(linear, "spike_times"), load(linear, "spike_templates")
    amp = load(linear, "amplitudes")
    ind = load(linear, "template_ind")
    checked = 0
    for t in range(len(ind)):
        s = (templates == t) & (times + 41 <= len(raw))
        if s.sum() < 10:
            continue
        mean = np.mean([raw[x - 41:x + 41, ind[t, 0]] for x in times[s]], axis=0)
        ref = unwhitened(linear, t)[:, 0] * amp[s].mean()
        assert np.corrcoef(mean, ref)[0, 1] > .9
        assert .8 < np.ptp(mean) / np.ptp(ref) < 1.2
        checked += 1
    assert checked >= 4


@pytest.mark.parametrize("name", ["linear", "neuropixels"])
def test_refractory_periods(name, request):
    d = request.getfixturevalue(name)
    times, templates = load(d, "spike_times"), load(d, "spike_templates")
    neuron = load(d, "ground_truth/template_neuron")
    for nrn in np.unique(neuron):  # over-split pairs share one refractory train
        s = times[np.isin(templates, np.nonzero(neuron == nrn)[0])]
        assert len(s) < 2 or np.diff(s).min() > 2e-3 * SR


def test_pc_features_are_raw_projections(neuropixels):
    """With no LFP the raw file is the spike band: re-project it naively and compare."""
    d = neuropixels
    raw = np.fromfile(d / "raw.dat", dtype=np.int16).reshape(-1, 25)
    sync = raw[:, -1]
    assert set(np.unique(sync)) == {0, 64} and sync[0] == 64 and sync[15000] == 0
    tpl, ind = load(d, "templates"), load(d, "template_ind")
    wm = np.diag(load(d, "whitening_mat"))
    pcs = temporal_pcs(tpl)
    times, templates = load(d, "spike_times"), load(d, "spike_templates")
    pcf = load(d, "pc_features")
    for i in np.linspace(0, len(times) - 1, 40).astype(int):
        t, x = templates[i], times[i]
        ref = np.zeros((3, ind.shape[1]))
        for k, c in enumerate(ind[t]):
            w = raw[x - 41:x + 41, c] * wm[c]
            for p in range(3):
                ref[p, k] = (pcs[:, p] * w).sum()
        assert np.abs(pcf[i] - ref).max() < .08  # int16 rounding: ~0.015 std


def test_features_beyond_raw_follow_the_template_model(linear):
    """Spikes past the raw data: same mean projections (per unit amplitude) as inside it."""
    times, templates = load(linear, "spike_times"), load(linear, "spike_templates")
    amp, pcf = load(linear, "amplitudes"), load(linear, "pc_features")
    tf = load(linear, "template_features")
    inside = times + 41 <= 9. * SR
    assert inside.any() and (~inside).any()
    for t in range(8):
        a, b = (templates == t) & inside, (templates == t) & ~inside
        if a.sum() < 20 or b.sum() < 20:
            continue
        ma = (pcf[a, 0, 0] / amp[a]).mean()
        mb = (pcf[b, 0, 0] / amp[b]).mean()
        assert abs(ma - mb) < .1 * abs(ma)
        assert abs((tf[templates == t, 0] / amp[templates == t]).mean() - 1) < .05


def test_determinism(tmp_path):
    def digest(d):
        return {p.relative_to(d): hashlib.sha1(p.read_bytes()).hexdigest()
                for p in sorted(d.rglob("*")) if p.is_file()}
    kw = dict(n_channels=8, duration=3., n_clusters=5, progress=False)
    a = digest(make_dataset(tmp_path / "a", seed=1, **kw).parent)
    b = digest(make_dataset(tmp_path / "b", seed=1, **kw).parent)
    c = digest(make_dataset(tmp_path / "c", seed=2, **kw).parent)
    assert a == b and len(a) >= 25
    assert a[Path("spike_times.npy")] != c[Path("spike_times.npy")]
    assert a[Path("raw.dat")] != c[Path("raw.dat")]


def test_exact_spike_count(tmp_path):
    make_dataset(tmp_path / "d", n_channels=4, duration=5., n_clusters=3, n_spikes=1234,
                 raw_duration=1., progress=False)
    assert len(load(tmp_path / "d", "spike_times")) == 1234
    assert len(load(tmp_path / "d", "pc_features")) == 1234
    with pytest.raises(DataError, match="do not fit"):
        make_dataset(tmp_path / "e", n_channels=4, duration=1., n_clusters=2, n_spikes=10 ** 6,
                     progress=False)
    assert not (tmp_path / "e").exists()


def test_refuse_overwrite(tmp_path):
    kw = dict(n_channels=4, duration=2., n_clusters=2, progress=False)
    d = tmp_path / "d"
    d.mkdir()
    make_dataset(d, **kw)  # an empty folder is fine
    before = load(d, "spike_times")
    with pytest.raises(DataError, match="not empty"):
        make_dataset(d, seed=5, **kw)
    assert np.array_equal(load(d, "spike_times"), before)
    make_dataset(d, seed=5, force=True, **kw)
    assert not np.array_equal(load(d, "spike_times"), before)
    other = tmp_path / "other"
    other.mkdir()
    (other / "precious.txt").write_text("keep me")
    with pytest.raises(DataError, match="no params.py"):
        make_dataset(other, force=True, **kw)
    assert (other / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "other"]
    with pytest.raises(DataError, match="raw_duration"):
        make_dataset(tmp_path / "x", raw_duration=5., **kw)
    with pytest.raises(DataError, match="probe"):
        make_dataset(tmp_path / "x", probe="tetrode", **kw)


def test_npy_stream_writers(tmp_path):
    x = np.arange(60, dtype=np.float32).reshape(10, 2, 3)
    with NpyWriter(tmp_path / "a.npy", np.float32, x.shape) as w:
        w.append(x[:4])
        w.append(x[4:])
    assert np.array_equal(np.load(tmp_path / "a.npy", allow_pickle=False), x)
    with pytest.raises(ValueError, match="announced"):
        with NpyWriter(tmp_path / "b.npy", np.float32, x.shape) as w:
            w.append(x[:4])
    with pytest.raises(RuntimeError):
        with RawWriter(tmp_path / "c.dat", np.int16, (5, 2)) as w:
            w.append(np.zeros((5, 2)))
            raise RuntimeError
    with pytest.raises(ValueError, match="row shape"):
        with NpyWriter(tmp_path / "d.npy", np.float32, x.shape) as w:
            w.append(x[:, :1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy"]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 200), span=st.integers(1, 10 ** 6), gap=st.integers(1, 100),
       seed=st.integers(0, 2 ** 32 - 1))
def test_dead_time_train(n, span, gap, seed):
    rng = np.random.default_rng(seed)
    if n and span - (n - 1) * gap <= 0:
        with pytest.raises(ValueError):
            dead_time_train(rng, n, 10, 10 + span, gap)
        return
    t = dead_time_train(rng, n, 10, 10 + span, gap)
    assert len(t) == n
    assert n == 0 or (t.min() >= 10 and t.max() < 10 + span and np.diff(t).min(initial=gap) >= gap)


def test_spike_counts_respect_capacity():
    rng = np.random.default_rng(0)
    rates = np.array([100., 1., 1., 1.])
    c = spike_counts(rng, rates, 30000 * 10, SR, n_spikes=1000, capacity=300)
    assert c.sum() == 1000 and c.max() <= 300


def test_cli_synthetic(tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli"
    args = ["synthetic", str(out), "--n-channels", "6", "--duration", "3", "--n-clusters", "3",
            "--probe", "neuropixels", "--seed", "4", "--n-spikes", "200", "--raw-duration", "2",
            "-q"]
    res = runner.invoke(phycli, args)
    assert res.exit_code == 0, res.output
    assert "params.py" in res.output
    assert len(load(out, "spike_times")) == 200
    assert (out / "raw.dat").stat().st_size == 2 * 30000 * 7 * 2
    res = runner.invoke(phycli, args)
    assert res.exit_code != 0 and "not empty" in res.output
    assert runner.invoke(phycli, args + ["--force"]).exit_code == 0


def test_noise_autocorrelation_matches_filtered_noise():
    from phyclone.io.synthetic.signal import bandpass_sos, noise_autocorrelation
    from scipy.signal import sosfilt
    sos = bandpass_sos(SR)
    gain, r = noise_autocorrelation(sos, 6)
    x = sosfilt(sos, np.random.default_rng(0).standard_normal(400_000))
    assert abs(x.std() / gain - 1) < .01
    emp = [np.corrcoef(x[:-k], x[k:])[0, 1] for k in range(1, 6)]
    assert np.allclose(emp, r[1:], atol=.01) and r[0] == 1


@pytest.mark.parametrize("kw", [dict(n_channels=1, n_clusters=1), dict(n_channels=2, n_clusters=6),
                                dict(n_channels=3, n_clusters=2, n_spikes=0)])
def test_degenerate_sizes(tmp_path, kw):
    make_dataset(tmp_path / "d", duration=1., progress=False, **kw)
    n = len(load(tmp_path / "d", "spike_times"))
    n_loc = min(kw["n_channels"], 32)
    assert load(tmp_path / "d", "pc_features").shape == (n, 3, n_loc)
    assert load(tmp_path / "d", "template_features").shape == (n, kw["n_clusters"])
