"""GUI main window: views and docks, events, menus, status bar, state and closing."""

import json

import pytest

from phyclone.gui import GUI, dialog_log, preset_answers
from phyclone.qt import QLabel, Qt, QWidget
from phyclone.utils import connect


class MyView(QWidget):
    state_attrs = ("scaling", "mode")
    local_state_attrs = ("channel",)

    def __init__(self):
        super().__init__()
        self.scaling, self.mode, self.channel = 1.0, "a", 0


class OtherView(QLabel):
    pass


class AttachView(QLabel):
    def attach(self, gui):
        self.attached_to = gui
        gui.add_view(self, position="bottom")


def test_add_views_and_names(gui):
    added = []
    connect(lambda g, v: added.append(v), event="add_view", sender=gui)
    v0, v1, o = MyView(), MyView(), OtherView("x")
    d0 = gui.add_view(v0)
    gui.add_view(v1, position="left")
    gui.add_view(o, position="bottom", closable=False)
    assert [v.name for v in gui.views] == ["MyView", "MyView (1)", "OtherView"]
    assert added == [v0, v1, o]
    assert v0.dock is d0 and d0.view is v0 and d0.widget() is v0
    assert gui.view_count == {"MyView": 2, "OtherView": 1}
    assert gui.list_views(MyView) == [v0, v1] and gui.list_views("OtherView") == [o]
    assert gui.get_view(MyView, 1) is v1 and gui.get_view(MyView, 2) is None
    assert "close" in v0.dock._dock_widgets and "close" not in o.dock._dock_widgets


def test_close_view_event(gui, qtbot):
    closed = []
    v = MyView()
    connect(lambda view, g: closed.append((view, g)), event="close_view")
    gui.add_view(v)
    gui.show()
    qtbot.waitExposed(gui)
    qtbot.mouseClick(v.dock.get_widget("close"), Qt.LeftButton)
    assert closed == [(v, gui)] and gui.views == []
    v2 = MyView()
    gui.add_view(v2)
    assert v2.name == "MyView"  # as phy: the first view of a class takes the bare name


def test_matplotlib_view(gui):
    from matplotlib.figure import Figure
    fig = Figure()
    fig.add_subplot(111).plot([0, 1], [1, 0])
    dock = gui.add_view(fig)
    assert fig.name == "Figure" and dock.widget().figure is fig


def test_view_creator_and_count(qapp, qtbot, config_dir):
    def make(**kw):
        g = GUI(name="CreatorGUI", config_dir=config_dir,
                view_creator={"MyView": MyView, "OtherView": lambda: OtherView("o"),
                              "AttachView": lambda: AttachView("a")}, **kw)
        qtbot.addWidget(g)
        return g

    g = make(default_views=("OtherView", "MyView"))
    g.create_views()
    g.set_default_actions()
    assert [v.name for v in g.views] == ["OtherView", "MyView"]
    g.view_actions.get("Add MyView").trigger()
    assert g.view_count == {"OtherView": 1, "MyView": 2}
    view = g.create_and_add_view("AttachView")
    assert view.attached_to is g and g.view_count["AttachView"] == 1
    assert g.create_and_add_view("Nope") is None
    view.dock.close()
    g.close()
    assert json.loads((config_dir / "CreatorGUI" / "state.json").read_text())["view_count"] == {
        "OtherView": 1, "MyView": 2}
    g2 = make(default_views=("OtherView", "MyView"))
    g2.create_views()
    assert g2.view_count == {"OtherView": 1, "MyView": 2}
    g2.close()


def test_view_state_round_trip(qapp, qtbot, config_dir, tmp_path):
    local = tmp_path / "dataset" / ".phy" / "state.json"
    g = GUI(name="StateGUI", config_dir=config_dir, local_path=local)
    qtbot.addWidget(g)
    v = MyView()
    g.add_view(v)
    v.scaling, v.mode, v.channel = 2.5, "b", 17
    g.close()
    glob = json.loads((config_dir / "StateGUI" / "state.json").read_text())
    assert glob["MyView"] == {"scaling": 2.5, "mode": "b"}
    assert json.loads(local.read_text()) == {"MyView": {"channel": 17}}

    g2 = GUI(name="StateGUI", config_dir=config_dir, local_path=local)
    qtbot.addWidget(g2)
    v2 = MyView()
    g2.add_view(v2)
    assert (v2.scaling, v2.mode, v2.channel) == (2.5, "b", 17)
    g2.close()


def test_set_state_hook(qapp, qtbot, config_dir, tmp_path):
    class StatefulView(MyView):
        def set_state(self, state):
            self.restored = dict(state)

        @property
        def state(self):
            return {"scaling": 9, "mode": "z", "channel": 1}

    local = tmp_path / "local.json"
    g = GUI(name="HookGUI", config_dir=config_dir, local_path=local)
    qtbot.addWidget(g)
    g.add_view(StatefulView())
    g.close()
    g2 = GUI(name="HookGUI", config_dir=config_dir, local_path=local)
    qtbot.addWidget(g2)
    v = StatefulView()
    g2.add_view(v)
    assert v.restored == {"scaling": 9, "mode": "z", "channel": 1}
    g2.close()


def test_geometry_round_trip(qapp, qtbot, config_dir):
    g = GUI(name="GeomGUI", config_dir=config_dir, size=(700, 500))
    qtbot.addWidget(g)
    g.add_view(MyView())
    g.show()
    qtbot.waitExposed(g)
    g.resize(660, 420)
    qtbot.waitUntil(lambda: (g.width(), g.height()) == (660, 420))
    gs = g.save_geometry_state()
    assert isinstance(gs["geometry"], str) and isinstance(gs["state"], str)
    g.close()
    g2 = GUI(name="GeomGUI", config_dir=config_dir, size=(300, 300))
    qtbot.addWidget(g2)
    g2.add_view(MyView())
    g2.show()
    qtbot.waitExposed(g2)
    assert (g2.width(), g2.height()) == (660, 420)
    g2.restore_geometry_state({"geometry": "not base64 at all!"})  # ignored, no crash
    g2.close()


def test_fit_rect():
    """A 1600x1000 window at (200, 200) on a 1920x1080 screen (no window manager): moved up,
    then shrunk only when it is larger than the screen."""
    from phyclone.gui.gui import fit_rect
    screen = (0, 0, 1920, 1080)
    assert fit_rect((200, 200, 1600, 1000), screen) == (200, 80, 1600, 1000)
    assert fit_rect((200, 200, 2400, 1200), screen) == (0, 0, 1920, 1080)
    assert fit_rect((-50, 30, 800, 600), screen) == (0, 30, 800, 600)
    assert fit_rect((100, 100, 800, 600), (1920, 24, 1280, 1000)) == (1920, 100, 800, 600)


def test_first_window_fits_the_screen(qapp, qtbot, config_dir):
    """The first window (no saved geometry) lies within the screen's available geometry,
    whatever size the controller asks for."""
    screen = qapp.primaryScreen().availableGeometry()
    g = GUI(name="FitGUI", config_dir=config_dir, position=(200, 200),
            size=(screen.width() + 300, screen.height() + 100))
    qtbot.addWidget(g)
    g.add_view(MyView())
    g.show()
    qtbot.waitExposed(g)
    geom = g.geometry()
    assert screen.contains(geom), (geom, screen)
    assert (geom.width(), geom.height()) == (screen.width(), screen.height())
    g.close()
    g2 = GUI(name="FitGUI2", config_dir=config_dir, position=(200, 200), size=(600, 400))
    qtbot.addWidget(g2)
    g2.show()
    qtbot.waitExposed(g2)
    assert (g2.x(), g2.y(), g2.width(), g2.height()) == (200, 200, 600, 400)  # fits: kept
    g2.close()


def test_show_close_events(gui, qtbot):
    events = []
    connect(lambda g: events.append("show"), event="show", sender=gui)
    connect(lambda g: events.append("close"), event="close", sender=gui)
    gui.show()
    qtbot.waitExposed(gui)
    gui.close()
    assert events == ["show", "close"] and gui._closed
    gui.close()  # closing twice is harmless
    assert events == ["show", "close"]


def test_close_vetoed_by_callback(gui, qtbot):
    connect(lambda g: False, event="close", sender=gui)
    gui.show()
    qtbot.waitExposed(gui)
    gui.close()
    assert gui.isVisible() and not gui._closed


@pytest.mark.parametrize("answer, saved, closed", [
    ("cancel", False, False), ("save", True, True), ("close", False, True)])
def test_close_with_unsaved_changes(gui, qtbot, answer, saved, closed):
    requests = []
    connect(lambda g: requests.append(g), event="request_save", sender=gui)
    gui.unsaved_changes = lambda: True
    gui.show()
    qtbot.waitExposed(gui)
    with preset_answers(answer) as asked:
        gui.close()
    assert [a.kind for a in asked] == ["prompt"]
    assert "save your changes" in asked[0].message
    assert bool(requests) == saved
    assert gui._closed == closed and gui.isVisible() != closed


@pytest.mark.parametrize("failure", ["false", "raise"])
def test_close_save_failure_keeps_open(gui, qtbot, failure):
    def on_request_save(g):
        if failure == "raise":
            raise OSError("disk full")
        return False
    connect(on_request_save, event="request_save", sender=gui)
    gui.unsaved_changes = lambda: True
    gui.show()
    with preset_answers("save"):
        gui.close()
    assert not gui._closed and gui.isVisible()
    assert gui.status_message.startswith("Save failed")


def test_failing_close_callback_still_saves_state(gui, qtbot, config_dir, caplog):
    def on_close(g):
        raise RuntimeError("plugin bug")
    connect(on_close, event="close", sender=gui)
    gui.add_view(MyView())
    gui.show()
    gui.close()
    assert gui._closed and "plugin bug" in caplog.text
    assert (config_dir / "TestGUI" / "state.json").exists()


def test_default_actions(gui, qtbot, activate):
    saves = []
    connect(lambda g: saves.append(g), event="request_save", sender=gui)
    activate(gui)
    qtbot.keyClick(gui, Qt.Key_S, Qt.ControlModifier)
    assert saves == [gui]
    n = len(dialog_log)
    gui.help_actions.get("about").trigger()
    assert dialog_log[n].kind == "message" and "phyclone" in dialog_log[n].message
    qtbot.keyClick(gui, Qt.Key_Q, Qt.ControlModifier)
    assert gui._closed


def test_menus_and_status(gui):
    titles = [a.text() for a in gui.menuBar().actions()]
    assert titles == ["&File", "&Edit", "Sele&ct", "&View", "&Help"]
    gui.set_default_actions()
    visible = [a.text() for a in gui.menuBar().actions() if a.isVisible()]
    assert visible == ["&File", "&Help"]
    sub = gui.get_submenu("&Edit", "Sub")
    assert gui.get_submenu("&Edit", "Sub") is sub
    m = gui.get_menu("&Plugins", insert_before="&View")
    assert [a.text() for a in gui.menuBar().actions()].index("&Plugins") == 3
    assert gui.get_menu("&Plugins") is m
    gui.remove_menu("&Plugins")
    assert "&Plugins" not in [a.text() for a in gui.menuBar().actions()]

    gui.status_message = "hello"
    assert gui.status_message == "hello"
    gui.lock_status()
    gui.status_message = "world"
    assert gui.status_message == "hello"
    gui.unlock_status()
    gui.status_message = "world"
    assert gui.status_message == "world"
    assert gui.windowTitle() == "TestGUI"
    assert gui.dialog("msg").text() == "msg"
