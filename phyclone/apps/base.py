"""BaseController (phy's ``phy.apps.base.BaseController``): the headless controller
(``phyclone.controller.ControllerCore``: model, session, caches, data, saving) plus the GUI
layer: the Supervisor (tables, actions, shortcuts, snippets), the views and the main window.

Nothing here imports Qt until a GUI, a view or the Supervisor is asked for: a script using
``TemplateController(...)`` headless (``controller.session``, ``controller.save()``) never
loads Qt. ``controller.supervisor`` is made on first use and shows the controller's session.
"""

import logging

from phyclone.controller.base import ControllerCore

from .mixins.gui import GUIMixin
from .mixins.views import ViewsMixin

logger = logging.getLogger(__name__)


class BaseController(GUIMixin, ViewsMixin, ControllerCore):
    """Base controller of a manual clustering GUI (phy's constructor and attributes; see
    ``ControllerCore``). Methods subclasses override, besides the core's:
    ``_set_view_creator``."""

    _supervisor = None

    @property
    def supervisor(self):
        """The Supervisor showing ``session`` (created on first use; imports Qt modules but
        creates no widget until ``create_gui``)."""
        if self._supervisor is None:
            from phyclone.cluster.supervisor import Supervisor
            self._supervisor = Supervisor(session=self.session)
            self._connect(self.on_save_clustering, event="save_clustering",
                          sender=self._supervisor)
            self._on_supervisor_created(self._supervisor)
        return self._supervisor

    def _on_supervisor_created(self, supervisor):
        """Hook for subclasses: the Supervisor was just made (e.g. to add actions when it
        is attached to the GUI)."""

    def _ask_replay(self, n_actions):
        """Ask whether to replay the journal now if a Qt application runs; else None (the
        Supervisor asks when the GUI is attached)."""
        import sys
        if "phyclone.qt" not in sys.modules:  # no Qt loaded: no application either
            return None
        from phyclone.qt import QApplication
        if QApplication.instance() is None:
            return None
        from phyclone.gui import ask
        return ask(f"{n_actions} curation action(s) were not saved before phy stopped in "
                   f"{self.dir_path}. Replay them?", buttons=("yes", "no"),
                   title="Unsaved work found") == "yes"

    @property
    def cluster_color_selector(self):
        """The cluster colours of the Supervisor's colour mapping once there is one."""
        if self._supervisor is not None:
            return self._supervisor.color_selector
        return super().cluster_color_selector

    def save(self):
        """Save through the Supervisor (status bar messages, ``save_clustering`` event for
        plugins) once there is one; else as the headless core."""
        if self._supervisor is not None:
            return self._supervisor.save()
        return super().save()

    def _reload_model(self):
        """Wait for the views' worker threads (they read the model) before it is read
        again (a save that added spikes)."""
        if getattr(self, "gui", None) is not None:
            from phyclone.gui.workers import wait_for_workers
            wait_for_workers()
        super()._reload_model()

    def close(self, close_model=True):
        """Wait for the views' worker threads, close the Supervisor, then the core."""
        if getattr(self, "gui", None) is not None:
            from phyclone.gui.workers import wait_for_workers
            wait_for_workers()
        if self._supervisor is not None:
            self._supervisor.close()
        super().close(close_model=close_model)
