"""IPython console view (qtconsole widget + in-process ipykernel), an optional extra."""

import logging
import os

from phyclone.qt import QVBoxLayout, QWidget, load_qtconsole
from phyclone.utils import connect

logger = logging.getLogger(__name__)

MISSING_MESSAGE = (
    "The IPython view needs qtconsole and ipykernel: pip install 'phyclone[ipython]' "
    "(or pip install qtconsole ipykernel).")


class IPythonView(QWidget):
    """An IPython console running in the GUI's own Python process.

    ``attach(gui, **kwargs)`` docks it, starts the kernel and injects ``gui``, ``np``,
    ``plt`` and ``kwargs``; ``inject(**kwargs)`` adds variables later. The kernel stops when
    the view is closed. Raises ImportError with install instructions when qtconsole or
    ipykernel are missing.
    """

    def __init__(self, parent=None):
        # debugpy, imported by ipykernel, would print a 4-line warning about Python's frozen
        # modules on stderr (it concerns debugging breakpoints, which this console never sets)
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        try:
            widget_cls, self._manager_cls = load_qtconsole()
            import ipykernel  # noqa: F401  (needed by the in-process kernel)
        except ImportError as e:
            raise ImportError(f"{MISSING_MESSAGE} ({e})") from e
        super().__init__(parent)
        self.setWindowTitle("IPython")
        self.console = widget_cls(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.console)
        self.kernel_manager = self.kernel_client = self.kernel = self.shell = None

    def start_kernel(self):
        """Start the in-process kernel and connect the console to it."""
        if self.kernel_manager is not None:
            return
        self.kernel_manager = self._manager_cls()
        self.kernel_manager.start_kernel(show_banner=False)
        self.kernel_manager.kernel.gui = "qt"
        self.kernel = self.kernel_manager.kernel
        self.shell = self.kernel.shell
        self.kernel_client = self.kernel_manager.client()
        self.kernel_client.start_channels()
        self.console.kernel_manager = self.kernel_manager
        self.console.kernel_client = self.kernel_client
        self.console.set_default_style("linux")
        self.console.exit_requested.connect(self.stop)

    def inject(self, **kwargs):
        """Make variables available in the console namespace."""
        if self.shell is None:
            self.start_kernel()
        logger.debug("Injecting %s into the IPython kernel.", ", ".join(kwargs))
        self.shell.push(kwargs)

    def execute(self, code):
        """Run code in the kernel (as if typed) and return the shell's result object."""
        if self.shell is None:
            self.start_kernel()
        return self.shell.run_cell(code)

    def attach(self, gui, **kwargs):
        """Dock into ``gui``, start the kernel and inject ``gui``, ``np``, ``plt``, kwargs."""
        gui.add_view(self)
        self.start_kernel()
        import numpy as np
        self.inject(gui=gui, np=np, **kwargs)
        try:
            import matplotlib.pyplot as plt
            self.inject(plt=plt)
        except ImportError:
            pass

        @connect(sender=self)
        def on_close_view(view, gui):
            self.stop()

    def stop(self):
        """Stop the kernel."""
        if self.kernel_manager is None:
            return
        try:
            self.kernel_client.stop_channels()
            self.kernel_manager.shutdown_kernel()
        except Exception as e:
            logger.error("Could not stop the IPython kernel: %s", e)
        self.kernel_manager = self.kernel_client = self.kernel = self.shell = None
