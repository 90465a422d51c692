"""The gallery example renders every scene to a non-blank PNG without GL errors."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gl
ROOT = Path(__file__).resolve().parents[2]


def test_plot_gallery(tmp_path, qapp):
    from phyclone.qt import QImage
    p = subprocess.run([sys.executable, str(ROOT / "examples" / "plot_gallery.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert "ERRORS" not in p.stdout
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) >= 9
    for path in pngs:
        img = QImage(str(path)).convertToFormat(QImage.Format_RGBA8888)
        ptr = img.constBits()
        ptr.setsize(img.byteCount())
        arr = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine())
        rgb = arr[:, :img.width() * 4].reshape(img.height(), img.width(), 4)[:, :, :3]
        lit = rgb.max(axis=2) > 40
        assert lit.mean() > .005, f"{path.name} is (nearly) blank"
        assert len(np.unique(rgb.reshape(-1, 3), axis=0)) >= 4, f"{path.name} has no detail"


def test_plot_interactive_screenshot(tmp_path):
    out = tmp_path / "demo.png"
    p = subprocess.run([sys.executable, str(ROOT / "examples" / "plot_interactive.py"),
                        "--screenshot", str(out)], capture_output=True, text=True, timeout=240,
                       cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert out.exists() and out.stat().st_size > 10000
