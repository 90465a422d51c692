import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("efel")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import make_inputs  # noqa: E402
from _shared_data import peer_venv  # noqa: E402


@pytest.fixture(scope="session")
def efeat_inputs(tmp_path_factory):
    """{kind: files_metadata} of the synthetic sweeps (see cases.make_inputs)."""
    return make_inputs(tmp_path_factory.mktemp("efeat_inputs"))


@pytest.fixture(scope="session")
def peer_bpe_python():
    """The bluepyefe peer venv's python (PHYCLONE_PEER_BPE), or skip."""
    path = peer_venv("bpe", "PHYCLONE_PEER_BPE") / "bin" / "python"
    if not path.exists():
        pytest.skip(f"bluepyefe peer venv not found ({path}); set PHYCLONE_PEER_BPE")
    return path
