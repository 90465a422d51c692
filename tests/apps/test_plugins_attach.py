"""Plugins written as in phy's documentation attach to the controller before the Supervisor:
custom cluster metrics (table columns), custom similarity functions, custom splits; a failing
plugin is skipped without breaking the controller."""

from pathlib import Path

import numpy as np

from phyclone.utils.fileio import read_tsv

from _controller_fixtures import open_controller

PLUGINS = '''
import numpy as np
from phy import IPlugin, connect


class ExampleClusterMetricsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def meanisi(cluster_id):
            t = controller.get_spike_times(cluster_id)
            return np.diff(t).mean() if len(t) >= 2 else 0
        controller.cluster_metrics['meanisi'] = controller.context.memcache(meanisi)


class ExampleSimilarityPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def my_similarity(cluster_id):
            n = controller.supervisor.n_spikes
            ids = controller.supervisor.clustering.cluster_ids
            return sorted(((int(c), -abs(n(c) - n(cluster_id))) for c in ids if c != cluster_id),
                          key=lambda x: -x[1])
        controller.similarity_functions['n_spikes'] = my_similarity
        controller.similarity = 'n_spikes'


class ExampleSplitPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def split_by_amplitude(cluster_id):
            spike_ids = controller.get_spike_ids(cluster_id)
            amp = controller.get_spike_template_amplitudes(spike_ids)
            labels = (amp > np.median(amp)).astype(np.int64)
            return controller.supervisor.split(spike_ids, labels)
        controller.split_by_amplitude = split_by_amplitude


class BrokenPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_select(sender, cluster_ids):
            pass
        raise RuntimeError("this plugin is broken")
'''


def _config(config_dir, plugins):
    d = Path(config_dir) / "plugins"
    d.mkdir(parents=True)
    (d / "examples.py").write_text(PLUGINS)
    (Path(config_dir) / "phy_config.py").write_text(
        f"c = get_config()\nc.TemplateGUI.plugins = {plugins!r}\n")


def test_phy_doc_plugins(synth_dir, config_dir):
    _config(config_dir, ["ExampleClusterMetricsPlugin", "ExampleSimilarityPlugin",
                         "ExampleSplitPlugin", "BrokenPlugin", "MissingPlugin"])
    c = open_controller(synth_dir, config_dir)
    try:
        assert c.attached_plugins == ["ExampleClusterMetricsPlugin", "ExampleSimilarityPlugin",
                                      "ExampleSplitPlugin"]
        s = c.supervisor
        assert "meanisi" in s.columns
        cid = int(s.clustering.cluster_ids[0])
        t = c.get_spike_times(cid)
        assert s.get_cluster_info(cid)["meanisi"] == np.diff(t).mean()
        got = s.similarity(cid)
        n = {int(o): s.n_spikes(int(o)) for o, _ in got}
        assert [o for o, _ in got] == sorted(n, key=lambda o: abs(n[o] - s.n_spikes(cid)))
        big = max(s.clustering.cluster_ids, key=s.n_spikes)
        up = c.split_by_amplitude(int(big))
        assert len(up.added) == 2
        assert s.save()
        header = read_tsv(synth_dir / "cluster_info.tsv")[0]
        assert "meanisi" in header
    finally:
        c.close()


def test_plugins_argument(synth_dir, config_dir):
    _config(config_dir, [])
    c = open_controller(synth_dir, config_dir, plugins=["ExampleSimilarityPlugin"])
    try:
        assert c.attached_plugins == ["ExampleSimilarityPlugin"]
        assert c.similarity == "n_spikes"
    finally:
        c.close()


def test_controller_ready_and_phylib_metadata(synth_dir, config_dir, tmp_path):
    """A plugin whose ``controller_ready`` callback raises does not prevent opening the data;
    ``phylib.io.model``'s metadata helpers are importable from plugin files."""
    d = Path(config_dir) / "plugins"
    d.mkdir(parents=True)
    (d / "ready.py").write_text(f'''
from phy import IPlugin, connect
from phylib.io.model import load_metadata, save_metadata


class FailingReadyPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect(sender=controller)
        def on_controller_ready(sender):
            raise RuntimeError("broken callback")


class MetadataPlugin(IPlugin):
    def attach_to_controller(self, controller):
        path = {str(tmp_path / "cluster_x.tsv")!r}
        save_metadata(path, "x", {{3: "a", 1: "b"}})
        controller.metadata_read = load_metadata(path)
''')
    (Path(config_dir) / "phy_config.py").write_text(
        "c = get_config()\nc.TemplateGUI.plugins = ['FailingReadyPlugin', 'MetadataPlugin']\n")
    c = open_controller(synth_dir, config_dir)
    try:
        assert c.attached_plugins == ["FailingReadyPlugin", "MetadataPlugin"]
        assert c.supervisor.clustering.cluster_ids.size
        assert c.metadata_read == {"x": {1: "b", 3: "a"}}
        assert (tmp_path / "cluster_x.tsv").read_text() == "cluster_id\tx\n1\tb\n3\ta\n"
    finally:
        c.close()
