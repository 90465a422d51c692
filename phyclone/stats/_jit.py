"""Optional numba: ``jit`` compiles a kernel (``cache=True``, ``nogil=True``) when numba is
importable; every kernel has a pure-numpy twin used when it is not, or when ``USE_NUMBA`` is
False (tests flip it to exercise the fallback). Kernels never call
``numba.get_num_threads()`` (a cached kernel cannot)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from phyclone.utils.runtime import policy

_F = TypeVar("_F", bound=Callable[..., object])

try:
    if policy().no_numba:
        raise ImportError("numba disabled by PHYCLONE_NO_NUMBA")
    import numba
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    numba = None  # type: ignore[assignment]  # numba is optional

HAVE_NUMBA = numba is not None
USE_NUMBA = HAVE_NUMBA


def jit(func: _F) -> _F:
    """Compile ``func`` with numba if available; else return it unchanged (never called)."""
    if numba is None:
        return func
    return numba.njit(cache=True, nogil=True)(func)  # type: ignore[return-value]  # calls as func


def use_numba() -> bool:
    """Whether the numba kernels are used right now."""
    return HAVE_NUMBA and USE_NUMBA
