"""Fixtures of the plugin example tests: a small synthetic dataset (16 channels, 20 s,
8 clusters, raw data) generated once, and ``example_gui(file, plugin)``: the Template GUI
of a private copy of it, with one file of ``examples/plugins/`` copied into a fresh config
folder's ``plugins/`` and enabled in its ``phy_config.py``, as a user would."""

import shutil
import sys
from pathlib import Path

import pytest

from phyclone.utils import event

sys.path.insert(0, str(Path(__file__).parent.parent / "apps"))
from _controller_fixtures import close_gui, open_controller, show_gui  # noqa: E402

EXAMPLES = Path(__file__).parents[2] / "examples" / "plugins"


@pytest.fixture(autouse=True)
def _reset_events(monkeypatch):
    monkeypatch.setenv("PHYCLONE_NONINTERACTIVE", "1")
    yield
    event.reset()


@pytest.fixture(scope="session")
def example_source(tmp_path_factory):
    """The dataset (read-only)."""
    from phyclone.io.synthetic.dataset import make_dataset
    d = tmp_path_factory.mktemp("examples") / "data"
    make_dataset(d, n_channels=16, duration=20., n_clusters=8, seed=3, progress=False)
    return d


@pytest.fixture
def data_dir(example_source, tmp_path):
    """A private copy of the dataset (the raw data file is linked, never written)."""
    d = tmp_path / "data"
    shutil.copytree(example_source, d, ignore=shutil.ignore_patterns(".phy", "*.dat"))
    for raw in example_source.glob("*.dat"):
        (d / raw.name).symlink_to(raw)
    return d


def install_plugin(config_dir, filename, plugin, source=None):
    """Copy an example (or write ``source``) into ``<config_dir>/plugins/`` and enable
    ``plugin`` in ``phy_config.py``."""
    plugins = Path(config_dir) / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if source is None:
        shutil.copy(EXAMPLES / filename, plugins / filename)
    else:
        (plugins / filename).write_text(source)
    (Path(config_dir) / "phy_config.py").write_text(
        f"c = get_config()\nc.TemplateGUI.plugins = [{plugin!r}]\n")


@pytest.fixture
def example_gui(qapp, qtbot, data_dir, config_dir):
    """``open(filename, plugin, source=None, **controller_kwargs) -> (controller, gui)``:
    the shown and active Template GUI with that example (or plugin ``source``) enabled
    (closed, unsaved, after the test)."""
    opened = []

    def open_(filename, plugin, source=None, **kwargs):
        install_plugin(config_dir, filename, plugin, source=source)
        c = open_controller(data_dir, config_dir, **kwargs)
        assert c.attached_plugins == [plugin]
        opened.append(c)
        gui = show_gui(qtbot, c)
        opened[-1] = (c, gui)
        return c, gui

    yield open_
    for item in opened:
        if isinstance(item, tuple):
            close_gui(item[1], item[0])
        else:
            item.close()
