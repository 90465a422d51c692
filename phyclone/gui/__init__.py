"""GUI framework (PyQt5 through ``phyclone.qt``): main window with docks, actions, snippets,
persistent state, native tables, dialogs and background workers — the names of phy's
``phy.gui``."""

from .actions import Actions  # noqa: F401
from .app import busy_cursor, create_app, is_high_dpi, require_qt, run_app, screen_size  # noqa
from .debounce import Debouncer  # noqa: F401
from .dialogs import (  # noqa: F401
    ask, dialog_log, input_dialog, message_box, preset_answers, prompt, set_non_interactive,
    show_box,
)
from .dock import DockWidget  # noqa: F401
from .errors import QtDialogLogger, capture_exceptions, show_error  # noqa: F401
from .gui import GUI  # noqa: F401
from .ipython import IPythonView  # noqa: F401
from .capture import screenshot  # noqa: F401
from .snippets import Snippets  # noqa: F401
from .state import GUIState  # noqa: F401
from .table import Table  # noqa: F401
from .table_filter import FilterError  # noqa: F401
from .widgets import KeyValueWidget  # noqa: F401
from .workers import TaskRunner, Worker, run_in_worker, thread_pool  # noqa: F401
