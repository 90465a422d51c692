"""Background work: ``Worker`` (a QRunnable), the shared ``thread_pool()``, and ``TaskRunner``
which runs functions off the GUI thread and delivers their results on it, dropping stale
results when a newer request with the same key was made ("latest request wins").

At exit (``shutdown()``, run by ``atexit`` before PyQt destroys the application, and by a
controller's ``close()``): queued tasks are cancelled, running ones are waited for (with a
bound), their late results are dropped, then the OpenGL threads are stopped. A result emitted
after its Qt receiver was deleted is dropped too, never raised into Qt (which aborts).
"""

import atexit
import logging
import sys
import threading
import traceback
import weakref
from collections import defaultdict

from phyclone.qt import QApplication, QObject, QRunnable, QThreadPool, Signal, gui_thread_gc
from phyclone.utils.runtime import policy
from phyclone.utils.threads import lower_thread_priority

from .app import _block, log_exceptions

logger = logging.getLogger(__name__)

_POOL = []
_ALIVE = set()  # workers referenced until their signals were delivered
_CLOSING = threading.Event()  # set by shutdown(): results are dropped from then on
_RUNNERS = weakref.WeakSet()  # TaskRunners (their queued tasks are cancelled at shutdown)

#: Seconds ``shutdown()`` waits for the running tasks.
SHUTDOWN_TIMEOUT = 10.


def thread_pool():
    """The QThreadPool shared by phyclone's GUI (``PHYCLONE_WORKER_THREADS``, default one
    per core, 2 to 4)."""
    if not _POOL:
        gui_thread_gc.install()  # no collection in a pool thread destroys a Qt object
        pool = QThreadPool()
        pool.setMaxThreadCount(policy().worker_threads)
        _POOL.append(pool)
        register_shutdown()
    return _POOL[0]


def shutting_down():
    """Whether ``shutdown()`` began (long tasks may stop early)."""
    return _CLOSING.is_set()


def wait_for_workers(timeout=SHUTDOWN_TIMEOUT, cancel=False):
    """Wait (at most ``timeout`` s) for the pool's running tasks; with ``cancel``, the
    queued ones are removed first. Returns whether the pool is idle."""
    if not _POOL:
        return True
    pool = _POOL[0]
    try:
        if cancel:  # taken back one by one: the Python objects stay valid (no clear())
            for runner in list(_RUNNERS):
                for task in list(runner._tasks):
                    runner._take_back(task)
            for w in list(_ALIVE):
                if pool.tryTake(w):
                    _ALIVE.discard(w)
        done = pool.waitForDone(int(timeout * 1000))
    except RuntimeError:  # the pool was deleted already (its threads with it)
        return True
    if not done:
        logger.warning("Background tasks still running after %.0f s.", timeout)
    return done


def shutdown(timeout=SHUTDOWN_TIMEOUT):
    """Stop the background work in order: cancel the queued tasks, wait for the running
    ones (at most ``timeout`` s; their results are dropped), stop the OpenGL threads."""
    _CLOSING.set()
    try:
        wait_for_workers(timeout, cancel=True)
    finally:
        rmod = sys.modules.get("phyclone.plot.renderer")  # none to stop if never imported
        if rmod is not None:
            rmod.stop_renderers()


def register_shutdown():
    """Make ``shutdown`` the next ``atexit`` handler to run (handlers run last registered
    first: called again once GUIs and OpenGL threads exist, it runs before theirs)."""
    atexit.unregister(shutdown)
    atexit.register(shutdown)


class WorkerSignals(QObject):
    """Signals of a Worker; they are received on the thread that created the worker."""
    result = Signal(object)
    error = Signal(object)  # (exception, formatted traceback)
    finished = Signal()


#: Niceness added to the pool threads: the GUI and OpenGL threads, whose work the user
#: waits for, run first; the workers take the CPU they leave (2 cores are common).
WORKER_NICENESS = policy().worker_niceness
_NICED = set()


def _lower_priority():
    """Lower the calling pool thread's scheduling priority once."""
    tid = threading.get_native_id()
    if tid not in _NICED:
        _NICED.add(tid)
        lower_thread_priority(WORKER_NICENESS)


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
            ok, value = True, self.fn(*self.args, **self.kwargs)
        except BaseException as e:  # delivered to the GUI thread, never lost
            ok, value = False, (e, traceback.format_exc())
        if _CLOSING.is_set():
            return  # the program is leaving: nobody to tell
        try:
            (self.signals.result if ok else self.signals.error).emit(value)
            self.signals.finished.emit()
        except RuntimeError:  # the signals' QObject was deleted (exit): drop the result
            pass


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


class _Task(QRunnable):
    """A TaskRunner request: its outcome goes through the runner's one ``_done`` signal
    (no signal connection per task)."""

    def __init__(self, runner, key, gen, fn, args, kwargs, callback, error_callback):
        super().__init__()
        self.setAutoDelete(False)  # owned by the runner until its outcome was delivered
        self.runner, self.key, self.gen = runner, key, gen
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.callback, self.error_callback = callback, error_callback

    def run(self):
        _lower_priority()
        try:
            outcome = (True, self.fn(*self.args, **self.kwargs))
        except BaseException as e:  # delivered to the GUI thread, never lost
            outcome = (False, (e, traceback.format_exc()))
        if _CLOSING.is_set():
            return
        try:
            self.runner._done.emit((self, outcome))
        except RuntimeError:  # the runner was deleted (its GUI closed): nobody to tell
            pass


class TaskRunner(QObject):
    """Run functions off the GUI thread, results delivered on the GUI thread.

    With ``latest_wins`` (default), a new ``submit`` for a key cancels the queued (not yet
    started) task of that key and makes the result of a running one be dropped: only the
    result of the latest request per key reaches its callback.
    """

    _done = Signal(object)

    def __init__(self, parent=None, latest_wins=True, pool=None):
        super().__init__(parent)
        self.latest_wins = latest_wins
        self._pool = pool
        self._generation = defaultdict(int)
        self._queued = {}  # key -> task not started yet
        self._tasks = set()  # tasks whose outcome was not delivered yet
        self.n_dropped = 0
        self._done.connect(self._on_done)
        _RUNNERS.add(self)

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
            self._take_back(self._queued.pop(key))
        task = _Task(self, key, gen, fn, args, kwargs, callback, error_callback)
        self._tasks.add(task)
        self._queued[key] = task
        self.pool.start(task, int(priority))
        return gen

    def _take_back(self, task):
        """Remove a task from the pool's queue if it has not started (then it never runs)."""
        try:
            taken = self.pool.tryTake(task)
        except RuntimeError:
            taken = False
        if taken:
            self._tasks.discard(task)
            self.n_dropped += 1

    def _on_done(self, item):
        task, (ok, value) = item
        self._tasks.discard(task)
        if self._queued.get(task.key) is task:
            del self._queued[task.key]
        if self.latest_wins and task.gen != self._generation[task.key]:
            self.n_dropped += 1
            logger.log(5, "Dropping the stale result %d of %r.", task.gen, task.key)
            return
        callback = task.callback if ok else (task.error_callback or _log_error)
        if callback is not None:
            log_exceptions(callback)(value)

    def cancel(self, key=None):
        """Drop the results of every request made so far for ``key``."""
        self._generation[key] += 1
        old = self._queued.pop(key, None)
        if old is not None:
            self._take_back(old)

    def is_busy(self):
        """Whether some task has not finished yet."""
        return bool(self._tasks)

    def wait(self, timeout=10.):
        """Process events until every task finished and delivered its result."""
        _block(lambda: not self.is_busy(), timeout=timeout)
        QApplication.processEvents()
