"""Random curation sessions on every fixture (synthetic, the SpikeInterface exports, phy's
own template test folder) → save → reopen: the same clusters and labels, in phyclone and in
phylib (peer venv, through a subprocess), and never two files describing one column."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phyclone.io.template.metadata import load_all_metadata

from _controller_fixtures import open_controller
from _shared_data import require_shared
from _shared_data import peer_venv

TRIMMED_SI = Path(__file__).resolve().parents[1] / "data" / "si_export_16ch"
PEER_PHY = peer_venv("phy", "PHYCLONE_PEER_PHY")
FIXTURES = ("synthetic", "si_trimmed", "si_export_16ch", "phy_template")


@pytest.fixture
def fixture_source(request, synth_source):
    """The read-only source folder of a fixture (skips when the shared data are absent)."""
    name = request.param
    if name == "synthetic":
        return synth_source
    if name == "si_trimmed":
        return TRIMMED_SI
    if name == "si_export_16ch":
        return require_shared("si_export_16ch")
    return require_shared("phy_data", "template")


def _copy(src, dst):
    """A writable copy of a dataset (the shared data are read-only and never written)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".phy", "groundtruth", "README.md"))
    for p in Path(dst).iterdir():
        os.chmod(p, 0o644)
    return Path(dst)


_VALUES = st.one_of(st.integers(-1000, 10 ** 6),
                    st.floats(allow_nan=False, allow_infinity=False, width=64),
                    st.text("abcdefgh_", min_size=1, max_size=6))


def _session(s, data):
    """Draw and apply 1-8 actions (merge, split, label, group, undo, redo)."""
    fields = [f for f in s.cluster_meta.fields if f != "group"] + ["rating"]
    for _ in range(data.draw(st.integers(1, 8), label="n_actions")):
        ids = [int(c) for c in s.clustering.cluster_ids]
        kind = data.draw(st.sampled_from(["merge", "split", "label", "group", "undo", "redo"]))
        if kind == "merge" and len(ids) > 1:
            s.merge(data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=3,
                                       unique=True)))
        elif kind == "split":
            spikes = np.asarray(s.clustering.spikes_per_cluster[data.draw(st.sampled_from(ids))])
            step = data.draw(st.integers(2, 4))
            if len(spikes) > step:
                s.split(spikes[::step])
        elif kind == "label":
            chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3,
                                        unique=True))
            s.label(data.draw(st.sampled_from(fields)), data.draw(_VALUES), chosen)
        elif kind == "group":
            chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3,
                                        unique=True))
            s.label("group", data.draw(st.sampled_from(["noise", "mua", "good", None])), chosen)
        elif kind == "undo":
            s.undo()
        elif kind == "redo":
            s.redo()


def _expected_labels(s):
    ids = [int(c) for c in s.clustering.cluster_ids]
    out = {}
    for f in s.cluster_meta.fields:
        labels = s.get_labels(f)
        if f == "group":
            out[f] = {c: labels.get(c) or "unsorted" for c in ids}
        else:
            values = {c: labels.get(c) for c in ids if labels.get(c) is not None}
            if values:
                out[f] = values
    return ids, out


def _tables(folder):
    paths = [folder / e.name for e in os.scandir(folder)
             if e.name.endswith((".tsv", ".csv")) and not e.name.startswith("cluster_info.")]
    return load_all_metadata(paths)


def _check_saved(folder, config_dir, spike_clusters, ids, labels):
    """The saved folder, reopened: same clusters and labels; one file per column; no table
    row for a cluster that no longer exists."""
    _, sources = _tables(folder)
    assert {f: len(p) for f, p in sources.items() if len(p) > 1} == {}
    c = open_controller(folder, config_dir)
    try:
        s = c.supervisor
        np.testing.assert_array_equal(s.clustering.spike_clusters, spike_clusters)
        assert [int(x) for x in s.clustering.cluster_ids] == ids
        assert _expected_labels(s)[1] == labels
        for field, values in c.model.metadata.items():
            assert set(values) <= set(ids), field
    finally:
        c.close()


@pytest.mark.parametrize("fixture_source", FIXTURES, indirect=True)
@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_sessions_save_reopen(fixture_source, config_dir, data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = _copy(fixture_source, Path(tmp) / "ds")
        before = {p.name for p in folder.iterdir()}
        c = open_controller(folder, config_dir)
        try:
            s = c.supervisor
            _session(s, data)
            ids, labels = _expected_labels(s)
            sc = np.asarray(s.clustering.spike_clusters).copy()
            assert s.save()
        finally:
            c.close()
        new = {p.name for p in folder.iterdir()} - before - {".phy"}
        allowed = {"spike_clusters.npy", "cluster_info.tsv", "cluster_group.tsv",
                   "cluster_rating.tsv"}
        assert new <= allowed, new
        _check_saved(folder, config_dir, sc, ids, labels)


# phylib reads what we saved -----------------------------------------------------------------

_PHYLIB_SCRIPT = """
import json, sys
import numpy as np
from phylib.io.model import load_model
m = load_model(sys.argv[1])
print(json.dumps({"spike_clusters": np.asarray(m.spike_clusters).tolist(),
                  "metadata": {f: {str(k): v for k, v in d.items()}
                               for f, d in m.metadata.items()}}))
"""


def _phylib_read(folder):
    python = PEER_PHY / "bin" / "python"
    if not python.exists():
        pytest.skip(f"phy 2 peer venv not found: {PEER_PHY} (set PHYCLONE_PEER_PHY)")
    out = subprocess.run([str(python), "-c", _PHYLIB_SCRIPT, str(folder / "params.py")],
                         capture_output=True, text=True, timeout=300, cwd=folder)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("fixture_source", FIXTURES, indirect=True)
def test_phylib_reads_the_saved_labels(fixture_source, config_dir, tmp_path):
    """One fixed session (merge, split, group, an existing label, a new label) → save → phylib
    sees the same spike clusters and, for every column, the same values as phyclone."""
    folder = _copy(fixture_source, tmp_path / "ds")
    before = {p.name for p in folder.iterdir()}
    c = open_controller(folder, config_dir)
    try:
        s = c.supervisor
        ids = [int(x) for x in s.clustering.cluster_ids]
        merged = s.merge(ids[:2]).added[0]
        s.split(np.asarray(s.clustering.spikes_per_cluster[ids[2]])[::2])
        s.label("group", "good", [merged])
        existing = [f for f in s.cluster_meta.fields if f != "group"]
        for f in existing:
            s.label(f, 42, [merged])
        s.label("rating", "nice", [merged, ids[3]])
        _, labels = _expected_labels(s)
        sc = np.asarray(s.clustering.spike_clusters).copy()
        assert s.save()
    finally:
        c.close()
    new = {p.name for p in folder.iterdir()} - before - {".phy"}
    assert new <= {"spike_clusters.npy", "cluster_info.tsv", "cluster_group.tsv",
                   "cluster_rating.tsv"}, new  # every existing label went to its own file
    assert {f: p for f, p in _tables(folder)[1].items() if len(p) > 1} == {}
    peer = _phylib_read(folder)
    np.testing.assert_array_equal(np.asarray(peer["spike_clusters"]).reshape(-1), sc)
    theirs = {f: {int(k): v for k, v in d.items()} for f, d in peer["metadata"].items()}
    ours = _tables(folder)[0]
    assert theirs == ours
    for field, values in labels.items():
        assert theirs[field] == values, field
