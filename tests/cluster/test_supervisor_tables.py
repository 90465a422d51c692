"""ClusterView and SimilarityView on their own: incremental updates, silent selection, the
similarity column and mask, state."""

import numpy as np
import pytest

from phyclone.cluster import ClusterView, SimilarityView
from phyclone.utils import connect

from _supervisor_fixtures import _non_interactive  # noqa: F401 (fixture)


def _rows(ids):
    return [{"id": c, "n_spikes": 10 * c + 1, "group": "noise" if c == 3 else None,
             "is_masked": c == 3} for c in ids]


@pytest.fixture
def views(qapp, qtbot):
    cv = ClusterView(data=_rows(range(8)), columns=["id", "group"])
    sv = SimilarityView(data=_rows(range(8)), columns=["id", "group"],
                        similar=lambda c: [(d, 1. / (1 + abs(c - d))) for d in range(20)])
    for v in (cv, sv):
        qtbot.addWidget(v)
    return cv, sv


def test_columns_and_sort(views):
    cv, sv = views
    assert cv.columns == ["id", "group", "n_spikes"]
    assert sv.columns == ["id", "group", "n_spikes", "similarity"]
    assert cv.get_current_sort() == ("n_spikes", "desc") and cv.get_ids() == list(range(7, -1, -1))
    assert sv.get_current_sort() == ("similarity", "desc") and sv.get_ids() == []


def test_update_rows(views):
    cv, _ = views
    cv.set_selected([2, 5])
    cv.update_rows(added=_rows([9]), removed=[2, 4, 100], changed=[{"id": 5, "group": "good"}])
    assert cv.get_ids() == [9, 7, 6, 5, 3, 1, 0]
    assert cv.get(5)["group"] == "good" and cv.get(9)["n_spikes"] == 91
    assert cv.get_selected() == [5]


def test_set_selected_is_silent(views):
    cv, _ = views
    events = []
    connect(lambda sender, obj: events.append(obj), event="select", sender=cv)
    cv.set_selected([4, 1, 4, 99], offset=2)
    assert cv.get_selected() == [4, 1] and events == []
    assert cv.model.selection_colors[4][0].color().getRgb()[:3] == cv.selection_color(2)
    cv.select([6])
    assert events[-1]["selected"] == [6]


def test_similarity_reset(views):
    cv, sv = views
    sv.reset([6, 4])  # similar to 4, without 4 and 6
    assert sv.shown_ids() == [3, 5, 2, 1, 7, 0]
    assert sv.get(5)["similarity"] == .5 and sv.get(0)["similarity"] == .2
    assert 4 not in sv.get_ids()  # the selected clusters are never listed as similar
    sv.filter("n_spikes > 30")  # the filter applies to the similar rows only
    assert sv.shown_ids() == [3, 5, 7]
    assert sv.get_ids() == [3, 5, 2, 1, 7, 0]
    got = []
    assert sv.get_ids(got.append) == [3, 5, 2, 1, 7, 0] and got == [[3, 5, 2, 1, 7, 0]]  # phy
    sv.filter("")
    sv.update_rows(added=_rows([11]), removed=[5])  # new rows have no similarity yet
    assert sv.shown_ids() == [3, 2, 1, 7, 0]
    sv.similar = lambda c: np.array([[11, .9], [2, .8], [2, .1], [42, 1.]])  # array, repeats
    sv.reset([1])
    assert sv.shown_ids() == [11, 2] and sv.get(2)["similarity"] == .8
    sv.reset([])
    assert sv.shown_ids() == []


def test_state(views):
    cv, _ = views
    cv.set_selected([3])
    cv.sort_by("id", "asc")
    assert cv.state == {"current_sort": ("id", "asc"), "selected": [3]}
    cv.set_state({"current_sort": ["group", "bogus"], "selected": [1, 2]})
    assert cv.get_current_sort() == ("group", "asc")
    assert cv.restored_selection == [1, 2] and cv.get_selected() == [3]
