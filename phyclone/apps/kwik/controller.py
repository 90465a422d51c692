"""KwikController: the Kwik GUI on a klusta / SpikeDetekt dataset (``phy kwik-gui file.kwik``):
the headless ``phyclone.controller.kwik.KwikControllerCore`` (data, saving into the .kwik),
the views and the Kwik menu, which switches channel group and clustering and manages
clusterings (``menu.py``)."""

from phyclone.controller.kwik import KwikControllerCore

from ..base import BaseController
from ..mixins import FeatureMixin, TraceMixin, WaveformMixin
from .menu import KwikMenuMixin


class KwikController(KwikMenuMixin, WaveformMixin, FeatureMixin, TraceMixin, BaseController,
                     KwikControllerCore):
    """Controller of the Kwik GUI (phy's constructor, see ``KwikControllerCore``)."""

    #: phy 2's default views of the Kwik GUI, with the probe view.
    default_views = ("WaveformView", "CorrelogramView", "ISIView", "FeatureView",
                     "AmplitudeView", "FiringRateView", "TraceView", "ProbeView")

    def create_gui(self, **kwargs):
        """The GUI; the model's warnings (missing .kwx or raw data...) in the status bar."""
        gui = super().create_gui(**kwargs)
        m = self.model
        gui.setWindowTitle(f"{self.gui_name} - {self.kwik_path} - channel group "
                           f"{m.channel_group}, clustering {m.clustering or 'main'}")
        if m.warnings:
            gui.status_message = "; ".join(m.warnings)
        return gui

    def why_no_view(self, view_name):
        """The missing file(s) a view needs."""
        m = self.model
        if view_name == "FeatureView" and getattr(m, "features", None) is None:
            return f"{m.kwx_path.name} not found"
        if view_name in ("TraceView", "TraceImageView", "WaveformView") and m.traces is None:
            return f"no raw data found ({m.name}.raw.kwd or the .dat files of the .prm)"
        return None


def kwik_gui(kwik_path, channel_group=None, clustering=None, clear_cache=False,
             clear_state=False, replay_journal=None, **kwargs):
    """Open the Kwik GUI on a .kwik file and run it until it is closed."""
    from phyclone.gui import create_app, run_app
    from phyclone.io.kwik.model import KwikModel
    from phyclone.plot.gl import setup_opengl

    # Bad input fails here, before any GUI work.
    model = KwikModel(kwik_path, channel_group=channel_group, clustering=clustering)
    try:
        gl_info = setup_opengl()  # before the QApplication: may switch to software OpenGL
        create_app()
        controller = KwikController(model=model, clear_cache=clear_cache,
                                    clear_state=clear_state, replay_journal=replay_journal,
                                    **kwargs)
    except BaseException:
        model.close()
        raise
    controller.gl_info = gl_info
    gui = controller.create_gui()
    gui.show()
    run_app()
    controller.latest.close()
