"""GUI main window: docked views, menus, actions, snippets, status bar and persistent state.

Events (global bus, ``phyclone.utils.event``): ``show(gui)``, ``close(gui)`` (a callback
returning False cancels the close), ``add_view(gui, view)``, ``close_view(view, gui)``,
``request_save(gui)`` (File > Save, or "save" answered when closing with unsaved changes).
"""

import logging
import sys
from collections import defaultdict
from functools import partial

from phyclone.qt import (
    QApplication, QByteArray, QMainWindow, QMenu, QMessageBox, QSize, QStatusBar, Qt, QToolBar,
    QWidget, QWindow, gui_thread_gc, matplotlib_canvas,
)
from phyclone.utils import connect, emit, unconnect

from .actions import Actions, _get_shortcut_string
from .dialogs import message_box, prompt_save
from .dock import create_dock_widget
from .help import ShortcutsDialog
from .idle_gc import start_idle_gc
from .snippets import Snippets
from .state import GUIState, gui_state_path
from .workers import register_shutdown

logger = logging.getLogger(__name__)

DEFAULT_MENUS = ("&File", "&Edit", "Sele&ct", "&View", "&Help")


def _dock_area(position):
    return {"left": Qt.LeftDockWidgetArea, "right": Qt.RightDockWidgetArea,
            "top": Qt.TopDockWidgetArea, "bottom": Qt.BottomDockWidgetArea}[position or "right"]


def fit_rect(rect, available):
    """``(x, y, w, h)`` moved, then shrunk if needed, to lie within ``available``."""
    x, y, w, h = rect
    ax, ay, aw, ah = available
    w, h = min(w, aw), min(h, ah)
    x = max(ax, min(x, ax + aw - w))
    y = max(ay, min(y, ay + ah - h))
    return x, y, w, h


def _is_figure(obj):
    # No figure can exist before matplotlib is imported: importing it here (0.4 s) for
    # every view would only slow down opening the GUI.
    figure = sys.modules.get("matplotlib.figure")
    return figure is not None and isinstance(obj, figure.Figure)


def _view_widget(view):
    """The Qt widget showing a view: the view itself, its canvas, or a matplotlib canvas."""
    if isinstance(view, QWidget):
        return view
    if _is_figure(view):
        return matplotlib_canvas(view)
    canvas = getattr(view, "canvas", None)
    if isinstance(canvas, QWidget):
        return canvas
    if isinstance(canvas, QWindow):
        return QWidget.createWindowContainer(canvas)
    if isinstance(view, QWindow):
        return QWidget.createWindowContainer(view)
    if _is_figure(getattr(view, "figure", None)):
        return matplotlib_canvas(view.figure)
    raise TypeError(f"Cannot show {view!r} in a dock: not a QWidget, QWindow or Figure.")


def _encode(ba):
    return bytes(ba.toBase64()).decode("ascii")


def _decode(s):
    if isinstance(s, QByteArray):
        return s
    if isinstance(s, (bytes, bytearray)):
        return QByteArray(bytes(s))
    return QByteArray.fromBase64(str(s).encode("ascii"))


class GUI(QMainWindow):
    """Main window holding docked views.

    Constructor
    -----------
    position, size : window geometry in pixels (before any saved geometry is restored)
    name, subtitle : window title ``name - subtitle``; ``name`` names the state folder
    view_creator : ``{view class name: function returning a new view}``
    view_count : ``{view class name: number}`` to create (default: saved state, then
        one of each ``default_views``)
    config_dir : user configuration folder (default ``phy_config_dir()``)
    shortcuts, snippets : user overrides ``{action name: shortcut / alias}``
    **kwargs : passed to GUIState (``local_path``, ``local_keys``, ``default_state_path``)

    ``unsaved_changes`` may be set to a function returning True when closing should ask
    whether to save first.
    """

    default_shortcuts = {
        "enable_snippet_mode": ":",
        "save": "ctrl+s",
        "about": "?",
        "show_all_shortcuts": ("HelpContents", "h"),
        "exit": "ctrl+q",
    }
    default_snippets = {}
    has_save_action = True

    def __init__(self, position=None, size=None, name=None, subtitle=None, view_creator=None,
                 view_count=None, default_views=None, config_dir=None, enable_threading=True,
                 shortcuts=None, snippets=None, **kwargs):
        if QApplication.instance() is None:
            raise RuntimeError("Create the Qt application first (phyclone.gui.create_app()).")
        gui_thread_gc.install()  # its controller's, views' and GL threads collect nothing
        super().__init__()
        self._closed = False
        self._default_actions_set = False
        self.enable_threading = enable_threading
        self.unsaved_changes = None
        self.user_shortcuts = dict(shortcuts or {})
        self.user_snippets = dict(snippets or {})
        self._shortcut_owners = {}
        self.setDockOptions(QMainWindow.AllowTabbedDocks | QMainWindow.AllowNestedDocks)
        self.setAnimated(False)

        self.name = name or self.__class__.__name__
        self.subtitle = str(subtitle or "")
        self.setWindowTitle(self.name + (f" - {self.subtitle}" if self.subtitle else ""))
        self.setObjectName(self.name)
        position = position or (200, 200)
        size = size or (800, 600)
        self.move(*position)
        self.resize(QSize(*size))

        self.actions = []
        self._menus = {}
        for menu in DEFAULT_MENUS:
            self.get_menu(menu).menuAction().setVisible(False)
        ds = {**self.default_shortcuts}
        self.file_actions = Actions(self, name="File", menu="&File", default_shortcuts=ds)
        self.view_actions = Actions(self, name="View", menu="&View", default_shortcuts=ds)
        self.help_actions = Actions(self, name="Help", menu="&Help", default_shortcuts=ds)

        self._views = []
        self._view_class_indices = defaultdict(int)
        self.state = GUIState(gui_state_path(self.name, config_dir), **kwargs)
        self.default_views = tuple(default_views or ())
        self.view_creator = dict(view_creator or {})
        #: ``why_no_view(view_name)``: why a view creator gave no view (e.g. the missing file
        #: it needs), or None; set by the controller.
        self.why_no_view = None
        requested = view_count if view_count is not None else self.state.get("view_count")
        self._requested_view_count = dict(requested or {}) or {
            v: 1 for v in self.default_views}

        self._lock_status = False
        self._status_bar = QStatusBar(self)
        self.setStatusBar(self._status_bar)
        self._toolbar = QToolBar("Toolbar", self)
        self._toolbar.setObjectName("Toolbar")
        self._toolbar.setIconSize(QSize(24, 24))
        self._toolbar.hide()
        self.addToolBar(self._toolbar)

        self.snippets = Snippets(self)
        self._shortcuts_dialog = None

    # Shortcut bookkeeping (conflicts make Qt trigger none of the actions)
    # ---------------------------------------------------------------------------------------

    def _register_shortcut(self, name, shortcut):
        keys = [k.strip() for k in _get_shortcut_string(shortcut).split(",") if k.strip()]
        for key in keys:
            owner = self._shortcut_owners.get(key)
            if owner is not None and owner != name:
                logger.warning("Shortcut `%s` of action `%s` is already used by `%s`.",
                               key, name, owner)
            self._shortcut_owners.setdefault(key, name)

    def _unregister_shortcut(self, name):
        self._shortcut_owners = {k: v for k, v in self._shortcut_owners.items() if v != name}

    # Default actions
    # ---------------------------------------------------------------------------------------

    def set_default_actions(self):
        """Create the File (save, exit), View (add views) and Help actions (once)."""
        if self._default_actions_set:
            return
        self._default_actions_set = True
        if self.has_save_action:
            @self.file_actions.add(icon="save", toolbar=False)
            def save():
                """Save the changes."""
                emit("request_save", self)

        @self.file_actions.add
        def exit():
            """Close the GUI."""
            self.close()

        for view_name in sorted(self.view_creator):
            self.view_actions.add(
                partial(self.create_and_add_view, view_name), name=f"Add {view_name}",
                docstring=f"Add {view_name}", show_shortcut=False)
        self.view_actions.separator()

        @self.help_actions.add
        def show_all_shortcuts():
            """Show the shortcuts and snippets of every action."""
            return self.show_shortcuts_dialog()

        @self.help_actions.add
        def about():
            """Show the program version."""
            from phyclone import __version__
            message_box(f"phyclone {__version__}\n{self.name}", title="About")

    def show_shortcuts_dialog(self):
        """Open (non-modal) the dialog listing every shortcut and snippet; return it."""
        if self._shortcuts_dialog is not None:
            self._shortcuts_dialog.close()
        self._shortcuts_dialog = ShortcutsDialog(self.actions, parent=self)
        self._shortcuts_dialog.show()
        return self._shortcuts_dialog

    # Show / close
    # ---------------------------------------------------------------------------------------

    def show(self):
        """Show the window (restoring the saved geometry); emits ``show``."""
        self.set_default_actions()
        emit("show", self)
        gs = self.state.get("geometry_state")
        self.restore_geometry_state(gs)
        if not (gs and gs.get("geometry")):
            self.fit_to_screen()
        super().show()
        start_idle_gc()
        register_shutdown()  # its views' workers and GL threads stop before Qt at exit

    def closeEvent(self, e):
        if self._closed:
            return
        if self.unsaved_changes is not None and self.unsaved_changes():
            answer = prompt_save()
            if answer == "cancel" or (answer == "save" and not self._request_save()):
                e.ignore()
                return
        try:
            vetoed = False in emit("close", self)
        except Exception:  # a failing plugin must not prevent saving the state
            logger.exception("Error in a `close` callback.")
            vetoed = False
        if vetoed:
            e.ignore()
            return
        self.snippets.mode_off()
        for view in self._views:
            self._save_view_state(view)
        self.state["geometry_state"] = self.save_geometry_state()
        self.state["view_count"] = self.view_count
        try:
            self.state.save()
        except OSError as err:
            logger.warning("Could not save the GUI state: %s", err)
        self._closed = True
        super().closeEvent(e)

    def _request_save(self):
        """Emit ``request_save``; False when a callback failed or returned False."""
        try:
            ok = False not in emit("request_save", self)
        except Exception:
            logger.exception("Error while saving.")
            ok = False
        if not ok:
            self.status_message = "Save failed: the GUI stays open (see the log)."
        return ok

    # Views
    # ---------------------------------------------------------------------------------------

    @property
    def views(self):
        """The views, in the order they were added."""
        return list(self._views)

    @property
    def view_count(self):
        """``{view class name: number of views}``."""
        vc = defaultdict(int)
        for v in self._views:
            vc[v.__class__.__name__] += 1
        return dict(vc)

    def list_views(self, *classes):
        """Views that are instances of (or named like) one of ``classes``."""
        s = set(classes)
        return [v for v in self._views if s & {v.__class__, v.__class__.__name__}]

    def get_view(self, cls, index=0):
        """The ``index``-th view of a class (or class name), None when there is none."""
        views = self.list_views(cls)
        return views[index] if index < len(views) else None

    def _set_view_name(self, view):
        cls = view.__class__
        index = self._view_class_indices[cls]
        name = cls.__name__ if not self.list_views(cls) else f"{cls.__name__} ({max(index, 1)})"
        view.name = name
        return name

    def create_and_add_view(self, view_name):
        """Create a view with ``view_creator[view_name]`` and add it (``view.attach(gui)``
        when the view has one)."""
        fn = self.view_creator.get(view_name)
        if fn is None:
            logger.warning("No view creator for %s.", view_name)
            return None
        view = fn()
        if view is None:
            reason = self.why_no_view(view_name) if self.why_no_view else None
            if reason:
                logger.warning("Could not create view %s: %s.", view_name, reason)
            else:
                logger.warning("Could not create view %s.", view_name)
            return None
        if hasattr(view, "attach"):
            view.attach(self)
        else:
            self.add_view(view)
        return view

    def create_views(self):
        """Create the requested number of views of each kind (default views first)."""
        names = [v for v in self.default_views if v in self._requested_view_count]
        names += [v for v in self._requested_view_count if v not in names]
        for view_name in names:
            for _ in range(max(0, int(self._requested_view_count[view_name]))):
                self.create_and_add_view(view_name)

    def add_view(self, view, position=None, closable=True, floatable=True, floating=None):
        """Dock a view (QWidget, QWindow/GL canvas, matplotlib figure); return the dock.

        Sets ``view.name`` and ``view.dock``; restores the view's ``state_attrs`` and
        ``local_state_attrs`` from the GUI state (saved again when the GUI closes).
        """
        name = self._set_view_name(view)
        widget = _view_widget(view)
        self._views.append(view)
        self._view_class_indices[view.__class__] += 1

        dock = create_dock_widget(widget, name, closable=closable, floatable=floatable,
                                  view=view)
        self.addDockWidget(_dock_area(position), dock, Qt.Horizontal)
        if floating is not None:
            dock.setFloating(floating)
        view.dock = dock
        self._restore_view_state(view)

        @connect(sender=dock)
        def on_close_dock_widget(sender):
            if view in self._views:
                self._views.remove(view)
            unconnect(on_close_dock_widget)
            emit("close_view", view, self)

        dock.show()
        emit("add_view", self, view)
        logger.log(5, "Add %s to GUI.", name)
        return dock

    def _restore_view_state(self, view):
        attrs = tuple(getattr(view, "state_attrs", ()) or ())
        local = tuple(getattr(view, "local_state_attrs", ()) or ())
        if not attrs and not local:
            return
        self.state.add_local_keys([f"{view.name}.{a}" for a in local])
        saved = {k: v for k, v in self.state.get_view_state(view).items() if k in attrs + local}
        if not saved:
            return
        if callable(getattr(view, "set_state", None)):
            view.set_state(saved)
        else:
            for k, v in saved.items():
                setattr(view, k, v)

    def _save_view_state(self, view):
        attrs = tuple(getattr(view, "state_attrs", ()) or ())
        attrs += tuple(getattr(view, "local_state_attrs", ()) or ())
        if not attrs:
            return
        state = getattr(view, "state", None)
        if not isinstance(state, dict):
            state = {a: getattr(view, a, None) for a in attrs}
        self.state.update_view_state(view, {k: v for k, v in state.items() if k in attrs})

    # Menus
    # ---------------------------------------------------------------------------------------

    def get_menu(self, name, insert_before=None):
        """The menu ``name``, created when needed (before the menu ``insert_before``)."""
        if name not in self._menus:
            menu = QMenu(name, self)
            if insert_before and insert_before in self._menus:
                self.menuBar().insertMenu(self._menus[insert_before].menuAction(), menu)
            else:
                self.menuBar().addMenu(menu)
            self._menus[name] = menu
        return self._menus[name]

    def get_submenu(self, menu, name):
        """The submenu ``name`` of ``menu``, created when needed."""
        if name not in self._menus:
            self._menus[name] = self.get_menu(menu).addMenu(name)
        return self._menus[name]

    def remove_menu(self, name):
        """Remove a menu from the menu bar."""
        menu = self._menus.pop(name, None)
        if menu is not None:
            menu.clear()
            self.menuBar().removeAction(menu.menuAction())

    def dialog(self, message):
        """A message dialog object (not shown)."""
        box = QMessageBox(self)
        box.setText(message)
        return box

    # Status bar
    # ---------------------------------------------------------------------------------------

    @property
    def status_message(self):
        """The status bar message (ignored while the status is locked)."""
        return str(self._status_bar.currentMessage())

    @status_message.setter
    def status_message(self, value):
        if not self._lock_status:
            self._status_bar.showMessage(str(value))

    def lock_status(self):
        self._lock_status = True

    def unlock_status(self):
        self._lock_status = False

    # Geometry
    # ---------------------------------------------------------------------------------------

    def fit_to_screen(self):
        """Move and shrink the window into the available geometry of its screen (a first
        window, without a window manager to do it, must not open past the screen's edge)."""
        screen = self.screen() if hasattr(self, "screen") else None
        screen = screen or QApplication.primaryScreen()
        if screen is None:
            return
        a = screen.availableGeometry()
        x, y, w, h = fit_rect((self.x(), self.y(), self.width(), self.height()),
                              (a.x(), a.y(), a.width(), a.height()))
        if (w, h) != (self.width(), self.height()):
            self.resize(QSize(w, h))
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)

    def save_geometry_state(self):
        """Window geometry and dock layout, as JSON-friendly (base64) strings."""
        return {"geometry": _encode(self.saveGeometry()), "state": _encode(self.saveState())}

    def restore_geometry_state(self, gs):
        """Restore what ``save_geometry_state`` returned (the views must exist already)."""
        if not gs:
            return
        try:
            if gs.get("geometry"):
                self.restoreGeometry(_decode(gs["geometry"]))
            if gs.get("state"):
                self.restoreState(_decode(gs["state"]))
        except (TypeError, ValueError, AttributeError) as e:
            logger.warning("Could not restore the window geometry: %s", e)
