"""Table: data ops, sort, filter, selection, navigation skipping rows, colours, events."""

import numpy as np
import pytest

from phyclone.gui import Table
from phyclone.qt import QColor, QPoint, Qt
from phyclone.utils import connect

N = 15


@pytest.fixture
def table(qapp, qtbot):
    data = [{"id": i, "count": N * 10 - 10 * i, "float": float(i) / 3,
             "is_masked": i in (2, 3, 5)} for i in range(N)]
    t = Table(columns=["id", "count", "float"], data=data)
    qtbot.addWidget(t)
    t.resize(300, 500)
    t.show()
    qtbot.waitExposed(t)
    return t


def _events(name, sender):
    out = []
    connect(lambda s, *args, **kw: out.append(args[0] if len(args) == 1 else args),
            event=name, sender=sender)
    return out


def test_init(table):
    assert table.columnCount() == 3
    assert table.rowCount() == N
    assert table.get_ids() == list(range(N))
    assert table.get(4) == {"id": 4, "count": 110, "float": 4 / 3, "is_masked": False}
    assert table.get(1000) == {}
    assert table.model.data(table.model.index(4, 2)) == "1.33"
    assert table.model.data(table.model.index(4, 1)) == "110"


def test_phy_callbacks(table):
    """phy plugins pass callbacks (phy's tables were asynchronous): they get the value."""
    got = []
    table.sort_by("count", "desc")
    table.select([3])
    assert table.get_ids(got.append) == got[-1] == list(range(N))  # count decreases with id
    assert table.get_selected(got.append) == got[-1] == [3]
    assert table.get_current_sort(got.append) == got[-1] == ("count", "desc")
    assert table.get(4, got.append) == got[-1] == table.get(4)
    assert len(got) == 4


def test_empty_and_missing_columns(qapp, qtbot):
    t = Table()
    qtbot.addWidget(t)
    assert t.get_ids() == [] and t.get_selected() == [] and t.next()["selected"] == []
    t = Table(data=[{"id": 0, "a": "b"}, {"id": 1, "a": "c"}, {"id": 3, "u": "d"}],
              columns=["id", "a", "u"])
    assert t.get(3) == {"id": 3, "u": "d"}
    assert t.model.value(0, "u") is None
    assert t.model.data(t.model.index(2, 1)) == ""


def test_sort(table):
    ev = _events("table_sort", table)
    table.select([6])
    table.sort_by("count", "asc")
    assert table.get_current_sort() == ("count", "asc")
    assert table.get_ids() == list(range(N - 1, -1, -1))
    assert table.get_selected() == [6]  # sort keeps the selection
    assert table.next()["selected"] == [4]  # in the new order, 5 is masked
    table.sort_by("count", "desc")
    assert table.get_ids() == list(range(N))
    table.sort_by("id", "desc")
    assert table.get_ids() == list(range(N - 1, -1, -1))
    assert ev == [list(range(N - 1, -1, -1)), list(range(N)), list(range(N - 1, -1, -1))]
    table.sort_by("nope")
    assert "unknown column" in table.filter_error and table.get_current_sort() == ("id", "desc")


def test_sort_text_and_ties(qapp, qtbot):
    data = [{"id": i, "g": g, "v": v} for i, (g, v) in enumerate(
        [("b", 1), ("a", 2), ("c", 1), ("a", None), ("b", 2)])]
    t = Table(columns=["id", "g", "v"], data=data)
    qtbot.addWidget(t)
    t.sort_by("g")
    assert t.get_ids() == [1, 3, 0, 4, 2]
    t.sort_by("g", "desc")
    assert t.get_ids() == [2, 0, 4, 1, 3]  # ties by id
    t.sort_by("v")
    assert t.get_ids() == [0, 2, 1, 4, 3]  # missing last
    t.sort_by("v", "desc")
    assert t.get_ids() == [1, 4, 0, 2, 3]


def test_header_click_sorts(table, qtbot):
    hh = table.view.horizontalHeader()
    x = hh.sectionViewportPosition(1) + 5
    qtbot.mouseClick(hh.viewport(), Qt.LeftButton, pos=QPoint(x, 5))
    assert table.get_current_sort() == ("count", "asc")
    assert table.get_ids()[0] == N - 1
    qtbot.mouseClick(hh.viewport(), Qt.LeftButton, pos=QPoint(x, 5))
    assert table.get_current_sort() == ("count", "desc")


def test_select_event(table):
    ev = _events("select", table)
    obj = table.select([1, 2, 1, 999])
    assert obj == {"selected": [1, 2], "next": 4, "kwargs": {}}
    assert table.get_selected() == [1, 2]
    assert ev == [obj]
    table.select([7], update_views=False)
    assert ev[-1]["kwargs"] == {"update_views": False}
    selected_rows = sorted(i.row() for i in table.view.selectionModel().selectedRows())
    assert selected_rows == [7]


def test_navigation(table):
    assert table.get_next_id() == 0
    assert table.get_next_id(1) == 4
    assert table.get_previous_id(4) == 1
    assert table.get_previous_id(0) is None
    assert table.get_previous_id() == N - 1
    assert table.next()["selected"] == [0]
    assert table.next()["selected"] == [1]
    obj = table.next()
    assert obj["selected"] == [4] and obj["next"] == 6
    assert table.previous()["selected"] == [1]
    assert table.last()["selected"] == [N - 1]
    assert table.next()["selected"] == [N - 1]  # stays at the end
    assert table.first()["selected"] == [0]
    assert table.previous()["selected"] == [0]


def test_skip_groups(qapp, qtbot):
    groups = ["good", "noise", "mua", None, "good", "noise"]
    t = Table(columns=["id", "group"], data=[{"id": i, "group": g} for i, g in enumerate(groups)])
    qtbot.addWidget(t)
    assert [t.is_skipped(i) for i in range(6)] == [False, True, True, False, False, True]
    assert t.first()["selected"] == [0]
    assert t.next()["selected"] == [3]
    assert t.next()["selected"] == [4]
    assert t.next()["selected"] == [4]
    t.change([{"id": 5, "group": "good"}])
    assert t.next()["selected"] == [5]
    t.skip_groups = ()
    t._skip = None
    assert t.get_next_id(0) == 1


def test_add_change_remove(table):
    ev = _events("select", table)
    table.select([0, 1])
    table.add([{"id": 100, "count": 1000}])
    assert table.get_ids() == list(range(N)) + [100]
    table.remove([0, 1])
    assert table.get_ids() == list(range(2, N)) + [100]
    assert table.get_selected() == []
    assert table.get(100) == {"id": 100, "count": 1000}
    table.change([{"id": 100, "count": 2000}, {"id": 12345, "count": 1}])
    assert table.get(100)["count"] == 2000
    table.remove_all_and_add([{"id": 1000}])
    assert table.get_ids() == [1000]
    table.remove_all_and_add([])
    assert table.get_ids() == [] and table.rowCount() == 0
    assert len(ev) == 1  # data changes never emit select


def test_change_resorts(table):
    table.sort_by("count", "asc")
    table.change([{"id": 5, "count": 1000}])
    assert table.get_ids() == [14, 13, 12, 11, 10, 9, 8, 7, 6, 4, 3, 2, 1, 0, 5]


def test_column_kind_changes(qapp, qtbot):
    t = Table(columns=["id", "x", "new"], data=[{"id": 0, "x": 1}, {"id": 1, "x": 2}])
    qtbot.addWidget(t)
    t.change([{"id": 1, "x": "abc"}])  # numbers then text: the column becomes text
    assert t.model.column("x").kind == "text"
    assert [t.get(i)["x"] for i in (0, 1)] == ["1", "abc"]
    t.change([{"id": 0, "new": 3.5}])  # an empty column takes the first values' kind
    assert t.model.column("new").kind == "num" and t.get(0)["new"] == 3.5
    t.add_column("extra")
    t.add([{"id": 5, "extra": "hello"}])
    assert t.columns == ["id", "x", "new", "extra"] and t.get(5)["extra"] == "hello"


def test_filter(table):
    ev = _events("table_filter", table)
    assert table.filter("id == 5") == [5]
    assert table.shown_ids() == [5] and table.rowCount() == 1
    assert table.get_ids() == list(range(N))  # every id, shown or not
    assert table.filter("count >= 100 && !is_masked") == [0, 1, 4]
    assert table.filter("count == 80") == [7]
    assert table.filter_error is None
    assert table.filter("count >") is None  # invalid: kept, error shown, no exception
    assert "syntax error" in table.filter_error and table.status_label.text()
    assert table.shown_ids() == [7] and table.get_filter() == "count == 80"
    assert table.filter("") == list(range(N))
    assert ev == [[5], [0, 1, 4], [7], list(range(N))]


def test_filter_then_change_and_navigate(table):
    table.filter("count > 60")
    assert table.shown_ids() == list(range(9))
    table.change([{"id": 0, "count": 10}])
    assert table.shown_ids() == list(range(1, 9))
    table.select([8])
    assert table.next()["selected"] == [8]  # last shown row
    table.add([{"id": 50, "count": 999}])
    assert table.shown_ids()[-1] == 50


def test_filter_box_keys(table, qtbot):
    table.filter_form.setFocus()
    qtbot.keyClicks(table.filter_form, "count < 30")
    qtbot.keyClick(table.filter_form, Qt.Key_Return)
    assert table.shown_ids() == [13, 14]
    table.filter_form.clear()
    qtbot.keyClicks(table.filter_form, "id == 3")  # applied when the typing pauses
    qtbot.waitUntil(lambda: table.shown_ids() == [3])
    table.filter_form.clear()
    qtbot.keyClicks(table.filter_form, "count <")
    qtbot.keyClick(table.filter_form, Qt.Key_Return)
    assert table.shown_ids() == [3] and "syntax" in table.filter_error


def _click(qtbot, table, row, modifier=Qt.NoModifier):
    rect = table.view.visualRect(table.model.index(row, 1))
    qtbot.mouseClick(table.view.viewport(), Qt.LeftButton, modifier, rect.center())


def test_mouse_selection(table, qtbot):
    ev = _events("select", table)
    _click(qtbot, table, 3)
    assert table.get_selected() == [3]
    _click(qtbot, table, 7, Qt.ControlModifier)
    _click(qtbot, table, 1, Qt.ControlModifier)
    assert table.get_selected() == [3, 7, 1]  # click order
    _click(qtbot, table, 7, Qt.ControlModifier)
    assert table.get_selected() == [3, 1]
    _click(qtbot, table, 4)
    _click(qtbot, table, 6, Qt.ShiftModifier)
    assert table.get_selected() == [4, 5, 6]
    assert [e["selected"] for e in ev] == [[3], [3, 7], [3, 7, 1], [3, 1], [4], [4, 5, 6]]
    assert ev[0]["next"] == 4


def test_keyboard_navigation_in_view(table, qtbot):
    ev = _events("select", table)
    table.select([1])
    table.view.setFocus()
    qtbot.keyClick(table.view, Qt.Key_Down)
    assert table.get_selected() == [2] and ev[-1]["selected"] == [2]


def test_colors(qapp, qtbot):
    data = [{"id": i, "group": g} for i, g in enumerate(["good", "mua", "noise", None])]
    data[3]["_foreground"] = "#ff0000"
    t = Table(columns=["id", "group"], data=data)
    qtbot.addWidget(t)
    fg = [t.model.data(t.model.index(r, 1), Qt.ForegroundRole) for r in range(4)]
    assert fg[0].color() == QColor("#86D16D") and fg[1].color() == QColor("#afafaf")
    assert fg[2].color() == QColor("#777777") and fg[3].color() == QColor("#ff0000")
    t.select([2, 0])
    bg = t.model.data(t.model.index(2, 0), Qt.BackgroundRole).color()
    assert (bg.red(), bg.green(), bg.blue()) == t.selection_color(0)
    bg = t.model.data(t.model.index(0, 0), Qt.BackgroundRole).color()
    assert (bg.red(), bg.green(), bg.blue()) == t.selection_color(1)
    t.set_selected_index_offset(1)
    bg = t.model.data(t.model.index(2, 0), Qt.BackgroundRole).color()
    assert (bg.red(), bg.green(), bg.blue()) == t.selection_color(1)
    assert t.model.data(t.model.index(1, 0), Qt.BackgroundRole) is None


def test_colors_rendered(qapp, qtbot):
    t = Table(columns=["id", "n"], data=[{"id": i, "n": i} for i in range(5)])
    qtbot.addWidget(t)
    t.resize(300, 300)
    t.show()
    qtbot.waitExposed(t)
    t.select([2])
    rect = t.view.visualRect(t.model.index(2, 0))

    def selected_row_color():
        img = t.view.viewport().grab().toImage()
        return QColor(img.pixel(rect.left() + 3, rect.center().y())).getRgb()[:3]
    # tolerance: pytest-xvfb's X server may run at 16-bit depth
    qtbot.waitUntil(lambda: max(abs(a - b) for a, b in zip(selected_row_color(),
                                                          t.selection_color(0))) <= 10)
    img = t.view.viewport().grab().toImage()
    c = QColor(img.pixel(rect.left() + 3, t.view.visualRect(t.model.index(3, 0)).center().y()))
    assert c.getRgb()[:3] == (0, 0, 0)


def test_large_table_against_reference(qapp, qtbot):
    rng = np.random.default_rng(0)
    n = 3000
    counts = rng.integers(0, 50, n)
    groups = rng.choice(["good", "mua", "noise", "unsorted"], n)
    data = [{"id": int(i), "n_spikes": int(c), "group": str(g)}
            for i, c, g in zip(rng.permutation(10 * n)[:n], counts, groups)]
    t = Table(columns=["id", "n_spikes", "group"], data=data)
    qtbot.addWidget(t)
    t.sort_by("n_spikes", "desc")
    ref = [d["id"] for d in sorted(data, key=lambda d: (-d["n_spikes"], d["id"]))]
    assert t.get_ids() == ref
    t.filter("n_spikes > 25 && group != 'noise'")
    by_id = {d["id"]: d for d in data}
    ref_shown = [i for i in ref if by_id[i]["n_spikes"] > 25 and by_id[i]["group"] != "noise"]
    assert t.shown_ids() == ref_shown
    changed = [{"id": d["id"], "n_spikes": 1000 + k} for k, d in enumerate(data[:100])]
    t.change(changed)
    for c in changed:
        by_id[c["id"]]["n_spikes"] = c["n_spikes"]
    ref = [d["id"] for d in sorted(by_id.values(), key=lambda d: (-d["n_spikes"], d["id"]))]
    ref_shown = [i for i in ref if by_id[i]["n_spikes"] > 25 and by_id[i]["group"] != "noise"]
    assert t.shown_ids() == ref_shown
    first = next(i for i in ref_shown if by_id[i]["group"] == "good" or
                 by_id[i]["group"] == "unsorted")
    assert t.first()["selected"] == [first]


def test_errors_shown_in_dock(gui):
    t = Table(columns=["id", "n"], data=[{"id": i, "n": i} for i in range(3)])
    dock = gui.add_view(t)
    t.filter("n >")
    assert "syntax error" in dock.status
    t.filter("n > 0")
    assert dock.status == "" and t.shown_ids() == [1, 2]


def test_callback_errors_are_logged_not_raised(table, qtbot, caplog):
    def on_select(sender, obj):
        raise RuntimeError("bad plugin")
    connect(on_select, event="select", sender=table)
    _click(qtbot, table, 3)  # an exception escaping a Qt slot would abort the program
    assert table.get_selected() == [3] and "bad plugin" in caplog.text
