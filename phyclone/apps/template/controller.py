"""TemplateController: the Template GUI on a KiloSort / SpikeInterface folder
(``phy template-gui params.py``)."""

from pathlib import Path

from phyclone.controller.template import TemplateControllerCore

from ..base import BaseController
from ..mixins import FeatureMixin, TemplateMixin, TraceMixin, WaveformMixin


class TemplateController(WaveformMixin, FeatureMixin, TemplateMixin, TraceMixin,
                         BaseController, TemplateControllerCore):
    """Controller of the Template GUI (phy's constructor: ``dir_path``, ``config_dir``,
    ``model``, ``plugins``, ``clear_cache``, ``clear_state``, ``enable_threading``, plus
    ``replay_journal``; other keyword arguments create the ``TemplateModel``). Headless
    until ``create_gui()``: see ``TemplateControllerCore``."""

    _new_views = ("TemplateFeatureView",)
    #: phy 2.1's default views, in this order (the refresh order on selection too).
    default_views = ("WaveformView", "CorrelogramView", "ISIView", "FeatureView",
                     "AmplitudeView", "FiringRateView", "TraceView", "ProbeView",
                     "TemplateFeatureView")

    def _on_supervisor_created(self, supervisor):
        super()._on_supervisor_created(supervisor)
        self._connect(self._add_split_init, event="attach_gui", sender=supervisor)

    def _add_split_init(self, supervisor):
        @supervisor.actions.add(shortcut="shift+ctrl+k", set_busy=True)
        def split_init(cluster_ids=None):
            """Split clusters back into their original templates."""
            self.split_init(cluster_ids)

    def split_init(self, cluster_ids=None):
        """Split the selected clusters (or ``cluster_ids``) into their original templates
        (through the Supervisor: the GUI follows)."""
        s = self.supervisor
        ids = s.selected if cluster_ids is None else list(cluster_ids)
        spikes = s.clustering.spikes_in_clusters(ids)
        return s.split(spikes, self.model.spike_templates[spikes])

    def create_gui(self, **kwargs):
        """The GUI; what the user should know about the dataset (missing raw data or
        templates, an ignored partial frame...) in the status bar."""
        gui = super().create_gui(**kwargs)
        warnings = getattr(self.model, "warnings", None)
        if warnings:
            gui.status_message = "; ".join(warnings)
        return gui

    def why_no_view(self, view_name):
        """The missing file(s) a view needs."""
        m = self.model
        raw = getattr(m, "raw_data_missing", None)
        if view_name == "FeatureView" and getattr(m, "features", None) is None:
            return "pc_features.npy not found"
        if view_name == "TemplateFeatureView" and \
                getattr(m, "sparse_template_features", None) is None:
            return "template_features.npy not found"
        if view_name in ("TraceView", "TraceImageView") and raw:
            return raw
        if view_name == "WaveformView" and raw:
            return f"{raw}, and neither _phy_spikes_subset.waveforms.npy nor templates.npy"
        return None


def template_gui(params_path, clear_cache=False, clear_state=False, replay_journal=None,
                 events=None, **kwargs):
    """Open the Template GUI on ``params.py`` and run it until it is closed."""
    from phyclone.gui import create_app, run_app
    from phyclone.io.template.model import load_model
    from phyclone.plot.gl import setup_opengl

    gl_info = setup_opengl()  # before the QApplication: may switch to software OpenGL
    model = load_model(params_path)
    create_app()
    controller = TemplateController(model=model, dir_path=Path(params_path).parent,
                                    clear_cache=clear_cache, clear_state=clear_state,
                                    replay_journal=replay_journal, events=events, **kwargs)
    controller.gl_info = gl_info
    gui = controller.create_gui()
    gui.show()
    run_app()
    controller.close()
