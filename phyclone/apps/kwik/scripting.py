"""phy 0.x's ``Session`` (``phyclone.cluster.manual.Session``) with its GUI methods: the Kwik
GUI and views of phyclone, on the session's model."""

import logging

from phyclone.session.scripting import KwikSession
from phyclone.utils import connect

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

    def _get_controller(self):
        """The Kwik controller of the GUI, on the same model. Changes made by the script are
        saved first, so that the GUI starts from them."""
        self._require_open()
        if self._controller is None or self._controller.model is not self.model:
            if self.has_unsaved_changes:
                logger.info("Saving the session's changes before opening the GUI.")
                self.save()
            from phyclone.apps.kwik.controller import KwikController
            self._controller = KwikController(model=self.model, config_dir=self.phy_user_dir,
                                              replay_journal=False)
            connect(self._on_gui_saved, event="save_clustering",
                    sender=self._controller.supervisor, last=True)
        return self._controller

    def _on_gui_saved(self, sender, *args):
        # The GUI wrote the .kwik: the script continues from what the GUI saved.
        self.emit("open")

    def show_gui(self, config=None, **kwargs):
        """Create and show the manual clustering GUI on this dataset; return it."""
        from phyclone.gui.app import create_app
        create_app()
        controller = self._get_controller()
        gui = controller.create_gui(default_views=config, **kwargs)
        gui.show()
        return gui

    @staticmethod
    def _view_name(name):
        return VIEW_NAMES.get(name, name)

    def create_view(self, name, **kwargs):
        """A new view (``'waveforms'``, ``'features'``, ``'correlograms'``, ``'traces'`` or a
        phyclone view class name), not attached to any GUI."""
        from phyclone.gui.app import create_app
        create_app()
        controller = self._get_controller()
        view_name = self._view_name(name)
        if view_name not in controller.view_creator:
            raise ValueError(f"Unknown view {name!r}; known views: "
                             f"{sorted(VIEW_NAMES) + sorted(controller.view_creator)}")
        return controller.view_creator[view_name](**kwargs)

    def show_view(self, name, cluster_ids, **kwargs):
        """Show a GUI holding the view ``name`` with ``cluster_ids`` selected; return the
        view."""
        from phyclone.gui.app import create_app
        create_app()
        controller = self._get_controller()
        view_name = self._view_name(name)
        if view_name not in controller.view_creator:
            raise ValueError(f"Unknown view {name!r}; known views: "
                             f"{sorted(VIEW_NAMES) + sorted(controller.view_creator)}")
        gui = controller.create_gui(default_views=[view_name], **kwargs)
        gui.show()
        controller.supervisor.select(list(cluster_ids))
        views = gui.list_views(view_name)
        return views[0] if views else None
