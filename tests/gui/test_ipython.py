"""IPython view: in-process kernel, injected variables, clear error when missing."""

import pytest

import phyclone.gui.ipython as ipython_module
from phyclone.gui import IPythonView
from phyclone.utils import emit


@pytest.mark.filterwarnings("ignore")
def test_ipython_view(gui, qtbot):
    view = IPythonView()
    view.attach(gui, answer=42)
    assert view.dock is not None and view.shell is not None
    view.execute("result = answer + len(gui.views)")
    assert view.shell.user_ns["result"] == 43
    view.inject(more=1)
    assert view.shell.user_ns["more"] == 1 and "np" in view.shell.user_ns
    emit("close_view", view, gui)
    assert view.kernel_manager is None


def test_ipython_missing(qapp, monkeypatch):
    def missing():
        raise ImportError("No module named 'qtconsole'")
    monkeypatch.setattr(ipython_module, "load_qtconsole", missing)
    with pytest.raises(ImportError, match="pip install"):
        IPythonView()


def test_ipython_view_writes_nothing_on_stderr():
    """Opening the console prints nothing (debugpy's frozen-modules warning is off)."""
    import os
    import subprocess
    import sys
    code = ("from phyclone.qt import create_app\nfrom phyclone.gui import IPythonView\n"
            "app = create_app()\nv = IPythonView()\nv.start_kernel()\nv.execute('a = 1')\n"
            "app.processEvents()\nv.stop()\nprint('ok')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYDEVD_DISABLE_FILE_VALIDATION"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr[-2000:]
    assert p.stderr == ""
