"""Qt names for GUI code and plugins (``from phy.gui.qt import ...`` ports unchanged).

Re-exports every name of :mod:`phyclone.qt` (the Qt shim) plus phy's Qt helpers.
"""

from phyclone.qt import *  # noqa: F401,F403
from phyclone.qt import Signal as pyqtSignal, Slot as pyqtSlot  # noqa: F401

from .app import (  # noqa: F401
    _block, _wait, _wait_signal, busy_cursor, create_app, is_high_dpi, require_qt, run_app, screen_size,
)
from .debounce import Debouncer  # noqa: F401
from .dialogs import ask, input_dialog, message_box, prompt, show_box  # noqa: F401
from .capture import screenshot, screenshot_default_path  # noqa: F401
from .workers import TaskRunner, Worker, WorkerSignals, run_in_worker, thread_pool  # noqa: F401
