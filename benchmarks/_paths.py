"""Where the benchmarks find their datasets and the peer phy (defaults of their options).

- Datasets: folders under ``~/.cache/phyclone/bench/`` (``$XDG_CACHE_HOME/phyclone/bench``),
  e.g. ``synth_32ch``; every benchmark also takes its folders as arguments or options.
- phy 2.1 / phylib 2.7, in a virtual environment of their own (never a dependency of
  phyclone): ``--phy-venv DIR`` (a venv folder or its Python), default ``$PHYCLONE_PEER_PHY``,
  else ``~/.cache/phyclone/bench/phy-venv``. The phy side is skipped when it does not exist.
- phy's own timing scripts (``phy_bench_*.py``) are read from ``<shared>/compare/``, where
  ``<shared>`` is ``$PHYCLONE_SHARED``, else the ``shared`` folder beside the repository.
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "phyclone" / "bench"


def dataset(name):
    """The default folder of a benchmark dataset (``synth_32ch``, ``kwik_1e6``...)."""
    return BENCH_DIR / name


def default_phy_venv():
    return Path(os.environ.get("PHYCLONE_PEER_PHY") or BENCH_DIR / "phy-venv").expanduser()


def phy_python(venv):
    """The Python of a venv folder (or ``venv`` itself when it is an interpreter)."""
    path = Path(venv).expanduser()
    return path / "bin" / "python" if path.is_dir() else path


def compare_script(name):
    """Path of one of phy's timing scripts in the shared comparison folder."""
    shared = os.environ.get("PHYCLONE_SHARED") or REPO.parent / "shared"
    return Path(shared).expanduser() / "compare" / name


def add_phy_venv_option(parser, default=True):
    """``--phy-venv DIR`` (also spelled ``--phy-python``): where phy 2.1 is installed.
    ``default=False``: phy runs only when the option is given."""
    parser.add_argument(
        "--phy-venv", "--phy-python", dest="phy_venv",
        default=str(default_phy_venv()) if default else None, metavar="DIR",
        help="virtual environment (or its python) with phy 2.1 / phylib 2.7 installed"
             + (" (default: $PHYCLONE_PEER_PHY or %(default)s; skipped when absent)"
                if default else " (default: phy is not run)"))


def peer_venv(name, env_var):
    """A peer program's virtual environment (SpikeInterface, bluepyefe...): ``$<env_var>``,
    else ``peers/<name>`` beside the repository."""
    return Path(os.environ.get(env_var) or REPO.parent / "peers" / name).expanduser()
