"""TemplateControllerCore: the headless controller of a KiloSort / SpikeInterface folder."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phyclone.clustering import UpdateInfo
    from phyclone.io.template_model import TemplateModel
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
        from phyclone.io.template_model import TemplateModel
        return TemplateModel(dir_path=dir_path, **kwargs)

    def split_init(self, cluster_ids: Iterable[int] | None = None) -> UpdateInfo | None:
        """Split the selected clusters (or ``cluster_ids``) into their original templates."""
        s = self.session
        ids = s.selected if cluster_ids is None else list(cluster_ids)
        spikes = s.clustering.spikes_in_clusters(ids)
        return s.split(spikes, self.model.spike_templates[spikes])

    def _get_waveforms_dict(self) -> dict[str, Callable[[int], Bunch]]:
        out = super()._get_waveforms_dict()
        if getattr(self.model, "traces", None) is None and \
                getattr(self.model, "spike_waveforms", None) is None:
            out.pop("waveforms", None)
            out.pop("mean_waveforms", None)
        return out
