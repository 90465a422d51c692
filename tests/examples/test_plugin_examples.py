"""Every plugin of ``examples/plugins/``, installed as a user would (copied into the config
folder's ``plugins/``, enabled in ``phy_config.py``), in a real Template GUI on a small
synthetic dataset: each test checks the plugin's effect against a reference computed here."""

import numpy as np
import pytest

from phyclone.apps.demo import is_blank

from _controller_fixtures import press, type_snippet

pytestmark = pytest.mark.gl


def ids_of(c):
    return [int(x) for x in c.supervisor.clustering.cluster_ids]


def largest(c, k=1):
    """The ``k`` largest clusters, largest first."""
    return sorted(ids_of(c), key=c.supervisor.n_spikes, reverse=True)[:k]


def select(c, cluster_ids):
    c.supervisor.select(list(cluster_ids))
    c.supervisor.block()


def read_png(path):
    """(height, width, 3) uint8 pixels of a PNG file."""
    import matplotlib.pyplot as plt
    img = plt.imread(str(path))
    return (img[..., :3] * 255).round().astype(np.uint8) if img.dtype != np.uint8 \
        else img[..., :3]


def has_color(pixels, rgba, tol=40):
    """Whether some pixels are close to a colour (RGB components within ``tol``)."""
    rgb = (np.asarray(rgba[:3]) * 255).astype(int)
    return bool((np.abs(pixels.astype(int) - rgb).max(axis=-1) <= tol).any())


def spike_times(c, cluster_id):
    """Seconds of every spike of a cluster, from the model and the clustering (reference)."""
    sc = c.supervisor.clustering.spike_clusters
    return np.asarray(c.model.spike_samples)[sc == cluster_id] / c.model.sample_rate


# Columns -------------------------------------------------------------------------------------

def test_cluster_metrics(example_gui, qtbot, data_dir):
    from phyclone.utils.fileio import read_tsv
    c, gui = example_gui("cluster_metrics.py", "ExampleClusterMetricsPlugin")
    s = c.supervisor
    assert "meanisi" in s.cluster_view.columns and "meanisi" in s.similarity_view.columns

    def expected(cid):
        return np.diff(spike_times(c, cid)).mean() * 1e3

    for cid in ids_of(c):
        assert s.cluster_view.get(cid)["meanisi"] == pytest.approx(expected(cid), rel=1e-9)
    a, b = largest(c, 2)
    select(c, [a, b])
    press(qtbot, gui, "g", s)  # merge: the new cluster gets its value
    merged = s.selected[0]
    assert s.cluster_view.get(merged)["meanisi"] == pytest.approx(expected(merged), rel=1e-9)
    # Sorting by the new column orders the table by it.
    s.sort("meanisi", "asc")
    values = [s.cluster_view.get(i)["meanisi"] for i in s.cluster_view.get_ids()]
    assert values == sorted(values)
    press(qtbot, gui, "ctrl+s", s)
    rows = {r["cluster_id"]: r for r in read_tsv(data_dir / "cluster_info.tsv")}
    assert rows[merged]["meanisi"] == pytest.approx(expected(merged), rel=1e-6)


def test_waveform_metrics(example_gui):
    c, gui = example_gui("waveform_metrics.py", "ExampleWaveformMetricsPlugin")
    s = c.supervisor
    assert "trough_peak" in s.cluster_view.columns
    spike_templates = np.asarray(c.model.spike_templates)
    sc = s.clustering.spike_clusters
    for cid in ids_of(c):
        main = np.bincount(spike_templates[sc == cid]).argmax()
        t = c.model.get_template(int(main))
        best = np.ptp(t.template, axis=0).argmax()  # the channel of largest amplitude
        w = t.template[:, best]
        trough = w.argmin()
        peak = trough + w[trough:].argmax()
        assert s.cluster_view.get(cid)["trough_peak"] == pytest.approx(
            (peak - trough) / c.model.sample_rate * 1e3)


def test_custom_columns(example_gui):
    c, gui = example_gui("custom_columns.py", "ExampleCustomColumnsPlugin")
    s = c.supervisor
    assert s.cluster_view.columns == ["id", "ch", "fr", "n_spikes", "group"]
    assert s.similarity_view.columns == ["id", "ch", "fr", "n_spikes", "group", "similarity"]
    # Hidden metrics are still there for filters and for cluster_info.tsv.
    assert "amp" in s.cluster_info[0] and "depth" in s.cluster_info[0]
    amp = {cid: s.get_cluster_info(cid)["amp"] for cid in ids_of(c)}
    threshold = float(np.median(list(amp.values())))
    s.filter(f"amp > {threshold}")
    s.block()
    assert sorted(s.shown_cluster_ids) == sorted(k for k, v in amp.items() if v > threshold)


# Views ---------------------------------------------------------------------------------------

def add_view_from_menu(gui, name):
    """``View > Add <name>``, as the user would; returns the new view."""
    n = len(gui.list_views(name))
    gui.view_actions.get(f"Add {name}").trigger()
    views = gui.list_views(name)
    assert len(views) == n + 1
    return views[-1]


def show_clusters(qtbot, c, view, cluster_ids):
    """Select clusters and wait until ``view`` has drawn them."""
    n = view.n_plots_done
    select(c, cluster_ids)
    qtbot.waitUntil(lambda: view.n_plots_done > n and view.cluster_ids == list(cluster_ids))
    qtbot.wait(50)


def reference_features(c, cluster_id):
    """PC features of every spike of a cluster on its best channels, read from the model."""
    spike_ids = np.flatnonzero(c.supervisor.clustering.spike_clusters == cluster_id)
    return spike_ids, c.model.get_features(spike_ids, c.get_best_channels(cluster_id))


def test_matplotlib_view(example_gui, qtbot, tmp_path):
    from phyclone.gui import screenshot
    c, gui = example_gui("matplotlib_view.py", "ExampleMatplotlibViewPlugin")
    view = gui.get_view("FeatureDensityView")  # opened by the plugin at start-up
    assert view is not None and view.dock.isVisible()
    cid = largest(c)[0]
    show_clusters(qtbot, c, view, [cid])
    spike_ids, features = reference_features(c, cid)
    counts, x_edges, y_edges = np.histogram2d(features[:, 0, 0], features[:, 1, 0],
                                              bins=view.n_bins)
    np.testing.assert_array_equal(view.data.counts, counts)
    np.testing.assert_allclose(view.data.x_edges, x_edges)
    mesh, = view.axes[0, 0].collections
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).ravel(), counts.T.ravel())
    qtbot.wait(100)  # the figure canvas redraws on idle
    assert not is_blank(screenshot(view.dock.widget(), tmp_path / "density.png"))


def test_opengl_view(example_gui, qtbot, tmp_path):
    from phyclone.utils.colors import selected_cluster_color
    c, gui = example_gui("opengl_view.py", "ExampleOpenGLViewPlugin")
    view = gui.get_view("PeakTemplateView")
    assert view is not None and view.dock.isVisible()
    pair = largest(c, 2)
    show_clusters(qtbot, c, view, pair)
    assert view.canvas.stacked.n_boxes == 2 and not view.canvas.gl_errors
    sc = c.supervisor.clustering.spike_clusters
    for cid in pair:  # the main template on its channel of largest amplitude
        main = np.bincount(np.asarray(c.model.spike_templates)[sc == cid]).argmax()
        t = c.model.get_template(int(main))
        np.testing.assert_allclose(view.data[cid].template[:, 0],
                                   t.template[:, np.ptp(t.template, axis=0).argmax()],
                                   rtol=1e-5)
    pixels = read_png(view.screenshot(tmp_path / "peak.png"))
    rows = []
    for i in range(2):  # each cluster drawn in its colour, the first one above
        rgb = (np.asarray(selected_cluster_color(i)[:3]) * 255).astype(int)
        hit = np.abs(pixels.astype(int) - rgb).max(axis=-1) <= 40
        assert hit.sum() > 20, i
        rows.append(np.flatnonzero(hit.any(axis=1)))
    assert rows[0].max() < rows[1].min()


def test_cluster_stats_view(example_gui, qtbot, tmp_path):
    from phyclone.cluster.views.histogram import compute_histogram
    c, gui = example_gui("cluster_stats.py", "ExampleClusterStatsPlugin")
    view = add_view_from_menu(gui, "FeatureHistogramView")
    cid = largest(c)[0]
    show_clusters(qtbot, c, view, [cid])
    _, features = reference_features(c, cid)
    x = features[:, 0, 0]
    expected, _ = np.histogram(x, bins=view.n_bins, range=(x.min(), x.max()), density=True)
    b, = view.data.bunchs
    np.testing.assert_allclose(b.histogram, expected, rtol=1e-5)
    np.testing.assert_allclose(compute_histogram(x, x.min(), x.max(), 60), expected, rtol=1e-5)
    assert not view.canvas.gl_errors
    assert not is_blank(view.screenshot(tmp_path / "hist.png"))
    # The histogram snippets of the view: `:fhn 20` sets 20 bins.
    type_snippet(qtbot, gui, ":fhn 20", c.supervisor)
    qtbot.waitUntil(lambda: len(view.data.bunchs[0].histogram) == 20)


def test_waveform_pca_view(example_gui, qtbot, tmp_path):
    from phyclone.qt import QPoint, Qt
    c, gui = example_gui("waveform_pca_view.py", "ExampleWaveformPCAPlugin")
    view = add_view_from_menu(gui, "WaveformPCAView")
    pair = largest(c, 2)
    show_clusters(qtbot, c, view, pair)
    b, = view.data.bunchs
    sc = c.supervisor.clustering.spike_clusters
    assert set(sc[b.spike_ids]) == set(pair)
    # Reference: the projection on the two main eigenvectors of the covariance matrix.
    w = c.model.get_waveforms(b.spike_ids, None, filtered=True)
    x = np.asarray(w, dtype=np.float64).reshape(len(b.spike_ids), -1)
    x -= x.mean(axis=0)
    values, vectors = np.linalg.eigh(x.T @ x)
    ref = x @ vectors[:, ::-1][:, :2]
    for k in range(2):  # principal axes are defined up to their sign
        sign = np.sign(ref[:, k] @ b.pos[:, k])
        np.testing.assert_allclose(b.pos[:, k], sign * ref[:, k], rtol=1e-4,
                                   atol=1e-4 * np.abs(ref[:, k]).max())
    assert not is_blank(view.screenshot(tmp_path / "pca.png"))
    # A lasso around the whole plot, then `k`: every spike of both clusters is split off,
    # also those not displayed (the lasso asks for all of them).
    spikes = np.flatnonzero(np.isin(sc, pair))
    assert len(spikes) > len(b.spike_ids)
    w_, h_ = view.canvas.width(), view.canvas.height()
    for fx, fy in ((.01, .01), (.99, .01), (.99, .99), (.01, .99)):
        qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier,
                         QPoint(int(fx * w_), int(fy * h_)))
    press(qtbot, gui, "k", c.supervisor)
    new, = c.supervisor.selected
    np.testing.assert_array_equal(
        np.flatnonzero(c.supervisor.clustering.spike_clusters == new), spikes)
