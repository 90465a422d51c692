import json

import numpy as np
import pytest

from phyclone.utils.colors import (
    BLANK, ClusterColorSelector, add_alpha, add_selected_clusters_colors, colormaps,
    get_colormap, lab_to_rgb, rgb_to_lab, selected_cluster_color, spike_colors,
)

GREY = BLANK + (1.0,)


def test_lab_round_trip_and_reference_values():
    rgb = np.random.default_rng(0).uniform(size=(1000, 3))
    np.testing.assert_allclose(lab_to_rgb(rgb_to_lab(rgb)), rgb, atol=1e-6)
    np.testing.assert_allclose(rgb_to_lab([1, 1, 1]), [100, 0, 0], atol=1e-3)
    np.testing.assert_allclose(rgb_to_lab([0, 0, 0]), [0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(rgb_to_lab([1, 0, 0]), [53.24, 80.09, 67.20], atol=0.05)


def test_selection_palette_as_phy():
    blue, red = selected_cluster_color(0), selected_cluster_color(1)
    assert blue == pytest.approx((0.031, 0.573, 0.988, 1.0))
    assert red == pytest.approx((1.0, 0.008, 0.008, 1.0))
    assert selected_cluster_color(2, alpha=0.5)[3] == 0.5
    assert selected_cluster_color(256) == blue  # cycles
    assert all(isinstance(x, float) for x in blue)


def test_palette_is_distinct_and_visible():
    pal = colormaps.default
    assert pal.shape == (256, 3) and pal.min() >= 0 and pal.max() <= 1
    lab = rgb_to_lab(pal)
    assert lab[8:, 0].min() >= 39  # visible on the black background
    d = np.linalg.norm(lab[:, None] - lab[None], axis=-1) + np.eye(len(lab)) * 1e9
    assert d.min() > 5  # no two palette colours alike
    assert np.linalg.norm(lab[1:32] - lab[:31], axis=1).min() > 20  # neighbours far apart
    for grey in [(0.4,) * 3, (0.5,) * 3, (0.75,) * 3]:  # never confused with group greys
        assert np.linalg.norm(lab[8:] - rgb_to_lab(grey), axis=1).min() > 15
    assert colormaps.categorical is colormaps["categorical"]


@pytest.mark.parametrize("name", ["rainbow", "linear", "diverging"])
def test_continuous_colormaps_perceptually_even(name):
    cmap = colormaps[name]
    assert cmap.shape == (256, 3) and cmap.min() >= 0 and cmap.max() <= 1
    steps = np.linalg.norm(np.diff(rgb_to_lab(cmap), axis=0), axis=1)
    assert steps.max() < 2.0 * np.median(steps)


def test_colormap_lookup():
    assert colormaps["viridis"].shape == (256, 3)  # from matplotlib
    assert colormaps.cluster_group.shape == (4, 3)
    with pytest.raises(KeyError):
        colormaps["no_such_colormap"]
    with pytest.raises(ValueError):
        get_colormap(np.zeros((3, 2)))
    np.testing.assert_array_equal(get_colormap([[0, 0, 0, 1]]), [[0, 0, 0]])
    with pytest.raises(ValueError):
        colormaps.default[0, 0] = 1  # shared arrays are read-only


def test_add_alpha():
    assert add_alpha((0.1, 0.2, 0.3), 0.5) == (0.1, 0.2, 0.3, 0.5)
    assert add_alpha((0.1, 0.2, 0.3, 1.0), 0.5) == (0.1, 0.2, 0.3, 0.5)
    out = add_alpha(np.zeros((2, 5, 3), np.float32), 0.25)
    assert out.shape == (2, 5, 4) and out.dtype == np.float32 and np.all(out[..., 3] == 0.25)
    assert add_alpha(np.ones((3, 4)), 0.1)[:, 3].tolist() == [0.1] * 3
    with pytest.raises(ValueError):
        add_alpha(np.zeros((3, 2)))


def test_spike_colors_and_selected_clusters():
    sc = spike_colors(np.array([7, 3, 3, 9, 7]), [3, 7], alpha=0.5)
    assert sc.shape == (5, 4) and sc.dtype == np.float32
    np.testing.assert_allclose(sc[1], selected_cluster_color(0, 0.5), atol=1e-6)
    np.testing.assert_allclose(sc[0], selected_cluster_color(1, 0.5), atol=1e-6)
    np.testing.assert_allclose(sc[3], BLANK + (0.5,), atol=1e-6)

    far = spike_colors(np.array([10**12, 5, -3]), [-3, 10**12])  # sparse ids: searchsorted path
    np.testing.assert_allclose(far[:, :3], [selected_cluster_color(1)[:3], BLANK,
                                            selected_cluster_color(0)[:3]], atol=1e-6)

    colors = np.zeros((4, 4))
    add_selected_clusters_colors([10, 99, 30], [10, 20, 30, 40], colors)
    np.testing.assert_allclose(colors[0], selected_cluster_color(0))
    np.testing.assert_allclose(colors[2], selected_cluster_color(2))  # 99 absent keeps index 2
    assert not colors[1].any() and not colors[3].any()


# ClusterColorSelector ---------------------------------------------------------------------

@pytest.fixture
def selector():
    ids = list(range(10))
    labels = {
        "group": {0: "good", 1: "mua", 2: "noise", 3: None, 4: "unsorted", 5: "odd", 6: "Good"},
        "snr": {i: float(i) for i in range(8)} | {8: float("nan")},
        "channel_group": {i: i % 2 for i in ids},
        "comment": {1: "b", 2: "a", 3: "b"},
    }
    metrics = {"fr": lambda c: [0, 0.1, 1, 10, 100, 5, 5, 5, 5, 5][c], "depth": lambda c: 20.0 * c}
    return ClusterColorSelector(cluster_ids=ids, cluster_metrics=metrics, cluster_labels=labels)


def test_random_by_default_stable(selector):
    assert selector.state["fun"] == "random" and selector.categorical
    c3 = selector.get_colors([3, 7])
    selector.set_cluster_ids([3, 7, 11, 100])
    np.testing.assert_array_equal(selector.get_colors([3, 7]), c3)
    np.testing.assert_allclose(c3[0, :3], colormaps.categorical[3], atol=1e-6)
    assert not np.allclose(c3[0], c3[1])


def test_group_colours_as_phy(selector):
    selector.set_color_mapping("group")
    assert selector.state == {"fun": "group", "colormap": "cluster_group", "categorical": True,
                              "logarithmic": False}
    colors = selector.get_colors(list(range(10)))
    group = colormaps.cluster_group
    np.testing.assert_allclose(colors[0, :3], group[2], atol=1e-6)  # good
    np.testing.assert_allclose(colors[1, :3], group[1], atol=1e-6)  # mua
    np.testing.assert_allclose(colors[2, :3], group[0], atol=1e-6)  # noise
    np.testing.assert_allclose(colors[3, :3], group[3], atol=1e-6)  # None = unsorted
    np.testing.assert_allclose(colors[4, :3], group[3], atol=1e-6)
    np.testing.assert_allclose(colors[6, :3], group[2], atol=1e-6)  # case-insensitive
    assert not any(np.allclose(colors[5, :3], g) for g in group)  # a custom group: own colour
    # Labels are read live: relabelling a cluster changes its colour.
    selector.cluster_labels["group"][3] = "good"
    np.testing.assert_allclose(selector.get(3)[:3], group[2], atol=1e-6)


def test_continuous_metric_range_and_nan(selector):
    selector.set_color_mapping("snr")
    assert not selector.categorical and selector.state["colormap"] == "linear"
    assert (selector.vmin, selector.vmax) == (0.0, 7.0)
    colors = selector.get_colors(list(range(10)), alpha=0.3)
    assert colors.shape == (10, 4) and colors.dtype == np.float32
    cmap = colormaps.linear
    np.testing.assert_allclose(colors[0, :3], cmap[0], atol=1e-6)
    np.testing.assert_allclose(colors[7, :3], cmap[-1], atol=1e-6)
    np.testing.assert_allclose(colors[8], BLANK + (0.3,), atol=1e-6)  # NaN
    np.testing.assert_allclose(colors[9], BLANK + (0.3,), atol=1e-6)  # missing
    assert np.all(colors[:, 3] == np.float32(0.3))
    # Values outside the range (set_cluster_ids not yet called after an update) are clipped.
    np.testing.assert_allclose(selector.map(np.array([-5.0, 50.0])), cmap[[0, -1]])


def test_map_is_linear_in_value():
    sel = ClusterColorSelector(lambda c: float(c), cluster_ids=np.arange(256), colormap="rainbow")
    np.testing.assert_allclose(sel.get_colors(np.arange(256))[:, :3], colormaps.rainbow, atol=1e-6)


def test_logarithmic(selector):
    selector.set_color_mapping("fr")  # firing rates are logarithmic by default, as phy
    assert selector.logarithmic and (selector.vmin, selector.vmax) == (0.1, 100.0)
    colors = selector.get_colors([0, 1, 2, 3, 4])
    cmap = colormaps.linear
    np.testing.assert_allclose(colors[0, :3], BLANK, atol=1e-6)  # 0: no log → grey
    np.testing.assert_allclose(colors[1, :3], cmap[0], atol=1e-6)
    np.testing.assert_allclose(colors[2, :3], cmap[85], atol=1e-6)  # 1 Hz: a third of the way
    np.testing.assert_allclose(colors[4, :3], cmap[-1], atol=1e-6)
    selector.set_color_mapping(logarithmic=False)
    assert not selector.logarithmic and selector.vmin == 0


def test_categorical_inference_and_string_stability(selector):
    selector.set_color_mapping("channel_group")
    assert selector.categorical  # few distinct integers
    selector.set_color_mapping("depth")
    assert not selector.categorical  # metrics are continuous
    selector.set_color_mapping("comment")
    assert selector.categorical
    a, b = selector.get(2), selector.get(1)
    assert a != b and selector.get(3) == b and selector.get(0) == GREY
    selector.cluster_labels["comment"][4] = "0_new"  # sorts first, but keeps old colours
    selector.set_cluster_ids(list(range(10)))
    assert selector.get(2) == a and selector.get(1) == b and selector.get(4) not in (a, b)


def test_explicit_settings_and_state_round_trip(selector):
    selector.set_color_mapping("depth", colormap="diverging", logarithmic=False)
    state = selector.state
    assert json.loads(json.dumps(state)) == state
    other = ClusterColorSelector(cluster_ids=range(10), cluster_metrics=selector.cluster_metrics)
    other.set_color_mapping(**state)
    np.testing.assert_array_equal(other.get_colors(range(10)), selector.get_colors(range(10)))
    selector.set_color_mapping(colormap="rainbow")  # keeps the field
    assert selector.state["fun"] == "depth" and selector.state["colormap"] == "rainbow"
    arr = ClusterColorSelector("depth", colormap=[[0, 0, 0], [1, 1, 1]], cluster_ids=[0, 1],
                               cluster_metrics=selector.cluster_metrics)
    assert arr.state["colormap"] == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    assert arr.get(1) == (1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="Unknown colour field"):
        selector.set_color_mapping("nope")
    assert selector.fields == ["random", "channel_group", "comment", "depth", "fr", "group", "snr"]


def test_phy_style_function():
    # phy's controller passes a function returning the group index, with cluster_group.
    sel = ClusterColorSelector(lambda c: c % 4, colormap="cluster_group", categorical=True,
                               cluster_ids=range(8))
    np.testing.assert_allclose(sel.get_colors(range(8))[:, :3], colormaps.cluster_group[
        [0, 1, 2, 3, 0, 1, 2, 3]], atol=1e-6)
    assert sel.get(2, alpha=0.5) == pytest.approx(tuple(colormaps.cluster_group[2]) + (0.5,))


def test_constant_and_empty():
    sel = ClusterColorSelector(lambda c: None, cluster_ids=[])
    assert sel.get_colors([1, 2]).tolist() == [list(GREY)] * 2
    assert sel.get_colors([]).shape == (0, 4)
    sel = ClusterColorSelector(lambda c: 5.0, cluster_ids=[1, 2], categorical=False)
    colors = sel.get_colors([1, 2])  # zero range: no division by zero
    assert np.isfinite(colors).all() and np.allclose(colors[0], colors[1])


def test_mixed_label_types():
    labels = {"flag": {0: True, 1: False, 2: 3, 3: "x", 4: np.int32(3), 5: 2.0}}
    sel = ClusterColorSelector("flag", cluster_ids=range(7), cluster_labels=labels)
    assert sel.categorical
    codes = sel.get_values(range(7))
    assert codes[2] == codes[4] == 3 and codes[5] == 2 and codes[6] == -1
    assert len({codes[0], codes[1], codes[3]}) == 3  # booleans and strings are categories
    assert sel.get_colors(range(7)).shape == (7, 4)
    np.testing.assert_allclose(sel.map(np.array(["x"]))[0], sel.get(3)[:3])
