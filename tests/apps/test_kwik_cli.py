"""``phy kwik-gui``: its options, and the real command in a process that closes its GUI once
shown."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from phyclone.apps.cli import COMMANDS, phycli

from _kwik_fixtures import make_kwik

_CHILD = """
import json, sys
from phyclone.utils import connect

def on_gui_ready(sender, gui):
    from phyclone.qt import QTimer

    def done():
        print(json.dumps({"title": gui.windowTitle(), "status": gui.status_message,
                          "views": sorted(type(v).__name__ for v in gui.views)}), flush=True)
        gui.close()
    QTimer.singleShot(300, done)

connect(on_gui_ready, event="gui_ready")
from phyclone.apps.cli import phycli
phycli(sys.argv[1:])
"""


def test_kwik_gui_options():
    assert COMMANDS["kwik-gui"] == "phyclone.apps.cmd_kwik:kwik_gui_cmd"
    result = CliRunner().invoke(phycli, ["kwik-gui", "--help"])
    assert result.exit_code == 0
    for option in ("--channel-group", "--clustering", "--clear-cache", "--clear-state",
                   "--replay-journal"):
        assert option in result.output
    result = CliRunner().invoke(phycli, ["kwik-gui", "missing.kwik"])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_kwik_gui_command_bad_file(tmp_path):
    bad = tmp_path / "bad.kwik"
    bad.write_bytes(b"not hdf5")
    result = CliRunner().invoke(phycli, ["kwik-gui", str(bad)])
    assert result.exit_code == 1 and "bad.kwik" in result.output
    assert "Traceback" not in result.output


@pytest.mark.gl
def test_kwik_gui_command_opens_the_gui(tmp_path, config_dir):
    d = make_kwik(tmp_path / "data", raw_format="dat")
    d.kwx_path.unlink()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path),
               PHYCLONE_CONFIG_DIR=str(config_dir), PHYCLONE_NONINTERACTIVE="1")
    res = subprocess.run([sys.executable, "-c", _CHILD, "kwik-gui", str(d.kwik_path),
                          "--channel-group", "1", "--clustering", "original", "--clear-state"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert "channel group 1, clustering original" in out["title"]
    assert "syn.kwx not found" in out["status"]
    assert "FeatureView" not in out["views"] and "WaveformView" in out["views"]
    assert (d.kwik_path.parent / ".phy" / "phyclone" / "syn_1_original" / "state.json").exists()
