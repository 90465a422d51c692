"""Where the real sample datasets live: ``../shared/data`` beside the repository (the env var
``PHYCLONE_SHARED`` overrides the ``shared`` folder). Tests that need them skip when absent."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir():
    """The ``shared`` folder (it may not exist)."""
    env = os.environ.get("PHYCLONE_SHARED")
    return Path(env) if env else (REPO / ".." / "shared").resolve()


def shared_data(*parts):
    """``shared/data/<parts>`` (it may not exist: see :func:`require_shared`)."""
    return shared_dir().joinpath("data", *parts)


def require_shared(*parts):
    """``shared/data/<parts>``, or skip the test with the reason when it is absent."""
    path = shared_data(*parts)
    if not path.exists():
        pytest.skip(f"real sample data not found: {path} (put the project's shared/ folder "
                    "beside the repository or set PHYCLONE_SHARED)")
    return path


def peer_venv(name, env_var):
    """The virtual environment of a peer program (phy, SpikeInterface, bluepyefe, klusta),
    used only through subprocesses: ``$<env_var>``, else ``peers/<name>`` beside the repository
    (it may not exist: the tests using it skip)."""
    env = os.environ.get(env_var)
    return Path(env) if env else (REPO / ".." / "peers" / name).resolve()
