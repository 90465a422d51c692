"""Table widget: native QTableView over a NumPy model, with a filter box and a status line.

The base of the cluster view and the similarity view. Its API is synchronous: ``select``,
``next``, ``get_selected``... return their result directly (``get``, ``get_ids``,
``get_selected`` and ``get_current_sort`` also take phy's ``callback``). Events (global bus, sender = the
table): ``select(obj)`` with ``obj = {'selected': ids, 'next': id, 'kwargs': {...}}``,
``table_sort(ids)`` with every id in the new order, ``table_filter(ids)`` with the shown ids.
"""

import logging

import numpy as np

from phyclone.qt import (
    QAbstractItemView, QBrush, QColor, QFrame, QHeaderView, QItemSelection, QItemSelectionModel,
    QLabel, QLineEdit, QPalette, Qt, QTableView, QTimer, QVBoxLayout, QWidget,
)
from phyclone.utils import Bunch, emit
from phyclone.utils.colors import selected_cluster_color

from .app import log_exceptions
from .table_filter import FilterError
from .table_model import TableDelegate, TableModel

logger = logging.getLogger(__name__)

SELECTED_ROW_COLOR = "#2d4b6e"

FILTER_PLACEHOLDER = "filter, e.g. n_spikes > 100 and group == 'good'"

# Style sheets only on the small widgets: a style sheet on the view itself would route every
# cell through QStyleSheetStyle, several times slower to paint. The view uses a palette.
HEADER_STYLESHEET = """
QHeaderView::section { background: #232426; color: white; padding: 2px 4px; border: 0;
                       border-right: 1px solid #111; }
"""
FILTER_STYLESHEET = "QLineEdit { background: #111; color: white; border: 1px solid #333; }"
STATUS_STYLESHEET = "QLabel { background: black; color: #ff8080; padding: 1px 3px; }"


def answer(value, callback=None):
    """Return ``value``, first passing it to ``callback`` if any: phy's tables answered
    through callbacks (their JavaScript was asynchronous), so phy plugins pass one."""
    if callback is not None:
        callback(value)
    return value


def _uniq(ids):
    seen = set()
    out = []
    for i in ids:
        i = int(i)
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


def _is_bright(rgb):
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b > 150


class Table(QWidget):
    """A sortable, filterable table of rows (dicts with an ``id``) with multi-selection.

    Constructor
    -----------
    columns : list of column names shown (``id`` first by convention)
    data : list of dicts with an ``id`` key (other keys are kept and usable in filters)
    sort : initial ``(column, 'asc' | 'desc')``
    mask_name : a field whose truthy value marks a row as skipped by ``next``/``previous``
    skip_groups : rows whose ``group`` is one of these are skipped too (phy: noise, mua)
    """


    def __init__(self, parent=None, columns=None, data=None, sort=None, title="",
                 mask_name="is_masked", skip_groups=("noise", "mua")):
        super().__init__(parent)
        self.setWindowTitle(title or self.__class__.__name__)
        self.mask_name = mask_name
        self.skip_groups = tuple(skip_groups or ())
        self._selected = []
        self._selected_index_offset = 0
        self._programmatic = 0
        self._filter_text = ""
        self.filter_error = None
        self._dock_error = None
        self._skip = None

        self.model = TableModel(columns or ["id"], self)
        self._selected_brush = QBrush(QColor(SELECTED_ROW_COLOR))
        self._build_widgets()
        if data:
            self.model.add_rows(data)
        if sort and sort[0]:
            self.model.sort = (sort[0], sort[1] or "asc")
            self._update_sort_indicator()
        self._refresh()

    def _build_widgets(self):
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self.filter_form = QLineEdit(self)
        self.filter_form.setStyleSheet(FILTER_STYLESHEET)
        self.filter_form.setPlaceholderText(FILTER_PLACEHOLDER)
        self.filter_form.setClearButtonEnabled(True)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(250)
        self._filter_timer.timeout.connect(self._on_filter_typed)
        self.filter_form.textEdited.connect(self._on_filter_edited)
        self.filter_form.returnPressed.connect(self._on_filter_entered)
        layout.addWidget(self.filter_form)

        self.view = QTableView(self)
        palette = self.view.palette()
        for role, color in ((QPalette.Base, "black"), (QPalette.Text, "white"),
                            (QPalette.Window, "black")):
            palette.setColor(role, QColor(color))
        self.view.setPalette(palette)
        self.view.setFrameShape(QFrame.NoFrame)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self._delegate = TableDelegate(self.model, self.view)
        self.view.setItemDelegate(self._delegate)
        vh = self.view.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 4)
        hh = self.view.horizontalHeader()
        hh.setSectionsClickable(True)
        hh.setSortIndicatorShown(False)
        hh.setHighlightSections(False)
        hh.setStretchLastSection(True)
        hh.sectionClicked.connect(self._on_header_clicked)
        hh.setStyleSheet(HEADER_STYLESHEET)
        self.view.selectionModel().selectionChanged.connect(self._on_user_selection)
        layout.addWidget(self.view, 1)

        self.status_label = QLabel("", self)
        self.status_label.setStyleSheet(STATUS_STYLESHEET)
        self.status_label.hide()
        layout.addWidget(self.status_label)

    # Data
    # ---------------------------------------------------------------------------------------

    @property
    def columns(self):
        return list(self.model.columns)

    def rowCount(self):
        """Number of shown rows."""
        return self.model.rowCount()

    def columnCount(self):
        return self.model.columnCount()

    def add_column(self, name):
        """Show a new column (values come with later ``add``/``change`` calls)."""
        if name in self.model.columns:
            return
        self.model.beginResetModel()
        self.model.columns.append(name)
        self.model.column(name)
        self.model.endResetModel()
        self._refresh()
        self.fit_columns()

    def add(self, objects):
        """Add rows (dicts with an ``id``)."""
        if objects:
            self.model.add_rows(list(objects))
            self._refresh()

    def change(self, objects):
        """Change fields of existing rows; the table is re-sorted and re-filtered."""
        if objects:
            self.model.change_rows(list(objects))
            self._refresh()

    def remove(self, ids):
        """Remove rows by id."""
        ids = _uniq(ids or ())
        if ids:
            self.model.remove_ids(ids)
            self._selected = [i for i in self._selected if self.model.has(i)]
            self._refresh()

    def remove_all(self):
        """Remove every row."""
        self.model.clear_rows()
        self._selected = []
        self._refresh()

    def remove_all_and_add(self, objects):
        """Replace every row."""
        self.model.clear_rows()
        self._selected = []
        if objects:
            self.model.add_rows(list(objects))
        self._refresh()

    def get(self, id, callback=None):
        """The fields of one row as a dict (empty when missing)."""
        return answer(self.model.row_dict(id) if self.model.has(id) else {}, callback)

    def get_ids(self, callback=None):
        """Every id, in the current sort order (filtered-out rows included)."""
        return answer(self.model.ids[self.model.order].tolist(), callback)

    def shown_ids(self):
        """The ids shown (after filtering), in display order."""
        return self.model.ids[self.model.visible].tolist()

    def is_skipped(self, id):
        """Whether ``next``/``previous`` skip this row."""
        return bool(self._skip_mask()[self.model.position(id)])

    def _skip_mask(self):
        if self._skip is None:
            self._skip = self.model.skip_mask(self.mask_name, self.skip_groups)
        return self._skip

    # Refresh: order, filter, selection
    # ---------------------------------------------------------------------------------------

    def _refresh(self):
        """Recompute order and filter, then restore the selection on the new rows."""
        self._skip = None
        m = self.model
        was_empty = len(m.visible) == 0
        if self._filter_text:
            try:
                m.mask = m.evaluate(self._filter_text)
            except FilterError as e:
                self._show_error(f"filter cleared: {e}")
                self._filter_text, m.mask = "", None
        order = m.compute_order()
        visible = order if m.mask is None else order[m.mask[order]]
        self._programmatic += 1
        try:
            if np.array_equal(visible, m.visible) and np.array_equal(order, m.order):
                m.data_changed()
            else:
                m.apply(order, visible)
            self._apply_selection()
        finally:
            self._programmatic -= 1
        if was_empty and len(m.visible):
            self.fit_columns()

    def fit_columns(self, n_rows=100, max_width=300):
        """Size the columns to their header and first ``n_rows`` shown values."""
        fm = self.view.fontMetrics()
        m = self.model
        rows = range(min(n_rows, len(m.visible)))
        for j, name in enumerate(m.columns):
            texts = [name + " \u25BC"] + [m.cell(r, j)[0] for r in rows]
            width = max(fm.horizontalAdvance(t) for t in texts) + 18
            self.view.setColumnWidth(j, min(width, max_width))

    def _apply_selection(self):
        """Show ``self._selected`` in the view (no event emitted)."""
        m = self.model
        rows = sorted(r for r in (m.row_of(i) for i in self._selected) if r >= 0)
        sel = QItemSelection()
        start = prev = None
        last_col = max(m.columnCount() - 1, 0)
        for r in rows + [None]:
            if start is not None and (r is None or r != prev + 1):
                sel.select(m.index(start, 0), m.index(prev, last_col))
                start = None
            if r is not None and start is None:
                start = r
            prev = r
        sm = self.view.selectionModel()
        self._programmatic += 1
        try:
            sm.select(sel, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
            if rows:
                first = m.row_of(self._selected[0])
                sm.setCurrentIndex(m.index(first if first >= 0 else rows[0], 0),
                                   QItemSelectionModel.NoUpdate)
        finally:
            self._programmatic -= 1
        before = m.selection_colors
        m.selection_colors = {}
        for k, i in enumerate(self._selected):
            rgb = self.selection_color(k + self._selected_index_offset)
            m.selection_colors[i] = (QBrush(QColor(*rgb)),
                                     QBrush(QColor("black" if _is_bright(rgb) else "white")))
        m.selected_brush = self._selected_brush
        self._repaint_rows(set(before) | set(m.selection_colors))

    def _repaint_rows(self, ids):
        """Repaint the shown rows of these ids (their selection colours changed)."""
        vp, view, m = self.view.viewport(), self.view, self.model
        for i in ids:
            r = m.row_of(i)
            if r < 0:
                continue
            y, h = view.rowViewportPosition(r), view.rowHeight(r)
            if y + h > 0 and y < vp.height():
                vp.update(0, y, vp.width(), h)

    @staticmethod
    def selection_color(i):
        """RGB (0-255) of the ``i``-th selected cluster: the views' selection palette."""
        return tuple(int(round(255 * c)) for c in selected_cluster_color(i)[:3])

    def set_selected_index_offset(self, n):
        """Colour the selected rows from the n-th selection colour (similarity view)."""
        self._selected_index_offset = int(n)
        self._apply_selection()

    # Selection
    # ---------------------------------------------------------------------------------------

    def _event_obj(self, kwargs=None):
        sel = list(self._selected)
        return Bunch(selected=sel, next=self.get_next_id(sel[0] if sel else None),
                     kwargs=dict(kwargs or {}))

    def _emit_select(self, kwargs=None):
        obj = self._event_obj(kwargs)
        emit("select", self, obj)
        return obj

    @log_exceptions
    def _on_user_selection(self, *_):
        """Selection changed by the user (click, ctrl/shift-click, keyboard)."""
        if self._programmatic:
            return
        m = self.model
        rows = sorted(i.row() for i in self.view.selectionModel().selectedRows())
        ids = [m.id_at(r) for r in rows]
        idset = set(ids)
        kept = [i for i in self._selected if i in idset]
        keptset = set(kept)
        new = kept + [i for i in ids if i not in keptset]
        if new == self._selected:
            return
        self._selected = new
        self._apply_selection()
        self._emit_select()

    def select(self, ids, callback=None, **kwargs):
        """Select rows by id (unknown ids are ignored), emit ``select`` and return its object
        (also passed to phy's ``callback``)."""
        ids = [i for i in _uniq(ids or ()) if self.model.has(i)]
        self._selected = ids
        self._apply_selection()
        return answer(self._emit_select(kwargs), callback)

    def get_selected(self, callback=None):
        """The selected ids, in selection order."""
        return answer(list(self._selected), callback)

    def scroll_to(self, id, center=True):
        """Scroll until the row of ``id`` is visible."""
        row = self.model.row_of(id)
        if row >= 0:
            hint = QAbstractItemView.PositionAtCenter if center else QAbstractItemView.EnsureVisible
            self.view.scrollTo(self.model.index(row, 0), hint)

    # Navigation (skipping masked rows)
    # ---------------------------------------------------------------------------------------

    def _sibling(self, id, step):
        m = self.model
        vis = m.visible
        if not len(vis):
            return None
        row = m.row_of(id) if id is not None and m.has(id) else -1
        if step > 0:
            cand = vis[row + 1:] if row >= 0 else vis
        else:
            cand = vis[:row][::-1] if row >= 0 else vis[::-1]
        ok = ~self._skip_mask()[cand]
        if not ok.any():
            return None
        return int(m.ids[cand[int(np.argmax(ok))]])

    def get_next_id(self, id=None, callback=None):
        """The first non-skipped id shown after ``id`` (from the top when None; phy's
        ``get_next_id(callback)``: after the first selected row)."""
        if callable(id):
            id, callback = (self._selected[0] if self._selected else None), id
        return answer(self._sibling(id, +1), callback)

    def get_previous_id(self, id=None, callback=None):
        """The first non-skipped id shown before ``id`` (from the bottom when None; phy's
        ``get_previous_id(callback)``: before the first selected row)."""
        if callable(id):
            id, callback = (self._selected[0] if self._selected else None), id
        return answer(self._sibling(id, -1), callback)

    def _go(self, target):
        if target is None:
            return self._event_obj()
        obj = self.select([target])
        self.scroll_to(target, center=False)
        return obj

    def first(self, callback=None):
        """Select the first non-skipped row (the select object goes to phy's ``callback``)."""
        return answer(self._go(self.get_next_id(None)), callback)

    def last(self, callback=None):
        """Select the last non-skipped row."""
        return answer(self._go(self.get_previous_id(None)), callback)

    def next(self, callback=None):
        """Select the non-skipped row after the (first) selected one; stay at the end."""
        if not self._selected:
            return self.first(callback)
        return answer(self._go(self.get_next_id(self._selected[0])), callback)

    def previous(self, callback=None):
        """Select the non-skipped row before the (first) selected one; stay at the top."""
        if not self._selected:
            return self.last(callback)
        return answer(self._go(self.get_previous_id(self._selected[0])), callback)

    # Sort
    # ---------------------------------------------------------------------------------------

    def _update_sort_indicator(self):
        """The sorted column shows an arrow in its header text."""
        if self.model.columns:
            self.model.headerDataChanged.emit(Qt.Horizontal, 0, len(self.model.columns) - 1)

    @log_exceptions
    def _on_header_clicked(self, section):
        name = self.model.columns[section]
        cur, cur_dir = self.model.sort
        self.sort_by(name, "desc" if cur == name and cur_dir == "asc" else "asc")

    def sort_by(self, name, sort_dir="asc"):
        """Sort by a column (``'asc'`` or ``'desc'``); emits ``table_sort`` with every id."""
        if name != "id" and name not in self.model.arrays():
            self._show_error(f"cannot sort: unknown column `{name}`")
            return
        self.model.sort = (name, "desc" if sort_dir == "desc" else "asc")
        self._update_sort_indicator()
        self._refresh()
        emit("table_sort", self, self.get_ids())

    def get_current_sort(self, callback=None):
        """The current sort ``(column, dir)``, ``(None, None)`` when unsorted."""
        return answer(tuple(self.model.sort), callback)

    # Filter
    # ---------------------------------------------------------------------------------------

    def _show_error(self, msg):
        """Show (or clear, with '') an error in the status line and the dock title bar."""
        if msg:
            logger.info("Table: %s", msg)
        self.filter_error = msg or None
        self.status_label.setText(msg)
        self.status_label.setVisible(bool(msg))
        dock = getattr(self, "dock", None)
        if dock is not None and (msg or dock.status == self._dock_error):
            dock.set_status(msg)
            self._dock_error = dock.status

    def _on_filter_edited(self, text):
        self._filter_timer.start()  # filter once the typing pauses

    @log_exceptions
    def _on_filter_typed(self):
        self.filter(self.filter_form.text())

    @log_exceptions
    def _on_filter_entered(self):
        self._filter_timer.stop()
        self.filter(self.filter_form.text())
        self.view.setFocus()

    def filter(self, text=""):
        """Keep the rows matching a filter expression (empty: show all).

        Returns the shown ids; on an invalid expression the previous filter stays, the error
        is shown in the status line (``filter_error``) and None is returned.
        """
        text = (text or "").strip()
        try:
            mask = self.model.evaluate(text) if text else None
        except FilterError as e:
            self._show_error(str(e))
            return None
        self._show_error("")
        self._filter_text = text
        self.model.mask = mask
        if self.filter_form.text().strip() != text:
            self.filter_form.setText(text)
        self._refresh()
        ids = self.shown_ids()
        emit("table_filter", self, ids)
        return ids

    def get_filter(self):
        """The filter expression in use ('' when none)."""
        return self._filter_text
