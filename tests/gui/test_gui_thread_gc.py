"""Python's garbage collections run on the GUI thread only (``phyclone.qt.gui_thread_gc``):
a cycle holding a Qt object is never freed, its Qt objects destroyed, by a GL thread or a
worker."""

import gc
import subprocess
import sys
import threading

import pytest

from phyclone.qt import gui_thread_gc


class _Cycle:
    """A reference cycle that records the thread freeing it."""

    def __init__(self, freed_in):
        self.me = self
        self.freed_in = freed_in

    def __del__(self):
        self.freed_in.append(threading.current_thread().name)


def _allocate(out, n=20000):
    """Allocate enough containers that Python would start collections; keep them in ``out``
    (freeing them would bring the allocation count back down)."""
    out.extend([] for _ in range(n))


@pytest.fixture
def thresholds():
    old = gc.get_threshold()
    yield
    gc.set_threshold(*old)


def test_garbage_allocated_past_in_a_worker_is_freed_on_the_gui_thread(qapp, qtbot):
    assert gui_thread_gc.installed() and not gc.isenabled()
    freed, kept = [], []
    _Cycle(freed)  # garbage at once
    t = threading.Thread(target=_allocate, args=(kept,), name="allocating-worker")
    t.start()
    t.join()
    assert freed == []  # with automatic collections on, the worker would have freed it
    qtbot.waitUntil(lambda: bool(freed), timeout=5000)
    assert freed == [threading.current_thread().name]
    del kept[:]


def test_collect_due_runs_the_generation_python_would_run(qapp, thresholds):
    gc.enable()  # a library switched them on again: the next tick switches them off
    assert gui_thread_gc.collect_due() in (None, 0, 1, 2) and not gc.isenabled()
    gc.set_threshold(1000, 3, 3)
    gc.collect()
    kept = []
    assert gui_thread_gc.collect_due() is None  # generation 0 below its threshold
    _allocate(kept, 1200)
    assert gui_thread_gc.collect_due() == 0 and gc.get_count()[0] < 1000
    for _ in range(3):
        gc.collect(0)  # generation 1 counts the collections of generation 0
    _allocate(kept, 1200)
    assert gui_thread_gc.collect_due() == 1 and gc.get_count()[1] == 0
    for _ in range(4):
        gc.collect(1)
    _allocate(kept, 1200)
    assert gui_thread_gc.collect_due() == 2 and gc.get_count()[2] == 0
    gc.set_threshold(0)  # the user switched collections off
    _allocate(kept, 1200)
    assert gui_thread_gc.collect_due() is None


@pytest.mark.gl
@pytest.mark.parametrize("start", [
    "from phyclone.qt import create_app; create_app()",
    "from phyclone.qt import QApplication; app = QApplication([]); "
    "from phyclone.plot.renderer import renderers; renderers()",
    "from phyclone.qt import QApplication; app = QApplication([]); "
    "from phyclone.gui.workers import thread_pool; thread_pool()",
    "from phyclone.qt import QApplication; app = QApplication([]); "
    "from phyclone.gui import GUI; g = GUI(name='GCTest')",
])
def test_installed_when_threads_may_start_beside_qt(start):
    code = ("import gc\nfrom phyclone.qt import gui_thread_gc\n"
            "assert gc.isenabled() and not gui_thread_gc.installed()\n"
            f"{start}\n"
            "assert gui_thread_gc.installed() and not gc.isenabled()\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]  # (and the process exits cleanly)
