"""Background work: ``Worker`` (a QRunnable), the shared ``thread_pool()``, and ``TaskRunner``
which runs functions off the GUI thread and delivers their results on it, dropping stale
results when a newer request with the same key was made ("latest request wins")."""

import logging
import os
import sys
import threading
import traceback
from collections import defaultdict

from phyclone.qt import QApplication, QObject, QRunnable, QThreadPool, Signal

from .app import _block, log_exceptions

logger = logging.getLogger(__name__)

_POOL = []
_ALIVE = set()  # workers referenced until their signals were delivered


#: Python's thread switch interval while workers run (default 5 ms): the GUI thread calls
#: Python many times per repaint (one call per table cell) and each call may wait for a
#: worker to hand over the GIL.
SWITCH_INTERVAL = 5e-4


def thread_pool():
    """The QThreadPool shared by phyclone's GUI (at most 4 threads)."""
    if not _POOL:
        pool = QThreadPool()
        pool.setMaxThreadCount(max(2, min(4, os.cpu_count() or 2)))
        _POOL.append(pool)
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
    return _POOL[0]


class WorkerSignals(QObject):
    """Signals of a Worker; they are received on the thread that created the worker."""
    result = Signal(object)
    error = Signal(object)  # (exception, formatted traceback)
    finished = Signal()


#: Niceness added to the pool threads: the GUI and OpenGL threads, whose work the user
#: waits for, run first; the workers take the CPU they leave (2 cores are common).
WORKER_NICENESS = int(os.environ.get("PHYCLONE_WORKER_NICENESS", "5"))
_NICED = set()


def _lower_priority():
    """Lower the calling pool thread's scheduling priority once (Linux: threads have their
    own nice value; raising it needs no privilege)."""
    tid = threading.get_native_id()
    if tid in _NICED or not WORKER_NICENESS or not hasattr(os, "setpriority"):
        return
    _NICED.add(tid)
    try:
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) +
                       WORKER_NICENESS)
    except OSError:
        pass


class Worker(QRunnable):
    """Call ``fn(*args, **kwargs)`` in a pool thread; results come back through ``signals``."""

    def __init__(self, fn, *args, **kwargs):
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.signals = WorkerSignals()
        _ALIVE.add(self)
        self.signals.finished.connect(lambda: _ALIVE.discard(self))

    def run(self):
        _lower_priority()
        try:
            result = self.fn(*self.args, **self.kwargs)
        except BaseException as e:  # delivered to the GUI thread, never lost
            self.signals.error.emit((e, traceback.format_exc()))
        else:
            self.signals.result.emit(result)
        finally:
            self.signals.finished.emit()


def _try_take(pool, worker):
    """Take a queued worker back from the pool; False when it already started (it may even
    have been deleted by the pool while its ``finished`` signal waits in the event queue)."""
    try:
        return pool.tryTake(worker)
    except RuntimeError:
        return False


def _log_error(err):
    e, tb = err
    logger.error("Error in a background task: %s\n%s", e, tb)


def run_in_worker(fn, *args, callback=None, error_callback=None, **kwargs):
    """Run ``fn`` in the thread pool; ``callback(result)`` is then called on the GUI thread."""
    w = Worker(fn, *args, **kwargs)
    if callback is not None:
        w.signals.result.connect(log_exceptions(callback))
    w.signals.error.connect(log_exceptions(error_callback or _log_error))
    thread_pool().start(w)
    return w


class TaskRunner(QObject):
    """Run functions off the GUI thread, results delivered on the GUI thread.

    With ``latest_wins`` (default), a new ``submit`` for a key cancels the queued (not yet
    started) task of that key and makes the result of a running one be dropped: only the
    result of the latest request per key reaches its callback.
    """

    def __init__(self, parent=None, latest_wins=True, pool=None):
        super().__init__(parent)
        self.latest_wins = latest_wins
        self._pool = pool
        self._generation = defaultdict(int)
        self._queued = {}  # key -> worker not started yet
        self._pending = 0
        self.n_dropped = 0

    @property
    def pool(self):
        return self._pool or thread_pool()

    def submit(self, fn, *args, callback=None, error_callback=None, key=None, priority=0,
               **kwargs):
        """Run ``fn(*args, **kwargs)``; call ``callback(result)`` on the GUI thread if still
        the latest request of ``key``. Queued tasks of higher ``priority`` start first.
        Returns the request number."""
        self._generation[key] += 1
        gen = self._generation[key]
        if self.latest_wins and key in self._queued:
            old = self._queued.pop(key)
            if _try_take(self.pool, old):
                self._pending -= 1
                _ALIVE.discard(old)
                self.n_dropped += 1
        w = Worker(fn, *args, **kwargs)
        w.signals.result.connect(lambda res: self._deliver(key, gen, callback, res))
        w.signals.error.connect(lambda err: self._deliver(key, gen, error_callback or _log_error,
                                                          err))
        w.signals.finished.connect(lambda: self._finished(key, w))
        self._pending += 1
        self._queued[key] = w
        self.pool.start(w, int(priority))
        return gen

    def _deliver(self, key, gen, callback, value):
        if self.latest_wins and gen != self._generation[key]:
            self.n_dropped += 1
            logger.log(5, "Dropping the stale result %d of %r.", gen, key)
            return
        if callback is not None:
            log_exceptions(callback)(value)

    def _finished(self, key, worker):
        self._pending -= 1
        if self._queued.get(key) is worker:
            del self._queued[key]

    def cancel(self, key=None):
        """Drop the results of every request made so far for ``key``."""
        self._generation[key] += 1
        old = self._queued.pop(key, None)
        if old is not None and _try_take(self.pool, old):
            self._pending -= 1
            _ALIVE.discard(old)

    def is_busy(self):
        """Whether some task has not finished yet."""
        return self._pending > 0

    def wait(self, timeout=10.):
        """Process events until every task finished and delivered its result."""
        _block(lambda: not self.is_busy(), timeout=timeout)
        QApplication.processEvents()
