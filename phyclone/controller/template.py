"""TemplateControllerCore: the headless controller of a KiloSort / SpikeInterface folder."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phyclone.utils.errors import DataError

if TYPE_CHECKING:
    from phyclone.clustering import UpdateInfo
    from phyclone.io.template.model import TemplateModel
    from phyclone.utils import Bunch

from .base import ControllerCore
from .features import FeatureDataMixin
from .templates import TemplateDataMixin
from .traces import TraceDataMixin
from .waveforms import WaveformDataMixin


class TemplateControllerCore(WaveformDataMixin, FeatureDataMixin, TemplateDataMixin,
                             TraceDataMixin, ControllerCore):
    """Data of the Template GUI without the GUI (phy's constructor: ``dir_path``,
    ``config_dir``, ``model``, ``plugins``, ``clear_cache``, ``clear_state``, plus
    ``replay_journal``; other keyword arguments create the ``TemplateModel``)."""

    gui_name = "TemplateGUI"

    def _create_model(self, dir_path: Path | None = None, **kwargs: Any) -> TemplateModel:
        """The TemplateModel of ``dir_path``: parameters from its ``params.py`` (read without
        executing it), overridden by ``kwargs``; without params.py, ``kwargs`` must give at
        least ``sample_rate`` (waveform filtering and every time axis need it)."""
        from phyclone.io.template.model import TemplateModel, get_template_params
        params_path = Path(dir_path) / "params.py"  # type: ignore[arg-type]  # always given
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

    def split_init(self, cluster_ids: Iterable[int] | None = None) -> UpdateInfo | None:
        """Split the selected clusters (or ``cluster_ids``) into their original templates."""
        s = self.session
        ids = s.selected if cluster_ids is None else list(cluster_ids)
        spikes = s.clustering.spikes_in_clusters(ids)
        return s.split(spikes, self.model.spike_templates[spikes])

    def _get_waveforms_dict(self) -> dict[str, Callable[[int], Bunch]]:
        out = super()._get_waveforms_dict()
        if getattr(self.model, "sparse_templates", None) is None:
            out.pop("templates", None)  # no templates.npy: no flat lines titled "templates"
        if getattr(self.model, "traces", None) is None and \
                getattr(self.model, "spike_waveforms", None) is None:
            out.pop("waveforms", None)
            out.pop("mean_waveforms", None)
        return out
