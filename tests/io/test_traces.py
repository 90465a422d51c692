"""Raw data readers: every format, concatenation, channel maps, slicing like NumPy, edges."""

import logging
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phyclone.io.raw.traces import get_ephys_reader
from phyclone.utils.errors import DataError

NC = 6
SR = 10000.


def _raw(n, seed=0, nc=NC, dtype=np.int16):
    return np.random.default_rng(seed).integers(-1000, 1000, (n, nc)).astype(dtype)


def write_mda(path, arr, wide=False):
    """MDA writer (test side): type code, bytes per entry, ndims, dims, column-major data."""
    codes = {np.dtype(np.int16): -4, np.dtype(np.float32): -3, np.dtype(np.uint16): -6}
    n, nc = arr.shape
    head = struct.pack("<iii", codes[arr.dtype], arr.dtype.itemsize, -2 if wide else 2)
    head += struct.pack("<qq" if wide else "<ii", nc, n)
    path.write_bytes(head + np.ascontiguousarray(arr).tobytes())  # (nc, n) column-major


@pytest.fixture(scope="module")
def three_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("raw")
    parts = [_raw(n, seed=i) for i, n in enumerate((1000, 37, 1500))]
    for i, p in enumerate(parts):
        p.tofile(d / f"part{i}.dat")
    return [d / f"part{i}.dat" for i in range(3)], np.concatenate(parts)


@settings(max_examples=150, deadline=None)
@given(start=st.integers(-3000, 3000), stop=st.integers(-3000, 3000) | st.none(),
       step=st.sampled_from([None, 1, 2, 7, -1, -3]),
       cols=st.sampled_from([None, 0, -1, [3, 1], [5, 0, 2], slice(1, 4), [2]]))
def test_slicing_matches_numpy(three_files, start, stop, step, cols):
    paths, ref = three_files
    cm = np.array([5, 4, 2, 0, 1, 3])
    tr = get_ephys_reader(paths, n_channels_dat=NC, dtype="int16", sample_rate=SR, channel_map=cm)
    mapped = ref[:, cm]
    item = slice(start, stop, step)
    key = item if cols is None else (item, cols)
    np.testing.assert_array_equal(tr[key], mapped[key])


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.integers(-2537, 2536), max_size=20),
       cols=st.sampled_from([None, 2, [1, 3], [4, 4, 0]]))
def test_fancy_rows_match_numpy(three_files, rows, cols):
    """Row lists index orthogonally to the channels: traces[rows, cols] = ref[rows][:, cols]."""
    paths, ref = three_files
    tr = get_ephys_reader(paths, n_channels_dat=NC, dtype="int16", sample_rate=SR)
    key = rows if cols is None else (rows, cols)
    expected = ref[rows] if cols is None else ref[rows][:, cols]
    np.testing.assert_array_equal(tr[key], expected)
    if rows:
        assert tr[rows[0]].tolist() == ref[rows[0]].tolist()


def test_shape_and_edges(three_files):
    paths, ref = three_files
    tr = get_ephys_reader(paths, n_channels_dat=NC, dtype=np.int16, sample_rate=SR)
    assert tr.shape == (2537, NC) and len(tr) == 2537 and tr.ndim == 2 and tr.dtype == np.int16
    assert tr.duration == pytest.approx(0.2537)
    np.testing.assert_array_equal(tr.part_bounds, [0, 1000, 1037, 2537])
    assert tr.chunk_bounds.tolist() == [0, 1000, 1037, 2537]
    np.testing.assert_array_equal(np.asarray(tr), ref)
    with pytest.raises(IndexError):
        tr[2537]
    # Windows across file boundaries and outside the recording: zeros outside.
    starts = np.array([-50, -10, 990, 1030, 2500, 2530, 4000])
    w = tr.read_windows(starts, 40, [2, 0])
    padded = np.zeros((2537 + 200, 2), dtype=np.int16)
    padded[100:2637] = ref[:, [2, 0]]
    for i, s in enumerate(starts):
        ref_w = padded[s + 100:s + 140] if s + 140 <= len(padded) else np.zeros((40, 2))
        np.testing.assert_array_equal(w[i], ref_w)
    sub = tr.select_channels([3, 1])
    np.testing.assert_array_equal(sub[10:20], ref[10:20, [3, 1]])


def test_offset_and_dtype(tmp_path):
    ref = _raw(300, dtype=np.float32)
    (tmp_path / "x.bin").write_bytes(b"H" * 64 + ref.tobytes())
    tr = get_ephys_reader(tmp_path / "x.bin", n_channels_dat=NC, dtype="float32", offset=64,
                          sample_rate=SR)
    np.testing.assert_array_equal(tr[:], ref)


def test_flat_partial_last_frame(tmp_path, caplog):
    """As phylib: a flat file that is not a whole number of frames opens, the partial last
    frame is ignored, one warning says so (log and ``warnings``)."""
    raw = _raw(100)
    raw.tofile(tmp_path / "x.raw")
    with open(tmp_path / "x.raw", "ab") as f:
        f.write(b"\x01\x02\x03")  # 3 bytes of a partial frame
    with caplog.at_level("WARNING"):
        t = get_ephys_reader(tmp_path / "x.raw", n_channels_dat=NC, dtype="int16",
                             sample_rate=SR)
    assert t.n_samples == 100
    np.testing.assert_array_equal(t[:], raw)
    assert len(t.warnings) == 1 and "last 3 bytes are not a whole frame" in t.warnings[0]
    assert [r.getMessage() for r in caplog.records].count(t.warnings[0] + ".") == 1
    t.close()
    t = get_ephys_reader(tmp_path / "x.raw", n_channels_dat=7, dtype="int16", sample_rate=SR)
    assert t.n_samples == (100 * NC * 2 + 3) // 14 and "x.raw" in t.warnings[0]
    t.close()
    t = get_ephys_reader(tmp_path / "x.raw", n_channels_dat=NC, dtype="int16", offset=3,
                         sample_rate=SR)
    assert t.n_samples == 100 and t.warnings == []  # the offset takes the 3 extra bytes
    t.close()
    with pytest.raises(DataError, match="shorter than the header offset"):
        get_ephys_reader(tmp_path / "x.raw", n_channels_dat=NC, dtype="int16", offset=10**6,
                         sample_rate=SR)


@pytest.mark.parametrize("wide", [False, True])
def test_mda(tmp_path, wide):
    ref = _raw(500, dtype=np.int16)
    write_mda(tmp_path / "raw.mda", ref, wide=wide)
    tr = get_ephys_reader(tmp_path / "raw.mda", n_channels_dat=NC, sample_rate=SR)
    np.testing.assert_array_equal(tr[:], ref)
    with pytest.raises(DataError, match="holds 6 channels but n_channels_dat = 5"):
        get_ephys_reader(tmp_path / "raw.mda", n_channels_dat=5, sample_rate=SR)
    (tmp_path / "bad.mda").write_bytes((tmp_path / "raw.mda").read_bytes()[:-10])
    with pytest.raises(DataError, match="truncated"):
        get_ephys_reader(tmp_path / "bad.mda", n_channels_dat=NC, sample_rate=SR)


def test_npy_and_mixed_list(tmp_path):
    a, b = _raw(200, seed=1), _raw(300, seed=2)
    np.save(tmp_path / "a.npy", a)
    b.tofile(tmp_path / "b.dat")
    tr = get_ephys_reader([tmp_path / "a.npy", tmp_path / "b.dat"], n_channels_dat=NC,
                          dtype="int16", sample_rate=SR)
    np.testing.assert_array_equal(tr[150:250, [1]], np.r_[a, b][150:250, [1]])
    np.save(tmp_path / "c.npy", b.astype(np.float32))
    with pytest.raises(DataError, match="has 6 channels of float32"):
        get_ephys_reader([tmp_path / "a.npy", tmp_path / "c.npy"], n_channels_dat=NC,
                         sample_rate=SR)
    np.save(tmp_path / "d.npy", a.ravel())
    with pytest.raises(DataError, match="expected \\(n_samples, n_channels\\)"):
        get_ephys_reader(tmp_path / "d.npy", n_channels_dat=NC, sample_rate=SR)


def test_cbin(tmp_path):
    import mtscomp
    ref = _raw(25000, nc=NC)
    ref.tofile(tmp_path / "x.bin")
    mtscomp.compress(tmp_path / "x.bin", tmp_path / "x.cbin", tmp_path / "x.ch", sample_rate=SR,
                     n_channels=NC, dtype=np.int16, chunk_duration=1., n_threads=1, quiet=True)
    tr = get_ephys_reader([tmp_path / "x.cbin", tmp_path / "x.cbin"], n_channels_dat=NC,
                          sample_rate=SR)
    full = np.r_[ref, ref]
    assert tr.shape == (50000, NC)
    np.testing.assert_array_equal(tr[9990:10020, [0, 5]], full[9990:10020, [0, 5]])
    np.testing.assert_array_equal(tr[24990:25010], full[24990:25010])  # across the two files
    w = tr.read_windows([-5, 9995, 49990], 20, [1])
    np.testing.assert_array_equal(w[1], full[9995:10015, [1]])
    assert not w[0, :5].any() and not w[2, 10:].any()
    assert tr.chunk_bounds.tolist() == [0, 10000, 20000, 25000, 35000, 45000, 50000]
    tr.close()
    (tmp_path / "x.ch").unlink()
    with pytest.raises(DataError, match="x.ch is missing"):
        get_ephys_reader(tmp_path / "x.cbin", n_channels_dat=NC, sample_rate=SR)


def test_missing_file(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="phyclone"):
        assert get_ephys_reader(tmp_path / "nope.dat", n_channels_dat=NC, sample_rate=SR) is None
    assert "nope.dat" in caplog.text
    assert get_ephys_reader([], n_channels_dat=NC, sample_rate=SR) is None


def test_array_input():
    ref = _raw(100)
    tr = get_ephys_reader(ref, sample_rate=SR, channel_map=[2, 0])
    np.testing.assert_array_equal(tr[5:9], ref[5:9][:, [2, 0]])
