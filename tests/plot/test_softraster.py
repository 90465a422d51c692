"""Software splatting (software OpenGL): the same pixels as OpenGL for big scatter and plot
visuals, a kernel checked against a brute-force reference, and the cases left to OpenGL."""

import numpy as np
import pytest

from phyclone.plot import PlotCanvas, softraster
from phyclone.plot.softraster_kernels import points, strips, to_rgba8

from plot_pixels import H, W

pytestmark = pytest.mark.gl


def _disc_reference(layer_shape, x, y, size, color):
    """Brute force: every pixel centre within the sprite gets the fragment shader's coverage,
    blended in order."""
    h, w = layer_shape
    out = np.zeros((h, w, 4))
    jj, ii = np.mgrid[0:h, 0:w] + .5
    for k in range(len(x)):  # centres on the rasterizer's 1/256 pixel grid
        px, py = np.round((x[k] + 1) / 2 * w * 256) / 256, np.round((y[k] + 1) / 2 * h * 256) / 256
        inside = (np.abs(ii - px) <= size[k] / 2) & (np.abs(jj - py) <= size[k] / 2)
        d = np.hypot(ii - px, jj - py) - (size[k] - 1) / 2
        a = color[k, 3] * np.clip(.5 - d, 0, 1) * inside
        out[..., :3] = color[k, :3] * a[..., None] + out[..., :3] * (1 - a[..., None])
        out[..., 3] = a + out[..., 3] * (1 - a)
    return out


def test_points_kernel_matches_reference():
    rng = np.random.default_rng(1)
    n = 40
    x, y = rng.uniform(-.9, .9, n), rng.uniform(-.9, .9, n)
    size = rng.uniform(1.5, 9, n)
    color = rng.uniform(.2, 1, (n, 4))
    data = np.zeros((n, 9), dtype=np.float32)
    data[:, 0], data[:, 1], data[:, 3] = x, y, 1.
    data[:, 4:8], data[:, 8] = color, size
    layer = np.zeros((30, 40, 4), dtype=np.float32)
    rect = np.zeros(4, dtype=np.int64)
    points(layer, data, 0, 4, 8, -1, np.zeros(4), False, rect, 0, 30)
    ref = _disc_reference((30, 40), data[:, 0], data[:, 1], data[:, 8], data[:, 4:8])
    np.testing.assert_allclose(layer, ref, atol=2e-4)
    touched = np.nonzero(ref[..., 3] > 0)
    assert rect[0] <= touched[1].min() and rect[2] > touched[1].max()
    rgba = to_rgba8(layer, rect)
    assert rgba.shape == (rect[3] - rect[1], rect[2] - rect[0], 4)
    np.testing.assert_allclose(rgba / 255., ref[rect[1]:rect[3], rect[0]:rect[2]], atol=1 / 255)
    assert not layer.any()  # cleared for the next visual


def _strip_data(n, rng):
    data = np.zeros((n, 8), dtype=np.float32)
    data[:, 3] = 1.
    data[:, 0] = np.linspace(-.95, .95, n)
    data[:, 1] = rng.uniform(-.95, .95, n)
    data[:, 4:8] = rng.uniform(.2, 1, (n, 4))
    return data


@pytest.mark.parametrize("n_bands", [2, 3, 7])
def test_bands_draw_the_same_pixels(n_bands, monkeypatch):
    """Splitting the layer in bands of rows drawn by several threads gives exactly the
    pixels of one pass (overlapping markers and segments crossing the band edges)."""
    rng = np.random.default_rng(2)
    n = 3000
    pts = np.zeros((n, 9), dtype=np.float32)
    pts[:, 0], pts[:, 1], pts[:, 3] = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n), 1.
    pts[:, 4:8], pts[:, 8] = rng.uniform(.2, 1, (n, 4)), rng.uniform(1.5, 12, n)
    lines = _strip_data(500, rng)
    cases = [(points, (pts, 0, 4, 8, -1, np.zeros(4), False)),
             (strips, (lines, 0, 4, -1, np.zeros(4), np.array([0, 200]), np.array([200, 300])))]
    for f, args in cases:
        layers = []
        for bands in (1, n_bands):
            monkeypatch.setattr(softraster, "N_BANDS", bands)
            layer = np.zeros((61, 80, 4), dtype=np.float32)
            rect = softraster._in_bands(f, (layer,) + args, 61, 10 ** 6)
            touched = np.nonzero(layer[..., 3])
            assert (rect[0], rect[1]) == (touched[1].min(), touched[0].min())
            assert (rect[2], rect[3]) == (touched[1].max() + 1, touched[0].max() + 1)
            layers.append(layer)
        np.testing.assert_array_equal(layers[0], layers[1])


def test_strip_kernel_draws_connected_pixels_once():
    data = np.zeros((3, 8), dtype=np.float32)
    data[:, 3] = 1.
    data[:, 4:8] = (1., 0., 0., .5)
    data[:, 0] = (-.9, 0., .9)
    data[:, 1] = (-.5, .5, -.5)
    layer = np.zeros((40, 40, 4), dtype=np.float32)
    rect = np.zeros(4, dtype=np.int64)
    strips(layer, data, 0, 4, -1, np.zeros(4), np.array([0]), np.array([3]), rect, 0, 40)
    a = layer[..., 3]
    assert set(np.round(np.unique(a), 3)) == {0., .5}  # no pixel blended twice
    cols = np.nonzero(a.max(axis=0))[0]
    assert cols.min() <= 2 and cols.max() >= 37 and np.all(np.diff(cols) == 1)


def _scene(canvas, kind, rng):
    n = 6000
    if kind == "discs":
        canvas.scatter(pos=rng.normal(size=(n, 2)) * .4,
                       color=np.c_[rng.uniform(size=(n, 3)), np.full(n, .8)],
                       size=rng.uniform(2, 9, n))
    elif kind == "squares":
        canvas.scatter(pos=rng.normal(size=(n, 2)) * .4, color=(.2, .6, 1., .7), size=6,
                       marker="square")
    elif kind == "grid":
        canvas.set_layout("grid", shape=(2, 2))
        for i in range(2):
            for j in range(2):
                canvas.scatter(pos=rng.normal(size=(n, 2)) * .6, color=(1, .5, .2, .7),
                               size=5, box_index=(i, j))
    elif kind == "plot":
        y = rng.normal(size=(20, 300)) * .05 + np.linspace(-.9, .9, 20)[:, None]
        canvas.plot(y=y, color=np.c_[rng.uniform(.3, 1, (20, 3)), np.full(20, .8)])
    elif kind == "masks":
        canvas.uscatter(pos=rng.normal(size=(n, 2)) * .4, color=(1, 0, 0, 1), size=4,
                        masks=rng.uniform(size=n))


@pytest.mark.parametrize("kind", ["discs", "squares", "grid", "plot", "masks"])
def test_splatting_draws_what_opengl_draws(qapp, kind, monkeypatch):
    monkeypatch.setattr(softraster, "BAND_MIN_VERTICES", 0)  # bands in threads
    monkeypatch.setattr(softraster, "MIN_VERTICES", 2000)
    calls = []
    orig = softraster.splat
    monkeypatch.setattr(softraster, "splat", lambda *a: (calls.append(1), orig(*a)))
    images = []
    for soft in (False, True):
        c = PlotCanvas()
        c.resize(W, H)
        c.soft_raster = soft
        _scene(c, kind, np.random.default_rng(0))
        images.append(c.grab_image().astype(int))
        assert c.gl_errors == []
        c.close()
    assert calls  # the second canvas was splatted
    gl, soft = images
    lit_gl, lit_soft = gl[..., :3].max(-1) > 40, soft[..., :3].max(-1) > 40
    assert (lit_gl & lit_soft).sum() / (lit_gl | lit_soft).sum() > .9
    # One-pixel lines may land one pixel apart: compare 3x3 neighbourhood means.
    assert np.abs(_blur(gl) - _blur(soft)).mean() < 3


def _blur(img):
    p = np.pad(img[..., :3].astype(float), ((1, 1), (1, 1), (0, 0)), mode="edge")
    return sum(p[i:i + img.shape[0], j:j + img.shape[1]] for i in range(3) for j in range(3)) / 9


def test_opengl_draws_what_cannot_be_splatted(qapp, monkeypatch):
    monkeypatch.setattr(softraster, "MIN_VERTICES", 2000)
    calls = []
    monkeypatch.setattr(softraster, "splat", lambda *a: calls.append(1))
    c = PlotCanvas()
    c.resize(W, H)
    c.soft_raster = True
    rng = np.random.default_rng(0)
    n = 5000
    c.scatter(pos=rng.normal(size=(n, 2)) * .3, color=(1, 0, 0, 1), size=5,
              depth=rng.uniform(-1, 1, n))                       # depth test
    c.scatter(pos=rng.normal(size=(n, 2)) * .3, size=5, marker="cross")  # other marker
    c.scatter(pos=rng.normal(size=(100, 2)) * .3, size=5)        # few points
    img = c.grab_image()
    assert calls == [] and img[..., :3].max() > 200
    c.close()


def test_enabled(monkeypatch):
    from phyclone.utils.runtime import reload_policy
    try:
        monkeypatch.delenv("PHYCLONE_SOFT_RASTER", raising=False)
        reload_policy()
        assert softraster.enabled(True) and not softraster.enabled(False)
        monkeypatch.setenv("PHYCLONE_SOFT_RASTER", "0")
        reload_policy()
        assert not softraster.enabled(True)
        monkeypatch.setenv("PHYCLONE_SOFT_RASTER", "1")
        reload_policy()
        assert softraster.enabled(False)
    finally:
        monkeypatch.undo()
        reload_policy()


def test_unchanged_visual_reuses_its_layer(qapp, monkeypatch):
    """A frame where a splatted visual's data, uniforms and size did not change draws its
    last layer again (same pixels); new data or a pan-zoom splats it again."""
    monkeypatch.setattr(softraster, "MIN_VERTICES", 2000)
    calls = []
    orig = softraster._splat
    monkeypatch.setattr(softraster, "_splat", lambda *a: (calls.append(1), orig(*a))[1])
    rng = np.random.default_rng(3)
    c = PlotCanvas()
    c.resize(W, H)
    c.soft_raster = True
    c.enable_panzoom()
    v = c.scatter(pos=rng.normal(size=(6000, 2)) * .3, color=(1, .5, .2, .8), size=5)
    c.scatter(pos=rng.normal(size=(50, 2)) * .3, color=(0, 1, 0, 1), size=5)  # OpenGL
    first = c.grab_image()
    assert calls == [1]
    c.update()
    assert np.array_equal(c.grab_image(), first) and calls == [1]
    c.panzoom.pan_delta((.2, 0.))  # a uniform changed
    moved = c.grab_image()
    assert calls == [1, 1] and not np.array_equal(moved, first)
    c.panzoom.pan_delta((-.2, 0.))
    assert np.array_equal(c.grab_image(), first) and len(calls) == 3
    v.set_data(pos=rng.normal(size=(6000, 2)) * .3, color=(1, .5, .2, .8), size=5)
    assert not np.array_equal(c.grab_image(), first) and len(calls) == 4
    c.close()
