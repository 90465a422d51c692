"""The headless controller: a script opens a folder with phy's TemplateController (or the
core class), reads every view's data, curates and saves without Qt ever being imported; the
GUI layer shows the same session once it is asked for."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, sys
import numpy as np
from phyclone.apps.template import TemplateController, load_model
from phyclone.controller import TemplateControllerCore

d, cfg, which = sys.argv[1], sys.argv[2], sys.argv[3]
cls = TemplateController if which == "apps" else TemplateControllerCore
c = cls(model=load_model(d + "/params.py"), dir_path=d, config_dir=cfg, replay_journal=False)
s = c.session
ids = sorted(int(x) for x in s.clustering.cluster_ids)
data = dict(
    waveforms=c._get_waveforms(ids[0]).data.shape,
    features=c._get_features(ids[0]).data.shape,
    ccg=np.asarray(c._get_correlograms(ids[:2], 1e-3, 50e-3)).shape,
    traces=c.get_traces((0., .1)).data.shape,
    best=int(c.get_best_channel(ids[0])),
)
up = s.merge(ids[:2])
s.label("quality", "great", cluster_ids=[up.added[0]])
s.move("good", "all") if False else None
c.save()
c.close()
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PyQt5", "qtpy", "OpenGL")
            or m in ("phyclone.qt", "phyclone.gui", "phyclone.cluster.supervisor"))
print(json.dumps(dict(qt=qt, merged=int(up.added[0]), merged_from=ids[:2],
                      data={k: list(v) if isinstance(v, tuple) else v for k, v in data.items()})))
"""


def _run(synth_dir, config_dir, which):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PHYCLONE_CONFIG_DIR=str(config_dir))
    p = subprocess.run([sys.executable, "-c", SCRIPT, str(synth_dir), str(config_dir), which],
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def _check_saved(synth_dir, out):
    sc = np.load(synth_dir / "spike_clusters.npy")
    assert out["merged"] in set(sc.tolist())
    assert not set(out["merged_from"]) & set(sc.tolist())
    quality = (synth_dir / "cluster_quality.tsv").read_text().splitlines()
    assert f"{out['merged']}\tgreat" in quality


def test_template_controller_headless_imports_no_qt(synth_dir, config_dir):
    out = _run(synth_dir, config_dir, "apps")
    assert out["qt"] == []
    assert out["data"]["waveforms"][0] > 0 and out["data"]["traces"][1] == 16
    _check_saved(synth_dir, out)


def test_core_controller_curates_and_saves(synth_dir, config_dir):
    out = _run(synth_dir, config_dir, "core")
    assert out["qt"] == []
    _check_saved(synth_dir, out)
    # The next session (core again) opens what was saved, with new ids after the old ones.
    from phyclone.controller import TemplateControllerCore
    from phyclone.io.template.model import load_model
    c = TemplateControllerCore(model=load_model(synth_dir / "params.py"), dir_path=synth_dir,
                               config_dir=config_dir, replay_journal=False)
    try:
        assert out["merged"] in c.session.cluster_ids
        up = c.session.split([0, 1])
        assert min(up.added) > out["merged"]
    finally:
        c.close()


def test_supervisor_shows_the_controller_session(controller):
    """The Supervisor made on first use shows the controller's own session: an action
    through either is seen by both, and saving through it writes the files."""
    s = controller.session
    sup = controller.supervisor
    assert sup.session is s and controller.supervisor is sup
    ids = sorted(s.cluster_ids)[:2]
    up = sup.merge(ids)
    assert up.added[0] in s.cluster_ids and sup.selected == s.selected
    assert sup.save()
    sc = np.load(controller.dir_path / "spike_clusters.npy")
    assert up.added[0] in set(sc.tolist())
    groups = (controller.dir_path / "cluster_group.tsv").read_text().splitlines()
    assert groups[0] == "cluster_id\tgroup" and len(groups) == len(s.cluster_ids) + 1
    json.dumps(controller.cluster_info[:1], default=str)  # the table rows, for plugins
