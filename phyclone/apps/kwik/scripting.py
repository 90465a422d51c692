"""phy 0.x's ``Session`` (``phyclone.cluster.manual.Session``) with its GUI methods: the Kwik
GUI and views of phyclone, on the session's model."""

import logging

from phyclone.session.scripting import KwikSession
from phyclone.utils import connect, unconnect

logger = logging.getLogger(__name__)

#: phy 0.x's view names → phyclone's view classes.
VIEW_NAMES = {
    "waveforms": "WaveformView",
    "features": "FeatureView",
    "correlograms": "CorrelogramView",
    "traces": "TraceView",
    "amplitudes": "AmplitudeView",
}


class Session(KwikSession):
    """phy 0.x's manual clustering session (see ``KwikSession``), with the GUI."""

    _controller = None
    _controller_key = None

    def _get_controller(self):
        """The Kwik controller of the GUI, on the same model. Changes made by the script are
        saved first, so that the GUI starts from them."""
        self._require_open()
        key = (id(self.model), self.model.channel_group, self.model.clustering)
        if self._controller is not None and self._controller_key != key:
            self._close_controller()
        if self._controller is None:
            if self.has_unsaved_changes:
                logger.info("Saving the session's changes before opening the GUI.")
                self.save()
            from phyclone.apps.kwik.controller import KwikController
            self._controller = KwikController(model=self.model, config_dir=self.phy_user_dir,
                                              replay_journal=False)
            self._controller_key = key
            connect(self._on_gui_saved, event="save_clustering",
                    sender=self._controller.supervisor, last=True)
        return self._controller

    def _close_controller(self):
        controller, self._controller = self._controller, None
        unconnect(self._on_gui_saved)
        gui = getattr(controller, "gui", None)
        if gui is not None and not gui._closed:
            gui.close()
        controller.close(close_model=False)

    def close(self):
        """Close the GUI (if any) and the dataset; emits ``close``."""
        if self._controller is not None:
            self._close_controller()
        super().close()

    def _on_gui_saved(self, sender, *args):
        # The GUI wrote the .kwik: the script continues from what the GUI saved.
        self.emit("open")

    def show_gui(self, config=None, **kwargs):
        """Show the manual clustering GUI on this dataset (created once; ``config``: the view
        names, default the Kwik GUI's); return it."""
        from phyclone.gui.app import create_app
        create_app()
        controller = self._get_controller()
        gui = getattr(controller, "gui", None)
        if gui is not None and gui._closed:  # a closed GUI closed its Supervisor: start anew
            self._close_controller()
            controller, gui = self._get_controller(), None
        if gui is None:
            gui = controller.create_gui(
                default_views=[self._view_name(n) for n in config] if config else None,
                **kwargs)
        gui.show()
        return gui

    @staticmethod
    def _view_name(name):
        return VIEW_NAMES.get(name, name)

    def _check_view(self, controller, name):
        view_name = self._view_name(name)
        if view_name not in controller.view_creator:
            raise ValueError(f"Unknown view {name!r}; known views: "
                             f"{sorted(VIEW_NAMES) + sorted(controller.view_creator)}")
        return view_name

    def create_view(self, name, **kwargs):
        """A new view (``'waveforms'``, ``'features'``, ``'correlograms'``, ``'traces'``,
        ``'amplitudes'`` or a phyclone view class name), not attached to any GUI."""
        from phyclone.gui.app import create_app
        create_app()
        controller = self._get_controller()
        return controller.view_creator[self._check_view(controller, name)](**kwargs)

    def show_view(self, name, cluster_ids, **kwargs):
        """Add the view ``name`` to the GUI (shown), select ``cluster_ids``; return the view."""
        gui = self.show_gui(**kwargs)
        controller = self._controller
        view = gui.create_and_add_view(self._check_view(controller, name))
        controller.supervisor.select([int(c) for c in cluster_ids])
        return view
