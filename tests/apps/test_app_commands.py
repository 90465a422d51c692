"""``phy template-gui``, ``phy trace-gui`` and ``phy demo`` (the headless scripted session
re-executed under Xvfb), and the Trace GUI's data."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from phyclone.apps.cli import phycli


def test_commands_listed():
    res = CliRunner().invoke(phycli, ["--help"])
    assert res.exit_code == 0
    for name in ("template-gui", "trace-gui", "demo", "synthetic"):
        assert name in res.output
    res = CliRunner().invoke(phycli, ["template-gui", "--help"])
    for option in ("--clear-cache", "--clear-state", "--events", "--replay-journal",
                   "--no-replay-journal"):
        assert option in res.output
    res = CliRunner().invoke(phycli, ["demo", "--help"])
    assert "--out" in res.output and "--screenshots" in res.output


def test_bad_arguments(tmp_path):
    runner = CliRunner()
    res = runner.invoke(phycli, ["template-gui", str(tmp_path / "missing" / "params.py")])
    assert res.exit_code != 0 and "does not exist" in res.output
    raw = tmp_path / "raw.dat"
    np.zeros((100, 4), np.int16).tofile(raw)
    res = runner.invoke(phycli, ["trace-gui", str(raw), "--sample-rate", "1000"])
    assert res.exit_code != 0 and "--n-channels" in res.output
    res = runner.invoke(phycli, ["trace-gui", str(raw), "--n-channels", "4"])
    assert res.exit_code != 0 and "--sample-rate" in res.output


@pytest.mark.parametrize("name", ["raw", "high_pass"])
def test_trace_data(synth_dir, name):
    from phyclone.apps.trace.gui import TraceData, _open_traces
    from phyclone.io.raw.filtering import filtered_traces
    traces, _ = _open_traces(synth_dir / "params.py")
    data = TraceData(traces)
    assert data.raw_data_filter.current == "raw"
    data.raw_data_filter.set(name)
    b = data((0.25, 0.5))
    sr = traces.sample_rate
    i, j = int(0.25 * sr), int(0.5 * sr)
    if name == "raw":
        raw = np.fromfile(synth_dir / "raw.dat", np.int16).reshape(-1, traces.n_channels_raw)
        ref = raw[i:j][:, traces.channel_map].astype(np.float32)
        ref -= ref.mean(axis=0)
    else:
        ref = filtered_traces(traces, i, j)
    np.testing.assert_allclose(b.data, ref, atol=1e-2)
    assert b.waveforms == [] and b.interval == (i / sr, j / sr)
    traces.close()


@pytest.mark.gl
def test_trace_gui(qapp, qtbot, synth_dir, config_dir):
    from phyclone.apps.trace.gui import create_trace_gui
    raw = synth_dir / "raw.dat"
    n = len(np.load(synth_dir / "channel_map.npy", allow_pickle=False))
    gui = create_trace_gui(raw, sample_rate=30000., n_channels_dat=n, dtype="int16",
                           config_dir=config_dir, views=("TraceView", "TraceImageView"))
    qtbot.addWidget(gui)
    gui.show()
    assert gui.name == "TraceGUI"
    assert gui.trace_data((0., .1)).data.shape == (3000, n)
    gui.view_actions.get("switch_raw_data_filter").trigger()
    assert gui.trace_data.raw_data_filter.current == "high_pass"
    gui.close()


@pytest.mark.gl
def test_demo_headless(synth_source, tmp_path):
    """Without a display, ``phy demo`` re-runs itself under Xvfb, curates, saves a private
    copy and writes non-blank screenshots of the window and of every view."""
    data = tmp_path / "demo"
    shutil.copytree(synth_source, data, ignore=shutil.ignore_patterns(".phy"))
    before = {p.name: p.stat().st_mtime_ns for p in data.iterdir()}
    shots = tmp_path / "shots"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    p = subprocess.run([sys.executable, "-m", "phyclone", "demo", "--out", str(data),
                        "--screenshots", str(shots)], env=env, capture_output=True, text=True,
                       cwd=tmp_path, timeout=240)
    assert p.returncode == 0, p.stdout + p.stderr
    assert str(shots) in p.stdout and "Scripted session" in p.stdout
    names = {f.stem for f in shots.glob("*.png")}
    assert {"window", "ClusterView", "SimilarityView"} <= names
    from phyclone.apps.demo import is_blank
    assert not [f.name for f in shots.glob("*.png") if is_blank(f)]
    # The cached dataset is never modified; the session saved into its working copy.
    assert {p.name: p.stat().st_mtime_ns for p in data.iterdir()} == before
    saved = list((tmp_path / "cache" / "phyclone" / "demo-output").glob("*/dataset"))
    assert len(saved) == 1 and (saved[0] / "cluster_info.tsv").exists()
    assert not (saved[0] / "spike_clusters.npy").is_symlink()
    assert Path(saved[0] / "raw.dat").is_symlink()


@pytest.mark.gl
def test_template_gui_command(qapp, synth_dir, config_dir, monkeypatch):
    """``phy template-gui params.py``: the GUI opens on the folder (the event loop is
    replaced by a short wait, then the window is closed) and the controller is closed."""
    import phyclone.gui
    import phyclone.plot.gl
    from phyclone.gui import preset_answers
    from phyclone.qt import QApplication
    from phyclone.utils import Bunch, connect
    seen = {}

    def on_gui_ready(sender, gui):
        seen["controller"], seen["gui"] = sender, gui

    def run_app():
        gui = seen["gui"]
        assert gui.isVisible() and gui.windowTitle().endswith(str(synth_dir))
        with preset_answers("close"):
            gui.close()
        QApplication.processEvents()
        return 0

    connect(on_gui_ready, event="gui_ready")
    monkeypatch.setattr(phyclone.gui, "run_app", run_app)
    monkeypatch.setattr(phyclone.plot.gl, "setup_opengl",
                        lambda: Bunch(ok=True, renderer="test", message=""))
    res = CliRunner().invoke(phycli, ["template-gui", str(synth_dir / "params.py"),
                                      "--no-replay-journal", "--clear-state"])
    assert res.exit_code == 0, res.output
    c = seen["controller"]
    assert c.model.spike_samples is None  # closed
    assert c.gl_status_label.text() == "OpenGL: test"
