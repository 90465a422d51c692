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
