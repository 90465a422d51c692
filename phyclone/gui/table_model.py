"""Column store, Qt item model and delegate behind :class:`phyclone.gui.Table`.

Rows are dicts with an ``id`` key. Values are kept column-wise in NumPy arrays (float64 with
NaN for missing numbers, object arrays of ``str`` for text), so sorting is one ``lexsort`` and
filtering one vectorised expression: nothing per comparison goes through Python or
``QSortFilterProxyModel``. The model only maps visible rows to stored positions.
"""

import logging
import numbers

import numpy as np

from phyclone.qt import (
    QAbstractTableModel, QBrush, QColor, QModelIndex, QPalette, QStyle, QStyledItemDelegate,
    QStyleOptionViewItem, Qt,
)

from .table_filter import evaluate_filter

logger = logging.getLogger(__name__)


_NUMBER_TYPES = (numbers.Real, np.number, np.bool_)


def _is_number(v):
    return isinstance(v, _NUMBER_TYPES)


def _value_kind(values):
    """``(is_text, fmt)`` of a list of values, from their types (fmt None when all missing)."""
    types = set(map(type, values))
    types.discard(type(None))
    if not types:
        return False, None
    if not all(issubclass(t, _NUMBER_TYPES) for t in types):
        return True, None
    if all(issubclass(t, (bool, np.bool_)) for t in types):
        return False, "bool"
    if all(issubclass(t, (numbers.Integral, np.integer, np.bool_)) for t in types):
        return False, "int"
    return False, "float"


def _format_number(v, fmt):
    if v != v:  # NaN: missing value
        return ""
    if fmt == "bool":
        return "True" if v else "False"
    if fmt == "int":
        return str(int(v))
    if abs(v) >= 1000:
        return f"{v:.0f}"
    return f"{v:.3g}"


class _Column:
    """One column: ``kind`` is 'num' (float64 values) or 'text' (object array of str)."""

    def __init__(self, n):
        self.kind = "num"
        self.fmt = None  # 'int', 'float' or 'bool' for numbers; None while all missing
        self.values = np.full(n, np.nan)

    def _has_values(self):
        if self.kind == "num":
            return bool(np.any(~np.isnan(self.values)))
        return any(v != "" for v in self.values)

    def _to_text(self):
        self.values = np.array(
            [_format_number(v, self.fmt or "float") for v in self.values], dtype=object)
        self.kind = "text"

    def _merge_fmt(self, fmt):
        if fmt is None or self.fmt == fmt:
            return
        if self.fmt is None:
            self.fmt = fmt
        elif "float" in (self.fmt, fmt):
            self.fmt = "float"
        else:
            self.fmt = "int"

    def convert(self, values):
        """Array of ``values`` in this column's kind (switching the column to text if needed)."""
        is_text, fmt = _value_kind(values)
        if is_text and self.kind == "num":
            if self._has_values():
                self._to_text()
            else:
                self.kind, self.values = "text", np.full(len(self.values), "", dtype=object)
        elif fmt is not None and self.kind == "text" and not self._has_values():
            self.kind, self.values = "num", np.full(len(self.values), np.nan)
        if self.kind == "num":
            arr = np.array(values, dtype=float)  # None -> NaN
            if fmt == "float":
                finite = arr[np.isfinite(arr)]
                if np.all(finite == np.round(finite)):
                    fmt = "int"
            self._merge_fmt(fmt)
            return arr
        out = np.empty(len(values), dtype=object)
        if is_text and all(v is None or type(v) is str for v in values):
            out[:] = ["" if v is None else v for v in values]
        else:
            out[:] = ["" if v is None else (
                _format_number(float(v), "int" if isinstance(v, (int, np.integer)) else "float")
                if _is_number(v) and not isinstance(v, (bool, np.bool_)) else str(v))
                for v in values]
        return out

    def append(self, values):
        new = self.convert(values)
        self.values = np.concatenate([self.values, new]) if len(self.values) else new

    def set(self, positions, values):
        new = self.convert(values)
        self.values[positions] = new

    def delete(self, positions):
        self.values = np.delete(self.values, positions)

    def get(self, pos):
        v = self.values[pos]
        if self.kind == "text":
            return v if v != "" else None
        if v != v:
            return None
        if self.fmt == "int":
            return int(v)
        if self.fmt == "bool":
            return bool(v)
        return float(v)

    def display(self, pos):
        v = self.values[pos]
        return v if self.kind == "text" else _format_number(v, self.fmt)

    def sort_key(self):
        if self.kind == "num":
            return self.values
        _, inv = np.unique(self.values.astype(str), return_inverse=True)
        return inv.astype(float)


_ALIGN_LEFT = int(Qt.AlignLeft | Qt.AlignVCenter)
_ALIGN_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
_ROLES = {Qt.DisplayRole: 0, Qt.ForegroundRole: 1, Qt.BackgroundRole: 2,
          Qt.TextAlignmentRole: 3}


class TableModel(QAbstractTableModel):
    """Qt model over a NumPy column store; sort and filter are done here, vectorised."""

    group_colors = {"good": "#86D16D", "mua": "#afafaf", "noise": "#777777"}

    def __init__(self, columns, parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self.ids = np.zeros(0, dtype=np.int64)
        self._pos = {}  # id -> storage position
        self._data = {"id": _Column(0)}
        self._data["id"].fmt = "int"
        self.visible = np.zeros(0, dtype=np.int64)  # positions in display order
        self.order = np.zeros(0, dtype=np.int64)  # all positions in sort order
        self._row_of_pos = np.zeros(0, dtype=np.int64)
        self.sort = (None, None)
        self.mask = None  # boolean filter mask over positions, None = no filter
        self.selection_colors = {}  # selected id -> (background, text) brushes of its id cell
        self.selected_brush = None  # background of the other cells of selected rows
        self._brushes = {}

    # Column store
    # ---------------------------------------------------------------------------------------

    def __len__(self):
        return len(self.ids)

    def column(self, name):
        """The column store of ``name`` (created empty when missing)."""
        if name not in self._data:
            self._data[name] = _Column(len(self.ids))
        return self._data[name]

    def arrays(self):
        """``{name: values}`` for every stored field, for filter expressions."""
        return {k: c.values for k, c in self._data.items()}

    def has(self, id):
        return id in self._pos

    def position(self, id):
        return self._pos[id]

    def add_rows(self, rows):
        """Append rows (dicts with an ``id``); rows whose id already exists are changed."""
        new, existing = [], []
        seen = set()
        for r in rows:
            i = int(r["id"])
            if i in self._pos:
                existing.append(r)
            elif i not in seen:
                seen.add(i)
                new.append(r)
        if new:
            n0 = len(self.ids)
            keys = set().union(*(r.keys() for r in new)) | set(self.columns)
            for k in keys | set(self._data):
                col = self.column(k)
                col.append([r.get(k) for r in new])
            self.ids = self._data["id"].values.astype(np.int64)
            self._pos.update({int(i): n0 + j for j, i in enumerate(self.ids[n0:])})
        if existing:
            self.change_rows(existing)

    def change_rows(self, rows):
        """Change some fields of existing rows; unknown ids are ignored."""
        by_key = {}
        for r in rows:
            pos = self._pos.get(int(r["id"]))
            if pos is None:
                logger.debug("Table: cannot change missing row %s.", r["id"])
                continue
            for k, v in r.items():
                if k != "id":
                    by_key.setdefault(k, ([], []))
                    by_key[k][0].append(pos)
                    by_key[k][1].append(v)
        for k, (positions, values) in by_key.items():
            self.column(k).set(np.array(positions, dtype=np.int64), values)
        return set(by_key)

    def remove_ids(self, ids):
        positions = [self._pos[int(i)] for i in ids if int(i) in self._pos]
        if not positions:
            return
        for col in self._data.values():
            col.delete(positions)
        self.ids = self._data["id"].values.astype(np.int64)
        self._pos = {int(i): j for j, i in enumerate(self.ids)}
        if self.mask is not None:
            self.mask = np.delete(self.mask, positions)

    def clear_rows(self):
        for col in self._data.values():
            col.delete(np.arange(len(self.ids)))
        self.ids = np.zeros(0, dtype=np.int64)
        self._pos = {}
        if self.mask is not None:
            self.mask = np.zeros(0, dtype=bool)

    def row_dict(self, id):
        """Stored fields of one row (missing values left out)."""
        pos = self._pos[int(id)]
        out = {}
        for k, c in self._data.items():
            v = c.get(pos)
            if v is not None:
                out[k] = v
        return out

    def value(self, id, name):
        if name not in self._data or int(id) not in self._pos:
            return None
        return self._data[name].get(self._pos[int(id)])

    # Sort and filter
    # ---------------------------------------------------------------------------------------

    def compute_order(self):
        """All positions sorted by the current sort (ties broken by id); insertion order if none."""
        name, sort_dir = self.sort
        n = len(self.ids)
        if name is None or name not in self._data:
            return np.arange(n, dtype=np.int64)
        key = self._data[name].sort_key()
        if sort_dir == "desc":
            key = -key
        return np.lexsort((self.ids, key)).astype(np.int64)

    def evaluate(self, text):
        """Filter mask of ``text`` over the stored rows (raises FilterError)."""
        return evaluate_filter(text, self.arrays(), len(self.ids))

    def skip_mask(self, mask_name, skip_groups):
        """Boolean array over positions: rows to skip when navigating."""
        n = len(self.ids)
        out = np.zeros(n, dtype=bool)
        if mask_name in self._data:
            col = self._data[mask_name]
            out |= (col.values == col.values) & (col.values != 0) if col.kind == "num" else (
                np.array([bool(v) and v != "False" for v in col.values], dtype=bool))
        if skip_groups and "group" in self._data and self._data["group"].kind == "text":
            out |= np.isin(self._data["group"].values, list(skip_groups))
        return out

    def apply(self, order, visible):
        """Install a new display order, notifying the views (layout change or full reset)."""
        same_rows = len(visible) == len(self.visible)
        if same_rows:
            self.layoutAboutToBeChanged.emit()
        else:
            self.beginResetModel()
        self.order, self.visible = order, visible
        self._row_of_pos = np.full(len(self.ids), -1, dtype=np.int64)
        self._row_of_pos[visible] = np.arange(len(visible))
        if same_rows:
            self.layoutChanged.emit()
        else:
            self.endResetModel()

    def data_changed(self):
        """Repaint every visible cell (values changed, order unchanged)."""
        if len(self.visible) and self.columns:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.visible) - 1, len(self.columns) - 1))

    def row_of(self, id):
        """Visible row of ``id``, or -1 when filtered out or missing."""
        pos = self._pos.get(int(id))
        if pos is None or pos >= len(self._row_of_pos):
            return -1
        return int(self._row_of_pos[pos])

    def id_at(self, row):
        return int(self.ids[self.visible[row]])

    # Qt model interface
    # ---------------------------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.visible)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal and section < len(self.columns):
            name = self.columns[section]
            if name == self.sort[0]:
                return name + (" \u25B2" if self.sort[1] == "asc" else " \u25BC")
            return name
        return None

    def _brush(self, color):
        if color not in self._brushes:
            self._brushes[color] = QBrush(QColor(color))
        return self._brushes[color]

    def _text(self, name, pos):
        col = self._data.get(name)
        return None if col is None or col.kind != "text" else col.values[pos]

    def cell(self, row, column):
        """``(text, foreground brush, background brush, alignment)`` of a visible cell."""
        pos = self.visible[row]
        name = self.columns[column]
        col = self._data.get(name)
        text = col.display(pos) if col is not None else ""
        fg = bg = None
        sel = self.selection_colors.get(int(self.ids[pos]))
        if sel is not None:
            bg, fg = (sel[0], sel[1]) if name == "id" else (self.selected_brush, None)
        if fg is None:
            color = self._text("_foreground", pos) or self.group_colors.get(
                self._text("group", pos))
            fg = self._brush(color) if color else None
        if bg is None:
            color = self._text("_background", pos)
            bg = self._brush(color) if color else None
        align = _ALIGN_RIGHT if col is not None and col.kind == "num" else _ALIGN_LEFT
        return text, fg, bg, align

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or role not in _ROLES:
            return None
        return self.cell(index.row(), index.column())[_ROLES[role]]


class TableDelegate(QStyledItemDelegate):
    """Paint a cell in one Python call: its background and its text, straight with the
    painter (no style: the style's item painting lays out and elides every text, the
    largest part of a table repaint), with the model's colours (group and cluster colours
    of selected rows). ``initStyleOption`` fills a style option the same way for Qt's
    other uses (size hints, accessibility)."""

    #: Horizontal padding of the text in a cell (pixels), as the style's item margin.
    margin = 3

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self._model = model
        # default text colour: the view's (read once, a palette per cell is a copy)
        self._text_color = parent.palette().color(QPalette.Text) if parent is not None \
            else QColor("white")

    def initStyleOption(self, option, index):
        text, fg, bg, align = self._model.cell(index.row(), index.column())
        option.index = index
        option.text = text
        option.features |= QStyleOptionViewItem.HasDisplay
        option.displayAlignment = Qt.Alignment(align)
        if fg is not None:
            option.palette.setBrush(QPalette.Text, fg)
        if bg is not None:
            option.backgroundBrush = bg
        option.state &= ~(QStyle.State_Selected | QStyle.State_HasFocus)

    def paint(self, painter, option, index):
        text, fg, bg, align = self._model.cell(index.row(), index.column())
        rect = option.rect
        if bg is not None:
            painter.fillRect(rect, bg)
        if not text:
            return
        m = self.margin
        inner = rect.adjusted(m, 0, -m, 0)
        fm = option.fontMetrics
        if len(text) * fm.maxWidth() > inner.width() and \
                fm.horizontalAdvance(text) > inner.width():  # measured only if it may not fit
            text = fm.elidedText(text, Qt.ElideRight, inner.width())
        painter.setPen(fg.color() if fg is not None else self._text_color)
        painter.drawText(inner, align, text)
