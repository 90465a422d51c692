"""Test set-up: a private config dir and HOME (the real ~/.phy is never touched), Qt on Xvfb."""

import os
import tempfile

_TMP = tempfile.mkdtemp(prefix="phyclone-tests-")
os.environ["PHYCLONE_CONFIG_DIR"] = os.path.join(_TMP, "config")
os.environ["HOME"] = os.path.join(_TMP, "home")
os.makedirs(os.environ["HOME"], exist_ok=True)
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(tempfile.gettempdir(), "phyclone-numba-cache"))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")
os.environ.setdefault("PYOPENGL_PLATFORM", "glx")
os.environ.setdefault("PHYCLONE_IDLE_GC", "0")  # gc.freeze() would keep garbage the tests expect collected

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DISPLAY"):
        return
    skip = pytest.mark.skip(reason="OpenGL tests need an X server (run under xvfb-run)")
    for item in items:
        if "gl" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def qapp():
    """The QApplication, created with the OpenGL 3.3 core default format; the software
    splatter's kernels are compiled first, so that big visuals always take that path on
    software OpenGL (in the GUI they are compiled in the background at start-up)."""
    from phyclone.plot import softraster
    from phyclone.qt import create_app
    softraster.warm_up()
    return create_app()


def _wait_background_work():
    """Tasks a test left in the GUI's worker threads (e.g. a warm-up, which imports modules)
    finish: a module imported in the background while pytest iterates ``sys.modules`` (or a
    dict of the logging module) at the start of a test phase makes that phase fail."""
    from phyclone.gui.workers import wait_for_workers
    wait_for_workers(30.)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        _wait_background_work()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    _wait_background_work()  # before the other plugins' teardown wrappers start
    return (yield)


@pytest.fixture(autouse=True)
def _gc_policy(request):
    """Qt tests: every garbage collection runs on the GUI thread (checked), as in the GUI
    (``phyclone.qt.gui_thread_gc``: automatic collections off, run by a GUI-thread timer).
    Tests without Qt collect garbage as Python does."""
    import gc
    import threading
    if "qapp" not in request.fixturenames:
        enabled = gc.isenabled()
        gc.enable()  # the GL and worker threads are idle between tests: they collect nothing
        try:
            yield
        finally:
            if not enabled:
                gc.disable()
        return
    elsewhere = []

    def check(phase, info):
        if phase == "start" and threading.current_thread() is not threading.main_thread():
            elsewhere.append(threading.current_thread().name)
    gc.callbacks.append(check)
    try:
        yield
    finally:
        gc.callbacks.remove(check)
    assert not elsewhere, f"garbage collected outside the GUI thread: {sorted(set(elsewhere))}"


@pytest.fixture(autouse=True)
def _background_work_done():
    """...and the tasks the fixtures' teardowns left, before the next test starts."""
    yield
    _wait_background_work()


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """A fresh config dir for one test."""
    d = tmp_path / "phy_config_dir"
    monkeypatch.setenv("PHYCLONE_CONFIG_DIR", str(d))
    return d


SHARED_DATA = os.path.join(os.path.dirname(__file__), "data")
