"""Thread names and priorities for the OS (Linux; best effort elsewhere)."""

from __future__ import annotations

import logging
import os
import threading

logger = logging.getLogger(__name__)


def name_os_thread(name: str) -> None:
    """Name the calling thread for the OS (``top -H``, ``/proc``): at most 15 bytes."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def lower_thread_priority(niceness: int) -> None:
    """Add ``niceness`` to the calling thread's nice value (Linux threads have their own;
    raising it needs no privilege). Threads it creates afterwards inherit it."""
    if not niceness or not hasattr(os, "setpriority"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + niceness)
    except OSError:
        pass
