"""CPU ``apply`` and the rendered GPU position agree for every transform."""

import numpy as np
import pytest

from phyclone.plot import (
    NDC, Boxed, Grid, PanZoom, PlotCanvas, Range, Scale, ScatterVisual, Stacked, Subplot,
    TransformChain, Translate,
)

from plot_pixels import H, W, centroid, lit, ndc_to_pixel

pytestmark = pytest.mark.gl
POS = [[.3, -.2]]


def _rendered(canvas, transforms, pos=POS):
    canvas.gpu_transforms.add(transforms)
    v = ScatterVisual()
    canvas.add_visual(v)
    v.set_data(pos=pos, color=(1, 0, 0, 1), size=5)
    return centroid(lit(canvas.grab_image()))


def _check(canvas, transforms, pos=POS):
    got = _rendered(canvas, transforms, pos)
    expected = ndc_to_pixel(TransformChain(transforms).apply(pos)[0])
    assert abs(got[0] - expected[0]) <= .6 and abs(got[1] - expected[1]) <= .6


@pytest.fixture
def bare(qapp):
    from phyclone.plot import BaseCanvas
    c = BaseCanvas()
    c.resize(W, H)
    yield c
    c.close()


@pytest.mark.parametrize("transforms", [
    [Translate((.4, .3))],
    [Scale((.5, 2.))],
    [Range((-2, -1, 1, 2), (-1, -1, 0, 1))],
    [Subplot((3, 4), (2, 1))],
    [Scale((.9, .9)), Subplot((2, 2), (0, 1)), Translate((-.1, .05)), Scale((1.5, .7))],
    [Range(NDC, (-.5, -.5, .5, .5)), Translate((.2, -.1))],
], ids=["translate", "scale", "range", "subplot", "chain", "range+translate"])
def test_gpu_matches_cpu(bare, transforms):
    _check(bare, transforms)


def test_gpu_uniform_variables(bare):
    bare.set_uniform("u_t", (.25, -.5))
    bare.inserter.insert_vert("uniform vec2 u_t;", "header")
    got = _rendered(bare, [Translate(gpu_var="u_t")])
    expected = ndc_to_pixel(Translate((.25, -.5)).apply(POS)[0])
    assert abs(got[0] - expected[0]) <= .6 and abs(got[1] - expected[1]) <= .6


@pytest.mark.parametrize("layout,box", [(Grid((2, 3)), (1, 2)), (Boxed([[0, 0], [1, 1]]), 1),
                                        (Stacked(3), 2)])
def test_layout_and_panzoom_chain(qapp, layout, box):
    c = PlotCanvas()
    c.resize(W, H)
    layout.attach(c)
    pz = c.enable_panzoom(constrain_bounds=None)
    pz.set_pan_zoom(pan=(-.3, .2), zoom=(1.3, .8))
    v = ScatterVisual()
    c.add_visual(v)
    v.set_data(pos=POS, color=(1, 0, 0, 1), size=5)
    v.set_box_index(box)
    got = centroid(lit(c.grab_image()))
    expected = ndc_to_pixel(pz.map(layout.map(POS, box=box))[0])
    assert abs(got[0] - expected[0]) <= .6 and abs(got[1] - expected[1]) <= .6
    # and back: the pixel maps to the data position
    b, xy = c.window_to_data(got)
    assert b == box
    np.testing.assert_allclose(xy, POS[0], atol=.02)
    c.close()


def test_panzoom_aspect_on_gpu(qapp):
    c = PlotCanvas()
    c.resize(W, H)
    pz = PanZoom(aspect=1.)
    pz.attach(c)
    c.panzoom = pz
    c.scatter(pos=[[.5, .5]], color=(1, 0, 0, 1), size=5)
    got = centroid(lit(c.grab_image()))
    expected = ndc_to_pixel(pz.map([[.5, .5]])[0])
    assert abs(got[0] - expected[0]) <= .6 and abs(got[1] - expected[1]) <= .6
    assert pz.map([[.5, .5]])[0][0] < .5  # wide canvas: x squeezed to keep the aspect
    c.close()
