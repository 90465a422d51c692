"""``phy kwik-describe``."""

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from phyclone.apps.cli import phycli

ROOT = Path(__file__).resolve().parents[2]
KWIK = ROOT / "tests" / "data" / "klusta_16ch" / "synth.kwik"


def test_describe_real_dataset():
    res = CliRunner().invoke(phycli, ["kwik-describe", str(KWIK), "--channel-group", "1",
                                      "--clustering", "original"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Channel groups  0, 1*" in out and "Clusterings     main, original*" in out
    assert "Spikes          287" in out and "Clusters        3" in out
    assert "Sample rate     20000 Hz" in out and "(287, 21, 2)" in out
    assert "synth_rec0.dat, synth_rec1.dat" in out


def test_describe_errors_are_one_line(tmp_path):
    res = CliRunner().invoke(phycli, ["kwik-describe", str(KWIK), "--channel-group", "4"])
    assert res.exit_code == 1
    assert "unknown channel group 4" in res.output and "Traceback" not in res.output
    bad = tmp_path / "x.kwik"
    bad.write_text("hello")
    res = CliRunner().invoke(phycli, ["kwik-describe", str(bad)])
    assert res.exit_code == 1 and "not an HDF5 file" in res.output


def test_python_m_phyclone_entry_point():
    res = subprocess.run([sys.executable, "-m", "phyclone", "kwik-describe", str(KWIK)],
                         capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert "Spikes          326" in res.stdout


def test_describe_imports_no_qt():
    code = ("import sys; from click.testing import CliRunner; from phyclone.apps.cli import phycli; "
            f"r = CliRunner().invoke(phycli, ['kwik-describe', {str(KWIK)!r}]); "
            "assert r.exit_code == 0, r.output; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PyQt5', 'qtpy', 'OpenGL')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_kwik_model_is_reexported_by_the_app_package():
    from phyclone.apps.kwik import KwikModel
    from phyclone.io.kwik.model import KwikModel as IOKwikModel
    assert KwikModel is IOKwikModel


def test_kwik_describe_function(capsys):
    from phyclone.apps.kwik import KwikModel, kwik_describe
    kwik_describe(KWIK, channel_group=1)
    out = capsys.readouterr().out
    assert "Channel groups  0, 1*" in out and "Clusterings     main*, original" in out
    with KwikModel(KWIK) as m:
        assert m.describe().splitlines()[0] == f"Kwik file       {KWIK}"
