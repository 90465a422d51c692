"""``TemplateController(dir_path=folder)`` reads the folder's params.py (phy's constructor),
or fails with a clear error naming what is missing."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from phyclone.apps.template import TemplateController
from phyclone.utils.errors import DataError

DATA = Path(__file__).resolve().parents[1] / "data" / "si_export_16ch"


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "si"
    shutil.copytree(DATA, d, ignore=shutil.ignore_patterns("groundtruth"))
    return d


def test_reads_params_py(folder, config_dir):
    c = TemplateController(dir_path=folder, config_dir=config_dir, replay_journal=False)
    try:
        m = c.model
        assert m.sample_rate == 30000.0 and m.n_channels_dat == 16
        assert [p.name for p in m.dat_path] == ["recording.dat"]
        assert m.traces is not None and m.traces.shape[1] == 16
        # Waveforms filter without error (phy's failure: sample_rate 1 Hz deep in scipy).
        cid = int(c.supervisor.clustering.cluster_ids[0])
        w = c._get_waveforms_with_n_spikes(cid, 5)
        assert w.data.ndim == 3 and 1 <= w.data.shape[0] <= 5 and np.isfinite(w.data).all()
        assert np.abs(w.data).max() > 0
    finally:
        c.close()


def test_keyword_overrides_params(folder, config_dir):
    c = TemplateController(dir_path=folder, config_dir=config_dir, replay_journal=False,
                           sample_rate=20000.0)
    try:
        assert c.model.sample_rate == 20000.0
    finally:
        c.close()


def test_missing_params_py_is_a_clear_error(folder, config_dir):
    (folder / "params.py").unlink()
    with pytest.raises(DataError, match=r"params\.py.*missing.*sample_rate"):
        TemplateController(dir_path=folder, config_dir=config_dir, replay_journal=False)
    # Explicit parameters replace params.py.
    c = TemplateController(dir_path=folder, config_dir=config_dir, replay_journal=False,
                           sample_rate=30000.0, dat_path="recording.dat", n_channels_dat=16,
                           dtype="int16")
    try:
        assert c.model.sample_rate == 30000.0 and c.model.traces is not None
    finally:
        c.close()
