"""Every name phy 2.x re-exports at its documented import paths resolves in phyclone, through
the phy→phyclone import mapping of plugin and config files, and is exercised.

``PHY_NAMES`` is the committed expectation table (phy 2.1.0 / phylib 2.7.1's ``__init__``s,
minus their private helpers); with phy's venv (``PHYCLONE_PEER_PHY``, default
``../peers/phy`` beside the repository) the table is checked against phy's own modules, so it cannot drift.
"""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from phyclone.utils.config import _alias, exec_user_file
from _shared_data import peer_venv

PEER_PHY = peer_venv("phy", "PHYCLONE_PEER_PHY")

PHY_NAMES = {
    "phy": ["Bunch", "IPlugin", "connect", "discover_plugins", "emit", "get_plugin",
            "load_master_config", "unconnect"],
    "phy.cluster": [
        "AmplitudeView", "ClusterMeta", "ClusterScatterView", "ClusterView", "Clustering",
        "CorrelogramView", "FeatureView", "FiringRateView", "HistogramView", "ISIView",
        "ManualClusteringView", "ProbeView", "RasterView", "ScatterView", "SimilarityView",
        "Supervisor", "TemplateView", "TraceImageView", "TraceView", "UpdateInfo",
        "WaveformView", "select_traces"],
    "phy.cluster.views": [
        "AmplitudeView", "ClusterScatterView", "CorrelogramView", "FeatureView",
        "FiringRateView", "HistogramView", "ISIView", "ManualClusteringView", "ProbeView",
        "RasterView", "ScatterView", "TemplateView", "TraceImageView", "TraceView",
        "WaveformView", "select_traces"],
    "phy.apps": ["BaseController", "FeatureMixin", "QtDialogLogger", "TemplateMixin",
                 "TraceMixin", "WaveformMixin", "add_default_handler", "capture_exceptions",
                 "phycli"],
    "phy.utils": [
        "Bunch", "ClusterColorSelector", "Context", "IPlugin", "add_alpha", "attach_plugins",
        "colormaps", "connect", "emit", "ensure_dir_exists", "load_json", "load_master_config",
        "load_pickle", "phy_config_dir", "read_python", "read_text", "read_tsv", "reset",
        "save_json", "save_pickle", "selected_cluster_color", "set_silent", "silent",
        "unconnect", "write_text", "write_tsv"],
    "phy.gui": [
        "Actions", "Debouncer", "DockWidget", "GUI", "GUIState", "IPythonView",
        "KeyValueWidget", "Snippets", "Table", "Worker", "busy_cursor", "create_app",
        "input_dialog", "is_high_dpi", "message_box", "prompt", "require_qt", "run_app",
        "screen_size", "screenshot", "thread_pool"],
    "phy.plot": [
        "Axes", "AxisLocator", "BaseCanvas", "BaseLayout", "BaseVisual", "BatchAccumulator",
        "Boxed", "GLSLInserter", "Grid", "HistogramVisual", "ImageVisual", "Lasso",
        "LineVisual", "NDC", "PanZoom", "PlotCanvas", "PlotVisual", "PolygonVisual", "Range",
        "Scale", "ScatterVisual", "Subplot", "TextVisual", "TransformChain", "Translate",
        "UniformPlotVisual", "UniformScatterVisual", "extend_bounds", "get_linear_x"],
    "phylib": ["add_default_handler", "connect", "emit", "unconnect"],
    "phylib.utils": [
        "Bunch", "ProgressReporter", "connect", "emit", "load_json", "load_pickle",
        "read_python", "read_text", "read_tsv", "reset", "save_json", "save_pickle",
        "set_silent", "silent", "unconnect", "write_text", "write_tsv"],
}

#: Names of phy's modules that are not API: imports, loggers, CLI command functions (the
#: commands themselves exist: ``phy alf-convert`` ...), test runners.
PHY_PRIVATE = {"StringIO", "logger", "on_exit", "test", "DEBUG", "Path", "contextmanager",
               "exceptionHandler", "format_exception", "cli_alf_convert", "cli_kwik_describe",
               "cli_kwik_gui", "cli_template_describe", "cli_template_gui", "cli_trace_gui",
               "template_extract_waveforms"}

PHY_LISTER = r"""
import importlib, json, sys
out = {}
for mod in sys.argv[1:]:
    m = importlib.import_module(mod)
    out[mod] = sorted(n for n, v in vars(m).items()
                      if not n.startswith("_") and type(v).__name__ != "module")
print(json.dumps(out))
"""


@pytest.mark.skipif(not (PEER_PHY / "bin" / "python").exists(),
                    reason=f"phy's venv not found at {PEER_PHY} (PHYCLONE_PEER_PHY)")
def test_table_matches_phy():
    res = subprocess.run([str(PEER_PHY / "bin" / "python"), "-c", PHY_LISTER, *PHY_NAMES],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    phy = json.loads(res.stdout.strip().splitlines()[-1])
    for mod, names in phy.items():
        assert sorted(set(names) - PHY_PRIVATE) == sorted(PHY_NAMES[mod]), mod


def test_every_name_resolves_through_the_import_mapping(tmp_path):
    import importlib
    lines = [f"from {mod} import {', '.join(names)}" for mod, names in PHY_NAMES.items()]
    plugin = tmp_path / "all_phy_names.py"
    plugin.write_text("\n".join(lines) + "\n")
    module = exec_user_file(plugin)
    for mod, names in PHY_NAMES.items():
        target = importlib.import_module(_alias(mod))
        assert target.__name__.startswith("phyclone")
        for name in names:
            assert getattr(module, name) is getattr(target, name), (mod, name)


def test_utils_names_work(tmp_path):
    from phyclone.utils import (
        ClusterColorSelector, Context, ProgressReporter, add_alpha, colormaps, connect, emit,
        selected_cluster_color, set_silent, unconnect,
    )
    assert add_alpha((1., 0., 0.), .5) == (1., 0., 0., .5)
    assert add_alpha(np.zeros((3, 3))).shape == (3, 4)
    c0, c1 = selected_cluster_color(0), selected_cluster_color(1)
    assert len(c0) == 4 and c0 != c1
    assert colormaps["categorical"].shape[1] == 3
    ctx = Context(tmp_path / "cache")
    ctx.save("thing", {"a": 1})
    assert ctx.load("thing") == {"a": 1}
    selector = ClusterColorSelector(cluster_ids=[1, 2, 3])
    colors = selector.get_colors([1, 2])
    assert np.asarray(colors).shape[0] == 2
    seen = []

    def on_ping(sender):
        seen.append(sender)
    connect(on_ping, event="ping")
    try:
        set_silent(True)
        emit("ping", 1)
        set_silent(False)
        emit("ping", 2)
    finally:
        set_silent(False)
        unconnect(on_ping)
    assert seen == [2]
    assert ProgressReporter(3).value_max == 3


def test_apps_and_cluster_names_are_lazy():
    import subprocess as sp
    import sys
    code = ("import sys, phyclone.apps, phyclone.cluster, phyclone.utils;"
            "from phyclone.cluster import Clustering;"
            "print(any(m.startswith(('PyQt5', 'qtpy')) for m in sys.modules))")
    res = sp.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"
    from phyclone.apps import BaseController, FeatureMixin, TemplateMixin, TraceMixin, \
        WaveformMixin
    from phyclone.apps.template import TemplateController
    for mixin in (FeatureMixin, TemplateMixin, TraceMixin, WaveformMixin, BaseController):
        assert issubclass(TemplateController, mixin)
    from phyclone.cluster import ManualClusteringView, WaveformView, select_traces
    assert issubclass(WaveformView, ManualClusteringView) and callable(select_traces)
    with pytest.raises(AttributeError):
        import phyclone.cluster as pc
        pc.NoSuchView
