"""Python's full garbage collections, moved to when the user is not waiting.

A full (generation 2) collection walks every object Python tracks: ~200,000 once the GUI has
started (modules, Qt wrappers, numba), 70–100 ms with the GIL held, so every thread of the
GUI stops. Python starts one whenever enough objects have survived, often in the middle of a
selection (measured: a 95 ms stall of the GUI thread). So once a GUI is shown, the objects
alive are frozen (``gc.freeze``: automatic collections skip them and stay short), and every
second the objects that survived since are frozen too (``gc.freeze`` costs nothing: it moves
lists). When no cluster was selected for ``idle`` seconds, every ``period`` seconds at most
(10 s at first, doubling up to 5 minutes), the objects are unfrozen, collected and frozen
again, so that garbage among them is still reclaimed. A user who never pauses (holding the
space key) still gets a full collection whenever the process grew by ``PHYCLONE_GC_CAP_MB``
(default 512 MB) since the last one: garbage frozen while it was still referenced is bounded.
``PHYCLONE_IDLE_GC=0`` turns this off.
"""

import gc
import logging
import os
import time

from phyclone.qt import QTimer
from phyclone.utils.event import connect, unconnect
from phyclone.utils.runtime import policy

logger = logging.getLogger(__name__)

_COLLECTOR = []


class IdleCollector:
    """Freeze the heap, then collect it again only while the GUI is idle (GUI thread)."""

    idle = 2.
    first_period = 10.
    max_period = 300.

    def __init__(self, cap_mb=None):
        self.cap_mb = policy().gc_cap_mb if cap_mb is None else cap_mb
        self.rss_at_collection = 0.
        self.n_capped = 0
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
        elif rss_mb() - self.rss_at_collection > self.cap_mb:
            self.n_capped += 1
            self.collect()  # the user never paused: bound what frozen garbage may hold
        else:
            gc.collect()  # the garbage of the last second (unfrozen objects only: short)...
            gc.freeze()  # ...then the survivors: no automatic collection walks them

    def collect(self):
        """Full collection of every object (frozen ones too), then freeze the survivors."""
        t0 = time.perf_counter()
        gc.unfreeze()
        n = gc.collect()
        gc.freeze()
        self.rss_at_collection = rss_mb()
        self.last_collection = time.monotonic()
        self.n_collections += 1
        logger.log(5, "Idle garbage collection: %d objects freed, %d frozen, %.0f ms.", n,
                   gc.get_freeze_count(), 1e3 * (time.perf_counter() - t0))

    def stop(self):
        self._timer.stop()
        unconnect(self._on_select)


def rss_mb():
    """The process' resident memory in MB (0 where /proc is missing: no cap)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except (OSError, ValueError, IndexError):
        return 0.


def start_idle_gc(delay_ms=500):
    """Start the application's idle collector (once; first collection after ``delay_ms``,
    once the window is painted). Returns it, or None when turned off."""
    if not policy().idle_gc:
        return None
    if not _COLLECTOR:
        c = IdleCollector()
        _COLLECTOR.append(c)
        QTimer.singleShot(delay_ms, c.start)
    return _COLLECTOR[0]
