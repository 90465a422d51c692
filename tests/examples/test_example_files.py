"""The example plugin files themselves: each is listed in the README, defines the plugin
class the README names, and attaches unchanged with phy's imports (``from phy ...``)."""

import re
from pathlib import Path

import pytest

from _controller_fixtures import open_controller

EXAMPLES = Path(__file__).parents[2] / "examples" / "plugins"

PLUGINS = {
    "hello.py": "ExampleHelloPlugin",
    "n_spikes_views.py": "ExampleNspikesViewsPlugin",
    "cluster_metrics.py": "ExampleClusterMetricsPlugin",
    "waveform_metrics.py": "ExampleWaveformMetricsPlugin",
    "custom_columns.py": "ExampleCustomColumnsPlugin",
    "cluster_stats.py": "ExampleClusterStatsPlugin",
    "matplotlib_view.py": "ExampleMatplotlibViewPlugin",
    "opengl_view.py": "ExampleOpenGLViewPlugin",
    "waveform_pca_view.py": "ExampleWaveformPCAPlugin",
    "action_status_bar.py": "ExampleActionPlugin",
    "filter_action.py": "ExampleFilterFiringRatePlugin",
    "custom_split.py": "ExampleCustomSplitPlugin",
    "custom_similarity.py": "ExampleSimilarityPlugin",
    "raw_data_filter.py": "ExampleRawDataFilterPlugin",
    "custom_button.py": "ExampleCustomButtonPlugin",
    "color_scheme.py": "ExampleColorSchemePlugin",
    "feature_view_custom_grid.py": "ExampleCustomFeatureViewPlugin",
    "font_size.py": "ExampleFontSizePlugin",
    "ipython_view.py": "ExampleIPythonViewPlugin",
    "cluster_metadata.py": "ExampleClusterMetadataPlugin",
}


def test_readme_lists_every_example():
    files = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert files == sorted(PLUGINS)
    readme = (EXAMPLES / "README.md").read_text()
    rows = dict(re.findall(r"^\| \[(\w+\.py)\]\(\1\) \| `(\w+)` \|", readme, flags=re.M))
    assert rows == PLUGINS
    for name, plugin in PLUGINS.items():
        text = (EXAMPLES / name).read_text()
        assert f"class {plugin}(IPlugin):" in text
        assert f"c.TemplateGUI.plugins = ['{plugin}']" in text or plugin in readme


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_attaches_with_phy_imports(name, data_dir, config_dir, monkeypatch):
    from phyclone.plot import TextVisual
    monkeypatch.setattr(TextVisual, "default_font_size", TextVisual.default_font_size)
    source = (EXAMPLES / name).read_text()
    ported = re.sub(r"^from phyclone\b", "from phy", source, flags=re.M)
    assert ported != source and not re.search(r"^(from|import) phyclone", ported, flags=re.M)
    plugins = config_dir / "plugins"
    plugins.mkdir(parents=True)
    (plugins / name).write_text(ported)
    c = open_controller(data_dir, config_dir, plugins=[PLUGINS[name]])
    try:
        assert c.attached_plugins == [PLUGINS[name]]
    finally:
        c.close()
