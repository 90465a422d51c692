"""Someone else's files in a dataset's ``.phy/`` (issue 11, items 5 and 6).

- A folder phy 2 already used: after open / curate / save / close (controller and GUI), every
  file phy 2 left in ``.phy/`` is byte-identical; its ``state.json`` is read as the starting
  GUI state; "Clearing the cache" is not logged (there was no cache of ours).
- A folder whose ``.phy/`` holds pickles (a payload that creates a marker file) under every
  file name phyclone reads there (its own cache, memcaches, disk cache, key, journal, state,
  lock; and phy 2's names: memcache, joblib outputs, cache key, state): opening it (controller
  and GUI, curating, saving, reopening) never runs the payload. Template and Kwik folders.
"""

import hashlib
import logging
import os
import pickle

import numpy as np
import pytest

from _controller_fixtures import close_gui, open_controller, show_gui
from _kwik_fixtures import make_kwik, open_kwik
from _shared_data import peer_venv

pytestmark = pytest.mark.gl

PHY2_STATE = {"WaveformView": {"box_scaling": [1.75, 1.0], "probe_scaling": [1.0, 1.25]},
              "ClusterView": {"current_sort": ["n_spikes", "desc"]}}


class Payload:
    """Unpickling this creates the marker file (``open(marker, 'w')``)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def files_under(folder):
    """{relative path: sha256} of every file under ``folder``."""
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def phy2_cache(phy, group=None):
    """What phy 2.1 leaves in ``<data dir>/.phy`` (``.phy/<group>`` for Kwik), as seen after
    running its TemplateController (``test_real_phy2_cache_untouched`` makes a real one):
    memcache pickles (phylib's ``_fullname``: module + function name), joblib's cache (a folder
    per method, ``func_code.py``, a folder per call with ``output.pkl`` and
    ``metadata.json``; joblib's ``.gitignore``), ``spikes_per_cluster.pkl`` and the local GUI
    state."""
    import json
    root = phy if group is None else phy / str(group)
    (root / "memcache").mkdir(parents=True)
    for name in ("phy.apps.base.get_best_channel", "phy.apps.base.get_mean_firing_rate",
                 "phy.apps.base.get_probe_depth", "phy.apps.base.get_template_counts",
                 "phy.apps.base._get_template_waveforms",
                 "phy.apps.template.gui.get_best_channels"):
        with open(root / "memcache" / f"{name}.pkl", "wb") as f:
            pickle.dump({(i,): np.arange(i, i + 3) for i in range(5)}, f)
    for cls, func in (("BaseController", "_get_correlograms"), ("TemplateMixin", "get_amplitudes"),
                      ("FeatureMixin", "_get_features")):
        d = root / "phy" / "apps" / "base" / cls / func
        (d / "c0382d3dbd3bce14144de74451ead3ea").mkdir(parents=True)
        (d / "func_code.py").write_text(f"# first line: 1\ndef {func}(self, x):\n    pass\n")
        with open(d / "c0382d3dbd3bce14144de74451ead3ea" / "output.pkl", "wb") as f:
            pickle.dump(np.ones((3, 4)), f)
        (d / "c0382d3dbd3bce14144de74451ead3ea" / "metadata.json").write_text(
            '{"duration": 0.01, "input_args": {"cluster_ids": "[1, 2]"}}')
    (root / ".gitignore").write_text("# Created by joblib automatically.\n*\n")
    with open(root / "spikes_per_cluster.pkl", "wb") as f:
        pickle.dump({0: np.arange(3)}, f)
    (root / "state.json").write_text(json.dumps(PHY2_STATE, indent=2))


def curate_save_close(qtbot, c):
    gui = show_gui(qtbot, c)
    s = c.supervisor
    ids = [int(x) for x in s.clustering.cluster_ids]
    s.select(ids[:2])
    s.merge(ids[:2])
    s.label("group", "good", [ids[2]])
    s.select([ids[3]])
    s.block()
    assert s.save()
    close_gui(gui, c)
    return gui


# phy 2's cache: never deleted or rewritten ------------------------------------------------

def test_phy2_cache_untouched(qtbot, synth_dir, config_dir, caplog):
    phy2_cache(synth_dir / ".phy")
    before = files_under(synth_dir / ".phy")
    with caplog.at_level(logging.INFO, logger="phyclone"):
        c = open_controller(synth_dir, config_dir)
        gui = show_gui(qtbot, c)
        # phy 2's local state is the starting point of ours.
        assert list(gui.state["WaveformView"]["box_scaling"]) == [1.75, 1.0]
        s = c.supervisor
        ids = [int(x) for x in s.clustering.cluster_ids]
        s.merge(ids[:2])
        s.label("group", "good", [ids[2]])
        s.block()
        assert s.save()
        close_gui(gui, c)
    assert "Clearing the cache" not in caplog.text
    after = files_under(synth_dir / ".phy")
    for path, digest in before.items():
        assert after.get(path) == digest, f"phy 2's .phy/{path} was changed or deleted"
    # Everything new is in phyclone's own folder.
    assert all(p.startswith("phyclone" + os.sep) for p in set(after) - set(before))
    assert (synth_dir / ".phy" / "phyclone" / "state.json").exists()
    # A second session starts from our state, still leaves phy 2's files alone.
    c = open_controller(synth_dir, config_dir)
    c.close()
    assert all(files_under(synth_dir / ".phy").get(p) == d for p, d in before.items())


def test_no_clearing_message_on_a_fresh_folder(synth_dir, config_dir, caplog):
    with caplog.at_level(logging.INFO, logger="phyclone"):
        open_controller(synth_dir, config_dir).close()
        open_controller(synth_dir, config_dir).close()  # our own cache, still valid
    assert "Clearing the cache" not in caplog.text
    # A stale cache of ours is cleared (and said), phy 2's files next to it are not.
    phy2_cache(synth_dir / ".phy")
    before = files_under(synth_dir / ".phy")
    sc = np.load(synth_dir / "spike_clusters.npy", allow_pickle=False)
    np.save(synth_dir / "spike_clusters.npy", sc[::-1].copy())
    with caplog.at_level(logging.INFO, logger="phyclone"):
        open_controller(synth_dir, config_dir).close()
    assert "Clearing the cache" in caplog.text
    after = files_under(synth_dir / ".phy")
    assert all(after.get(p) == d for p, d in before.items() if not p.startswith("phyclone"))


def test_clear_cache_option_keeps_phy2_files(synth_dir, config_dir):
    phy2_cache(synth_dir / ".phy")
    before = {p: d for p, d in files_under(synth_dir / ".phy").items()}
    open_controller(synth_dir, config_dir, clear_cache=True, clear_state=True).close()
    after = files_under(synth_dir / ".phy")
    assert all(after.get(p) == d for p, d in before.items())


def test_kwik_phy2_cache_untouched(qtbot, tmp_path, config_dir, caplog):
    make_kwik(tmp_path / "k", n_clusters=8)
    phy2_cache(tmp_path / "k" / ".phy", group=0)
    before = files_under(tmp_path / "k" / ".phy")
    with caplog.at_level(logging.INFO, logger="phyclone"):
        c = open_kwik(tmp_path / "k" / "syn.kwik", config_dir, channel_group=0)
        curate_save_close(qtbot, c)
    assert "Clearing the cache" not in caplog.text
    after = files_under(tmp_path / "k" / ".phy")
    assert all(after.get(p) == d for p, d in before.items())
    assert all(p.startswith("phyclone" + os.sep) for p in set(after) - set(before))


PHY2_CHILD = """
import sys
from pathlib import Path
from phylib.io.model import load_model
from phy.apps.template import TemplateController
d, cfg = sys.argv[1:3]
c = TemplateController(model=load_model(Path(d) / "params.py"), dir_path=d,
                       config_dir=Path(cfg))
ids = list(c.supervisor.clustering.cluster_ids)[:3]
for cid in ids:
    c.get_best_channels(cid)
    c.get_mean_firing_rate(cid)
    c.get_template_counts(cid)
c._get_correlograms(ids, .001, .05)
c.context.save_memcache()
c.context.save("state", {"WaveformView": {"box_scaling": [1.75, 1.0]}})
"""


def test_real_phy2_cache_untouched(qtbot, synth_dir, config_dir, tmp_path):
    """phy 2.1 itself (peer venv, ``PHYCLONE_PEER_PHY``) fills ``.phy/``; phyclone opens,
    curates, saves, closes: every file phy 2 wrote is byte-identical."""
    import subprocess
    from pathlib import Path
    peer = peer_venv("phy", "PHYCLONE_PEER_PHY") / "bin" / "python"
    if not peer.exists():
        pytest.skip(f"phy 2.1 peer venv not found ({peer}; set PHYCLONE_PEER_PHY)")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([str(peer), "-c", PHY2_CHILD, str(synth_dir), str(tmp_path / "phy2cfg")],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    before = files_under(synth_dir / ".phy")
    assert any(p.endswith("output.pkl") for p in before) and "state.json" in before
    assert any(p.startswith("memcache") for p in before)
    c = open_controller(synth_dir, config_dir)
    gui = show_gui(qtbot, c)
    assert list(gui.state["WaveformView"]["box_scaling"]) == [1.75, 1.0]
    close_gui(gui, c)
    curate_save_close(qtbot, open_controller(synth_dir, config_dir))
    after = files_under(synth_dir / ".phy")
    assert all(after.get(p) == d for p, d in before.items())
    assert all(p.startswith("phyclone" + os.sep) for p in set(after) - set(before))


# Pickles planted in .phy never run -------------------------------------------------------

def plant(phy, marker, extra_names=()):
    """Replace every file under ``phy`` (and ``extra_names``, and the ``.pkl`` twin of every
    ``.json``) by a pickle whose loading creates ``marker``; returns the planted paths."""
    evil = pickle.dumps(Payload(marker))
    targets = set()
    for root, _, files in os.walk(phy):
        for f in files:
            p = os.path.join(root, f)
            targets.add(p)
            if f.endswith(".json"):
                targets.add(p[:-5] + ".pkl")
    targets.update(str(phy / n) for n in extra_names)
    for p in targets:
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as fh:
            fh.write(evil)
    return sorted(targets)


#: File names phyclone or phy 2 read in a cache folder, planted even when absent.
NAMES = ("cache_key.pkl", "cache_key.json", "state.json", "state.pkl", "lock.json",
         "journal.jsonl", "new_cluster_id.json", "new_cluster_id.pkl", "phy.log",
         "spikes_per_cluster.pkl", "memcache/phyclone.apps.base.BaseController."
         "get_best_channels.pkl")


def _names(prefix):
    return [os.path.join(prefix, n) for n in NAMES]


@pytest.mark.parametrize("same_user", [True, False])
def test_planted_pickles_never_run_template(qtbot, synth_dir, config_dir, tmp_path,
                                            same_user, caplog):
    # A complete session first, so that every file phyclone reads in .phy exists.
    c = open_controller(synth_dir, config_dir)
    curate_save_close(qtbot, c)
    phy2_cache(synth_dir / ".phy")
    marker = tmp_path / "payload_ran"
    planted = plant(synth_dir / ".phy", marker, _names("") + _names("phyclone"))
    assert any("memcache" in p for p in planted) and any("results" in p for p in planted)
    assert any(p.endswith("output.pkl") for p in planted)
    assert any(p.endswith("spikes_per_cluster.pkl") for p in planted)
    user = config_dir if same_user else tmp_path / "another_user"
    for _ in range(2):  # open, curate, save, close; then again on what the first wrote
        with caplog.at_level(logging.WARNING):
            c = open_controller(synth_dir, user, enable_threading=True)
            curate_save_close(qtbot, c)
        assert not marker.exists()
    # The planted cache files were seen (and refused), not silently skipped.
    assert "Ignoring" in caplog.text or "Clearing the cache" in caplog.text
    # The headless controller with a GUI-less script, too.
    plant(synth_dir / ".phy", marker, _names("phyclone"))
    c = open_controller(synth_dir, user)
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids]
    for i in ids[:3]:
        c.get_best_channels(i)
        c.get_mean_firing_rate(i)
    c.supervisor.merge(ids[:2])
    c.supervisor.save()
    c.close()
    assert not marker.exists()


def test_planted_pickles_never_run_kwik(qtbot, tmp_path, config_dir):
    make_kwik(tmp_path / "k", n_clusters=8)
    kwik_path = tmp_path / "k" / "syn.kwik"
    c = open_kwik(kwik_path, config_dir, channel_group=0)
    curate_save_close(qtbot, c)
    phy2_cache(tmp_path / "k" / ".phy", group=0)
    marker = tmp_path / "payload_ran"
    root = os.path.join("phyclone", "syn_0_main")
    plant(tmp_path / "k" / ".phy", marker, _names("") + _names("0") + _names(root))
    for _ in range(2):
        c = open_kwik(kwik_path, config_dir, channel_group=0, enable_threading=True)
        curate_save_close(qtbot, c)
        assert not marker.exists()


def test_cache_key_pickle_without_json(synth_dir, config_dir, tmp_path):
    """The attack of the issue: ``.phy/cache_key.pkl`` (no ``cache_key.json``) in a
    downloaded template folder, opened with ``TemplateController(...)``."""
    marker = tmp_path / "payload_ran"
    for folder in (synth_dir / ".phy", synth_dir / ".phy" / "phyclone"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cache_key.pkl").write_bytes(pickle.dumps(Payload(marker)))
    open_controller(synth_dir, config_dir).close()
    assert not marker.exists()
