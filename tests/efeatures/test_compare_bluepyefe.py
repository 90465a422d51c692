"""Every number of every output file equals bluepyefe's (1e-6 relative): against the stored
references (tests/data/efeatures, made by make_references.py) and, when the peer venv is
there, against a fresh bluepyefe run on the same sweeps."""

import json
import subprocess
from pathlib import Path

import pytest

import peer_runner
from cases import REFERENCE_DIR, cases, job
from compare import compare_outputs, json_files

CASES = sorted(cases())


def _run_ours(name, inputs, out, **extra):
    j = job(name, inputs, out)
    j["options"].update(extra)
    peer_runner.run("phyclone.efeatures", j)
    return out


@pytest.mark.parametrize("name", CASES)
def test_against_references(name, efeat_inputs, tmp_path):
    out = _run_ours(name, efeat_inputs, tmp_path / name)
    ref = REFERENCE_DIR / name
    assert json_files(ref), f"missing reference {ref}"
    assert compare_outputs(ref, out) == []


def test_references_are_not_empty():
    # the comparisons above must compare something: features, protocols, thresholds
    for name in ("targets", "legacy", "absolute", "majority_median", "auto_targets",
                 "custom_reader", "flush_max", "ecodes"):
        feat = json.loads((REFERENCE_DIR / name / "features.json").read_text())
        assert sum(len(v["soma"]) for v in feat.values()) >= 10, name
    per_cell = json_files(REFERENCE_DIR / "targets")
    assert "cell0/features.json" in per_cell and "cell2/protocols.json" in per_cell


def test_comparison_detects_a_difference(tmp_path):
    import shutil
    shutil.copytree(REFERENCE_DIR / "targets", tmp_path / "t")
    path = tmp_path / "t" / "features.json"
    feat = json.loads(path.read_text())
    first = next(iter(feat.values()))["soma"][0]
    first["val"][0] *= 1 + 1e-5
    path.write_text(json.dumps(feat))
    assert len(compare_outputs(REFERENCE_DIR / "targets", tmp_path / "t")) == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", ["targets", "legacy", "absolute", "majority_median",
                                  "custom_reader", "auto_targets", "ecodes"])
def test_against_bluepyefe_run(name, efeat_inputs, tmp_path, peer_bpe_python):
    ours = _run_ours(name, efeat_inputs, tmp_path / "ours")
    j = job(name, efeat_inputs, tmp_path / "bpe")
    (tmp_path / "job.json").write_text(json.dumps(j))
    subprocess.run([str(peer_bpe_python), str(Path(peer_runner.__file__)),
                    "bluepyefe.extract", str(tmp_path / "job.json")], check=True,
                   capture_output=True)
    assert compare_outputs(tmp_path / "bpe", ours) == []


def test_joblib_map_identical(efeat_inputs, tmp_path):
    from phyclone.efeatures import joblib_map
    ref = _run_ours("targets", efeat_inputs, tmp_path / "serial")
    par = _run_ours("targets", efeat_inputs, tmp_path / "joblib", map_function=joblib_map(2))
    assert json_files(par) == json_files(ref)
    assert compare_outputs(ref, par, rtol=0) == []


def test_joblib_map_auto_targets_identical(efeat_inputs, tmp_path):
    from phyclone.efeatures import joblib_map
    par = _run_ours("auto_targets", efeat_inputs, tmp_path / "joblib",
                    map_function=joblib_map(2))
    assert compare_outputs(REFERENCE_DIR / "auto_targets", par) == []


def test_dask_map_identical(efeat_inputs, tmp_path):
    distributed = pytest.importorskip("distributed")
    from phyclone.efeatures import dask_map
    ref = _run_ours("targets", efeat_inputs, tmp_path / "serial")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        par = _run_ours("targets", efeat_inputs, tmp_path / "dask",
                        map_function=dask_map(client))
    assert compare_outputs(ref, par, rtol=0) == []


def test_dask_threads_identical(efeat_inputs, tmp_path):
    # eFEL's core is process-global: threads of one worker take turns (lock)
    distributed = pytest.importorskip("distributed")
    from phyclone.efeatures import dask_map
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=3,
                            dashboard_address=None) as client:
        par = _run_ours("targets", efeat_inputs, tmp_path / "dask",
                        map_function=dask_map(client))
    assert compare_outputs(REFERENCE_DIR / "targets", par) == []
