"""Fixtures of the matching tests."""

import numpy as np
import pytest

from _match_recording import write_recording


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    return write_recording(tmp_path_factory.mktemp("match") / "rec")


@pytest.fixture
def missed_rec(tmp_path):
    """A folder whose sorter missed a quarter of unit 1's spikes (absent from the files)."""
    rec = write_recording(tmp_path / "rec", n_units=3, duration=6.)
    rng = np.random.default_rng(5)
    absent = np.nonzero((rec.units == 1) & (rng.random(len(rec.units)) < 0.25))[0]
    keep = np.setdiff1d(np.arange(len(rec.units)), absent)
    np.save(rec.path / "spike_times.npy", rec.times[keep])
    for name in ("spike_templates", "spike_clusters"):
        np.save(rec.path / f"{name}.npy", rec.units[keep].astype(np.int32))
    amps = np.linspace(0.5, 1.5, len(keep)).astype(np.float32)
    np.save(rec.path / "amplitudes.npy", amps)
    np.save(rec.path / "spike_max_channels.npy", rec.centers[rec.units[keep]].astype(np.int64))
    n = len(keep)
    np.save(rec.path / "pc_features.npy",
            np.arange(n * 3 * 4, dtype=np.float32).reshape(n, 3, 4))
    np.save(rec.path / "pc_feature_ind.npy", np.tile(np.arange(4), (3, 1)).astype(np.int32))
    rec.absent = rec.times[absent]
    rec.n0 = len(keep)
    return rec
