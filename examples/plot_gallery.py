"""Render every visual, layout and interact of phyclone.plot to PNG files.

Usage: python examples/plot_gallery.py OUT_DIR   (needs an X server; headless: xvfb-run -a)
"""

import sys
from pathlib import Path

import numpy as np

from phyclone.qt import create_app
from phyclone.plot import MARKERS, PlotCanvas, ScatterVisual, PlotVisual, TextVisual

SIZE = (640, 480)


def _canvas():
    c = PlotCanvas()
    c.resize(*SIZE)
    return c


def scatter_markers():
    c = _canvas()
    n = len(MARKERS)
    cols = 5
    for i, m in enumerate(MARKERS):
        x, y = -0.8 + 0.4 * (i % cols), 0.75 - 0.42 * (i // cols)
        c.scatter(pos=[[x, y]], marker=m, size=40, color=(.2 + .8 * i / n, .8, 1 - .6 * i / n, 1))
        c.text(pos=[[x, y - 0.15]], text=[m], anchor=(0, 0))
    return c


def scatter_batch():
    rng = np.random.default_rng(0)
    c = _canvas()
    c.set_layout("grid", shape=(2, 2))
    v = ScatterVisual()
    c.add_visual(v)
    colors = [(1, .3, .3, .8), (.3, 1, .3, .8), (.4, .6, 1, .8), (1, 1, .3, .8)]
    for k in range(4):
        pos = rng.normal(size=(2000, 2)) * (0.15 + 0.1 * k)
        v.add_batch_data(pos=pos, color=colors[k], size=4, data_bounds=(-1, -1, 1, 1),
                         box_index=(k // 2, k % 2))
    c.update_visual(v)
    c.grid.add_boxes(c)
    return c


def plot_lines():
    c = _canvas()
    c.set_layout("stacked", n_plots=6, origin="top")
    v = PlotVisual()
    c.add_visual(v)
    t = np.linspace(0, 1, 2000)
    for i in range(6):
        y = np.sin(2 * np.pi * (i + 1) * 2 * t) * np.exp(-2 * t)
        v.add_batch_data(x=t, y=y, data_bounds=(0, -1, 1, 1), color=(.5 + i / 12, .7, 1 - i / 8, 1),
                         box_index=i)
    c.update_visual(v)
    c.stacked.add_boxes(c)
    return c


def plot_variable_lengths():
    c = _canvas()
    ys = [np.cumsum(np.random.default_rng(i).normal(size=50 + 150 * i)) for i in range(5)]
    c.plot(y=ys, color=np.array([[1, .4, .4, 1], [.4, 1, .4, 1], [.4, .4, 1, 1],
                                  [1, 1, .4, 1], [1, .4, 1, 1]]), data_bounds="auto",
           masks=[1, 1, .3, 1, 0])
    c.enable_axes(data_bounds=(0, -1, 1, 1))
    return c


def histograms():
    rng = np.random.default_rng(1)
    c = _canvas()
    c.set_layout("grid", shape=(3, 3))
    from phyclone.plot import HistogramVisual
    v = HistogramVisual()
    c.add_visual(v)
    for i in range(3):
        for j in range(3):
            h = np.histogram(rng.normal(size=1000) * (1 + i) + j, bins=50, range=(-6, 6))[0]
            v.add_batch_data(hist=h, color=(.3 + .3 * i, .8 - .2 * j, .9, 1), box_index=(i, j))
    c.update_visual(v)
    c.grid.add_boxes(c)
    return c


def boxed_waveforms():
    rng = np.random.default_rng(2)
    x = np.tile([43., 11., 59., 27.], 6)
    y = np.repeat(np.arange(12) * 20., 2)
    c = _canvas()
    c.set_layout("boxed", box_pos=np.c_[x, y])
    v = PlotVisual()
    c.add_visual(v)
    t = np.linspace(-1, 1, 60)
    amp = np.exp(-((y - 110) ** 2 + (x - 35) ** 2) / 3000)
    for ch in range(len(x)):
        w = -amp[ch] * np.exp(-t ** 2 * 30) + rng.normal(size=(10, 60)) * .05
        v.add_batch_data(y=w, data_bounds=(-1, -1, 1, 1), color=(.4, .8, 1, .6), box_index=ch)
    c.update_visual(v)
    c.boxed.add_boxes(c)
    return c


def text_anchors():
    c = _canvas()
    pts = np.array([[-.5, .5], [.5, .5], [-.5, -.5], [.5, -.5], [0, 0]])
    anchors = [(1, 1), (-1, 1), (1, -1), (-1, -1), (0, 0)]
    c.scatter(pos=pts, color=(1, .2, .2, 1), size=6)
    tv = TextVisual(font_size=12)
    c.add_visual(tv)
    tv.set_data(pos=pts, text=[f"anchor {a}" for a in anchors], anchor=np.array(anchors))
    c.text(pos=[[0, -.85]], text=["µV ±1.5 αβγ → 10⁻³ (unknown shown as ?)"], font_size=9,
           color=(1, 1, .5, 1))
    return c


def lines_polygon_image():
    c = _canvas()
    c.set_layout("grid", shape=(1, 2))
    yy, xx = np.mgrid[0:64, 0:64] / 63.
    img = np.dstack([xx, yy, 1 - xx, np.ones_like(xx)]).astype(np.float32)
    c[0, 0].image(image=img)
    theta = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    c[0, 1].lines(pos=np.c_[np.zeros(12), np.zeros(12), np.cos(theta), np.sin(theta)] * .9,
                  color=np.c_[np.linspace(0, 1, 12), np.ones(12) * .6, np.ones(12), np.ones(12)])
    star = np.c_[np.cos(theta * 2), np.sin(theta * 2)][[0, 2, 4, 1, 3, 5]] * .6
    c[0, 1].polygon(pos=star)
    return c


def axes_zoomed():
    rng = np.random.default_rng(3)
    c = _canvas()
    pos = rng.normal(size=(5000, 2)) * [30, 3] + [100, 0]
    c.uscatter(pos=pos, data_bounds=(0, -10, 200, 10), color=(.9, .6, .2, .7), size=3)
    c.enable_axes(data_bounds=(0, -10, 200, 10))
    c.enable_lasso()
    c.panzoom.set_range((-.2, -.5, .4, .5))
    for p in [(300, 150), (400, 180), (380, 300), (280, 320)]:
        c.lasso.add(c.window_to_ndc(p))
    return c


SCENES = [scatter_markers, scatter_batch, plot_lines, plot_variable_lengths, histograms,
          boxed_waveforms, text_anchors, lines_polygon_image, axes_zoomed]


def main(out_dir):
    app = create_app()  # noqa: F841
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for scene in SCENES:
        canvas = scene()
        path = canvas.screenshot(out / f"{scene.__name__}.png")
        if canvas.gl_errors:
            print(f"{scene.__name__}: ERRORS {canvas.gl_errors}")
        print(path)
        canvas.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
