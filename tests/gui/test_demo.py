"""The GUI demo example builds and writes a non-blank screenshot."""

import runpy
from pathlib import Path

from phyclone.qt import QColor, QImage

DEMO = Path(__file__).resolve().parents[2] / "examples" / "gui_demo.py"


def test_gui_demo(qapp, tmp_path, capsys):
    main = runpy.run_path(str(DEMO))["main"]
    out = tmp_path / "demo.png"
    assert main(str(out)) == 0
    img = QImage(str(out))
    assert img.width() >= 1000 and img.height() >= 600
    colors = {QColor(img.pixel(x, y)).name() for x in range(0, img.width(), 7)
              for y in range(0, img.height(), 7)}
    assert len(colors) > 50
