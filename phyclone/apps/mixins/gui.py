"""The GUI of a controller: main window, Supervisor, views, actions, state, status bar.

``create_gui()`` builds a ``phyclone.gui.GUI`` (Qt is imported here, lazily), attaches the
Supervisor (asking whether to replay the crash journal of an unfinished session), creates
the views and wires the events phy plugins rely on. The views' data is prepared off the GUI
thread (see ``phyclone.apps.view_updates``).
"""

import logging
from pathlib import Path

from phyclone.utils import connect, emit, load_master_config, unconnect

from phyclone.controller.inherit import concatenate_parents_attributes

logger = logging.getLogger(__name__)

#: Where a controller class may ship its default GUI state (phy's ``static/state.json``).
STATIC_STATE = "static/state.json"


class GUIMixin:
    """``create_gui`` and the actions and events around it."""

    default_shortcuts = {"switch_raw_data_filter": "alt+r"}
    default_snippets = {}

    def _default_state_path(self):
        import inspect
        path = Path(inspect.getfile(type(self))).parent / STATIC_STATE
        return path if path.exists() else None

    def _user_config(self):
        try:
            return load_master_config(self.config_dir)
        except Exception:  # a broken phy_config.py is reported when plugins are attached
            return {}

    def create_gui(self, default_views=None, **kwargs):
        """Create the GUI: views ``default_views`` (default: the controller's) unless the
        saved GUI state lists others; ``kwargs`` go to ``phyclone.gui.GUI``."""
        from phyclone.gui import GUI

        from ..view_updates import ViewUpdater

        default_views = self.default_views if default_views is None else default_views
        kwargs.setdefault("size", (1600, 1000))
        # The user's overrides: c.TemplateGUI.shortcuts / c.TemplateGUI.snippets = {action: key}.
        section = self._user_config().get(self.gui_name) or {}
        for key in ("shortcuts", "snippets"):
            if section.get(key):
                kwargs.setdefault(key, dict(section[key]))
        gui = GUI(name=self.gui_name, subtitle=str(self.dir_path), config_dir=self.config_dir,
                  local_path=self.cache_dir / "state.json",
                  local_fallback_path=self._starting_state_path(),
                  default_state_path=self._default_state_path(),
                  view_creator=self.view_creator, default_views=default_views,
                  enable_threading=self._enable_threading, **kwargs)
        self.gui = gui
        gui.why_no_view = self.why_no_view
        state_params = concatenate_parents_attributes(type(self), "_state_params")
        for param in state_params:
            if param in gui.state:
                setattr(self, param, gui.state[param])

        self.view_updater = ViewUpdater(self, gui, threaded=self._enable_threading)
        self._gui_callbacks = [
            connect(self._on_add_view, event="add_view", sender=gui),
            # The views emit phy's documented cluster_click / spike_click / channel_click
            # (for plugins) and phy 2.1's request_select, select_more, select_spike,
            # select_channel, select_feature, which the controller acts upon.
            connect(self._on_request_select, event="request_select"),
            connect(self._on_select_more, event="select_more"),
            connect(self._on_select_spike, event="select_spike"),
            connect(self._on_select_channel, event="select_channel"),
            connect(self._on_select_feature, event="select_feature"),
        ]
        self.supervisor.attach(gui)  # asks whether to replay the journal if not decided yet
        self._check_journal_decision()
        self._create_misc_actions(gui)
        gui.set_default_actions()
        gui.create_views()
        if not gui.state.get("geometry_state"):
            from ..layout import arrange_docks
            arrange_docks(gui)
        self._show_gl_status(gui)
        if self.read_only:
            self._show_read_only(gui)

        def on_close(sender):
            self.view_updater.cancelled = True
            for param in state_params:
                gui.state[param] = getattr(self, param, None)
            gui.state["GUI_VERSION"] = self.gui_version
            unconnect(*self._gui_callbacks, on_close)
            self.context.save_memcache()

        connect(on_close, event="close", sender=gui, last=True)
        self.view_updater.warm_up()
        try:
            emit("gui_ready", self, gui)
        except Exception:  # a failing plugin must not prevent opening the GUI
            logger.exception("Error in a gui_ready callback.")
        return gui

    def why_no_view(self, view_name):
        """Why the view ``view_name`` cannot be created with this dataset (None: no reason
        known); the GUI's "Could not create view" message says it."""
        return None

    # Events from the views --------------------------------------------------------------------
    def _on_add_view(self, gui, view):
        """A view added to the GUI shows the current selection (as in phy)."""
        if not (self.supervisor.selected and hasattr(view, "n_plots_done")):
            return
        from phyclone.qt import QTimer

        def show():  # once the view is attached (its worker thread exists)
            selected = self.supervisor.selected
            if selected and view in gui.views:
                view.on_select(cluster_ids=selected)
        QTimer.singleShot(0, show)

    def _on_request_select(self, sender, cluster_ids):
        self.supervisor.select(list(cluster_ids))

    def _on_select_more(self, sender, cluster_ids):
        self.supervisor.select(self.supervisor.selected_clusters + [
            c for c in cluster_ids if c not in self.supervisor.selected_clusters])

    def _on_select_spike(self, sender, channel_id=None, spike_id=None, cluster_id=None, **kw):
        """Click on a spike in the trace view: remember it, select its cluster."""
        self.selection.spike_ids = [spike_id]
        if cluster_id is not None:
            self.supervisor.select([cluster_id])

    def _on_select_channel(self, sender, channel_id=None, key=None, button=None, **kwargs):
        """Click on a channel (waveform, trace, probe views): the amplitude view follows it."""
        self.selection.channel_id = channel_id
        emit("selected_channel_changed", sender)

    def _on_select_feature(self, sender, dim=None, channel_id=None, pc=None):
        self.selection.channel_id = channel_id
        self.selection.feature_pc = pc
        emit("selected_feature_changed", sender)

    # Actions and status -----------------------------------------------------------------------
    def _create_misc_actions(self, gui):
        @gui.file_actions.add
        def take_over_lock():
            """Take over the dataset's lock from another phyclone window (then save here)."""
            if not self.read_only:
                gui.status_message = "This window already holds the lock of the dataset."
                return
            self.take_over_lock()
            gui.setWindowTitle(gui.windowTitle().replace(" [read-only]", ""))
            gui.status_message = ("Took over the lock: saving is enabled (files changed on "
                                  "disk meanwhile are never overwritten).")
            box = getattr(self, "read_only_box", None)
            if box is not None:
                box.close()

        @gui.view_actions.add(shortcut=self.default_shortcuts["switch_raw_data_filter"])
        def switch_raw_data_filter():
            """Switch the raw data filter of the trace and waveform views."""
            name = self.raw_data_filter.next()
            gui.status_message = f"Raw data filter: {name}."
            self.view_updater.refresh(("TraceView", "TraceImageView", "WaveformView"),
                                      status=name)

        gui.view_actions.separator()

    def _show_read_only(self, gui):
        """Say (status bar, log, a non-modal message) that another window holds the lock,
        with a button to take it over."""
        from phyclone.qt import QMessageBox, Qt
        message = self.read_only_message()
        gui.status_message = message
        gui.setWindowTitle(gui.windowTitle() + " [read-only]")
        box = QMessageBox(QMessageBox.Warning, "Opened read-only", message, parent=gui)
        take = box.addButton("Take over the lock", QMessageBox.AcceptRole)
        box.addButton(QMessageBox.Close)
        box.setModal(False)
        box.setWindowModality(Qt.NonModal)  # the window stays usable

        def on_click(button):
            if button is take:
                gui.file_actions.run("take_over_lock")
        box.buttonClicked.connect(on_click)
        box.show()
        self.read_only_box = box

    def _show_gl_status(self, gui):
        """Show the OpenGL renderer (and any software fallback message) in the status bar."""
        from phyclone.qt import QLabel
        info = getattr(self, "gl_info", None)
        if info is None:  # ask the GL thread (no OpenGL call on the GUI thread)
            try:
                from phyclone.plot.renderer import renderer
                r = renderer()
                r.call(lambda: None)
                info = dict(ok=not r.gl_info.error, renderer=r.gl_info.renderer,
                            error=r.gl_info.error)
            except Exception as e:  # no GL at all: the views will say so
                logger.warning("OpenGL probe failed: %s", e)
                info = None
        message = None if info is None else (
            info.get("message") or ("" if info.get("ok", True) else info.get("error")))
        if message:  # the software fallback, or why OpenGL does not work
            text = message
        else:
            text = f"OpenGL: {info.get('renderer') or 'none'}" if info else "OpenGL: unknown"
        label = QLabel(text)
        gui.statusBar().addPermanentWidget(label)
        self.gl_status_label = label
        return text

    def at_least_one_view(self, view_name):
        """Make sure the GUI created next has at least one view of this kind."""
        def on_gui_ready(sender, gui):
            unconnect(on_gui_ready)
            if gui.view_count.get(view_name, 0) == 0:
                gui.create_and_add_view(view_name)
        connect(on_gui_ready, event="gui_ready", sender=self)
