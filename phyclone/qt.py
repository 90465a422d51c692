"""The one module that imports Qt (through qtpy; PyQt5 is the tested binding).

Everything Qt-related elsewhere in phyclone imports from here, so moving to Qt 6 is a
one-file change. Importing this module also prepares the process for OpenGL:
PyOpenGL is told to use GLX (same window-system API as Qt's xcb platform), a private
``XDG_RUNTIME_DIR`` is created when missing, and the default surface format asks for
an OpenGL 3.3 core profile before any QApplication exists.
"""

import os
import tempfile

os.environ.setdefault("QT_API", "pyqt5")
if "PYOPENGL_PLATFORM" not in os.environ and os.environ.get("WAYLAND_DISPLAY") is None:
    os.environ["PYOPENGL_PLATFORM"] = "glx"
if not os.environ.get("XDG_RUNTIME_DIR"):
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="phyclone-runtime-")
    os.chmod(os.environ["XDG_RUNTIME_DIR"], 0o700)

from qtpy import QtCore, QtGui, QtWidgets  # noqa: E402
from qtpy.QtCore import (  # noqa: E402,F401
    QByteArray, QEvent, QEventLoop, QItemSelection, QItemSelectionModel, QModelIndex, QMutex, QObject,
    QPoint, QPointF, QRect, QRectF, QRunnable, QSize, QSortFilterProxyModel,
    QAbstractTableModel, QThread, QThreadPool, QTimer, QUrl, Qt, QVariant, Signal, Slot,
)
from qtpy.QtGui import (  # noqa: E402,F401
    QBrush, QColor, QCursor, QFont, QFontDatabase, QFontMetrics, QGuiApplication, QIcon,
    QImage, QKeyEvent, QKeySequence, QMouseEvent, QOpenGLContext, QOffscreenSurface,
    QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat, QPainter, QPainterPath, QPen,
    QPixmap, QSurfaceFormat, QWheelEvent, QWindow,
)
from qtpy.QtWidgets import (  # noqa: E402,F401
    QAction, QApplication, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDockWidget,
    QFileDialog, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
    QLineEdit, QMainWindow, QMenu, QMenuBar, QMessageBox, QOpenGLWidget, QPushButton,
    QScrollArea, QSizePolicy, QSpinBox, QStatusBar, QStyle, QTableView, QTextEdit,
    QToolBar, QToolButton, QVBoxLayout, QWidget, QAbstractItemView, QProgressBar,
)

# Names used by the GUI framework (phyclone.gui).
from qtpy.QtCore import QBuffer, QCoreApplication, QIODevice  # noqa: E402,F401
from qtpy.QtGui import QOpenGLWindow, QPalette  # noqa: E402,F401
from qtpy.sip import isdeleted  # noqa: E402,F401
from qtpy.QtWidgets import (  # noqa: E402,F401
    QDoubleSpinBox, QPlainTextEdit, QShortcut, QStyledItemDelegate, QStyleOptionViewItem,
    QTableWidget, QTableWidgetItem,
)


def load_qtconsole():
    """Return ``(RichJupyterWidget, QtInProcessKernelManager)``; ImportError when missing."""
    from qtconsole.inprocess import QtInProcessKernelManager
    from qtconsole.rich_jupyter_widget import RichJupyterWidget
    return RichJupyterWidget, QtInProcessKernelManager


def matplotlib_canvas(figure):
    """Wrap a matplotlib Figure into its Qt (Agg) canvas widget."""
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    return FigureCanvasQTAgg(figure)


GL_VERSION = (3, 3)


def set_default_gl_format(samples=0):
    """Ask for an OpenGL 3.3 core profile for every GL surface (call before the app exists)."""
    fmt = QSurfaceFormat()
    fmt.setVersion(*GL_VERSION)
    fmt.setProfile(QSurfaceFormat.CoreProfile)
    fmt.setDepthBufferSize(24)
    fmt.setSamples(samples)
    QSurfaceFormat.setDefaultFormat(fmt)


def create_app():
    """Return the QApplication, creating it (with GL defaults) when it does not exist yet."""
    app = QApplication.instance()
    if app is None:
        QCoreApplication = QtCore.QCoreApplication
        QCoreApplication.setAttribute(Qt.AA_ShareOpenGLContexts, True)
        QCoreApplication.setAttribute(Qt.AA_UseHighDpiPixmaps, True)
        set_default_gl_format()
        app = QApplication([os.environ.get("PHYCLONE_APP_NAME", "phy")])
    return app


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("os", "tempfile")]
