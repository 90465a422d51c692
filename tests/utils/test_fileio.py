import math
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from phyclone.utils import (
    DataError, atomic_open, ensure_dir_exists, load_json, load_pickle, read_text, read_tsv,
    save_json, save_npy, save_pickle, write_bytes, write_text, write_tsv,
)
from phyclone.utils import fileio

from _shared_data import require_shared



def _leftovers(folder):
    return [p.name for p in Path(folder).iterdir() if p.name.endswith(".tmp")]


# Atomic writers ----------------------------------------------------------------------------

WRITERS = {
    "text": (lambda p: write_text(p, "new"), "write"),
    "bytes": (lambda p: write_bytes(p, b"new"), "write"),
    "npy": (lambda p: save_npy(p, np.arange(10)), "write"),
    "tsv": (lambda p: write_tsv(p, [{"cluster_id": 1, "group": "good"}]), "write"),
    "json": (lambda p: save_json(p, {"a": np.arange(20)}), "write"),
    "pickle": (lambda p: save_pickle(p, {"a": 1}), "write"),
}


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize("failure", ["write", "fsync", "replace", "interrupt"])
def test_atomic_writer_failure_keeps_old_file(tmp_path, monkeypatch, kind, failure):
    path = tmp_path / "out.dat"
    path.write_bytes(b"old content")
    writer, _ = WRITERS[kind]

    def boom(*args, **kwargs):
        raise KeyboardInterrupt() if failure == "interrupt" else OSError(28, "No space left")

    if failure == "fsync":
        monkeypatch.setattr(os, "fsync", boom)
    elif failure == "replace":
        monkeypatch.setattr(os, "replace", boom)
    else:  # the payload write itself fails half-way
        real_open = os.fdopen

        class Half:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                self.f.__enter__()
                return self

            def __exit__(self, *a):
                return self.f.__exit__(*a)

            def write(self, data):
                self.f.write(data[: len(data) // 2])
                boom()

            def __getattr__(self, name):
                return getattr(self.f, name)

        monkeypatch.setattr(os, "fdopen", lambda *a, **k: Half(real_open(*a, **k)))
    with pytest.raises((OSError, KeyboardInterrupt)):
        writer(path)
    assert path.read_bytes() == b"old content"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_atomic_writers_replace_and_keep_permissions(tmp_path, kind):
    path = tmp_path / "sub" / "out.dat"
    WRITERS[kind][0](path)  # creates the folder
    os.chmod(path, 0o640)
    WRITERS[kind][0](path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert _leftovers(path.parent) == []


def test_new_file_gets_umask_permissions(tmp_path):
    write_text(tmp_path / "a.txt", "x")
    mode = stat.S_IMODE((tmp_path / "a.txt").stat().st_mode)
    assert mode == 0o666 & ~fileio._umask()


def test_atomic_write_through_symlink(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


def test_atomic_open_exception_in_body(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("old")
    with pytest.raises(ZeroDivisionError):
        with atomic_open(path) as f:
            f.write("partial")
            1 / 0
    assert path.read_text() == "old" and _leftovers(tmp_path) == []


def test_ensure_dir_exists(tmp_path):
    d = ensure_dir_exists(tmp_path / "a" / "b")
    assert d.is_dir() and ensure_dir_exists(d) == d
    (tmp_path / "f").write_text("")
    with pytest.raises(DataError, match="not a folder"):
        ensure_dir_exists(tmp_path / "f")


def test_text_round_trip(tmp_path):
    s = "héllo\r\nwörld\n"
    write_text(tmp_path / "t.txt", s)
    assert (tmp_path / "t.txt").read_bytes() == s.encode("utf-8")  # written as given
    assert read_text(tmp_path / "t.txt") == s.replace("\r\n", "\n")  # universal newlines
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfabc")
    assert read_text(tmp_path / "bom.txt") == "abc"
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9")
    with pytest.raises(DataError, match="latin.txt"):
        read_text(tmp_path / "latin.txt")


# TSV -------------------------------------------------------------------------------------

def test_tsv_round_trip_phy_layout(tmp_path):
    data = [{"cluster_id": 2, "group": "good", "fr": 1.23456789, "z": None},
            {"cluster_id": 0, "group": "mua", "amp": 12.5, "fr": float("nan")},
            {"cluster_id": 1, "group": "with\ttab", "fr": 3e-7}]
    path = tmp_path / "cluster_info.tsv"
    write_tsv(path, data, first_field="cluster_id", exclude_fields=("z",),
              n_significant_figures=4)
    lines = path.read_text().splitlines()
    assert lines[0] == "cluster_id\tamp\tfr\tgroup"  # first field, then sorted
    assert lines[1] == "2\t\t1.235\tgood"
    back = read_tsv(path)
    assert back[0] == {"cluster_id": 2, "fr": 1.235, "group": "good"}  # empty values left out
    assert back[1]["amp"] == 12.5 and math.isnan(back[1]["fr"])
    assert back[2]["group"] == "with\ttab" and back[2]["fr"] == 3e-7


def test_tsv_full_precision_by_default(tmp_path):
    x = 0.1 + 0.2
    write_tsv(tmp_path / "a.tsv", [{"cluster_id": 0, "x": x, "b": True}])
    assert read_tsv(tmp_path / "a.tsv") == [{"cluster_id": 0, "x": x, "b": "True"}]


@pytest.mark.parametrize("delimiter", ["\t", ",", ";"])
def test_tsv_delimiter_sniffing(tmp_path, delimiter):
    path = tmp_path / "cluster_group.tsv"
    path.write_text(delimiter.join(["cluster_id", "group"]) + "\r\n" +
                    delimiter.join(["3", "noise"]) + "\r\n\r\n" + delimiter.join(["4", ""]) + "\n")
    assert read_tsv(path) == [{"cluster_id": 3, "group": "noise"}, {"cluster_id": 4}]


def test_csv_written_with_commas(tmp_path):
    path = tmp_path / "cluster_groups.csv"
    write_tsv(path, [{"cluster_id": 1, "group": "a,b"}], first_field="cluster_id")
    assert path.read_text() == 'cluster_id,group\n1,"a,b"\n'
    assert read_tsv(path) == [{"cluster_id": 1, "group": "a,b"}]


def test_tsv_edge_cases(tmp_path):
    assert read_tsv(tmp_path / "missing.tsv") == []
    (tmp_path / "empty.tsv").write_text("")
    assert read_tsv(tmp_path / "empty.tsv") == []
    write_tsv(tmp_path / "nothing.tsv", [])
    assert read_tsv(tmp_path / "nothing.tsv") == []
    (tmp_path / "bad.tsv").write_text("cluster_id\tgroup\n1\tgood\textra\n")
    with pytest.raises(DataError, match="bad.tsv: line 2 has 3 fields"):
        read_tsv(tmp_path / "bad.tsv")


def test_real_spikeinterface_tsvs():
    """Every TSV of a genuine SpikeInterface export, read in place."""
    SI = require_shared("si_export_16ch")
    tsvs = sorted(SI.glob("cluster_*.tsv"))
    assert len(tsvs) > 20
    for path in tsvs:
        rows = read_tsv(path)
        assert len(rows) == 10, path
        header = path.read_text().splitlines()[0].split("\t")
        assert header[0] == "cluster_id" and len(header) == 2, path
        assert all("cluster_id" in r and set(r) <= set(header) for r in rows), path
        assert [r["cluster_id"] for r in rows] == list(range(10)), path
    # SpikeInterface leaves metrics it could not compute empty: they are left out of the rows.
    assert read_tsv(SI / "cluster_presence_ratio.tsv")[0] == {"cluster_id": 0}
    widths = read_tsv(SI / "cluster_peak_before_width.tsv")
    assert sum("peak_before_width" in r for r in widths) == 2
    groups = read_tsv(SI / "cluster_group.tsv")
    assert {r["group"] for r in groups} == {"unsorted"}
    snr = read_tsv(SI / "cluster_snr.tsv")
    assert all(isinstance(r["snr"], float) and r["snr"] > 0 for r in snr)


def test_real_tsv_rewrite_is_identical(tmp_path):
    src = require_shared("si_export_16ch") / "cluster_snr.tsv"
    write_tsv(tmp_path / "cluster_snr.tsv", read_tsv(src), first_field="cluster_id")
    assert (tmp_path / "cluster_snr.tsv").read_text() == src.read_text()


# JSON ------------------------------------------------------------------------------------

def test_json_round_trip_with_arrays(tmp_path):
    data = {
        "small": np.arange(3, dtype=np.int16),
        "big": np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32),
        "scalar": np.float64(1.5), "int": np.int64(3), "tuple": (1, 2), "bytes": b"\x00\x01qt",
        3: "int key", "nested": {"x": [np.arange(12)]}, "path": Path("/a/b"),
    }
    save_json(tmp_path / "s.json", data)
    back = load_json(tmp_path / "s.json")
    assert back["small"] == [0, 1, 2]  # small 1-D arrays are written as lists (phy)
    np.testing.assert_array_equal(back["big"], data["big"])
    assert back["big"].dtype == np.float32 and back["big"].shape == (4, 5)
    np.testing.assert_array_equal(back["nested"]["x"][0], np.arange(12))
    assert back["scalar"] == 1.5 and back["int"] == 3 and back["tuple"] == [1, 2]
    assert back["bytes"] == b"\x00\x01qt" and back[3] == "int key" and back["path"] == "/a/b"


def test_json_reads_phy_encodings(tmp_path):
    import base64
    arr = np.arange(12, dtype=np.float64).reshape(3, 4)
    qt = b"\x01\xd9\xd0\xcb"  # raw QByteArray bytes as phy's GUI state stores them
    doc = ('{"a": {"__ndarray__": "%s", "dtype": "float64", "shape": [3, 4]}, '
           '"geometry_state": {"__qbytearray__": "%s"}, "12": 1}') % (
        base64.b64encode(arr.tobytes()).decode(),
        base64.b64encode(base64.b64encode(qt)).decode())
    (tmp_path / "state.json").write_text(doc)
    back = load_json(tmp_path / "state.json")
    np.testing.assert_array_equal(back["a"], arr)
    assert back["geometry_state"] == qt and back[12] == 1


def test_json_missing_empty_corrupt(tmp_path):
    assert load_json(tmp_path / "missing.json") == {}
    (tmp_path / "e.json").write_text("")
    assert load_json(tmp_path / "e.json") == {}
    (tmp_path / "c.json").write_text("{bad json")
    with pytest.raises(DataError, match="c.json.*not valid JSON"):
        load_json(tmp_path / "c.json")


# Pickle ----------------------------------------------------------------------------------

def test_pickle_round_trip_and_corrupt(tmp_path):
    data = {"a": np.arange(5), (1, 2): "tuple key"}
    save_pickle(tmp_path / "p.pkl", data)
    back = load_pickle(tmp_path / "p.pkl")
    np.testing.assert_array_equal(back["a"], data["a"])
    assert back[(1, 2)] == "tuple key"
    (tmp_path / "bad.pkl").write_bytes(b"\x80\x04garbage")
    with pytest.raises(DataError, match="bad.pkl"):
        load_pickle(tmp_path / "bad.pkl")


def test_pickle_reads_joblib_files(tmp_path):
    import joblib
    joblib.dump({"x": np.arange(4)}, tmp_path / "j.pkl")  # what phy's save_pickle writes
    np.testing.assert_array_equal(load_pickle(tmp_path / "j.pkl")["x"], np.arange(4))


def test_synced_together_defers_every_fsync_to_the_end(tmp_path, monkeypatch):
    synced, calls = [], []
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: calls.append(fd))
    monkeypatch.setattr(fileio, "_fsync_file", lambda p: synced.append(Path(p)))
    with fileio.synced_together():
        fileio.save_npy(tmp_path / "a.npy", np.arange(3))
        fileio.write_text(tmp_path / "b.txt", "b")
        assert synced == [] and calls == []  # nothing synced yet, but the files are in place
        assert np.load(tmp_path / "a.npy").tolist() == [0, 1, 2]
    assert sorted(synced) == [tmp_path / "a.npy", tmp_path / "b.txt"]
    assert len(calls) == 1  # the folder, once
    fileio.write_text(tmp_path / "c.txt", "c")  # outside: synced at once again (file + folder)
    assert len(calls) == 3 and len(synced) == 2
