"""OS thread names and priorities."""

import os
import sys
import threading

import pytest

from phyclone.utils.threads import lower_thread_priority, name_os_thread

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


def test_name_and_priority_of_the_calling_thread_only():
    out = {}

    def run():
        tid = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, tid)
        name_os_thread("phyclone-test-thread-name")
        lower_thread_priority(2)
        out["nice"] = os.getpriority(os.PRIO_PROCESS, tid) - before
        with open(f"/proc/self/task/{tid}/comm") as f:
            out["name"] = f.read().strip()
    main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert out == {"nice": 2, "name": "phyclone-test-t"}  # 15 bytes at most
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main
