"""FolderLock and FileStamps (the process-level behaviour is in tests/apps/test_two_windows)."""

import json
import os
import socket
import subprocess
import sys

from phyclone.session.lock import FileStamps, FolderLock, _process_start


def test_lock_reentrant_and_released(tmp_path):
    a, b = FolderLock(tmp_path / "lock.json"), FolderLock(tmp_path / "lock.json")
    assert a.acquire() and b.acquire()  # two controllers of one process
    info = json.loads((tmp_path / "lock.json").read_text())
    assert info["pid"] == os.getpid() and info["host"] == socket.gethostname()
    a.release()
    assert (tmp_path / "lock.json").exists() and b.still_held()
    b.release()
    assert not (tmp_path / "lock.json").exists()


def test_stale_and_live_holders(tmp_path):
    path = tmp_path / "lock.json"
    host = socket.gethostname()
    p = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                         stdin=subprocess.PIPE)
    try:
        live = {"pid": p.pid, "host": host, "process_start": _process_start(p.pid)}
        path.write_text(json.dumps(live))
        lock = FolderLock(path)
        assert not lock.acquire() and lock.holder["pid"] == p.pid
        assert f"process {p.pid} on {host}" in lock.describe_holder()
        # The same pid, but another process start time: the pid was reused, stale.
        path.write_text(json.dumps(dict(live, process_start=live["process_start"] - 1)))
        assert FolderLock(path).acquire()
        FolderLock(path).release()
    finally:
        p.stdin.close()
        p.wait()
    for stale in ({"pid": p.pid, "host": host}, "not json {", {"host": host, "pid": "x"}):
        path.write_text(stale if isinstance(stale, str) else json.dumps(stale))
        lock = FolderLock(path)
        assert lock.acquire(), stale
        lock.release()
    # Another host's lock cannot be checked: never stale.
    path.write_text(json.dumps({"pid": 1, "host": host + "-elsewhere"}))
    lock = FolderLock(path)
    assert not lock.acquire()
    lock.take_over()
    assert lock.still_held()
    lock.release()


def test_file_stamps(tmp_path):
    f = tmp_path / "spike_clusters.npy"
    f.write_bytes(b"abc")
    stamps = FileStamps(lambda: sorted(tmp_path.glob("*")))
    stamps.record(background=True)
    assert stamps.changed() == []
    stamps.record()
    assert stamps.changed() == []
    os.utime(f, (1, 1))  # touched, same bytes: not a change
    assert stamps.changed() == []
    f.write_bytes(b"abd")
    assert stamps.changed() == ["spike_clusters.npy"]
    st = os.stat(f)
    os.utime(f, ns=(st.st_atime_ns, stamps.stamps[str(f)][1]))  # same size and mtime
    assert stamps.changed() == ["spike_clusters.npy"]  # the hash tells
    stamps.record()
    (tmp_path / "cluster_x.tsv").write_text("cluster_id\tx\n")
    assert stamps.changed() == ["cluster_x.tsv"]
    f.unlink()
    assert stamps.changed() == ["cluster_x.tsv", "spike_clusters.npy"]
