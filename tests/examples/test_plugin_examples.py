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


def test_custom_columns(example_gui, qtbot, data_dir):
    from phyclone.utils.fileio import read_tsv
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
    press(qtbot, gui, "ctrl+s", s)
    header = read_tsv(data_dir / "cluster_info.tsv")[0]
    assert {"amp", "depth", "ch", "fr", "n_spikes", "group"} <= set(header)


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
    qtbot.waitUntil(lambda: view.n_plots_done > n and view.cluster_ids == list(cluster_ids),
                    timeout=20000)
    runner = getattr(view, "_runner", None)  # no newer data being prepared
    qtbot.waitUntil(lambda: runner is None or not runner.is_busy(), timeout=20000)


def reference_features(c, cluster_id):
    """PC features of every spike of a cluster on its best channels, read from the model."""
    spike_ids = np.flatnonzero(c.supervisor.clustering.spike_clusters == cluster_id)
    return spike_ids, c.model.get_features(spike_ids, c.get_best_channels(cluster_id))


def test_matplotlib_view(example_gui, qtbot, tmp_path):
    from phyclone.gui import screenshot
    c, gui = example_gui("matplotlib_view.py", "ExampleMatplotlibViewPlugin",
                         enable_threading=True)
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
    # the figure canvas redraws on idle
    qtbot.waitUntil(lambda: not is_blank(screenshot(view.dock.widget(),
                                                    tmp_path / "density.png")))


def test_opengl_view(example_gui, qtbot, tmp_path):
    from phyclone.utils.colors import selected_cluster_color
    c, gui = example_gui("opengl_view.py", "ExampleOpenGLViewPlugin",
                         enable_threading=True)
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
    c, gui = example_gui("cluster_stats.py", "ExampleClusterStatsPlugin",
                         enable_threading=True)
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
    c, gui = example_gui("waveform_pca_view.py", "ExampleWaveformPCAPlugin",
                         enable_threading=True)
    view = add_view_from_menu(gui, "WaveformPCAView")
    pair = largest(c, 2)
    show_clusters(qtbot, c, view, pair)
    b, = view.data.bunchs
    sc = c.supervisor.clustering.spike_clusters
    assert set(sc[b.spike_ids]) == set(pair)
    # Reference: the projection on the two main eigenvectors of the covariance matrix.
    channels = np.unique(np.concatenate([c.get_best_channels(i) for i in pair]))
    w = c.model.get_waveforms(b.spike_ids, channels, filtered=True)
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


PHY_STYLE_VIEW = """
import numpy as np
from phy import IPlugin
from phy.cluster.views import ManualClusteringView
from phy.plot.visuals import PlotVisual
from phylib.utils.color import selected_cluster_color


class PeakChannelView(ManualClusteringView):
    def __init__(self, templates=None):
        super().__init__()
        self.templates = templates
        self.canvas.set_layout("stacked", n_plots=1)
        self.visual = PlotVisual()
        self.canvas.add_visual(self.visual)

    def on_select(self, cluster_ids=(), **kwargs):  # phy's way: draw right here
        self.cluster_ids = cluster_ids
        if not cluster_ids:
            return
        self.canvas.stacked.n_boxes = len(cluster_ids)
        templates = self.templates(cluster_ids)
        self.visual.reset_batch()
        for i, cluster_id in enumerate(cluster_ids):
            y = templates[cluster_id].template[:, 0]
            self.visual.add_batch_data(x=np.linspace(-1, 1, len(y)), y=y,
                                       color=selected_cluster_color(i),
                                       data_bounds=(-1, y.min(), 1, y.max()), box_index=i)
        self.canvas.update_visual(self.visual)
        self.canvas.update()
        self.n_plots_done += 1


class PhyStyleViewPlugin(IPlugin):
    def attach_to_controller(self, controller):
        controller.view_creator["PeakChannelView"] = lambda: PeakChannelView(
            templates=controller.get_templates)
"""


def test_phy_style_view(example_gui, qtbot, tmp_path):
    """A view written as phy's OpenGL example (drawing in ``on_select``, phy's imports)."""
    c, gui = example_gui("phy_style_view.py", "PhyStyleViewPlugin", source=PHY_STYLE_VIEW)
    view = add_view_from_menu(gui, "PeakChannelView")
    show_clusters(qtbot, c, view, largest(c, 2))
    assert view.canvas.stacked.n_boxes == 2 and not view.canvas.gl_errors
    assert not is_blank(view.screenshot(tmp_path / "phy_style.png"))


PHY_STYLE_MPL_VIEW = """
from phy import IPlugin
from phy.cluster.views import ManualClusteringView
from phy.plot.plot import PlotCanvasMpl


class AmplitudeHistView(ManualClusteringView):
    plot_canvas_class = PlotCanvasMpl

    def __init__(self, amplitudes=None):
        super().__init__()
        self.amplitudes = amplitudes

    def on_select(self, cluster_ids=(), **kwargs):  # phy's way: draw right here
        self.cluster_ids = cluster_ids
        if not cluster_ids:
            return
        self.canvas.ax.clear()
        self.canvas.ax.hist(self.amplitudes(cluster_ids[0]), 30)
        self.canvas.update()
        self.n_plots_done += 1


class PhyStyleMplViewPlugin(IPlugin):
    def attach_to_controller(self, controller):
        controller.view_creator["AmplitudeHistView"] = lambda: AmplitudeHistView(
            amplitudes=lambda cid: controller.get_amplitudes(cid, load_all=True))
"""


def test_phy_style_matplotlib_view(example_gui, qtbot, tmp_path):
    """A view written as phy's matplotlib example (``plot_canvas_class = PlotCanvasMpl``,
    ``canvas.ax``, drawing in ``on_select``)."""
    from phyclone.gui import screenshot
    c, gui = example_gui("phy_style_mpl.py", "PhyStyleMplViewPlugin",
                         source=PHY_STYLE_MPL_VIEW)
    view = add_view_from_menu(gui, "AmplitudeHistView")
    assert view.dock.widget() is view.canvas
    cid = largest(c)[0]
    show_clusters(qtbot, c, view, [cid])
    amp = np.asarray(c.model.amplitudes)[c.supervisor.clustering.spike_clusters == cid]
    heights = [p.get_height() for p in view.canvas.ax.patches]
    np.testing.assert_array_equal(heights, np.histogram(amp, 30)[0])
    qtbot.waitUntil(lambda: not is_blank(screenshot(view.canvas,
                                                    tmp_path / "phy_style_mpl.png")))
    assert not is_blank(view.screenshot(tmp_path / "phy_style_mpl_view.png"))


# Actions and events --------------------------------------------------------------------------

def test_hello(example_gui, qtbot, capsys):
    c, gui = example_gui("hello.py", "ExampleHelloPlugin")
    a, b = largest(c, 2)
    select(c, [a, b])
    capsys.readouterr()
    press(qtbot, gui, "g", c.supervisor)
    merged = c.supervisor.selected[0]
    assert f"Clusters update: merge {sorted([a, b])} -> [{merged}]" in capsys.readouterr().out


def test_n_spikes_views(example_gui, qtbot):
    c, gui = example_gui("n_spikes_views.py", "ExampleNspikesViewsPlugin")
    assert (c.n_spikes_waveforms, c.n_spikes_features, c.n_spikes_features_background,
            c.n_spikes_amplitudes, c.n_spikes_correlograms) == (250, 5000, 1000, 5000, 50000)
    cid = largest(c)[0]
    assert c.supervisor.n_spikes(cid) > 250
    wv = gui.get_view("WaveformView")
    show_clusters(qtbot, c, wv, [cid])
    assert wv.waveforms["waveforms"](cid).data.shape[0] == 250
    assert (c.model.n_closest_channels, c.model.amplitude_threshold) == (8, .1)


def test_actions(example_gui, qtbot):
    from phyclone.gui import preset_answers
    c, gui = example_gui("action_status_bar.py", "ExampleActionPlugin")
    s = c.supervisor
    press(qtbot, gui, "ctrl+alt+h", s)
    assert gui.status_message == "Hello world"
    type_snippet(qtbot, gui, ":fc 3", s)
    assert s.selected == s.shown_cluster_ids[:3]
    s.sort("id", "asc")
    s.block()
    with preset_answers() as asked:  # the shortcut asks for N: the proposed 5 accepted
        press(qtbot, gui, "ctrl+alt+f", s)
    assert [d.kind for d in asked] == ["input"] and asked[0].answer == ("5", True)
    assert s.selected == sorted(ids_of(c))[:5]
    with preset_answers("4"):
        press(qtbot, gui, "ctrl+alt+f", s)
    assert s.selected == sorted(ids_of(c))[:4]
    assert "select_first_clusters" in [a.objectName() for a in
                                       gui.get_submenu("Sele&ct", "My submenu").actions()]


def test_filter_action(example_gui, qtbot):
    c, gui = example_gui("filter_action.py", "ExampleFilterFiringRatePlugin")
    s = c.supervisor
    duration = c.model.duration
    rate = {cid: s.n_spikes(cid) / max(1., duration) for cid in ids_of(c)}
    threshold = sorted(rate.values())[len(rate) // 2]
    type_snippet(qtbot, gui, f":fr {threshold}", s)
    expected = sorted(cid for cid, r in rate.items() if r > threshold)
    assert 0 < len(expected) < len(rate)
    assert sorted(s.shown_cluster_ids) == expected
    press(qtbot, gui, "esc", s)  # clear the filter
    assert sorted(s.shown_cluster_ids) == sorted(rate)


def _check_kmeans_partition(c, spike_ids, x, new_clusters):
    """The new clusters hold exactly ``spike_ids``, and each spike's feature row ``x`` is
    closest to the mean of its own cluster (a fixed point of Lloyd's algorithm)."""
    sc = c.supervisor.clustering.spike_clusters
    labels = sc[spike_ids]
    assert sorted(set(labels)) == sorted(new_clusters)
    assert sum(c.supervisor.n_spikes(n) for n in new_clusters) == len(spike_ids)
    means = np.array([x[labels == n].mean(axis=0) for n in new_clusters])
    nearest = ((x[:, None, :] - means[None]) ** 2).sum(-1).argmin(axis=1)
    np.testing.assert_array_equal(np.asarray(new_clusters)[nearest], labels)


def test_custom_split_kmeans(example_gui, qtbot):
    c, gui = example_gui("custom_split.py", "ExampleCustomSplitPlugin")
    s = c.supervisor
    first, second = largest(c, 2)
    before = s.clustering.spike_clusters.copy()

    spike_ids, features = reference_features(c, first)
    select(c, [first])
    press(qtbot, gui, "s", s)  # k = 2
    new = s.selected
    assert len(new) == 2 and first not in ids_of(c)
    _check_kmeans_partition(c, spike_ids, features.reshape(len(spike_ids), -1), new)
    others = ~np.isin(before, [first])
    np.testing.assert_array_equal(s.clustering.spike_clusters[others], before[others])

    spike_ids, features = reference_features(c, second)
    select(c, [second])
    type_snippet(qtbot, gui, ":ks 3", s)
    assert len(s.selected) == 3
    _check_kmeans_partition(c, spike_ids, features.reshape(len(spike_ids), -1), s.selected)

    press(qtbot, gui, "ctrl+z", s)
    press(qtbot, gui, "ctrl+z", s)
    np.testing.assert_array_equal(s.clustering.spike_clusters, before)


def test_custom_similarity(example_gui, qtbot):
    c, gui = example_gui("custom_similarity.py", "ExampleSimilarityPlugin")
    s = c.supervisor
    assert c.similarity == "mean_waveform"

    def dense(cid):  # the mean waveform on all channels, zeros outside its best channels
        b = c._get_mean_waveforms(cid)
        out = np.zeros((b.data.shape[1], c.model.n_channels))
        out[:, b.channel_ids] = b.data[0]
        return out.ravel()

    def expected(cid):
        ref = dense(cid)
        sims = {o: ref @ dense(o) / np.sqrt((ref @ ref) * (dense(o) @ dense(o)))
                for o in ids_of(c) if o != cid}
        return sorted(sims, key=sims.get, reverse=True), sims

    cid = largest(c)[0]
    select(c, [cid])
    order, sims = expected(cid)
    assert s.similarity_view.get_ids() == order
    for o in order:
        assert s.similarity_view.get(o)["similarity"] == pytest.approx(sims[o], rel=1e-6)
    # After a merge, the new cluster is compared too (nothing stale is kept).
    a, b = order[-2:]
    s.merge([a, b])
    s.block()
    select(c, [cid])
    order, sims = expected(cid)
    assert s.similarity_view.get_ids() == order and s.selected == [cid]
    press(qtbot, gui, "space", s)  # the wizard's next similar cluster: the most similar
    assert s.selected == [cid, order[0]]


def test_raw_data_filter(example_gui, qtbot):
    from scipy.signal import butter, sosfiltfilt
    c, gui = example_gui("raw_data_filter.py", "ExampleRawDataFilterPlugin")
    s = c.supervisor
    assert c.raw_data_filter.names == ["raw", "high_pass", "band_pass"]
    cid = largest(c)[0]
    wv = gui.get_view("WaveformView")
    show_clusters(qtbot, c, wv, [cid])
    n = wv.n_plots_done
    press(qtbot, gui, "alt+r", s)  # high_pass -> band_pass
    assert c.raw_data_filter.current == "band_pass" and "band_pass" in gui.status_message
    qtbot.waitUntil(lambda: wv.n_plots_done > n)
    assert wv.ex_status == "band_pass"
    b = wv.waveforms["waveforms"](cid)
    sos = butter(3, (300., 3000.), btype="bandpass", fs=c.model.sample_rate, output="sos")
    raw = np.asarray(c.model.get_waveforms(b.spike_ids, b.channel_ids), dtype=np.float64)
    ref = sosfiltfilt(sos, raw, axis=1)
    ref -= np.median(ref, axis=1)[:, None, :]
    np.testing.assert_allclose(b.data, ref, rtol=1e-3, atol=1e-3 * np.abs(ref).max())
    # The trace view shows the band-passed traces too.
    start, stop = 30000, 33000
    traces = c._read_traces(start, stop)
    raw = np.fromfile(c.model.dat_path[0] if isinstance(c.model.dat_path, (list, tuple))
                      else c.model.dat_path, dtype=c.model.dtype).reshape(
                          -1, c.model.n_channels_dat)[start:stop][:, c.model.channel_mapping]
    ref = sosfiltfilt(sos, raw.astype(np.float64), axis=0)
    ref -= ref.mean(axis=0)
    np.testing.assert_allclose(traces, ref, rtol=1e-3, atol=1e-3 * np.abs(ref).max())


def test_custom_button(example_gui, qtbot):
    from phyclone.qt import Qt
    c, gui = example_gui("custom_button.py", "ExampleCustomButtonPlugin")
    wv = gui.get_view("WaveformView")
    button = wv.dock.get_widget("next_waveforms_type")
    assert button.isVisible()
    types = wv.waveforms_types.keys()
    seen = [wv.waveforms_type]
    for _ in range(len(types)):
        qtbot.mouseClick(button, Qt.LeftButton)
        seen.append(wv.waveforms_type)
    assert seen == [types[(types.index(seen[0]) + i) % len(types)] for i in range(len(seen))]


def test_color_scheme(example_gui, qtbot, tmp_path):
    from phyclone.utils.colors import get_colormap
    c, gui = example_gui("color_scheme.py", "ExampleColorSchemePlugin")
    view = add_view_from_menu(gui, "ClusterScatterView")
    assert "template_amplitude" in view.color_schemes.keys()
    view.actions.get("Change color scheme to template_amplitude").trigger()
    assert view.color_scheme == "template_amplitude"
    ids = ids_of(c)
    amp = np.array([c.get_cluster_amplitude(i) for i in ids])
    cmap = get_colormap("rainbow")
    idx = np.round((amp - amp.min()) / (amp.max() - amp.min()) * (len(cmap) - 1)).astype(int)
    np.testing.assert_allclose(view.get_cluster_colors(ids)[:, :3], cmap[idx], atol=1e-6)
    qtbot.waitUntil(lambda: not is_blank(view.screenshot(tmp_path / "scatter.png")))


def test_font_size(example_gui, monkeypatch):
    from phyclone.plot import TextVisual
    monkeypatch.setattr(TextVisual, "default_font_size", TextVisual.default_font_size)
    assert TextVisual().font_size == 8.
    c, gui = example_gui("font_size.py", "ExampleFontSizePlugin")
    assert gui.get_view("ISIView").text_visual.font_size == 6.
    assert TextVisual().font_size == 6.


def test_feature_view_custom_grid(example_gui, qtbot, tmp_path):
    c, gui = example_gui("feature_view_custom_grid.py", "ExampleCustomFeatureViewPlugin")
    fv = gui.get_view("FeatureView")
    assert fv.grid_dim == [["0A,1A", "1A,2A", "2A,0A"], ["0B,1B", "1B,2B", "2B,0B"],
                           ["0C,1C", "1C,2C", "2C,0C"]]
    assert fv.canvas.grid.shape == (3, 3)
    show_clusters(qtbot, c, fv, largest(c, 1))
    assert not fv.canvas.gl_errors
    assert not is_blank(fv.screenshot(tmp_path / "features.png"))


def test_ipython_view(example_gui):
    c, gui = example_gui("ipython_view.py", "ExampleIPythonViewPlugin")
    view = add_view_from_menu(gui, "IPythonView")
    ns = view.shell.user_ns
    assert ns["wv"] is gui.get_view("WaveformView")
    assert ns["c"] is ns["controller"] is c and ns["s"] is c.supervisor and ns["m"] is c.model
    assert ns["gui"] is gui and {"np", "plt", "emit", "connect"} <= set(ns)
    view.execute("n_types = len(wv.waveforms_types.keys())")
    wv = gui.get_view("WaveformView")
    assert view.shell.user_ns["n_types"] == len(wv.waveforms_types.keys())


def test_cluster_metadata(example_gui, qtbot, data_dir):
    from phyclone.utils.fileio import read_tsv
    c, gui = example_gui("cluster_metadata.py", "ExampleClusterMetadataPlugin")
    s = c.supervisor
    select(c, largest(c, 2))
    press(qtbot, gui, "g", s)
    press(qtbot, gui, "ctrl+s", s)
    sc = s.clustering.spike_clusters
    expected = {}
    for cid in ids_of(c):  # the channel of largest amplitude of the main template
        main = np.bincount(np.asarray(c.model.spike_templates)[sc == cid]).argmax()
        t = c.model.get_template(int(main))
        expected[cid] = int(t.channel_ids[np.ptp(t.template, axis=0).argmax()])
    rows = read_tsv(data_dir / "cluster_best_channel.tsv")
    assert {r["cluster_id"]: r["best_channel"] for r in rows} == expected
    assert (data_dir / "spike_clusters.npy").exists()  # phy's files are saved as well
