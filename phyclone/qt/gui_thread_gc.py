"""Python's automatic garbage collections, run on the GUI thread only.

Python collects reference cycles in whichever thread allocates when a threshold is crossed:
a GL thread, a worker, a splatting thread. A cycle holding a Qt object is then destroyed
outside the thread that owns it. Such cycles are common (a worker's signals and the lambda
connected to them; the style option and font metrics of a table delegate's paint): the test
suite saw the GL threads collect both kinds, and CI once died of a segmentation fault while
a GL thread drew. So once phyclone runs threads beside Qt (from its QApplication, first GL
thread, worker pool or GUI on), automatic collections are switched off, and a timer of the
GUI thread runs the collection Python would have run, with Python's own thresholds, every
``INTERVAL_MS``.
Explicit ``gc.collect()`` calls are unaffected; ``gui/idle_gc.py`` decides when the full
collections of a GUI happen.
"""

import gc
import logging

from qtpy.QtCore import QCoreApplication, QThread, QTimer

logger = logging.getLogger(__name__)

#: How often the GUI thread checks Python's allocation counts (a few microseconds).
INTERVAL_MS = 50

_TIMER = []


def install():
    """Move automatic collections to the GUI thread (idempotent). Call it on the GUI
    thread of a running QCoreApplication; returns whether it is (now) installed."""
    if _TIMER:
        return True
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return False
    timer = QTimer()
    timer.setInterval(INTERVAL_MS)
    timer.timeout.connect(collect_due)
    _TIMER.append(timer)
    gc.disable()
    timer.start()
    logger.debug("Garbage collections moved to the GUI thread.")
    return True


def installed():
    """Whether automatic collections were moved to the GUI thread."""
    return bool(_TIMER)


def collect_due():
    """Run the collection Python would have started by now, if any (GUI thread): the
    oldest generation whose count passed its threshold, once generation 0's has."""
    if gc.isenabled():  # switched on again (by a library): collections stay on this thread
        gc.disable()
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if not thresholds[0] or counts[0] <= thresholds[0]:  # threshold 0: collections off
        return None
    gen = next(g for g in (2, 1, 0) if g == 0 or counts[g] > thresholds[g])
    gc.collect(gen)
    return gen
