"""phyclone.stats works when numba cannot be imported at all."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import sys
sys.modules["numba"] = None  # `import numba` now raises ImportError
import numpy as np
import phyclone.stats as s
from phyclone.stats import _jit
assert not s.HAVE_NUMBA and not _jit.use_numba()
c = s.correlograms(np.array([0, 10, 12, 25]), np.array([0, 0, 1, 0]), [0, 1],
                   sample_rate=1000., bin_size=0.01, window_size=0.05)
assert c[0, 0].tolist() == [1, 2, 0, 2, 1], c
assert c[0, 1].tolist() == [0, 1, 1, 1, 0], c
assert s.histogram([0.1, 0.5, 0.9], 0, 1, 2).tolist() == [1, 2]
print("ok")
"""


def test_stats_without_numba():
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True,
                         text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
