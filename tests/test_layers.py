"""The layer contract of DESIGN.md, checked with import-linter."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(exe).exists():
        pytest.fail("import-linter is not installed (pip install -e '.[test]')")
    res = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stdout + res.stderr


def test_core_imports_without_qt():
    code = ("import sys, phyclone, phyclone.utils, phyclone.io, phyclone.clustering, phyclone.stats, "
            "phyclone.detect; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PyQt5', 'qtpy', 'OpenGL')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
