"""Screenshots: PNG files with the widget's pixels, OpenGL content included."""

import pytest

from phyclone.gui import GUI, screenshot
from phyclone.gui.capture import grab
from phyclone.qt import QColor, QImage, QLabel, QOpenGLWidget, QOpenGLWindow, QPainter, QWidget


def _color_at(image, x, y):
    c = QColor(image.pixel(x, y))
    return c.red(), c.green(), c.blue()


def _near(rgb, expected, tol=10):
    """Colour equality up to the quantisation of a 16-bit X server (pytest-xvfb's default)."""
    return all(abs(a - b) <= tol for a, b in zip(rgb, expected))


def test_screenshot_widget(qapp, qtbot, tmp_path):
    w = QLabel("hello")
    w.setStyleSheet("background: rgb(200, 30, 40)")
    w.resize(120, 80)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    path = screenshot(w, tmp_path / "shot.png")
    img = QImage(str(path))
    assert (img.width(), img.height()) == (120, 80)
    assert _near(_color_at(img, 5, 5), (200, 30, 40))
    assert len({img.pixel(x, y) for x in range(0, 120, 4) for y in range(0, 80, 4)}) > 2


def test_screenshot_default_path(qapp, qtbot, config_dir):
    w = QLabel("x")
    qtbot.addWidget(w)
    path = screenshot(w)
    assert path.parent == config_dir / "screenshots" and path.suffix == ".png"
    assert QImage(str(path)).width() > 0


class RedWindow(QOpenGLWindow):
    def paintGL(self):
        p = QPainter(self)
        p.fillRect(0, 0, self.width(), self.height(), QColor(10, 200, 30))
        p.end()


class BlueWidget(QOpenGLWidget):
    def paintGL(self):
        p = QPainter(self)
        p.fillRect(0, 0, self.width(), self.height(), QColor(20, 40, 220))
        p.end()


@pytest.mark.gl
def test_screenshot_gl_in_gui(qapp, qtbot, tmp_path, config_dir):
    gui = GUI(name="GLGUI", config_dir=config_dir, size=(600, 400))
    qtbot.addWidget(gui)
    window = RedWindow()
    container = QWidget.createWindowContainer(window)
    gui.add_view(container, position="left")
    gui.add_view(BlueWidget(), position="right")
    gui.show()
    qtbot.waitExposed(gui)
    qtbot.waitUntil(window.isExposed)
    c = container.mapTo(gui, container.rect().center())
    # not black, once the GL window has rendered its first frame
    qtbot.waitUntil(lambda: _near(_color_at(grab(gui), c.x(), c.y()), (10, 200, 30)))
    img = grab(gui)
    blue = gui.views[1]
    c = blue.mapTo(gui, blue.rect().center())
    assert _near(_color_at(img, c.x(), c.y()), (20, 40, 220))
    assert _near(_color_at(grab(window), 2, 2), (10, 200, 30))
    path = screenshot(gui, tmp_path / "gui.png")
    assert QImage(str(path)).size() == img.size()
    gui.close()


@pytest.mark.gl
def test_shortcuts_work_when_a_canvas_has_the_focus(qapp, qtbot, config_dir):
    """When a canvas has the keyboard focus, the GUI's shortcuts still fire and the canvas
    gets the other keys."""
    from phyclone.plot import PlotCanvas
    from phyclone.qt import Qt
    gui = GUI(name="FocusGUI", config_dir=config_dir, size=(600, 400))
    qtbot.addWidget(gui)
    fired, keys = [], []
    gui.file_actions.add(lambda: fired.append(1), name="do_it", shortcut="g")
    canvas = PlotCanvas()
    canvas.attach_events(type("K", (), {"on_key_press": lambda self, e: keys.append(e.key)})())
    gui.add_view(canvas)
    gui.show()
    qtbot.waitExposed(gui)
    gui.activateWindow()
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)
    qtbot.keyClick(canvas, Qt.Key_G)
    qtbot.keyClick(canvas, Qt.Key_R)
    assert fired == [1] and "R" in keys
    gui.close()
