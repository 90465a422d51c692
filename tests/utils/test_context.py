import logging
import os
import pickle

import numpy as np
import pytest

from phyclone.utils.context import Context, _fullname, cache_methods


@pytest.fixture
def context(tmp_path):
    return Context(tmp_path / "data" / ".phy")


def test_folders(context, tmp_path):
    assert context.cache_dir == tmp_path / "data" / ".phy"
    assert context.cache_dir.is_dir()
    assert list(context.cache_dir.iterdir()) == []  # nothing written before it is needed


def test_disk_cache_hit_avoids_recomputation(context, tmp_path):
    calls = []

    def square(x):
        calls.append(x)
        return np.asarray(x) ** 2

    f = context.cache(square)
    np.testing.assert_array_equal(f(np.arange(4)), [0, 1, 4, 9])
    np.testing.assert_array_equal(f(np.arange(4)), [0, 1, 4, 9])
    assert len(calls) == 1
    f(np.arange(5))
    assert len(calls) == 2
    # A new Context on the same folder (next session) still hits the disk cache.
    g = Context(tmp_path / "data" / ".phy").cache(square)
    np.testing.assert_array_equal(g(np.arange(4)), [0, 1, 4, 9])
    assert len(calls) == 2
    assert list((context.cache_dir / "disk").rglob("*.pkl"))


def test_disk_cache_corrupt_output_is_recomputed(context):
    calls = []

    def double(x):
        calls.append(x)
        return 2 * x

    f = context.cache(double)
    assert f(3) == 6
    outputs = list((context.cache_dir / "disk").rglob("*.pkl"))
    assert outputs
    for p in outputs:
        p.write_bytes(b"garbage")
    assert f(3) == 6  # the broken file is logged and the value recomputed
    assert calls == [3, 3]
    assert f(3) == 6 and calls == [3, 3]  # and the cache is repaired


def test_disk_cache_methods_ignore_self(tmp_path):
    class Controller:
        def __init__(self, tag):
            self.tag = tag
            self.calls = 0
            self.context = Context(tmp_path / ".phy")

        def get_amplitudes(self, cluster_id):
            self.calls += 1
            return cluster_id * 10

        def get_label(self, cluster_id):
            self.calls += 1
            return f"c{cluster_id}"

    a = Controller("a")
    cache_methods(a, memcached=("get_label",), cached=("get_amplitudes",))
    assert a.get_amplitudes(2) == 20 and a.get_amplitudes(2) == 20
    assert a.get_label(1) == "c1" and a.get_label(1) == "c1"
    assert a.calls == 2
    b = Controller("b")  # another instance with a different state: self is not hashed
    cache_methods(b, cached=("get_amplitudes",))
    assert b.get_amplitudes(2) == 20 and b.calls == 0


def test_memcache_round_trip(context, tmp_path):
    calls = []

    def f(x, y=0):
        calls.append((x, y))
        return None if x == 0 else x + y

    m = context.memcache(f)
    assert m(1) == 1 and m(1) == 1 and m(1, y=2) == 3 and m(1, y=2) == 3
    assert m(0) is None and m(0) is None  # None results are cached too
    assert m([1], y=[2]) == [1, 2] and m([1], y=[2]) == [1, 2]  # unhashable: not cached
    assert calls == [(1, 0), (1, 2), (0, 0), ([1], [2]), ([1], [2])]
    context.save_memcache()
    files = list((context.cache_dir / "memcache").glob("*.pkl"))
    assert len(files) == 1 and "<" not in files[0].name

    context2 = Context(tmp_path / "data" / ".phy")
    m2 = context2.memcache(f)
    assert m2(1, y=2) == 3 and m2(0) is None
    assert len(calls) == 5  # served from the saved memcache


def test_memcache_corrupt_file(context, caplog):
    def g(x):
        return x * 3

    m = context.memcache(g)
    m(2)
    context.save_memcache()
    (path,) = (context.cache_dir / "memcache").glob("*.pkl")
    path.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        cache = context.load_memcache(_fullname(g))
    assert cache == {} and "corrupt" in caplog.text
    assert context.memcache(g)(2) == 6


def test_save_load_local_and_global(context, config_dir):
    context.save("state", {"a": np.arange(20), 3: "x"})
    np.testing.assert_array_equal(context.load("state")["a"], np.arange(20))
    assert context.load("state")[3] == "x"
    assert (context.cache_dir / "state.json").exists()

    context.save("obj", {"t": (1, 2)}, kind="pickle")
    assert context.load("obj") == {"t": (1, 2)}
    assert (context.cache_dir / "obj.pkl").exists()

    context.save("TemplateGUI/state", {"g": 1}, location="global")
    assert (config_dir / "TemplateGUI" / "state.json").exists()
    assert context.load("TemplateGUI/state", location="global") == {"g": 1}
    assert context.load("TemplateGUI/state") == {}
    assert context.load("missing") == {}
    with pytest.raises(ValueError):
        context.save("x", {}, location="elsewhere")
    with pytest.raises(ValueError):
        context.save("x", {}, kind="yaml")


def test_load_corrupt_files_warns(context, caplog):
    (context.cache_dir / "bad.json").write_text("{not json")
    (context.cache_dir / "badp.pkl").write_bytes(b"\x80\x05garbage")
    with caplog.at_level(logging.WARNING):
        assert context.load("bad") == {}
        assert context.load("badp") == {}
    assert "bad.json" in caplog.text and "badp.pkl" in caplog.text


class _Payload:
    """Unpickling this runs ``open(marker, 'w')``: it creates the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_foreign_pickles_are_never_unpickled(context, tmp_path, caplog):
    """Pickles that this user's phyclone did not sign (planted in a dataset, or signed with
    another user's secret) are never unpickled: memcache, disk cache and saved objects."""
    from phyclone.utils.signing import MAGIC
    marker = tmp_path / "payload_ran"
    evil = pickle.dumps(_Payload(marker))

    def h(x):
        return x + 1

    m = context.memcache(h)
    m(1)
    context.save_memcache()
    f = context.cache(h)
    assert f(1) == 2
    context.save("obj", {"a": 1}, kind="pickle")
    files = list(context.cache_dir.rglob("*.pkl"))
    assert len(files) == 3
    for i, path in enumerate(files):
        data = path.read_bytes()
        # a raw pickle, then a pickle with a forged (wrong) signature header
        path.write_bytes(evil if i % 2 else MAGIC + b"0" * 64 + b"\n" + evil)
    context2 = Context(context.cache_dir)
    with caplog.at_level(logging.WARNING):
        assert context2.load_memcache(_fullname(h)) == {}
        assert context2.cache(h)(1) == 2
        assert context2.load("obj") == {}
    assert not marker.exists()
    # A file signed for another role (renamed) is refused too.
    context.save("other", {"b": 2}, kind="pickle")
    (context.cache_dir / "other.pkl").rename(context.cache_dir / "obj.pkl")
    assert context.load("obj") == {}
    assert data  # the files were real signed pickles before


def test_signed_by_another_user_is_refused(context, tmp_path, monkeypatch):
    context.save("obj", {"a": 1}, kind="pickle")
    assert context.load("obj") == {"a": 1}
    other = tmp_path / "other_user"
    monkeypatch.setenv("PHYCLONE_CONFIG_DIR", str(other))
    assert Context(context.cache_dir).load("obj") == {}


def test_read_only_data_dir_falls_back(tmp_path, config_dir, monkeypatch, caplog):
    data = tmp_path / "ro"
    data.mkdir()
    os.chmod(data, 0o555)
    if os.geteuid() == 0:  # root ignores permissions: simulate the refusal
        import tempfile
        real = tempfile.TemporaryFile

        def refuse(*args, dir=None, **kwargs):
            if str(dir).startswith(str(data)):
                raise PermissionError(13, "Permission denied")
            return real(*args, dir=dir, **kwargs)
        monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    try:
        with caplog.at_level(logging.WARNING):
            c = Context(data / ".phy")
        assert str(c.cache_dir).startswith(str(config_dir / "cache"))
        assert "Cannot write the cache folder" in caplog.text
        assert c.cache(lambda x: x + 1)(1) == 2
        assert Context(data / ".phy").cache_dir == c.cache_dir  # same fallback next time
    finally:
        os.chmod(data, 0o755)


def test_unwritable_cache_dir_falls_back(tmp_path, config_dir):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    c = Context(blocker / ".phy")
    assert str(c.cache_dir).startswith(str(config_dir / "cache"))
    c.save("s", {"a": 1})
    assert c.load("s") == {"a": 1}


def test_context_pickles(context):
    c2 = pickle.loads(pickle.dumps(context))
    assert c2.cache_dir == context.cache_dir
    assert c2.cache(lambda x: x)(4) == 4
