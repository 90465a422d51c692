"""phy.plot's public names exist in phyclone.plot (plugins port by renaming imports)."""

import importlib

import pytest

PHY_NAMES = """PlotCanvas BaseCanvas BaseVisual BaseLayout GLSLInserter ScatterVisual
UniformScatterVisual PlotVisual UniformPlotVisual HistogramVisual LineVisual PolygonVisual
TextVisual ImageVisual Grid Boxed Stacked PanZoom Lasso Axes AxisLocator Translate Scale Range
Subplot Clip TransformChain NDC BatchAccumulator extend_bounds get_linear_x DEFAULT_COLOR""".split()


@pytest.mark.parametrize("name", PHY_NAMES)
def test_public_name(name):
    assert getattr(importlib.import_module("phyclone.plot"), name) is not None


def test_phy_module_paths():
    from phyclone.plot.interact import Boxed, Grid, Lasso, Stacked  # noqa: F401
    from phyclone.plot.transform import NDC, Range  # noqa: F401
    from phyclone.plot.visuals import ScatterVisual, TextVisual  # noqa: F401


def test_import_plot_does_not_create_gl_or_app():
    import subprocess
    import sys
    code = ("import sys, phyclone.plot; from phyclone.qt import QApplication; "
            "assert QApplication.instance() is None")
    subprocess.run([sys.executable, "-c", code], check=True)
