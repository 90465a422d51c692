"""KeyValueWidget: a small form of named, typed fields (as phy's)."""

from phyclone.qt import (
    QCheckBox, QDoubleSpinBox, QGridLayout, QLabel, QLineEdit, QPlainTextEdit, QSpinBox, QWidget,
)


class KeyValueWidget(QWidget):
    """A form: ``add_pair(name, default, vtype)`` adds a field, ``to_dict()`` reads them all.

    ``vtype`` is 'str', 'multiline', 'int', 'float' or 'bool' (default: from ``default``);
    a list default gives one field per item (``name[0]``, ``name[1]``...).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._items = []  # (name, vtype, default, widget)
        self._layout = QGridLayout(self)

    def _make(self, vtype, default):
        if vtype == "str":
            w = QLineEdit(self)
            w.setText(default or "")
        elif vtype == "multiline":
            w = QPlainTextEdit(self)
            w.setPlainText(default or "")
            w.setMinimumHeight(120)
        elif vtype == "int":
            w = QSpinBox(self)
            w.setRange(-10 ** 9, 10 ** 9)
            w.setValue(int(default or 0))
        elif vtype == "float":
            w = QDoubleSpinBox(self)
            w.setRange(-1e9, 1e9)
            w.setDecimals(6)
            w.setValue(float(default or 0))
        elif vtype == "bool":
            w = QCheckBox(self)
            w.setChecked(default is True)
        else:
            raise ValueError(f"Unsupported field type {vtype!r}.")
        return w

    def add_pair(self, name, default=None, vtype=None):
        """Add a field ``name`` with a default value."""
        if isinstance(default, list):
            for i, value in enumerate(default):
                self.add_pair(f"{name}[{i}]", default=value, vtype=vtype)
            return
        if vtype is None:
            vtype = type(default).__name__ if default is not None else "str"
        widget = self._make(vtype, default)
        row = len(self._items)
        self._layout.addWidget(QLabel(name, self), row, 0)
        self._layout.addWidget(widget, row, 1)
        self._items.append((name, vtype, default, widget))

    @property
    def names(self):
        """Field names (list fields once, without index)."""
        out = []
        for name, *_ in self._items:
            base = name.split("[")[0]
            if base not in out:
                out.append(base)
        return out

    def get_widget(self, name):
        for n, _, _, w in self._items:
            if n == name:
                return w
        return None

    def get_value(self, name):
        """Current value of a field (a list for list fields)."""
        if self.get_widget(f"{name}[0]") is not None:
            out, i = [], 0
            while self.get_widget(f"{name}[{i}]") is not None:
                out.append(self.get_value(f"{name}[{i}]"))
                i += 1
            return out
        for n, vtype, _, w in self._items:
            if n == name:
                if vtype == "str":
                    return w.text()
                if vtype == "multiline":
                    return w.toPlainText()
                if vtype in ("int", "float"):
                    return w.value()
                return w.isChecked()
        raise KeyError(name)

    def attach(self, gui):
        gui.add_view(self)

    def to_dict(self):
        return {name: self.get_value(name) for name in self.names}
