"""An interactive feature-view-like canvas: 3x3 grid of scatter plots (one draw call),
pan/zoom (drag, wheel, arrows, R), lasso (ctrl+click; ctrl+right click clears), axes.
Clicking prints the box and the data coordinates; the lasso prints the selected points.

Usage: python examples/plot_interactive.py [--screenshot PATH]
"""

import sys

import numpy as np

from phyclone.plot import PlotCanvas, ScatterVisual
from phyclone.plot.gl import setup_opengl
from phyclone.qt import QTimer, create_app

BOUNDS = (-5., -5., 5., 5.)


def make_canvas(rng):
    canvas = PlotCanvas()
    canvas.resize(800, 800)
    canvas.set_layout("grid", shape=(3, 3))
    canvas.grid.add_boxes(canvas)
    canvas.enable_lasso()
    points = ScatterVisual(marker="disc")
    canvas.add_visual(points)
    colors = [(.95, .35, .3, .8), (.3, .8, .95, .8), (.95, .85, .3, .8)]
    data = {}
    for i in range(3):
        for j in range(3):
            pos = rng.normal(size=(3000, 2)) * (1 + i * .5) + [j - 1, i - 1]
            data[i, j] = pos
            points.add_batch_data(pos=pos, color=colors[(i + j) % 3], size=3,
                                  data_bounds=BOUNDS, box_index=(i, j))
    canvas.update_visual(points)  # every subplot in one draw call

    class Handler:
        def on_mouse_click(self, e):
            if "Control" in e.modifiers:
                lasso = canvas.lasso
                if lasso.count >= 3:
                    norm = (data[lasso.box] - BOUNDS[:2]) / 5. - 1.  # data -> NDC of the box
                    print(f"lasso in box {lasso.box}: {lasso.in_polygon(norm).sum()} points")
                return
            box, xy = canvas.window_to_data(e.pos, data_bounds=BOUNDS)
            print(f"click in box {box} at data {xy[0]:.2f}, {xy[1]:.2f}")
    canvas.attach_events(Handler())
    return canvas


def main(argv):
    status = setup_opengl()
    app = create_app()
    if status.message:
        print(status.message)
    canvas = make_canvas(np.random.default_rng(0))
    if "--screenshot" in argv:
        print(canvas.screenshot(argv[argv.index("--screenshot") + 1]))
        return
    canvas.setWindowTitle("phyclone.plot demo")
    canvas.show()
    QTimer.singleShot(0, canvas.update)
    app.exec_()


if __name__ == "__main__":
    main(sys.argv[1:])
