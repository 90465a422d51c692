"""Fixtures of the controller tests: a tiny synthetic template-gui folder (generated once per
test session, copied for each test that may write into it), the trimmed SpikeInterface
export, and a TemplateController on each."""

import shutil
from pathlib import Path

import pytest

from phyclone.utils import event

from _controller_fixtures import open_controller

SI_EXPORT = Path(__file__).parent.parent / "data" / "si_export_16ch"


@pytest.fixture(autouse=True)
def _reset_events(monkeypatch):
    monkeypatch.setenv("PHYCLONE_NONINTERACTIVE", "1")
    yield
    event.reset()


@pytest.fixture(scope="session")
def synth_source(tmp_path_factory):
    """A 16-channel, 6-template, 4 s synthetic dataset with raw data (read-only)."""
    from phyclone.io.synthetic.dataset import make_dataset
    d = tmp_path_factory.mktemp("synth") / "tiny"
    make_dataset(d, n_channels=16, duration=4., n_clusters=6, seed=1, progress=False)
    return d


@pytest.fixture
def synth_dir(synth_source, tmp_path):
    """A private copy of the synthetic dataset."""
    d = tmp_path / "tiny"
    shutil.copytree(synth_source, d, ignore=shutil.ignore_patterns(".phy"))
    return d


@pytest.fixture
def si_dir(tmp_path):
    """A private copy of the trimmed SpikeInterface export."""
    d = tmp_path / "si"
    shutil.copytree(SI_EXPORT, d)
    return d


@pytest.fixture
def controller(synth_dir, config_dir):
    c = open_controller(synth_dir, config_dir)
    yield c
    c.close()


@pytest.fixture
def si_controller(si_dir, config_dir):
    c = open_controller(si_dir, config_dir)
    yield c
    c.close()
