"""Bad input raises what bluepyefe raises (same exception types; same messages, or clearer
ones where bluepyefe's were not)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import error_runner

RUNNER = Path(error_runner.__file__)

# from bluepyefe 2.3.63 on the same inputs
EXPECTED_TYPES = {
    "empty_metadata": "ValueError", "targets_and_auto_targets": "Exception",
    "unknown_protocol": "KeyError", "unknown_extension": "Exception",
    "missing_reader_metadata": "KeyError", "missing_file": "FileNotFoundError",
    "unknown_time_unit": "Exception", "unknown_current_unit": "Exception",
    "unknown_voltage_unit": "Exception", "unknown_rheobase_strategy": "Exception",
    "majority_without_rheobase_sweeps": "ValueError", "unknown_efeature": "RuntimeError",
    "protocol_mode_lnmc": "ValueError", "write_without_directory": "Exception",
}
CLEARER = {"unknown_efeature", "protocol_mode_lnmc", "majority_without_rheobase_sweeps"}


def _run(python, module, fm_path, workdir):
    out = subprocess.run([str(python), str(RUNNER), module, str(fm_path), str(workdir)],
                         capture_output=True, text=True, check=True)
    return {r["name"]: r for r in map(json.loads, out.stdout.strip().splitlines())}


@pytest.fixture(scope="module")
def ours(efeat_inputs, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("errors")
    fm_path = tmp / "files_metadata.json"
    fm_path.write_text(json.dumps(efeat_inputs["txt"]))
    return fm_path, tmp, _run(sys.executable, "phyclone.efeatures", fm_path, tmp)


def test_exception_types(ours):
    results = ours[2]
    assert {k: r["type"] for k, r in results.items()} == EXPECTED_TYPES
    assert "IV" in results["majority_without_rheobase_sweeps"]["message"]
    assert "'mean', 'median', 'min' or 'max'" in results["protocol_mode_lnmc"]["message"]
    assert "not_a_feature" in results["unknown_efeature"]["message"]


def test_same_as_bluepyefe(ours, peer_bpe_python):
    fm_path, tmp, mine = ours
    theirs = _run(peer_bpe_python, "bluepyefe.extract", fm_path, tmp)
    for name, r in theirs.items():
        assert mine[name]["type"] == r["type"], name
        if name not in CLEARER:
            assert mine[name]["message"] == r["message"], name
