"""Benchmark of phyclone.gui.Table with 10,000 rows x 20 columns (shown on screen).

Each operation is timed including the repaint of the visible rows (events are processed).
A naive baseline (Python QAbstractTableModel + QSortFilterProxyModel, i.e. one Python call
per comparison) is timed for sort and filter too. Run (no display needed):

    xvfb-run -a python benchmarks/bench_table.py [n_rows] [n_repeats]
"""

import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")

from phyclone.gui import Table  # noqa: E402
from phyclone.qt import (  # noqa: E402
    QAbstractTableModel, QApplication, QModelIndex, QSortFilterProxyModel, Qt, QTableView,
    create_app,
)
from phyclone.utils.event import silent  # noqa: E402

N_COLUMNS = 20


def make_rows(n, rng):
    groups = rng.choice(["good", "mua", "noise", "unsorted"], n)
    rows = []
    for i in range(n):
        row = {"id": i, "n_spikes": int(rng.integers(10, 100000)), "group": str(groups[i])}
        for j in range(N_COLUMNS - 3):
            row[f"m{j}"] = float(rng.normal())
        rows.append(row)
    return rows


def timed(f, repeats):
    """Median (wall-clock, CPU of this process) time of ``f(k)`` followed by the repaint."""
    app = QApplication.instance()
    wall, cpu = [], []
    for k in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        f(k)
        app.processEvents()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


class NaiveModel(QAbstractTableModel):
    """Python rows, one data() call per cell and per comparison (what we avoid)."""

    def __init__(self, rows, columns):
        super().__init__()
        self.rows, self.columns = rows, columns

    def rowCount(self, parent=QModelIndex()):
        return len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return len(self.columns)

    def data(self, index, role=Qt.DisplayRole):
        if role in (Qt.DisplayRole, Qt.UserRole):
            return self.rows[index.row()][self.columns[index.column()]]
        return None


class NaiveFilter(QSortFilterProxyModel):
    threshold = None

    def filterAcceptsRow(self, row, parent):
        if self.threshold is None:
            return True
        r = self.sourceModel().rows[row]
        return r["n_spikes"] > self.threshold and r["group"] != "noise"


def main(n=10000, repeats=5):
    app = create_app()
    rng = np.random.default_rng(0)
    rows = make_rows(n, rng)
    columns = list(rows[0])
    results = []

    t0, c0 = time.perf_counter(), time.process_time()
    table = Table(columns=columns, data=rows, sort=("n_spikes", "desc"))
    table.resize(1000, 700)
    table.show()
    app.processEvents()
    results.append((f"create + show ({n} rows)",
                    (time.perf_counter() - t0, time.process_time() - c0), None))

    with silent():
        sorts = [("n_spikes", "asc"), ("m3", "desc"), ("group", "asc"), ("n_spikes", "desc")]
        t_sort = timed(lambda k: table.sort_by(*sorts[k % len(sorts)]), repeats)
        filters = ["n_spikes > 50000 && group != 'noise'", "m1 > 0 and m2 < 0.5", ""]
        t_filter = timed(lambda k: table.filter(filters[k % len(filters)]), repeats)
        table.filter("")
        table.sort_by("n_spikes", "desc")

        def change(k):
            ids = rng.choice(n, 100, replace=False)
            table.change([{"id": int(i), "n_spikes": int(rng.integers(10, 100000)),
                           "group": "good"} for i in ids])
        t_change = timed(change, repeats)
        t_select = timed(lambda k: table.select([int(k * 7 % n), int(k * 13 % n)]), repeats)
        table.first()
        t_next = timed(lambda k: table.next(), repeats)

    # Naive baseline.
    naive = NaiveModel(rows, columns)
    proxy = NaiveFilter()
    proxy.setSourceModel(naive)
    proxy.setSortRole(Qt.UserRole)
    view = QTableView()
    view.setModel(proxy)
    view.resize(1000, 700)
    view.show()
    app.processEvents()
    col = columns.index("n_spikes")
    t_naive_sort = timed(lambda k: proxy.sort(col, Qt.AscendingOrder if k % 2 else
                                              Qt.DescendingOrder), max(2, repeats // 2))

    def naive_filter(k):
        proxy.threshold = 50000 if k % 2 == 0 else None
        proxy.invalidateFilter()
    t_naive_filter = timed(naive_filter, max(2, repeats // 2))

    results += [
        ("sort by a column", t_sort, t_naive_sort),
        ("filter expression", t_filter, t_naive_filter),
        ("change 100 rows (re-sort)", t_change, None),
        ("select 2 rows", t_select, None),
        ("next (skip noise/mua)", t_next, None),
    ]
    print(f"Table benchmark: {n} rows x {len(columns)} columns, median of {repeats} runs, "
          f"Qt platform {app.platformName()}; times include the repaint; wall / CPU ms")
    print(f"| {'operation':<28} | {'phyclone':>15} | {'naive proxy':>15} | {'speed-up':>8} |")
    print(f"|{'-' * 30}|{'-' * 17}|{'-' * 17}|{'-' * 10}|")

    def fmt(t):
        return f"{t[0] * 1000:6.1f} / {t[1] * 1000:6.1f}"
    for name, t, base in results:
        b = fmt(base) if base else ""
        r = f"{base[1] / t[1]:7.0f}x" if base else ""
        print(f"| {name:<28} | {fmt(t):>15} | {b:>15} | {r:>8} |")
    table.close()
    view.close()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
