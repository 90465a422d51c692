"""Workers: results delivered on the GUI thread, latest request wins, debouncer."""

import threading
import time

from phyclone.gui import Debouncer, TaskRunner, Worker, run_in_worker, thread_pool
from phyclone.gui.app import _block, _wait_signal
from phyclone.qt import QTimer


def test_run_in_worker(qapp, qtbot):
    main = threading.get_ident()
    got = []
    run_in_worker(lambda x: (x * 2, threading.get_ident()), 21,
                  callback=lambda r: got.append((r, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(got))
    (value, worker_thread), callback_thread = got[0]
    assert value == 42 and worker_thread != main and callback_thread == main


def test_worker_error(qapp, qtbot):
    errors = []

    def fail():
        raise KeyError("nope")

    w = Worker(fail)
    w.signals.error.connect(errors.append)
    thread_pool().start(w)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0][0], KeyError) and "Traceback" in errors[0][1]


def test_latest_wins(qapp, qtbot):
    runner = TaskRunner()
    gate = threading.Event()
    delivered = []

    def work(i):
        gate.wait(5)
        return i

    for i in range(8):
        runner.submit(work, i, key="waveform", callback=delivered.append)
    runner.submit(work, 100, key="other", callback=delivered.append)
    gate.set()
    runner.wait()
    assert sorted(delivered) == [7, 100]  # stale results of the same key were dropped
    assert runner.n_dropped == 7 and not runner.is_busy()


def test_resubmit_after_a_finished_task(qapp, qtbot):
    """A task that ran (and was deleted by Qt) before its signals were processed does not
    break the next request of its key (rapid key repeats in a view)."""
    runner = TaskRunner()
    got, done = [], threading.Event()
    runner.submit(lambda: done.set() or 1, key="k", callback=got.append)
    assert done.wait(5)
    # The runnable returns (and Qt deletes it); its `finished` signal is not processed yet:
    # no Qt event is processed while waiting.
    end = time.monotonic() + 10
    while thread_pool().activeThreadCount() and time.monotonic() < end:
        time.sleep(.001)
    assert not thread_pool().activeThreadCount()
    runner.submit(lambda: 2, key="k", callback=got.append)
    runner.cancel("k")
    runner.submit(lambda: 3, key="k", callback=got.append)
    runner.wait()
    assert got == [3]


def test_keep_all_and_cancel(qapp, qtbot):
    runner = TaskRunner(latest_wins=False)
    got = []
    for i in range(5):
        runner.submit(lambda i=i: i, callback=got.append)
    runner.wait()
    assert sorted(got) == list(range(5))
    runner = TaskRunner()
    gate = threading.Event()
    runner.submit(lambda: gate.wait(5) and "late", key="k", callback=got.append)
    runner.cancel("k")
    gate.set()
    runner.wait()
    assert "late" not in got


def test_runner_error_callback(qapp, qtbot):
    runner = TaskRunner()
    errs = []
    runner.submit(lambda: 1 / 0, error_callback=errs.append)
    runner.wait()
    assert isinstance(errs[0][0], ZeroDivisionError)


def test_debouncer(qapp, qtbot):
    d = Debouncer(delay=100)
    calls = []
    d.submit(calls.append, 1)  # first call runs at once
    assert calls == [1]
    d.submit(calls.append, 2)
    d.submit(calls.append, 3)  # replaces 2 (same key)
    d.submit(calls.append, "x", key="other")
    assert calls == [1] and d.is_waiting
    _block(lambda: not d.is_waiting, timeout=2)
    assert calls == [1, 3, "x"]
    d.submit(calls.append, 4)
    if not d.is_waiting:  # more than `delay` since the last run: ran at once
        assert calls[-1] == 4
    d.submit(calls.append, 5)
    d.stop_waiting()
    assert calls[-1] == 5 and not d.is_waiting
    t0 = time.monotonic()
    d.stop_waiting(.01)
    assert time.monotonic() - t0 >= .01


def test_wait_signal(qapp):
    gate = threading.Event()
    w = Worker(lambda: gate.wait(5) and "done")
    thread_pool().start(w)
    QTimer.singleShot(20, gate.set)
    assert _wait_signal(w.signals.result) == ("done",)


def test_resubmit_after_the_worker_ran(qapp):
    """A worker that already ran (and was deleted by the pool) while its ``finished`` signal
    waits in the event queue does not break the next request of the same key."""
    runner = TaskRunner()
    got = []
    runner.submit(lambda: 1, key="k", callback=got.append)
    thread_pool().waitForDone()  # ran, no event processed: still "queued" for the runner
    runner.submit(lambda: 2, key="k", callback=got.append)
    runner.cancel("other")
    runner.wait()
    assert got == [2]


def test_runner_deleted_while_its_task_runs(qapp, qtbot):
    """A task finishing after its runner was deleted (its GUI closed) is dropped quietly."""
    gate, got = threading.Event(), []
    runner = TaskRunner()
    runner.submit(lambda: gate.wait(5) and "late", callback=got.append)
    with qtbot.waitSignal(runner.destroyed, timeout=2000):
        runner.deleteLater()
    gate.set()
    assert thread_pool().waitForDone(5000)
    qapp.processEvents()
    assert got == []


def test_late_result_after_signals_deleted_is_dropped(qapp, qtbot):
    """A worker finishing after its signals' QObject was deleted (the program is leaving)
    drops its result instead of raising into Qt (which aborts the process)."""
    from qtpy import sip
    release = threading.Event()
    ran = []
    w = Worker(lambda: (release.wait(10), ran.append(1)))
    w.setAutoDelete(False)
    thread_pool().start(w)
    sip.delete(w.signals)
    release.set()
    assert thread_pool().waitForDone(10000)
    assert ran == [1]  # it ran, and finished without an exception


def test_wait_for_workers_cancels_queued(qapp):
    from phyclone.gui.workers import wait_for_workers
    release = threading.Event()
    started, ran = [], []
    pool = thread_pool()
    n = pool.maxThreadCount()
    for _ in range(n):  # occupy every thread
        run_in_worker(lambda: (started.append(1), release.wait(10)))
    deadline = time.monotonic() + 10
    while len(started) < n and time.monotonic() < deadline:
        time.sleep(.01)
    queued = [run_in_worker(ran.append, 1) for _ in range(3)]
    assert queued
    threading.Timer(.2, release.set).start()
    assert wait_for_workers(timeout=10, cancel=True)
    assert ran == []  # the queued tasks were cancelled, the running ones waited for
