"""Help dialog listing every keyboard shortcut and snippet of a GUI."""

from phyclone.qt import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLineEdit, QTableWidget,
    QTableWidgetItem, QVBoxLayout,
)

HEADERS = ("Group", "Action", "Shortcut", "Snippet", "Description")


def shortcut_rows(actions_groups):
    """``[(group, action, shortcut, ':alias', description)]`` for every listed action."""
    rows = []
    for actions in actions_groups:
        for name, shortcut, alias, doc in actions.entries():
            rows.append((actions.name, name, shortcut, f":{alias}" if alias else "",
                         doc.splitlines()[0] if doc else ""))
    return rows


class ShortcutsDialog(QDialog):
    """Non-modal dialog with a filterable table of shortcuts and snippets."""

    def __init__(self, actions_groups, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts and snippets")
        self.rows = shortcut_rows(actions_groups)
        layout = QVBoxLayout(self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("search")
        self.search.textChanged.connect(self._filter)
        layout.addWidget(self.search)
        self.table = QTableWidget(len(self.rows), len(HEADERS), self)
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for i, row in enumerate(self.rows):
            for j, value in enumerate(row):
                self.table.setItem(i, j, QTableWidgetItem(value))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(800, 600)

    def _filter(self, text):
        text = text.lower()
        for i, row in enumerate(self.rows):
            self.table.setRowHidden(i, bool(text) and not any(text in v.lower() for v in row))

    def as_text(self):
        """The listed shortcuts as plain text."""
        return "\n".join("\t".join(r) for r in self.rows)
