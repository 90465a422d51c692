"""The one package that imports Qt (through qtpy; PyQt5 is the tested binding).

Everything Qt-related elsewhere in phyclone imports from here, so moving to Qt 6 is a
change of this package only. ``gui_thread_gc`` keeps Python's garbage collections on the GUI
thread. Importing it only sets the environment defaults qtpy and PyOpenGL read
(``runtime.prepare_imports``); ``create_app`` prepares the process (``runtime.prepare_process``)
and asks for an OpenGL 3.3 core profile before the QApplication exists.
"""

from phyclone.utils.runtime import policy, prepare_imports, prepare_process

prepare_imports()

from qtpy import QtCore, QtGui, QtWidgets  # noqa: E402,F401 (re-exported)
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

from . import gui_thread_gc  # noqa: E402


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
        prepare_process()
        set_default_gl_format()
        app = QApplication([policy().app_name])
    gui_thread_gc.install()  # threads start beside Qt: collections stay on this thread
    return app


__all__ = [n for n in dir() if not n.startswith("_") and
           n not in ("policy", "prepare_imports", "prepare_process")]
