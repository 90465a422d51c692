"""Fixtures of the matching tests."""

import pytest

from _match_recording import write_recording


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    return write_recording(tmp_path_factory.mktemp("match") / "rec")
