"""Icons drawn with QPainter (no font or network needed).

``get_icon(name)`` accepts a name (``'close'``, ``'screenshot'``, ``'menu'``, ``'save'``...),
the font-awesome code phy uses for the same icon (``'f0c7'`` for save...), or a path to an
image file. Unknown names give a round placeholder with the name's first letter.
"""

import math
from pathlib import Path

from phyclone.qt import (
    QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPointF, QRectF, Qt,
)

# font-awesome codes used by phy -> our icon names
FA_CODES = {
    "f00d": "close", "f030": "screenshot", "f0c9": "menu", "f0c7": "save", "f0e2": "undo",
    "f01e": "redo", "f247": "merge", "f015": "home", "f061": "right", "f060": "left",
    "f0a9": "next", "f0a8": "previous", "f128": "help",
}


def _pen(color, width):
    pen = QPen(QColor(color))
    pen.setWidthF(width)
    pen.setCapStyle(Qt.RoundCap)
    pen.setJoinStyle(Qt.RoundJoin)
    return pen


def _close(p):
    p.drawLine(QPointF(6, 6), QPointF(18, 18))
    p.drawLine(QPointF(18, 6), QPointF(6, 18))


def _menu(p):
    for y in (7, 12, 17):
        p.drawLine(QPointF(5, y), QPointF(19, y))


def _screenshot(p):
    body = QPainterPath()
    body.addRoundedRect(QRectF(3, 7, 18, 12), 2, 2)
    p.drawPath(body)
    p.drawRect(QRectF(8, 4.5, 8, 2.5))
    p.drawEllipse(QPointF(12, 13), 3.5, 3.5)


def _save(p):
    path = QPainterPath()
    path.moveTo(4, 4)
    path.lineTo(17, 4)
    path.lineTo(20, 7)
    path.lineTo(20, 20)
    path.lineTo(4, 20)
    path.closeSubpath()
    p.drawPath(path)
    p.drawRect(QRectF(8, 4, 7, 5))
    p.drawRect(QRectF(7, 13, 10, 7))


def _arc_arrow(p, mirror):
    s = -1 if mirror else 1
    rect = QRectF(5, 6, 14, 14)
    path = QPainterPath()
    start = 200 if not mirror else -20
    path.arcMoveTo(rect, start)
    path.arcTo(rect, start, -250 * s)
    p.drawPath(path)
    end = path.currentPosition()
    a = math.radians(start - 250 * s)
    tx, ty = -math.sin(a) * s, -math.cos(a) * s  # tangent direction
    for da in (2.5, -2.5):
        p.drawLine(end, QPointF(end.x() - 4 * tx + da * ty, end.y() - 4 * ty - da * tx))


def _undo(p):
    _arc_arrow(p, False)


def _redo(p):
    _arc_arrow(p, True)


def _arrow(p, direction):
    x0, x1 = (5, 19) if direction > 0 else (19, 5)
    p.drawLine(QPointF(x0, 12), QPointF(x1, 12))
    p.drawLine(QPointF(x1, 12), QPointF(x1 - 6 * direction, 6))
    p.drawLine(QPointF(x1, 12), QPointF(x1 - 6 * direction, 18))


def _circle_arrow(p, direction):
    p.drawEllipse(QPointF(12, 12), 9, 9)
    x0, x1 = (7.5, 16.5) if direction > 0 else (16.5, 7.5)
    p.drawLine(QPointF(x0, 12), QPointF(x1, 12))
    p.drawLine(QPointF(x1, 12), QPointF(x1 - 4 * direction, 8))
    p.drawLine(QPointF(x1, 12), QPointF(x1 - 4 * direction, 16))


def _merge(p):
    p.drawRect(QRectF(3, 3, 10, 10))
    p.drawRect(QRectF(11, 11, 10, 10))


def _home(p):
    path = QPainterPath()
    path.moveTo(3, 12)
    path.lineTo(12, 4)
    path.lineTo(21, 12)
    p.drawPath(path)
    p.drawPolyline(QPointF(6, 10), QPointF(6, 20), QPointF(18, 20), QPointF(18, 10))


def _help(p):
    p.drawEllipse(QPointF(12, 12), 9, 9)
    path = QPainterPath()
    path.moveTo(9, 9.5)
    path.cubicTo(9, 5.5, 15.5, 5.5, 15, 9.5)
    path.cubicTo(14.7, 11.5, 12, 11.5, 12, 14)
    p.drawPath(path)
    p.drawPoint(QPointF(12, 17))


_DRAWERS = {
    "close": _close, "menu": _menu, "screenshot": _screenshot, "save": _save,
    "undo": _undo, "redo": _redo, "merge": _merge, "home": _home, "help": _help,
    "right": lambda p: _arrow(p, 1), "left": lambda p: _arrow(p, -1),
    "next": lambda p: _circle_arrow(p, 1), "previous": lambda p: _circle_arrow(p, -1),
}


def icon_names():
    """Names of the drawn icons."""
    return sorted(_DRAWERS)


def draw_icon(name, color="white", size=24):
    """A transparent QPixmap with the icon ``name`` drawn in ``color``."""
    name = FA_CODES.get(str(name).lower(), name)
    pix = QPixmap(size, size)
    pix.fill(Qt.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.Antialiasing)
    p.scale(size / 24., size / 24.)
    p.setPen(_pen(color, 2.))
    drawer = _DRAWERS.get(name)
    if drawer is not None:
        drawer(p)
    else:
        p.drawEllipse(QPointF(12, 12), 9, 9)
        font = QFont()
        font.setPixelSize(12)
        p.setFont(font)
        p.drawText(QRectF(0, 0, 24, 24), int(Qt.AlignCenter), (str(name)[:1] or "?").upper())
    p.end()
    return pix


def get_icon(name, color="white", size=24):
    """QIcon from a drawn icon name, a phy font-awesome code, or an image file path."""
    if isinstance(name, QIcon):
        return name
    if Path(str(name)).suffix.lower() in (".png", ".svg", ".jpg", ".ico") and Path(name).exists():
        return QIcon(str(name))
    return QIcon(draw_icon(name, color=color, size=size))
