"""RowReader reads the same rows as a memory-mapped gather (views included)."""

import numpy as np
import pytest

from phyclone.controller.rows import RowReader


@pytest.mark.parametrize("view", ["plain", "transposed", "reshaped"])
def test_row_reader(tmp_path, view, monkeypatch):
    monkeypatch.setattr("phyclone.controller.rows.MMAP_MAX_BYTES", 1000)  # pread this small file
    arr = np.random.default_rng(0).normal(size=(1000, 3, 5)).astype(np.float32)
    np.save(tmp_path / "a.npy", arr)
    m = np.load(tmp_path / "a.npy", mmap_mode="r", allow_pickle=False)
    v = {"plain": m, "transposed": m.transpose(0, 2, 1),
         "reshaped": m.reshape(1000, 15)}[view]
    r = RowReader(v)
    assert r._fd is not None and r.shape == v.shape and len(r) == 1000
    for rows in ([], [0], [999], [3, 4, 5, 9, 10, 500], np.arange(0, 1000, 7), [8, 2, 2]):
        np.testing.assert_array_equal(r[rows], v[np.asarray(rows, dtype=np.int64)])
    r.close()


def test_row_reader_fallbacks(tmp_path, monkeypatch):
    monkeypatch.setattr("phyclone.controller.rows.MMAP_MAX_BYTES", 100)
    arr = np.arange(60.).reshape(20, 3)
    np.save(tmp_path / "a.npy", arr)
    m = np.load(tmp_path / "a.npy", mmap_mode="r", allow_pickle=False)
    for v in (arr, m[2:], m[::-1], m[:, 1:]):
        r = RowReader(v)
        assert r._fd is None
        np.testing.assert_array_equal(r[[0, 3]], v[[0, 3]])
    monkeypatch.undo()
    r = RowReader(m)  # a small file: gathered through its memory map
    assert r._fd is None
    np.testing.assert_array_equal(r[[0, 3]], arr[[0, 3]])


def test_prefetch_raw_windows(synth_dir):  # noqa: D103
    """Announcing raw data windows never fails (flat binary, clipped at the edges)."""
    from phyclone.controller.rows import prefetch_raw_windows
    from phyclone.apps.template import load_model
    m = load_model(synth_dir / "params.py")
    prefetch_raw_windows(m.traces, [-100, 0, 5000, m.traces.n_samples + 10], 382)
    prefetch_raw_windows(None, [0], 10)
    m.close()


@pytest.mark.parametrize("multi", [False, True])
def test_read_raw_windows(tmp_path, multi):
    """pread windows = the reader's memory-mapped windows, across files and edges."""
    from phyclone.controller.rows import read_raw_windows
    from phyclone.io.raw.traces import get_ephys_reader
    rng = np.random.default_rng(1)
    raw = rng.integers(-1000, 1000, (3000, 7)).astype(np.int16)
    paths = []
    for k, part in enumerate(np.array_split(raw, 2 if multi else 1)):
        paths.append(tmp_path / f"raw{k}.dat")
        part.tofile(paths[-1])
    traces = get_ephys_reader(paths, n_channels_dat=7, dtype="int16", sample_rate=1000.,
                              channel_map=[6, 0, 3, 2])
    starts = [-20, 0, 1490, 1495, 2990, 3100]
    for ch in ([0], [3, 1], [0, 1, 2, 3]):
        np.testing.assert_array_equal(read_raw_windows(traces, starts, 30, ch),
                                      traces.read_windows(starts, 30, ch))
    traces.close()
