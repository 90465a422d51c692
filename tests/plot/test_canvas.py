"""Canvas: visuals management, events, deferred uploads, threads, screenshots, GL errors."""

import threading

import numpy as np
import pytest

from phyclone.plot import BaseVisual, PlotCanvas, ScatterVisual
from phyclone.qt import QPoint, Qt
from phyclone.utils import connect, unconnect

from plot_pixels import H, W, lit, not_black

pytestmark = pytest.mark.gl
RED = (1, 0, 0, 1)


def mouse_move(widget, pos, buttons=Qt.NoButton, modifiers=Qt.NoModifier):
    """Send a mouse move with buttons held (QTest.mouseMove cannot)."""
    from phyclone.qt import QApplication, QEvent, QMouseEvent, QPointF
    ev = QMouseEvent(QEvent.MouseMove, QPointF(*pos), Qt.NoButton, buttons, modifiers)
    QApplication.sendEvent(widget, ev)


def test_grab_image_and_screenshot(canvas, tmp_path):
    canvas.scatter(pos=[[0, 0]], color=RED, size=10)
    img = canvas.grab_image()
    assert img.shape == (H, W, 4) and img.dtype == np.uint8
    assert (img[:, :, 3] == 255).all()
    path = canvas.screenshot(tmp_path / "shot.png")
    from phyclone.qt import QImage
    q = QImage(path)
    assert (q.width(), q.height()) == (W, H) and not (tmp_path / "shot.png.tmp.png").exists()


def test_add_remove_clear_keys(canvas):
    a = canvas.scatter(pos=[[0, 0]], color=RED, size=10, key="a")
    b = ScatterVisual()
    canvas.add_visual(b, clearable=False, key="b")
    b.set_data(pos=[[.5, .5]], color=(0, 1, 0, 1), size=10)
    assert canvas.get_visual("a") is a and canvas.has_visual(b)
    canvas.add_visual(b)  # no-op
    assert sum(v.visual is b for v in canvas.visuals) == 1
    canvas.grab_image()
    canvas.clear()
    assert not canvas.has_visual(a) and canvas.has_visual(b) and a.canvas is None
    img = canvas.grab_image()
    assert lit(img).sum() == 0 and lit(img, (0, 255, 0)).sum() > 0
    canvas.remove(b)
    assert not not_black(canvas.grab_image()).any()


def test_hide_show(canvas):
    v = canvas.scatter(pos=[[0, 0]], color=RED, size=10)
    v.hide()
    assert lit(canvas.grab_image()).sum() == 0
    v.toggle()
    assert v.visible and lit(canvas.grab_image()).sum() > 0


def test_set_data_makes_no_gl_call_until_paint(canvas):
    v = ScatterVisual()
    canvas.add_visual(v)
    v.set_data(pos=np.zeros((5, 2)), color=RED)
    assert v.gl_state.program is None and v.gl_state.buffers == {}
    assert v._pending
    canvas.grab_image()
    assert v.gl_state.program is not None and not v._pending
    assert len(v.gl_state.buffers["a_position"]) == 5


def _settled(canvas):
    """No frame of ``canvas`` requested, being rendered for it, or waiting to be shown."""
    r = canvas.gl_renderer
    return not (r.is_pending(canvas) or canvas in r._soon or canvas._new_frame)


def test_set_data_from_worker_thread(canvas, qtbot):
    v = ScatterVisual()
    canvas.add_visual(v)
    shown = []
    canvas.frameShown.connect(lambda: shown.append(1))
    canvas.show()
    qtbot.waitExposed(canvas)
    qtbot.waitUntil(lambda: bool(shown) and _settled(canvas))  # the first (empty) frame

    def work():
        v.set_data(pos=[[0, 0]], color=RED, size=12)
        canvas.update()  # thread-safe: queued to the GUI thread

    t = threading.Thread(target=work)
    t.start()
    t.join()
    # The repaint requested by the worker uploads the data on the GUI thread.
    qtbot.waitUntil(lambda: not v._pending and "a_position" in v.gl_state.buffers)
    assert lit(canvas.grab_image()).sum() > 50


def test_lazy_mode_and_next_paint(canvas):
    canvas.set_lazy(True)
    v = canvas.scatter(pos=[[0, 0]], color=RED, size=10)
    seen = []
    canvas.on_next_paint(lambda: seen.append(canvas.context().isValid()))
    canvas.set_lazy(False)
    canvas.grab_image()
    assert seen == [True] and v.n_vertices == 1


def test_program_proxy_for_phy_style_visuals(canvas):
    class Custom(BaseVisual):
        def __init__(self):
            super().__init__()
            self.vertex_shader = ("#version 330 core\nin vec2 a_position;\nuniform float u_s;\n"
                                  "void main() {\n    gl_Position = transform(a_position * u_s);\n"
                                  "    gl_PointSize = 9.0;\n}\n")
            self.fragment_shader = ("#version 330 core\nuniform vec4 u_color;\nout vec4 c;\n"
                                    "void main() { c = u_color; }\n")
            self.set_primitive_type("points")

        def set_data(self, pos):
            self.n_vertices = len(pos)
            self.program["a_position"] = np.asarray(pos, dtype=np.float32)
            self.program["u_s"] = .5
            self.program["u_color"] = RED

    v = Custom()
    canvas.add_visual(v)
    v.set_data([[1, 1], [-1, -1]])
    assert "u_color" in v.program and "a_nothing" not in v.program
    with pytest.raises(KeyError):
        v.program["a_nothing"] = 1
    m = lit(canvas.grab_image())
    ys, xs = np.nonzero(m)
    assert m.sum() > 100 and abs(xs.mean() + .5 - W / 2) < 1


def test_gl_error_is_shown_not_black(canvas):
    class Broken(BaseVisual):
        def __init__(self):
            super().__init__()
            self.vertex_shader = "#version 330 core\nvoid main() { gl_Position = oops; }\n"
            self.fragment_shader = "#version 330 core\nout vec4 c;\nvoid main() { c = vec4(1); }\n"
            self.set_primitive_type("points")

    good = canvas.scatter(pos=[[0, -.8]], color=RED, size=10)
    canvas.add_visual(Broken())
    img = canvas.grab_image()
    assert len(canvas.gl_errors) == 1 and "oops" in canvas.gl_errors[0]
    assert "vertex shader" in canvas.gl_errors[0]
    assert not_black(img[:H // 2]).sum() > 200   # the message banner
    assert lit(img).sum() > 0                     # other visuals still drawn
    canvas.grab_image()
    assert len(canvas.gl_errors) == 1             # not retried every frame
    assert good.gl_state.error is None


def test_gl_call_error_is_reported(canvas):
    """PyOpenGL does not check every call: an OpenGL error made while drawing a visual is
    still reported for that visual, and the others are drawn."""
    from OpenGL import GL

    class Faulty(BaseVisual):
        def __init__(self):
            super().__init__()
            self.vertex_shader = "#version 330 core\nvoid main() { gl_Position = vec4(0); }\n"
            self.fragment_shader = "#version 330 core\nout vec4 c;\nvoid main() { c = vec4(1); }\n"
            self.set_primitive_type("points")

        def gl_draw(self, *args):
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, 123456)  # not a buffer: GL_INVALID_OPERATION

    canvas.add_visual(Faulty())
    canvas.scatter(pos=[[0, -.8]], color=RED, size=10)
    img = canvas.grab_image()
    assert len(canvas.gl_errors) == 1 and "Faulty" in canvas.gl_errors[0]
    assert "OpenGL error 0x0502" in canvas.gl_errors[0]
    assert lit(img).sum() > 0


def test_mouse_and_key_events(canvas, qtbot):
    class Listener:
        def __init__(self):
            self.events = []

        def __getattr__(self, name):
            if name.startswith("on_"):
                return lambda e: self.events.append((name[3:], e))
            raise AttributeError(name)

    lst = Listener()
    canvas.attach_events(lst)
    canvas.show()
    qtbot.waitExposed(canvas)
    lst.events.clear()
    qtbot.mouseClick(canvas, Qt.LeftButton, Qt.ControlModifier, QPoint(50, 40))
    clicks = [(n, e) for n, e in lst.events if n != "mouse_move"]  # QTest moves there first
    assert [n for n, _ in clicks][:3] == ["mouse_press", "mouse_release", "mouse_click"]
    e = clicks[2][1]
    assert e.pos == (50, 40) and e.button == "Left" and e.modifiers == ("Control",)
    np.testing.assert_allclose(e.pos_ndc, (50 / W * 2 - 1, 1 - 40 / H * 2))
    lst.events.clear()
    qtbot.mousePress(canvas, Qt.RightButton, pos=QPoint(10, 10))
    mouse_move(canvas, (60, 70), Qt.RightButton)
    qtbot.mouseRelease(canvas, Qt.RightButton, pos=QPoint(60, 70))
    names = [n for n, _ in lst.events]
    assert "mouse_click" not in names and "mouse_move" in names
    mv = [e for n, e in lst.events if n == "mouse_move"][-1]
    assert mv.button == "Right" and mv.mouse_press_position == (10, 10)
    lst.events.clear()
    qtbot.keyClick(canvas, Qt.Key_R)
    qtbot.keyClick(canvas, Qt.Key_Left, Qt.ShiftModifier)
    keys = [(e.key, e.modifiers) for n, e in lst.events if n == "key_press"]
    assert keys[0] == ("R", ()) and keys[-1] == ("Left", ("Shift",))
    lst.events.clear()
    qtbot.mouseDClick(canvas, Qt.LeftButton, pos=QPoint(5, 5))
    assert "mouse_double_click" in [n for n, _ in lst.events]
    canvas.detach_events(lst)


def test_wheel_event_and_resize(canvas, qtbot):
    from phyclone.qt import QPointF, QWheelEvent, QApplication
    got = []
    canvas.attach_events(type("L", (), {"on_mouse_wheel": lambda self, e: got.append(e)})())
    ev = QWheelEvent(QPointF(20, 30), QPointF(20, 30), QPoint(0, 0), QPoint(0, 240),
                     Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(canvas, ev)
    assert got and got[0].delta == 2 and got[0].pos == (20, 30)
    sizes = []

    def on_resize(sender, w, h):
        sizes.append((w, h))
    connect(on_resize, sender=canvas)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.resize(120, 90)
    qtbot.waitUntil(lambda: bool(sizes) and sizes[-1] == (120, 90))
    unconnect(on_resize)


def test_two_canvases_and_garbage_collection(qapp):
    import gc
    imgs = []
    for k in range(3):
        c = PlotCanvas()
        c.resize(W, H)
        c.scatter(pos=[[0, 0]], color=RED, size=8)
        imgs.append(lit(c.grab_image()).sum())
        del c
        if k == 1:
            gc.collect()
    assert imgs[0] > 0 and len(set(imgs)) == 1


def test_batch_of_clusters_is_one_draw_call(canvas, monkeypatch):
    import phyclone.plot.gl as gl
    calls = []
    for name in ("draw_arrays", "draw_multi", "draw_instanced"):
        f = getattr(gl, name)
        monkeypatch.setattr(gl, name, lambda *a, _f=f, _n=name: (calls.append(_n), _f(*a)))
    canvas.set_layout("grid", shape=(2, 3))
    v = ScatterVisual()
    canvas.add_visual(v)
    p = canvas.plot(y=np.zeros((2, 10)))
    for k in range(6):
        v.add_batch_data(pos=np.random.default_rng(k).normal(size=(100, 2)) * .3,
                         color=(k / 6, 1 - k / 6, .5, 1), box_index=(k // 3, k % 3))
    canvas.update_visual(v)
    canvas.grab_image()
    assert calls.count("draw_arrays") == 1 and calls.count("draw_multi") == 1
    assert len(calls) == 2 and p.n_signals == 2


def test_attribute_type_mismatch_is_reported(canvas):
    v = canvas.scatter(pos=[[0, 0]], color=RED)
    v.set_attribute("a_size", np.ones((1, 3), dtype=np.float32))
    canvas.grab_image()
    assert any("a_size is a float" in e for e in canvas.gl_errors)
    v.set_marker_size(10)  # new data: the visual is drawn again
    assert lit(canvas.grab_image()).sum() > 20


def test_reparenting_to_another_window_keeps_the_data(qapp, qtbot):
    """Floating a dock and moving the canvas to another top-level window keep its data: it
    still draws, in the window and in screenshots, without GL errors."""
    from phyclone.qt import QDockWidget, QMainWindow
    win = QMainWindow()
    dock = QDockWidget("view", win)
    c = PlotCanvas()
    shown = []
    c.frameShown.connect(lambda: shown.append(1))
    dock.setWidget(c)
    win.addDockWidget(Qt.LeftDockWidgetArea, dock)
    win.resize(400, 300)
    win.show()
    qtbot.waitExposed(win)
    c.scatter(pos=[[0, 0]], color=RED, size=12)
    qtbot.waitUntil(lambda: bool(shown))  # drawn in the window
    assert lit(c.grab_image()).sum() > 50
    dock.setFloating(True)
    qtbot.waitUntil(dock.isFloating)
    qtbot.waitExposed(dock)
    other = QMainWindow()
    c.setParent(other)
    other.setCentralWidget(c)
    other.show()
    qtbot.waitExposed(other)
    del shown[:]
    c.update()
    qtbot.waitUntil(lambda: bool(shown))
    assert lit(c.grab_image()).sum() > 50 and c.gl_errors == []
    c.close()
    other.close()
    win.close()


def test_frames_coalesce_and_reach_the_window(canvas, qtbot):
    """update() calls made before the GL thread renders give one frame; the frame is shown
    in the widget (``frameShown``, ``on_next_frame``) and equals what a grab returns."""
    paints, shown, after = [], [], []
    orig = canvas.paintGL
    canvas.paintGL = lambda: (paints.append(1), orig())
    canvas.frameShown.connect(lambda: shown.append(1))
    canvas.show()
    qtbot.waitExposed(canvas)
    qtbot.waitUntil(lambda: bool(shown) and _settled(canvas))
    del paints[:], shown[:]
    with canvas.gl_renderer.queue._cv:  # hold the GL thread: the requests pile up
        canvas.scatter(pos=[[0, 0]], color=RED, size=12)
        for _ in range(5):
            canvas.update()
        canvas.on_next_frame(lambda: after.append(canvas._image))
    qtbot.waitUntil(lambda: bool(after) and bool(shown) and _settled(canvas))
    assert len(paints) == 1 and len(shown) == 1
    img = canvas.grab_image()
    assert img.shape == (H, W, 4) and lit(img).sum() > 50
    shot = canvas.grab()  # what the widget paints: the frame
    from phyclone.qt import QColor
    assert QColor(shot.toImage().pixel(W // 2, H // 2)).red() > 200


def test_grab_of_a_hidden_canvas_does_not_show_it(canvas):
    canvas.scatter(pos=[[0, 0]], color=RED, size=12)
    assert lit(canvas.grab_image()).sum() > 50
    assert not canvas.isVisible()


def test_gl_calls_happen_in_the_gl_thread(canvas):
    import threading
    threads = []
    canvas.on_next_paint(lambda: threads.append(threading.current_thread()))
    canvas.grab_image()
    r = canvas.gl_renderer
    expected = r._thread if r.threaded else threading.main_thread()
    assert threads == [expected]
    assert canvas.run_gl(threading.current_thread) is expected


def test_frames_rendered_on_the_gui_thread_without_a_gl_thread(tmp_path):
    """Without threaded OpenGL (or with PHYCLONE_RENDER_THREAD=0) the same frames are rendered
    on the GUI thread, one per event-loop iteration."""
    import os
    import subprocess
    import sys
    code = (
        "import numpy as np\n"
        "from phyclone.qt import create_app\n"
        "from phyclone.plot import PlotCanvas\n"
        "from phyclone.plot.renderer import renderer\n"
        "app = create_app()\n"
        "c = PlotCanvas(); c.resize(200, 150)\n"
        "c.scatter(pos=[[0., 0.]], color=(1, 0, 0, 1), size=20)\n"
        "img = c.grab_image()\n"
        "assert not renderer().threaded\n"
        "red = (img[..., 0] > 200) & (img[..., 1] < 60)\n"
        "ys, xs = np.nonzero(red)\n"
        "assert red.sum() > 100 and abs(xs.mean() + .5 - 100) < 2 and abs(ys.mean() + .5 - 75) < 2\n"
        "print('OK')\n")
    env = dict(os.environ, PHYCLONE_RENDER_THREAD="0", PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert p.returncode == 0 and "OK" in p.stdout, p.stdout + p.stderr


def test_canvases_share_the_gl_threads(qtbot):
    """Canvases are spread over the GL threads (one per canvas, for its life), each draws
    with its own objects in its thread, and a canvas' framebuffer is freed by its thread."""
    from phyclone.plot.renderer import renderers
    rs = renderers()
    canvases = [PlotCanvas() for _ in range(2 * len(rs))]
    for c in canvases:
        c.resize(W, H)
    assert {c.gl_renderer for c in canvases} == set(rs)
    colors = [(1, 0, 0, 1), (0, 1, 0, 1), (0, 0, 1, 1), (1, 1, 0, 1)]
    for k, c in enumerate(canvases):
        c.scatter(pos=[[(k % 3 - 1) * .5, 0]], color=colors[k % 4], size=30)
    for k, c in enumerate(canvases):
        img = c.grab_image()
        rgb = tuple(int(255 * x) for x in colors[k % 4][:3])
        ys, xs = np.nonzero(lit(img, rgb) > 0)
        assert len(xs) > 100 and abs(xs.mean() + .5 - W / 2 * (1 + (k % 3 - 1) * .5)) < 2
        expected = c.gl_renderer._thread or threading.main_thread()
        assert c.run_gl(threading.current_thread) is expected
        assert c.gl_errors == []
    c = canvases[-1]
    fbo = c._fbo
    assert fbo.renderer is c.gl_renderer
    deleted = []
    orig = fbo.delete
    fbo.delete = lambda: (deleted.append(threading.current_thread()), orig())
    from phyclone.plot.canvas import _release_gl  # what a garbage-collected canvas calls
    _release_gl(fbo)
    qtbot.waitUntil(lambda: bool(deleted))
    assert deleted == [c.gl_renderer._thread or threading.main_thread()]
    for c in canvases:
        c.close()
