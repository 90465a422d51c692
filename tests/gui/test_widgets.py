"""Drawn icons and the key-value form widget."""

from phyclone.gui import KeyValueWidget
from phyclone.gui.icons import FA_CODES, draw_icon, get_icon, icon_names
from phyclone.qt import QColor


def test_icons(qapp, tmp_path):
    for name in icon_names() + ["unknown"]:
        img = draw_icon(name, color="white", size=24).toImage()
        alpha = [QColor.fromRgba(img.pixel(x, y)).alpha() for x in range(24) for y in range(24)]
        assert sum(a > 128 for a in alpha) > 10, name
    assert set(FA_CODES.values()) <= set(icon_names())
    assert not get_icon("f0c7").isNull()
    path = tmp_path / "i.png"
    draw_icon("save").save(str(path))
    assert not get_icon(str(path)).isNull()


def test_key_value_widget(qapp, qtbot):
    w = KeyValueWidget()
    qtbot.addWidget(w)
    w.add_pair("text", "some text")
    w.add_pair("lines", "a\nb", "multiline")
    w.add_pair("f", 3.5)
    w.add_pair("i", 3)
    w.add_pair("b", True)
    w.add_pair("l", [1, 5])
    w.get_widget("b").setChecked(False)
    w.get_widget("l[0]").setValue(2)
    assert w.to_dict() == {"text": "some text", "lines": "a\nb", "f": 3.5, "i": 3, "b": False,
                           "l": [2, 5]}
