"""Python's full garbage collections, moved to when the user is not waiting.

A full (generation 2) collection walks every object Python tracks: ~200,000 once the GUI has
started (modules, Qt wrappers, numba), 70–100 ms with the GIL held, so every thread of the
GUI stops. Python starts one whenever enough objects have survived, often in the middle of a
selection (measured: a 95 ms stall of the GUI thread). So once a GUI is shown, the objects
alive are frozen (``gc.freeze``: automatic collections skip them and stay short), and every
second the objects that survived since are frozen too (``gc.freeze`` costs nothing: it moves
lists). When no cluster was selected for ``idle`` seconds, every ``period`` seconds at most
(10 s at first, doubling up to 5 minutes), the objects are unfrozen, collected and frozen
again, so that garbage among them is still reclaimed. ``PHYCLONE_IDLE_GC=0`` turns this off.
"""

import gc
import logging
import os
import time

from phyclone.qt import QTimer
from phyclone.utils.event import connect, unconnect

logger = logging.getLogger(__name__)

_COLLECTOR = []


class IdleCollector:
    """Freeze the heap, then collect it again only while the GUI is idle (GUI thread)."""

    idle = 2.
    first_period = 10.
    max_period = 300.

    def __init__(self):
        self.period = self.first_period
        self.last_activity = time.monotonic()
        self.last_collection = None
        self.n_collections = 0
        self._timer = QTimer()
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        connect(self._on_select, event="select")

    def _on_select(self, *args, **kwargs):
        self.last_activity = time.monotonic()

    def start(self):
        """Collect and freeze now, then every second freeze the survivors and check
        whether it is time to collect again."""
        self.collect()
        self._timer.start()

    def _tick(self):
        now = time.monotonic()
        if now - self.last_activity >= self.idle and \
                now - self.last_collection >= self.period:
            self.collect()
            self.period = min(self.max_period, 2 * self.period)
        else:
            gc.freeze()  # what survived the last second: no automatic collection walks it

    def collect(self):
        """Full collection of every object (frozen ones too), then freeze the survivors."""
        t0 = time.perf_counter()
        gc.unfreeze()
        n = gc.collect()
        gc.freeze()
        self.last_collection = time.monotonic()
        self.n_collections += 1
        logger.log(5, "Idle garbage collection: %d objects freed, %d frozen, %.0f ms.", n,
                   gc.get_freeze_count(), 1e3 * (time.perf_counter() - t0))

    def stop(self):
        self._timer.stop()
        unconnect(self._on_select)


def start_idle_gc(delay_ms=500):
    """Start the application's idle collector (once; first collection after ``delay_ms``,
    once the window is painted). Returns it, or None when turned off."""
    if os.environ.get("PHYCLONE_IDLE_GC", "1") == "0":
        return None
    if not _COLLECTOR:
        c = IdleCollector()
        _COLLECTOR.append(c)
        QTimer.singleShot(delay_ms, c.start)
    return _COLLECTOR[0]
