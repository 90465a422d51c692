"""TemplateController: the Template GUI on a KiloSort / SpikeInterface folder
(``phy template-gui params.py``)."""

from pathlib import Path

from ..base import BaseController
from ..mixins import FeatureMixin, TemplateMixin, TraceMixin, WaveformMixin


class TemplateController(WaveformMixin, FeatureMixin, TemplateMixin, TraceMixin,
                         BaseController):
    """Controller of the Template GUI (phy's constructor: ``dir_path``, ``config_dir``,
    ``model``, ``plugins``, ``clear_cache``, ``clear_state``, ``enable_threading``, plus
    ``replay_journal``; other keyword arguments create the ``TemplateModel``)."""

    gui_name = "TemplateGUI"

    _new_views = ("TemplateFeatureView",)
    #: phy 2.1's default views, in this order (the refresh order on selection too).
    default_views = ("WaveformView", "CorrelogramView", "ISIView", "FeatureView",
                     "AmplitudeView", "FiringRateView", "TraceView", "ProbeView",
                     "TemplateFeatureView")

    def _create_model(self, dir_path=None, **kwargs):
        """The TemplateModel of ``dir_path``: parameters from its ``params.py`` (read without
        executing it), overridden by ``kwargs``; without params.py, ``kwargs`` must give at
        least ``sample_rate`` (waveform filtering and every time axis need it)."""
        from phyclone.io.template_model import TemplateModel, get_template_params
        from phyclone.utils.errors import DataError
        params_path = Path(dir_path) / "params.py"
        if params_path.exists():
            params = get_template_params(params_path)
            params.update(kwargs)
        elif kwargs.get("sample_rate"):
            params = dict(kwargs, dir_path=dir_path)
        else:
            raise DataError(params_path, "is missing, and no sample_rate was given",
                            "pass the folder holding params.py, or TemplateController("
                            "dir_path=..., sample_rate=..., dat_path=..., n_channels_dat=..., "
                            "dtype=...)")
        return TemplateModel(**params)

    def _set_supervisor(self, replay_journal=None):
        super()._set_supervisor(replay_journal)
        self._connect(self._add_split_init, event="attach_gui", sender=self.supervisor)

    def _add_split_init(self, supervisor):
        @supervisor.actions.add(shortcut="shift+ctrl+k", set_busy=True)
        def split_init(cluster_ids=None):
            """Split clusters back into their original templates."""
            self.split_init(cluster_ids)

    def split_init(self, cluster_ids=None):
        """Split the selected clusters (or ``cluster_ids``) into their original templates."""
        ids = self.supervisor.selected if cluster_ids is None else list(cluster_ids)
        spikes = self.supervisor.clustering.spikes_in_clusters(ids)
        return self.supervisor.split(spikes, self.model.spike_templates[spikes])

    def _get_waveforms_dict(self):
        out = super()._get_waveforms_dict()
        if getattr(self.model, "traces", None) is None and \
                getattr(self.model, "spike_waveforms", None) is None:
            out.pop("waveforms", None)
            out.pop("mean_waveforms", None)
        return out


def template_gui(params_path, clear_cache=False, clear_state=False, replay_journal=None,
                 events=None, **kwargs):
    """Open the Template GUI on ``params.py`` and run it until it is closed."""
    from phyclone.gui import create_app, run_app
    from phyclone.io.template_model import load_model
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
