import numpy as np
import pytest

from phyclone.session import Session


def _similarity(cluster_id):
    # Similar clusters: the closest ids first.
    return [(c, 1.0 / (1 + abs(c - cluster_id))) for c in sorted(range(100), key=lambda c: abs(c - cluster_id))]


@pytest.fixture
def session():
    # Clusters 0..9 with 10 + c spikes each, interleaved.
    sc = np.repeat(np.arange(10), np.arange(10, 20))
    sc = np.random.default_rng(0).permutation(sc)
    groups = {2: "noise", 3: "mua", 5: "good"}
    return Session(sc, cluster_groups=groups, similarity=_similarity)


def test_initial(session):
    assert list(session.cluster_ids) == list(range(10))
    assert session.cluster_info(5) == {"id": 5, "n_spikes": 15, "group": "good", "is_masked": False}
    assert session.cluster_info(2)["is_masked"]
    # Default order: n_spikes descending.
    assert session.wizard.cluster_order() == list(range(9, -1, -1))


def test_wizard_best(session):
    w = session.wizard
    assert w.first() == [9]
    w.next_best()
    assert session.selected == [8]
    for _ in range(4):
        w.next_best()
    assert session.selected == [4]
    w.next_best()  # 3 (mua) and 2 (noise) are skipped
    assert session.selected == [1]
    w.next_best()
    w.next_best()  # at the end: stays
    assert session.selected == [0]
    w.previous_best()
    assert session.selected == [1]
    w.previous_best()
    assert session.selected == [4]
    assert w.last() == [0]


def test_wizard_similar(session):
    w = session.wizard
    session.select(4)
    w.next()  # most similar to 4: 3 (mua, skipped) then 5
    assert session.selected == [4, 5]
    w.next()  # then 3 (mua), 6
    assert session.selected == [4, 6]
    w.previous()
    assert session.selected == [4, 5]
    w.unselect_similar()
    assert session.selected == [4]
    w.reset()
    assert session.selected == [9]


def test_merge_undo_redo(session):
    events = []
    session.events.connect(lambda s, up: events.append(up), event="cluster")
    session.select(4)
    session.wizard.next()  # [4, 5]
    spikes = np.sort(np.concatenate([session.clustering.spikes_per_cluster[c] for c in (4, 5)]))
    up = session.merge()
    assert up.added == [10] and sorted(up.deleted) == [4, 5]
    assert session.selected_clusters == [10]
    np.testing.assert_array_equal(session.clustering.spikes_per_cluster[10], spikes)
    # The merged cluster takes the group of the largest old cluster (5: good).
    assert session.cluster_meta.get("group", 10) == "good"
    assert session.is_dirty
    session.undo()
    assert session.selected == [4, 5] and 10 not in session.cluster_ids
    assert not session.is_dirty
    session.redo()
    assert session.selected_clusters == [10]
    assert len(events) == 3


def test_split_selects_new_clusters(session):
    spikes = session.clustering.spikes_per_cluster[7][:5]
    up = session.split(spikes)
    assert sorted(session.selected) == sorted(up.added)
    assert 7 not in session.cluster_ids
    assert sum(session.n_spikes(c) for c in up.added) == 17


def test_move_advances_wizard(session):
    session.select(9)
    session.wizard.next()  # [9, 8]
    session.move("good", "best")
    assert session.cluster_meta.get("group", 9) == "good"
    assert session.selected_clusters == [8]
    session.wizard.next()  # [8, 7]
    session.move("noise", "similar")
    assert session.cluster_meta.get("group", 7) == "noise"
    assert session.selected == [8, 9]  # next similar to 8 after 7 skipping masked 7: 9
    session.undo()
    assert session.cluster_meta.get("group", 7) is None
    assert session.selected == [8, 7]


def test_save_data_and_dirty(session):
    session.label("quality", 3, [1, 4])
    sc, groups, labels = session.save_data()
    assert groups[5] == "good" and groups[0] == "unsorted"
    assert dict(labels)["quality"][4] == 3
    assert session.is_dirty
    session.mark_saved()
    assert not session.is_dirty
    session.undo()
    assert session.is_dirty


def test_wizard_order_by_any_column(session):
    session.cluster_metrics["depth"] = lambda c: (c * 7) % 10
    session.label("quality", 2, [1, 4])
    for sort, expected in [
            (("depth", "asc"), [0, 3, 6, 9, 2, 5, 8, 1, 4, 7]),
            (("quality", "desc"), [1, 4, 0, 2, 3, 5, 6, 7, 8, 9]),  # missing values last
            (("group", "asc"), [5, 3, 2, 0, 1, 4, 6, 7, 8, 9]),
            (("id", "desc"), list(range(9, -1, -1))),
            (("is_masked", "desc"), [2, 3, 0, 1, 4, 5, 6, 7, 8, 9])]:
        session.sort = sort
        assert session.wizard.cluster_order() == expected, sort
