"""The global views with the real Supervisor: selection, sort, filter, merge, colour
mapping, and clicks turned into selections (worker threads on, as in the GUI)."""

import numpy as np
import pytest

from phyclone.cluster import Supervisor
from phyclone.cluster.views import ClusterScatterView, RasterView, TemplateView
from phyclone.qt import QPoint, Qt
from phyclone.utils import Bunch, connect
from phyclone.utils.colors import selected_cluster_color

from viewtest import frame, ndc_to_px, rgb255

pytestmark = pytest.mark.gl

N = 12


@pytest.fixture
def setup(gui, qtbot):
    rng = np.random.default_rng(0)
    sc = np.repeat(np.arange(N), 20 + 10 * np.arange(N))
    sc = rng.permutation(sc).astype(np.int64)
    times = np.sort(rng.uniform(0, 100, len(sc)))
    s = Supervisor(sc, cluster_groups={2: "noise"})
    s.attach(gui)
    templates = {c: Bunch(template=np.sin(np.linspace(0, 6, 30))[:, None] * [1., .5],
                          channel_ids=np.array([c % 4, c % 4 + 1])) for c in range(200)}
    raster = RasterView(times, s.clustering.spike_clusters, cluster_ids=s.shown_cluster_ids)
    tv = TemplateView(templates=lambda ids: {c: templates[c] for c in ids},
                      channel_ids=np.arange(6), cluster_ids=s.shown_cluster_ids)
    cs = ClusterScatterView(cluster_ids=s.clustering.cluster_ids,
                            cluster_info=s.get_cluster_info,
                            bindings={"x_axis": "n_spikes", "y_axis": "n_spikes",
                                      "size": "n_spikes"})
    for v in (raster, tv, cs):
        v.attach(gui)

    @connect
    def on_request_select(sender, cluster_ids):  # what phy's controller does
        s.select(*cluster_ids)

    s.select(5)
    s.block()
    qtbot.waitUntil(lambda: raster._frame is not None and tv._lod is not None and
                    cs.marker_positions is not None, timeout=5000)
    return Bunch(s=s, raster=raster, tv=tv, cs=cs, times=times)


def _synced(views, ids):
    return all(list(v.all_cluster_ids) == list(ids) for v in views)


def test_follow_supervisor(setup, qtbot):
    s, raster, tv, cs = setup.s, setup.raster, setup.tv, setup.cs
    assert raster.cluster_ids == [5] and tv.cluster_ids == [5]
    assert raster.color_scheme == "cluster_view" and raster.color_selector is s.color_selector
    s.sort("n_spikes", "asc")
    qtbot.waitUntil(lambda: _synced((raster, tv), s.shown_cluster_ids), timeout=5000)
    assert list(s.shown_cluster_ids)[:3] == [0, 1, 2]
    s.filter("n_spikes > 100")
    qtbot.waitUntil(lambda: _synced((raster, tv), s.shown_cluster_ids), timeout=5000)
    assert len(raster.all_cluster_ids) == len(s.shown_cluster_ids) < N
    assert list(cs.all_cluster_ids) == sorted(s.shown_cluster_ids)
    s.clear_filter()
    qtbot.waitUntil(lambda: len(raster.all_cluster_ids) == N, timeout=5000)
    # Merge: new cluster id, new spike clusters, the merged cluster selected.
    s.merge([10, 11])
    s.block()
    new = s.selected_clusters[0]
    qtbot.waitUntil(lambda: new in list(raster.all_cluster_ids) and raster._frame.gen ==
                    raster._gen and new in list(cs.all_cluster_ids), timeout=5000)
    assert 10 not in list(raster.all_cluster_ids)
    assert np.array_equal(raster.spike_clusters, s.clustering.spike_clusters)
    qtbot.waitUntil(lambda: tv._lod.gen == tv._gen and new in tv._cache, timeout=5000)
    # The merged cluster is drawn in the first selection colour.
    img = frame(qtbot, raster)
    row = list(raster.all_cluster_ids).index(new)
    t = setup.times[s.clustering.spike_clusters == new]
    t = t[(t > 20) & (t < 80)][0]
    x, y = ndc_to_px(raster, -1 + 2 * t / raster.duration,
                     1 - 2 * (row + .5) / len(raster.all_cluster_ids))
    patch = img[y - 2:y + 3, x - 2:x + 3, :3].astype(int)
    assert (np.abs(patch - rgb255(selected_cluster_color(0))).max(axis=-1) <= 8).any()


def test_colors_and_click(setup, qtbot):
    s, raster, cs = setup.s, setup.raster, setup.cs
    s.change_color_field("n_spikes")
    expected = s.color_selector.get_colors(raster.all_cluster_ids, alpha=.75)
    assert np.allclose(raster.base_colors(), expected)
    assert np.allclose(cs.base_colors(), s.color_selector.get_colors(cs.all_cluster_ids, .75))
    # Ctrl+click on the row of cluster 8 selects it (request_select -> Supervisor).
    row = list(raster.all_cluster_ids).index(8)
    x, y = ndc_to_px(raster, 0., 1 - 2 * (row + .5) / len(raster.all_cluster_ids))
    qtbot.mouseClick(raster.canvas, Qt.LeftButton, Qt.ControlModifier, QPoint(x, y))
    s.block()
    assert s.selected_clusters == [8]
    qtbot.waitUntil(lambda: raster.cluster_ids == [8], timeout=5000)
    # A label change recolours when colouring by group.
    s.change_color_field("group")
    before = raster.base_colors()[list(raster.all_cluster_ids).index(4)].copy()
    s.label("group", "good", [4])
    s.block()
    after = raster.base_colors()[list(raster.all_cluster_ids).index(4)]
    assert not np.allclose(before, after)
