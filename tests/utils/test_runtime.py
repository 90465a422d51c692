"""The runtime policy: every environment variable read in one place, documented."""

import os
import logging
import re
from pathlib import Path

from phyclone.utils import runtime
from phyclone.utils.runtime import OTHER_VARIABLES, SETTINGS, environment_table, read_policy

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_and_values():
    p = read_policy({})
    assert p.gl_threads >= 1 and p.render_thread and p.idle_gc and p.soft_raster is None
    assert p.render_niceness == 3 and p.worker_niceness == 5 and p.gc_cap_mb == 512
    p = read_policy({"PHYCLONE_GL_THREADS": "3", "PHYCLONE_RENDER_THREAD": "0",
                     "PHYCLONE_SOFT_RASTER": "1", "PHYCLONE_SWITCH_INTERVAL": "0.001",
                     "PHYCLONE_OPENGL": "software"})
    assert (p.gl_threads, p.render_thread, p.soft_raster, p.switch_interval, p.opengl) == \
        (3, False, True, .001, "software")


def test_bad_values_are_reported_and_ignored(caplog):
    with caplog.at_level(logging.WARNING):
        p = read_policy({"PHYCLONE_GL_THREADS": "many", "PHYCLONE_IDLE_GC": "yes",
                         "PHYCLONE_WORKER_THREADS": "0"})
    assert p.gl_threads == read_policy({}).gl_threads and p.idle_gc
    assert p.worker_threads == 1  # raised to the minimum
    assert "PHYCLONE_GL_THREADS='many'" in caplog.text and "PHYCLONE_IDLE_GC='yes'" in caplog.text


def test_policy_is_read_once(monkeypatch):
    try:
        monkeypatch.setenv("PHYCLONE_GC_CAP_MB", "64")
        assert runtime.reload_policy().gc_cap_mb == 64
        monkeypatch.setenv("PHYCLONE_GC_CAP_MB", "128")
        assert runtime.policy().gc_cap_mb == 64  # until reloaded
    finally:
        monkeypatch.undo()
        runtime.reload_policy()


def test_every_variable_read_by_the_code_is_documented():
    """No PHYCLONE_* variable can be read anywhere without its row in the table (the docs'
    table is generated from it, see scripts/mkdocs_hooks.py)."""
    documented = {s.env for s in SETTINGS} | {n for n, _ in OTHER_VARIABLES}
    used = set()
    for path in (ROOT / "phyclone").rglob("*.py"):
        used |= set(re.findall(r"\bPHYCLONE_[A-Z_]+\b", path.read_text()))
    assert used - documented == set()
    table = environment_table()
    assert all(f"`{name}`" in table for name in documented)


def _features_after_prepare_numba(**env):
    """NUMBA_CPU_FEATURES after prepare_numba() in a fresh process (numba not imported)."""
    import subprocess
    import sys
    code = ("import os, sys; from phyclone.utils.runtime import prepare_numba; "
            "assert 'numba' not in sys.modules; prepare_numba(); "
            "print(os.environ.get('NUMBA_CPU_FEATURES', '<unset>'))")
    full = {k: v for k, v in os.environ.items() if k != "NUMBA_CPU_FEATURES"}
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_prepare_numba_prefers_wide_vectors_on_avx512_only():
    import llvmlite.binding as llvm
    host = llvm.get_host_cpu_features().flatten()
    got = _features_after_prepare_numba()
    if "+avx512f" in host.split(","):
        assert got == host + ",-prefer-256-bit"
    else:
        assert got == "<unset>"
    assert _features_after_prepare_numba(PHYCLONE_WIDE_VECTORS="0") == "<unset>"
    assert _features_after_prepare_numba(NUMBA_CPU_FEATURES="+sse2") == "+sse2"  # the user's
