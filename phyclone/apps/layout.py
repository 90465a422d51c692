"""Default arrangement of the Template GUI's docks (used when no layout was saved yet).

The tables stay on the left (the Supervisor stacks them); then columns: waveforms (with the
probe below), features (template features below), correlograms / ISI / firing rate; the
amplitude and trace views share the bottom row. Views not named here are tabbed with the
correlogram column (or, without it, the last column).
"""

from phyclone.qt import Qt

#: Columns of the right dock area, top to bottom, with their relative widths.
COLUMNS = (
    (("WaveformView", "ProbeView"), 3),
    (("FeatureView", "TemplateFeatureView"), 3),
    (("CorrelogramView", "ISIView", "FiringRateView"), 2),
)
#: The bottom row, left to right.
BOTTOM = ("AmplitudeView", "TraceView", "TraceImageView")
TABLES = ("ClusterView", "SimilarityView")
#: Heights of the stacked views of a column (first one: the main view).
_MAIN_HEIGHT, _OTHER_HEIGHT = 3, 1


def _docks(gui, names):
    out = []
    for name in names:
        view = gui.get_view(name)
        if view is not None and getattr(view, "dock", None) is not None:
            out.append(view.dock)
    return out


def arrange_docks(gui, width=None, height=None):
    """Arrange the docks of ``gui`` in the default layout (call once the views exist)."""
    width = width or gui.width()
    height = height or gui.height()
    columns = [(_docks(gui, names), w) for names, w in COLUMNS]
    columns = [(docks, w) for docks, w in columns if docks]
    bottom = _docks(gui, BOTTOM)
    placed = {d for docks, _ in columns for d in docks} | set(bottom)
    placed |= set(_docks(gui, TABLES))
    others = [v.dock for v in gui.views
              if getattr(v, "dock", None) is not None and v.dock not in placed]

    for docks, _ in columns:
        gui.addDockWidget(Qt.RightDockWidgetArea, docks[0], Qt.Horizontal)
    for docks, _ in columns:
        for above, below in zip(docks, docks[1:]):
            gui.splitDockWidget(above, below, Qt.Vertical)
    if bottom:
        gui.addDockWidget(Qt.BottomDockWidgetArea, bottom[0], Qt.Horizontal)
        for left, right in zip(bottom, bottom[1:]):
            gui.splitDockWidget(left, right, Qt.Horizontal)
    if others:
        anchor = next((docks[0] for docks, _ in columns
                       if docks[0] is _first(gui, "CorrelogramView")), None)
        anchor = anchor or (columns[-1][0][0] if columns else None)
        for dock in others:
            if anchor is None:
                gui.addDockWidget(Qt.RightDockWidgetArea, dock, Qt.Horizontal)
                anchor = dock
            else:
                gui.tabifyDockWidget(anchor, dock)
        if anchor is not None:
            anchor.raise_()

    tables = _docks(gui, TABLES)
    total = sum(w for _, w in columns) + 1.5
    if tables:
        gui.resizeDocks(tables[:1], [int(width * 1.5 / total)], Qt.Horizontal)
    if columns:
        gui.resizeDocks([docks[0] for docks, _ in columns],
                        [int(width * w / total) for _, w in columns], Qt.Horizontal)
    for docks, _ in columns:
        if len(docks) > 1:
            weights = [_MAIN_HEIGHT] + [_OTHER_HEIGHT] * (len(docks) - 1)
            gui.resizeDocks(docks, [int(height * .7 * w / sum(weights)) for w in weights],
                            Qt.Vertical)
    if bottom:
        gui.resizeDocks(bottom[:1], [int(height * .3)], Qt.Vertical)
        gui.resizeDocks(bottom, [int(width / len(bottom))] * len(bottom), Qt.Horizontal)


def _first(gui, name):
    docks = _docks(gui, [name])
    return docks[0] if docks else None
