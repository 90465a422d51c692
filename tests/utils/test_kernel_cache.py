"""Cached numba kernels follow the sources of the modules they call into, wherever numba
keeps them (beside the sources, or under $NUMBA_CACHE_DIR as in this test suite)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from phyclone.utils.kernel_cache import STAMP, _cache_dir, is_cached, sync_kernel_cache

CALL = ("import sys; sys.path.insert(0, sys.argv[1]); "
        "from phyclone.utils.kernel_cache import sync_kernel_cache; "
        "sync_kernel_cache(sys.argv[1] + '/kpkg'); from kpkg.a import f; print(f())")


def _package(tmp_path):
    pkg = tmp_path / "kpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "b.py").write_text(textwrap.dedent("""
        import numba
        @numba.njit(cache=True)
        def g():
            return 1
    """))
    (pkg / "a.py").write_text(textwrap.dedent("""
        import numba
        from .b import g
        @numba.njit(cache=True)
        def f():
            return g() + 10
    """))
    return pkg


@pytest.fixture(params=["beside the sources", "NUMBA_CACHE_DIR"])
def env(request, tmp_path):
    e = dict(os.environ)
    e.pop("NUMBA_CACHE_DIR", None)
    if request.param == "NUMBA_CACHE_DIR":
        e["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")
    return e


def _run(tmp_path, env):
    out = subprocess.run([sys.executable, "-c", CALL, str(tmp_path)], capture_output=True,
                         text=True, check=True, env=env)
    return int(out.stdout.split()[-1])


def _cached(pkg, env, monkeypatch):
    monkeypatch.setattr(os, "environ", env)
    return sorted(Path(_cache_dir(pkg)).glob("*.nb[ic]"))


def test_a_kernel_calling_an_edited_module_is_compiled_again(tmp_path, env, monkeypatch):
    pkg = _package(tmp_path)
    assert _run(tmp_path, env) == 11
    assert any(p.name.startswith("a.f-") for p in _cached(pkg, env, monkeypatch))
    b = pkg / "b.py"
    b.write_text(b.read_text().replace("return 1", "return 2"))
    st = b.stat()
    os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns + 10 ** 9))  # (a later stamp, surely)
    assert _run(tmp_path, env) == 12  # numba alone: 11, f's cache keyed on a.py only


def test_the_cache_is_kept_while_the_sources_do_not_change(tmp_path, env, monkeypatch):
    pkg = _package(tmp_path)
    assert _run(tmp_path, env) == 11
    cached = _cached(pkg, env, monkeypatch)
    assert cached and (Path(_cache_dir(pkg)) / STAMP).exists()
    assert sync_kernel_cache(pkg) is False
    assert _cached(pkg, env, monkeypatch) == cached
    (pkg / "c.py").write_text("x = 1\n")  # a new source without kernels: kept
    assert sync_kernel_cache(pkg) is False
    assert _cached(pkg, env, monkeypatch) == cached
    (pkg / "c.py").write_text("from ._jit import jit\n")  # one with kernels: dropped
    assert sync_kernel_cache(pkg) is True
    assert not _cached(pkg, env, monkeypatch)


def test_is_cached_tells_a_kernel_compiled_before(tmp_path, env, monkeypatch):
    pkg = _package(tmp_path)
    monkeypatch.setattr(os, "environ", env)
    assert not is_cached(pkg / "a.py", "f")
    monkeypatch.undo()
    assert _run(tmp_path, env) == 11
    monkeypatch.setattr(os, "environ", env)
    assert is_cached(pkg / "a.py", "f") and is_cached(pkg / "b.py", "g")
    assert not is_cached(pkg / "a.py", "h")


def test_a_read_only_package_is_left_alone(tmp_path, env, monkeypatch):
    pkg = _package(tmp_path)
    monkeypatch.setattr(os, "environ", env)
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # (root may write anywhere)
    assert sync_kernel_cache(pkg) is False
    assert not (Path(_cache_dir(pkg)) / STAMP).exists()
