import pytest

from phyclone.stats import _jit


@pytest.fixture(params=["numba", "numpy"])
def kernels(request, monkeypatch):
    """Run a test with the numba kernels and with the pure-numpy fallback."""
    if request.param == "numba" and not _jit.HAVE_NUMBA:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(_jit, "USE_NUMBA", request.param == "numba")
    return request.param
