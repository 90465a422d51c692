"""phyclone.efeatures on its own: eFEL wrapper, readers, recordings, outputs, plots, CLI."""

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import phyclone.efeatures as X
import peer_runner
from cases import REFERENCE_DIR, job, relative_targets
from compare import compare_outputs, json_files
from nwb_files import float32, write_nwb
from phyclone.efeatures import efel_backend, readers
from phyclone.efeatures.units import to_mV, to_ms, to_nA


# -- eFEL, configured once ------------------------------------------------------------------

def _trace(efeat_inputs, k=10):
    md = efeat_inputs["txt"]["cell0"]["IDRest"][0]
    v = np.loadtxt(md["filepath"], delimiter="\t")[:, k]
    return np.arange(len(v)) * 0.1, v


def test_feature_values_equal_efel(efeat_inputs):
    import efel
    t, v = _trace(efeat_inputs)
    feats = ["peak_time", "AP_amplitude", "mean_frequency", "voltage_base", "AHP_depth"]
    for settings in ({"Threshold": -30., "interp_step": 0.05}, {}, {"strict_stiminterval": True}):
        # a call with other settings first: nothing may leak into the next one
        efel_backend.feature_values(t, v, None, 100., 600., ["Spikecount"],
                                    {"Threshold": 10., "DerivativeThreshold": 3.})
        ours = efel_backend.feature_values(t, v, None, 100., 600., feats, settings)
        efel.reset()
        for k, x in settings.items():
            efel.set_setting(k, x)
        ref = efel.get_feature_values([{"T": t, "V": v, "stim_start": [100.],
                                        "stim_end": [600.]}], feats, raise_warnings=False)[0]
        for f in feats:
            np.testing.assert_array_equal(ours[f], ref[f])


def test_feature_values_reuse_same_trace(efeat_inputs):
    t, v = _trace(efeat_inputs)
    token = (object(), t, v)
    a = efel_backend.feature_values(t, v, None, 100., 600., ["peak_time"], {}, token)
    b = efel_backend.feature_values(t, v, None, 100., 600., ["AP_amplitude"], {}, token)
    c = efel_backend.feature_values(t, v, None, 100., 600., ["peak_time", "AP_amplitude"], {})
    np.testing.assert_array_equal(a["peak_time"], c["peak_time"])
    np.testing.assert_array_equal(b["AP_amplitude"], c["AP_amplitude"])
    # other settings or another trace with the same token contents: reloaded
    v2 = v + 1.
    d = efel_backend.feature_values(t, v2, None, 100., 600., ["voltage_base"], {},
                                    (token[0], t, v2))
    assert d["voltage_base"][0] == pytest.approx(
        efel_backend.feature_values(t, v, None, 100., 600., ["voltage_base"], {})
        ["voltage_base"][0] + 1.)


# -- units and readers ------------------------------------------------------------------------

def test_units():
    assert to_ms(np.array([1.5]), "s")[0] == 1500.
    assert to_ms(np.array([15.]), "10th_ms")[0] == 1.5
    assert to_nA(2., "pA") == 0.002 and to_nA(2e-9, "A") == 2. and to_nA(1., "uA") == 1e3
    assert to_mV(0.07, "V") == 70. and to_mV(70., "mV") == 70.
    with pytest.raises(Exception, match="Current unit 'kA' is unknown"):
        to_nA(1., "kA")


def test_text_columns_fast_and_fallback(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("1.5\t-2\t3e-1\n4\t5.25\t6\n")
    np.testing.assert_array_equal(readers.read_text_columns(p), [[1.5, 4], [-2, 5.25], [.3, 6]])
    # empty and "-" cells are 0, ragged rows cut to the shortest (as bluepyefe reads them)
    p.write_text("1\t-\t3\n4\t\t6\t7\n8\t9\t10\n")
    np.testing.assert_array_equal(readers.read_text_columns(p),
                                  [[1, 4, 8], [0, 0, 9], [3, 6, 10]])


def test_csv_lccr_reader(efeat_inputs):
    md = dict(efeat_inputs["txt"]["cell1"]["IV"][0])
    data = readers.csv_lccr_reader(md)
    volts = np.loadtxt(md["filepath"], delimiter="\t").T
    assert len(data) == len(md["amplitudes"]) == len(volts)
    for d, amp, v in zip(data, md["amplitudes"], volts):
        np.testing.assert_array_equal(d["voltage"], v)
        ion, ioff = int(md["ton"] / md["dt"]), int(md["toff"] / md["dt"])
        assert d["current"][ion] == amp + md["hypamp"] and d["current"][0] == md["hypamp"]
        assert d["current"][ioff] == md["hypamp"] and d["amp"] == amp
    md["remove_last_100ms"] = True
    assert len(readers.csv_lccr_reader(md)[0]["voltage"]) == volts.shape[1] - 1000


def test_missing_reader_package_names_the_extra(monkeypatch, tmp_path):
    import importlib
    real = importlib.import_module

    def fake(name, *a, **k):
        if name.startswith(("neo", "igor2")):
            raise ImportError(f"No module named {name!r}")
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(ImportError, match=r"phyclone\[efeatures\]"):
        readers.axon_reader({"filepath": str(tmp_path / "x.abf")})
    with pytest.raises(ImportError, match=r"phyclone\[efeatures\]"):
        readers.igor_reader({"v_file": str(tmp_path / "v.ibw"),
                             "i_file": str(tmp_path / "i.ibw"), "t_unit": "s"})


def _write_ibw_pairs(efeat_inputs, folder, swap=False):
    from ibw_files import write_ibw_v2
    md = efeat_inputs["txt"]["cell0"]["IDRest"][0]
    volts = np.loadtxt(md["filepath"], delimiter="\t").T[3:9]
    entries = []
    for k, v in enumerate(volts):
        i = np.full(v.shape, md["hypamp"])
        i[int(md["ton"] / md["dt"]):int(md["toff"] / md["dt"])] += md["amplitudes"][3 + k]
        vf, cf = folder / f"v{k}.ibw", folder / f"i{k}.ibw"
        write_ibw_v2(vf, v * 1e-3, "V", 1e-4)
        write_ibw_v2(cf, i * 1e-12, "A", 1e-4)
        entries.append({"v_file": str(cf if swap else vf), "i_file": str(vf if swap else cf),
                        "t_unit": "s"})
    return volts, entries


@pytest.mark.parametrize("swap", [False, True])
def test_igor_reader(efeat_inputs, tmp_path, swap):
    volts, entries = _write_ibw_pairs(efeat_inputs, tmp_path, swap)
    for v, entry in zip(volts, entries):
        (d,) = readers.igor_reader(entry)
        np.testing.assert_array_equal(d["voltage"], np.float32(v * 1e-3))
        assert d["v_unit"] == "V" and d["i_unit"] == "A" and d["dt"] == 1e-4


def test_igor_extraction_same_as_bluepyefe(efeat_inputs, tmp_path, peer_bpe_python):
    _, entries = _write_ibw_pairs(efeat_inputs, tmp_path)
    targets = [{"efeature": f, "protocol": "IDRest", "amplitude": a, "tolerance": 0.015}
               for a in (0.08, 0.14) for f in ("Spikecount", "AP_amplitude", "voltage_base")]
    for name in ("bpe", "ours"):
        (tmp_path / f"{name}.json").write_text(json.dumps({
            "output_directory": str(tmp_path / name),
            "files_metadata": {"cellA": {"IDRest": entries}},
            "options": {"targets": targets, "absolute_amplitude": True, "write_files": True}}))
    subprocess.run([str(peer_bpe_python), peer_runner.__file__, "bluepyefe.extract",
                    str(tmp_path / "bpe.json")], check=True, capture_output=True)
    peer_runner.run("phyclone.efeatures", json.loads((tmp_path / "ours.json").read_text()))
    feat = json.loads((tmp_path / "ours" / "features.json").read_text())
    assert sum(len(x["soma"]) for x in feat.values()) == len(targets)
    assert compare_outputs(tmp_path / "bpe", tmp_path / "ours") == []


def _write_abf(efeat_inputs, folder):
    """The first IDRest sweeps of the synthetic cell as one two-channel .abf file."""
    from abf_files import write_abf1
    md = efeat_inputs["txt"]["cell0"]["IDRest"][0]
    volts = np.loadtxt(md["filepath"], delimiter="\t").T[3:9]
    currents = np.full(volts.shape, md["hypamp"])
    for k in range(len(volts)):
        currents[k, int(md["ton"] / md["dt"]):int(md["toff"] / md["dt"])] += \
            md["amplitudes"][3 + k]
    path = folder / "idrest.abf"
    steps = write_abf1(path, volts, currents, 1e3 / md["dt"])  # mV, pA; dt in ms
    return path, volts, currents, steps, md


def test_axon_reader(efeat_inputs, tmp_path):
    path, volts, currents, steps, md = _write_abf(efeat_inputs, tmp_path)
    data = readers.axon_reader({"filepath": str(path)})
    assert len(data) == len(volts)
    for d, v, c in zip(data, volts, currents):
        assert d["dt"] == pytest.approx(md["dt"] * 1e-3)
        np.testing.assert_allclose(d["voltage"], v, atol=steps[0])
        np.testing.assert_allclose(d["current"], c, atol=steps[1])


def test_axon_extraction_same_as_bluepyefe(efeat_inputs, tmp_path, peer_bpe_python):
    path, *_, md = _write_abf(efeat_inputs, tmp_path)
    entry = {"filepath": str(path), "i_unit": "pA", "v_unit": "mV", "t_unit": "s"}
    targets = [{"efeature": f, "protocol": "IDRest", "amplitude": a, "tolerance": 0.015}
               for a in (0.08, 0.14) for f in ("Spikecount", "AP_amplitude", "voltage_base")]
    for name in ("bpe", "ours"):
        (tmp_path / f"{name}.json").write_text(json.dumps({
            "output_directory": str(tmp_path / name),
            "files_metadata": {"cellA": {"IDRest": [entry]}},
            "options": {"targets": targets, "absolute_amplitude": True, "write_files": True}}))
    subprocess.run([str(peer_bpe_python), peer_runner.__file__, "bluepyefe.extract",
                    str(tmp_path / "bpe.json")], check=True, capture_output=True)
    peer_runner.run("phyclone.efeatures", json.loads((tmp_path / "ours.json").read_text()))
    feat = json.loads((tmp_path / "ours" / "features.json").read_text())
    assert sum(len(x["soma"]) for x in feat.values()) == len(targets)
    assert compare_outputs(tmp_path / "bpe", tmp_path / "ours") == []


@pytest.fixture(scope="module")
def nwb_sweeps(efeat_inputs):
    md = efeat_inputs["txt"]["cell0"]["IDRest"][0]
    v = np.loadtxt(md["filepath"], delimiter="\t").T[4:12] * 1e-3  # volts
    i = np.zeros_like(v) + md["hypamp"] * 1e-12
    ion, ioff = int(md["ton"] / md["dt"]), int(md["toff"] / md["dt"])
    for k, amp in enumerate(md["amplitudes"][4:12]):
        i[k, ion:ioff] += amp * 1e-12
    return v, i


PROTOCOL = {"aibs": "IDRest", "scala": "IDRest", "bbp": "IDRest", "trt": "Step",
            "vu": "IDRest"}


@pytest.mark.parametrize("layout", ["aibs", "scala", "bbp", "trt"])
def test_nwb_reader(layout, nwb_sweeps, tmp_path):
    v, i = nwb_sweeps
    path = write_nwb(tmp_path / f"{layout}.nwb", layout, v, i)
    data = readers.nwb_reader({"filepath": str(path), "protocol_name": PROTOCOL[layout]})
    assert len(data) == len(v)
    scale = (1e3, 1e-3, 1e12, 1e-12) if layout == "scala" else (1, 1, 1, 1)
    for d, vk, ik in zip(data, v, i):
        np.testing.assert_array_equal(d["voltage"], float32(vk * scale[0], scale[1]))
        np.testing.assert_array_equal(d["current"], float32(ik * scale[2], scale[3]))
        assert d["dt"] == 1e-4 and d["t_unit"] == "seconds" and d["v_unit"] == "volts"
    assert readers.nwb_reader({"filepath": str(path), "protocol_name": "IV"}) == []


def test_nwb_reader_vu(nwb_sweeps, tmp_path):
    v, i = nwb_sweeps
    path = write_nwb(tmp_path / "vu.nwb", "vu", v, i)
    data = readers.nwb_reader({"filepath": str(path), "protocol_name": "IDRest"})
    assert len(data) == len(v)
    k90 = int(0.090 / 1e-4)
    for k, d in enumerate(data):
        cur = float32(i[k] - 5e-12) + 5e-12  # bias current added back
        ref_v = float32(v[k])
        if k % 2:  # X4PS: the first 90 ms take the value at 90 ms
            cur[:k90], ref_v[:k90] = cur[k90], ref_v[k90]
        np.testing.assert_array_equal(d["current"], cur)
        np.testing.assert_array_equal(d["voltage"], ref_v)


@pytest.mark.parametrize("layout", ["aibs", "scala", "bbp", "trt", "vu"])
def test_nwb_extraction_same_as_bluepyefe(layout, nwb_sweeps, tmp_path, peer_bpe_python):
    v, i = nwb_sweeps
    path = write_nwb(tmp_path / f"{layout}.nwb", layout, v, i)
    protocol = PROTOCOL[layout]
    targets = [{"efeature": f, "protocol": protocol, "amplitude": a, "tolerance": 0.02}
               for a in (0.1, 0.2) for f in ("Spikecount", "AP_amplitude", "voltage_base")]
    for name in ("bpe", "ours"):
        (tmp_path / f"{name}.json").write_text(json.dumps({
            "output_directory": str(tmp_path / name),
            "files_metadata": {"cellA": {protocol: [{"filepath": str(path)}]}},
            "options": {"targets": targets, "absolute_amplitude": True, "write_files": True}}))
    subprocess.run([str(peer_bpe_python), peer_runner.__file__, "bluepyefe.extract",
                    str(tmp_path / "bpe.json")], check=True, capture_output=True)
    peer_runner.run("phyclone.efeatures", json.loads((tmp_path / "ours.json").read_text()))
    feat = json.loads((tmp_path / "ours" / "features.json").read_text())
    assert sum(len(x["soma"]) for x in feat.values()) == len(targets)
    assert compare_outputs(tmp_path / "bpe", tmp_path / "ours") == []


# -- recordings --------------------------------------------------------------------------------

def test_v_corr_and_ljp(efeat_inputs):
    md = dict(efeat_inputs["txt"]["cell0"]["IV"][0])
    raw = readers.csv_lccr_reader(md)[2]
    rec = X.Step({**md, "ljp": 14., "v_corr": -80.}, raw, "IV",
                 efel_settings=X.DEFAULT_EFEL_SETTINGS)
    expected = raw["voltage"] - np.median(raw["voltage"][:100]) - 80. - 14.
    np.testing.assert_allclose(rec.voltage, expected, rtol=0, atol=1e-12)
    assert rec.ton == 100. and rec.toff == 500. and rec.tend == 700.
    assert rec.amp == pytest.approx(md["amplitudes"][2] * 1e-3)


def test_step_detection(efeat_inputs):
    md = efeat_inputs["npz"]["cell2"]["IDRest"][0]
    (rec, *_), = [[X.Step(md, d, "IDRest") for d in peer_runner.npz_reader(md)[9:]]]
    assert rec.ton == pytest.approx(100., abs=0.5) and rec.toff == pytest.approx(600., abs=0.5)
    truth = efeat_inputs["txt"]["cell2"]["IDRest"][0]
    assert rec.amp == pytest.approx(truth["amplitudes"][9] * 1e-3, abs=1e-3)
    assert rec.hypamp == pytest.approx(truth["hypamp"] * 1e-3, abs=1e-3)


def test_ecode_lookup():
    assert X.eCodes["idrest"] is X.Step and X.eCodes["sahp"] is X.SAHP
    from phyclone.efeatures.ecodes import ecode_for
    assert ecode_for("APThreshold_2") is X.Ramp and ecode_for("IDhyperpol") is X.SAHP
    assert ecode_for("sinespec") is X.SineSpec and ecode_for("IV_step") is X.Step
    with pytest.raises(KeyError, match="no eCode linked"):
        ecode_for("Foo")


def test_auto_targets_defaults():
    firing, apw, iv = X.default_auto_targets()
    assert firing.preferred_number_protocols == 2 and firing.tolerance == 25.
    assert apw.amplitudes == [300, 350, 250, 400, 200] and "AP_width" in apw.efeatures
    assert iv.protocols == ["IV", "Step"] and "sag_ratio1" in iv.efeatures


def test_convert_legacy_targets():
    out = X.convert_legacy_targets({"IDRest": {"amplitudes": [150, 250], "tolerances": [10],
                                               "efeatures": {"Spikecount": {"Threshold": -5}},
                                               "location": "soma"}})
    assert out == [{"efeature": "Spikecount", "protocol": "IDRest", "amplitude": a,
                    "tolerance": 10, "efel_settings": {"Threshold": -5}} for a in (150, 250)]


# -- outputs ---------------------------------------------------------------------------------

def test_low_memory_mode_and_pickles(efeat_inputs, tmp_path):
    j = job("targets", efeat_inputs, tmp_path / "out")
    j["options"].update(low_memory_mode=True, pickle_cells=True)
    peer_runner.run("phyclone.efeatures", j)
    assert compare_outputs(REFERENCE_DIR / "targets", tmp_path / "out") == []
    # our own output (not a dataset folder)
    with open(X.cells_pickle_output_path(tmp_path / "out"), "rb") as f:
        cells = pickle.load(f)
    with open(X.protocols_pickle_output_path(tmp_path / "out"), "rb") as f:
        protocols = pickle.load(f)
    assert [c.name for c in cells] == ["cell0", "cell1", "cell2"]
    assert all(r.voltage is None for c in cells for r in c.recordings)
    assert {p.stimulus_name for p in protocols} >= {"IDRest_150", "IV_-100"}


def test_api_step_by_step_matches_extract_efeatures(efeat_inputs, tmp_path):
    fm = json.loads(json.dumps(efeat_inputs["txt"]))
    targets = relative_targets()
    cells = X.read_recordings(fm, efel_settings=dict(X.DEFAULT_EFEL_SETTINGS))
    cells = X.extract_efeatures_at_targets(cells, targets,
                                           efel_settings=dict(X.DEFAULT_EFEL_SETTINGS))
    X.compute_rheobase(cells, ["IDRest"])
    protocols = X.group_efeatures(cells, targets, efel_settings=dict(X.DEFAULT_EFEL_SETTINGS))
    X.create_feature_protocol_files(cells, protocols, output_directory=tmp_path / "out")
    ref = REFERENCE_DIR / "targets"
    assert [f for f in json_files(ref) if "/" not in f] == json_files(tmp_path / "out")
    for name in json_files(tmp_path / "out"):
        assert (json.loads((tmp_path / "out" / name).read_text())
                == json.loads((ref / name).read_text()))


def test_threshold_nvalue_save_and_default_std(efeat_inputs):
    fm = {"cell0": json.loads(json.dumps(efeat_inputs["txt"]["cell0"]))}
    # cell0: rheobase 0.06 nA, one sweep at 0.12 nA = 200 %
    targets = [{"efeature": "voltage_base", "protocol": "IDRest", "amplitude": 200,
                "tolerance": 5}]
    feat, _, cur = X.extract_efeatures(None, fm, targets=targets,
                                       protocols_rheobase=["IDRest"], default_std_value=0.25)
    (entry,) = feat["IDRest_200"]["soma"]
    assert entry["n"] == 1 and entry["val"][1] == 0.25  # one value: std 0 -> 0.25
    assert cur["threshold_current"] == [0.06, 0.25]
    feat, stim, _ = X.extract_efeatures(None, fm, targets=targets,
                                        protocols_rheobase=["IDRest"],
                                        threshold_nvalue_save=2)
    assert feat == {} and stim == {}


def test_plots(efeat_inputs, tmp_path):
    fm = {"cell0": json.loads(json.dumps(efeat_inputs["txt"]["cell0"])),
          "cell1": json.loads(json.dumps(efeat_inputs["txt"]["cell1"]))}
    targets = [t for t in relative_targets() if t["efeature"] in ("Spikecount", "voltage_base")]
    X.extract_efeatures(tmp_path, fm, targets=targets, protocols_rheobase=["IDRest"],
                        plot=True)
    pdfs = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.pdf")}
    assert {"cell0/cell0_IDRest_recordings.pdf", "cell1/cell1_IV_recordings.pdf",
            "IDRest_Spikecount_amp_rel.pdf", "IV_voltage_base_amp.pdf", "legend.pdf",
            "cell0/cell0_IDRest_Spikecount_amp.pdf"} <= pdfs
    assert all((tmp_path / p).read_bytes()[:5] == b"%PDF-" for p in pdfs)
    # 16 IDRest sweeps: two pages
    assert (tmp_path / "cell0/cell0_IDRest_recordings.pdf").read_bytes().count(b"/Type /Page\n") \
        + (tmp_path / "cell0/cell0_IDRest_recordings.pdf").read_bytes().count(b"/Type /Page ") >= 2


def test_impedance_plot(efeat_inputs, tmp_path):
    fm = {"cell0": {"SineSpec": json.loads(json.dumps(
        efeat_inputs["ecodes"]["cell0"]["SineSpec"]))}}
    X.plot_recordings(fm, output_directory=tmp_path, recording_reader=peer_runner.npz_reader)
    assert (tmp_path / "cell0" / "cell0_SineSpec_recordings.pdf").exists()
    cells = X.read_recordings(fm, recording_reader=peer_runner.npz_reader)
    from phyclone.efeatures.plotting import plot_impedance
    plot_impedance(cells[0], tmp_path, {"interp_step": 0.1})
    assert len(list((tmp_path / "cell0" / "impedance").glob("*_impedance.pdf"))) == 2


# -- command line ----------------------------------------------------------------------------

def test_cli(efeat_inputs, tmp_path):
    from click.testing import CliRunner

    from phyclone.apps.cli import phycli
    j = job("targets", efeat_inputs, tmp_path / "unused")
    # files_metadata in its own file, paths relative to the config
    root = Path(efeat_inputs["txt"]["cell0"]["IDRest"][0]["filepath"]).parents[1]
    fm = j["files_metadata"]
    for protocols in fm.values():
        for entries in protocols.values():
            for e in entries:
                e["filepath"] = str(Path(e["filepath"]).relative_to(root))
    (root / "md_rel.json").write_text(json.dumps(fm))
    config = {"files_metadata_path": "md_rel.json", "targets": j["options"]["targets"],
              "protocols_rheobase": ["IDRest"], "extract_per_cell": True}
    (root / "config.json").write_text(json.dumps(config))
    res = CliRunner().invoke(phycli, ["efeatures", str(root / "config.json"), "-o",
                                      str(tmp_path / "cli"), "-q", "-j", "2"])
    assert res.exit_code == 0, res.output
    assert "e-features in 7 protocols" in res.output
    assert compare_outputs(REFERENCE_DIR / "targets", tmp_path / "cli") == []
    (root / "bad.json").write_text(json.dumps({"targets": [], "typo": 1}))
    res = CliRunner().invoke(phycli, ["efeatures", str(root / "bad.json")])
    assert res.exit_code != 0 and "bad.json" in res.output and "typo" in res.output


def test_cli_auto_targets(efeat_inputs, tmp_path):
    from click.testing import CliRunner

    from phyclone.apps.cli import phycli
    config = {"files_metadata": efeat_inputs["txt"], "protocols_rheobase": ["IDRest"],
              "output_directory": str(tmp_path / "auto")}
    (tmp_path / "c.json").write_text(json.dumps(config))
    res = CliRunner().invoke(phycli, ["efeatures", str(tmp_path / "c.json"), "-q"])
    assert res.exit_code == 0, res.output
    assert compare_outputs(REFERENCE_DIR / "auto_targets", tmp_path / "auto") == []


def test_core_imports_no_qt():
    code = ("import sys, phyclone.efeatures, phyclone.efeatures.plotting; "
            "print(any(m.startswith(('PyQt', 'qtpy', 'OpenGL')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_cli_dask_scheduler(efeat_inputs, tmp_path):
    distributed = pytest.importorskip("distributed")
    from click.testing import CliRunner

    from phyclone.apps.cli import phycli
    j = job("targets", efeat_inputs, tmp_path / "unused")
    config = {"files_metadata": j["files_metadata"], "targets": j["options"]["targets"],
              "protocols_rheobase": ["IDRest"], "extract_per_cell": True}
    (tmp_path / "c.json").write_text(json.dumps(config))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        res = CliRunner().invoke(phycli, ["efeatures", str(tmp_path / "c.json"), "-q",
                                          "--scheduler", cluster.scheduler_address,
                                          "-o", str(tmp_path / "dask")])
    assert res.exit_code == 0, res.output
    assert compare_outputs(REFERENCE_DIR / "targets", tmp_path / "dask") == []
