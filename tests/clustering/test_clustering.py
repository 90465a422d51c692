"""Clustering: phy's documented behaviour, method by method."""

import pickle

import numpy as np
import pytest

from phyclone.clustering import Clustering
from phyclone.utils import event


@pytest.fixture(autouse=True)
def _clean_events():
    event.reset()
    yield
    event.reset()


def _spc_reference(sc):
    return {int(c): np.flatnonzero(sc == c) for c in np.unique(sc)}


def _check_consistent(cl):
    sc = np.asarray(cl.spike_clusters)
    ref = _spc_reference(sc)
    assert list(cl.cluster_ids) == sorted(ref)
    assert list(cl.spikes_per_cluster) == sorted(ref)
    assert len(cl.spikes_per_cluster) == len(ref) == cl.n_clusters
    for c, spikes in ref.items():
        assert np.array_equal(cl.spikes_per_cluster[c], spikes)
        assert cl.cluster_counts[c] == len(spikes)
    assert np.array_equal(cl.get_spike_clusters(np.arange(cl.n_spikes)), sc)


# Construction
# -------------------------------------------------------------------------------------------

def test_construction():
    sc = np.array([2, 3, 2, 3, 5, 5, 2, 9], dtype=np.int32)
    cl = Clustering(sc)
    assert cl.n_spikes == 8
    assert cl.n_clusters == 4
    assert cl.cluster_ids.tolist() == [2, 3, 5, 9]
    assert cl.new_cluster_id() == 10
    assert cl.spike_clusters.dtype == np.int32
    assert np.array_equal(cl.spike_clusters, sc)
    assert cl.spike_ids.tolist() == list(range(8))
    assert cl.cluster_counts == {2: 3, 3: 2, 5: 2, 9: 1}
    assert cl.spikes_in_clusters([3, 9]).tolist() == [1, 3, 7]
    assert cl.spikes_in_clusters([2]).tolist() == [0, 2, 6]
    assert cl.spikes_in_clusters([]).tolist() == []
    assert cl.spikes_in_clusters([100]).tolist() == []
    assert cl.spikes_per_cluster[2].dtype == np.int64
    _check_consistent(cl)


def test_input_not_modified_and_results_read_only():
    sc = np.array([0, 1, 0, 1])
    cl = Clustering(sc)
    cl.merge([0, 1])
    assert sc.tolist() == [0, 1, 0, 1]
    with pytest.raises(ValueError):
        cl.spike_clusters[0] = 5
    with pytest.raises(ValueError):
        cl.spikes_per_cluster[2][0] = 5


@pytest.mark.parametrize("dtype", [np.int16, np.uint32, np.int64, np.uint64])
def test_dtypes(dtype):
    cl = Clustering(np.array([1, 0, 1], dtype=dtype))
    assert cl.spike_clusters.dtype == np.int64
    assert cl.spike_clusters.tolist() == [1, 0, 1]


def test_new_cluster_id_argument():
    cl = Clustering([0, 1, 1], new_cluster_id=10)
    assert cl.new_cluster_id() == 10
    assert cl.merge([0, 1]).added == [10]
    with pytest.raises(ValueError):
        Clustering([0, 5], new_cluster_id=5)


@pytest.mark.parametrize("bad", [[[0, 1], [1, 0]], [0.5, 1.0], [-1, 2]])
def test_invalid_spike_clusters(bad):
    with pytest.raises(ValueError):
        Clustering(np.array(bad))


def test_empty():
    cl = Clustering(np.array([], dtype=np.int64))
    assert cl.n_spikes == 0 and cl.n_clusters == 0
    assert cl.new_cluster_id() == 0
    assert cl.spike_clusters.tolist() == []
    assert cl.undo() is None and cl.redo() is None


def test_sparse_huge_ids():
    sc = np.array([7, 10 ** 9, 7, 3, 10 ** 9])
    cl = Clustering(sc)
    assert cl.cluster_ids.tolist() == [3, 7, 10 ** 9]
    assert cl.new_cluster_id() == 10 ** 9 + 1
    _check_consistent(cl)


def test_many_clusters_two_pass_radix():
    rng = np.random.default_rng(0)
    sc = rng.permutation(np.repeat(np.arange(70_000), 2))
    cl = Clustering(sc)
    assert cl.n_clusters == 70_000
    for c in (0, 65_535, 65_536, 69_999):
        assert np.array_equal(cl.spikes_per_cluster[c], np.flatnonzero(sc == c))


def test_spikes_per_cluster_argument():
    sc = np.array([0, 1, 0, 2])
    good = {0: np.array([0, 2]), 1: np.array([1]), 2: np.array([3])}
    cl = Clustering(sc, spikes_per_cluster=good)
    _check_consistent(cl)
    stale = {0: np.array([0]), 1: np.array([1, 2]), 2: np.array([3])}
    cl = Clustering(sc, spikes_per_cluster=stale)
    _check_consistent(cl)
    cl = Clustering(sc, spikes_per_cluster={0: [0, 2]})
    _check_consistent(cl)


def test_spikes_per_cluster_mapping():
    cl = Clustering([4, 2, 4])
    spc = cl.spikes_per_cluster
    assert 4 in spc and np.int64(2) in spc and 3 not in spc and "x" not in spc
    assert spc.get(3) is None
    assert dict(pickle.loads(pickle.dumps(spc)))[4].tolist() == [0, 2]
    cl.merge([2, 4])
    assert list(spc) == [5]  # live view


# Merge
# -------------------------------------------------------------------------------------------

def test_merge():
    cl = Clustering([2, 3, 2, 3, 5, 5, 2, 9])
    up = cl.merge([3, 2])
    assert up.description == "merge"
    assert up.history is None
    assert up.added == [10]
    assert up.deleted == [2, 3]
    assert up.descendants == [(2, 10), (3, 10)]
    assert up.spike_ids.tolist() == [0, 1, 2, 3, 6]
    assert up.largest_old_cluster == 2
    assert up.all_cluster_ids == [5, 9, 10]
    assert cl.spike_clusters.tolist() == [10, 10, 10, 10, 5, 5, 10, 9]
    assert cl.new_cluster_id() == 11
    _check_consistent(cl)


def test_merge_to_and_errors():
    cl = Clustering([0, 1, 2])
    with pytest.raises(ValueError):
        cl.merge([0, 1], to=2)
    with pytest.raises(ValueError):
        cl.merge([0, 7])
    with pytest.raises(ValueError):
        cl.merge(0)
    up = cl.merge([0, 1], to=20)
    assert up.added == [20] and cl.new_cluster_id() == 21
    assert cl.merge([]) == {**cl.merge([])}  # empty merge: a no-op UpdateInfo
    assert not cl.merge([]).description
    up = cl.merge([2])  # merging one cluster gives it a new id
    assert up.added == [21] and up.deleted == [2]
    assert up.descendants == [(2, 21)]


def test_merge_ties_largest_is_smallest_id():
    cl = Clustering([4, 1, 4, 1, 7])
    assert cl.merge([4, 1, 7]).largest_old_cluster == 1


# Assign / split
# -------------------------------------------------------------------------------------------

def test_split_phy_numbering():
    # Spikes split off get new_cluster_id(); the remainder of every touched cluster gets the
    # following ids, in increasing old-id order.
    cl = Clustering([2, 3, 2, 3, 5, 5, 2, 9])
    up = cl.split([0, 4])
    assert up.description == "assign"
    assert up.added == [10, 11, 12]
    assert up.deleted == [2, 5]
    assert up.descendants == [(2, 10), (2, 11), (5, 10), (5, 12)]
    assert up.spike_ids.tolist() == [0, 2, 4, 5, 6]
    assert up.largest_old_cluster == 2
    assert cl.spike_clusters.tolist() == [10, 3, 11, 3, 10, 12, 11, 9]
    _check_consistent(cl)


def test_assign_relative_numbers_keep_gaps():
    cl = Clustering([0, 0, 0, 0, 1])
    up = cl.assign([0, 1, 2], [5, 8, 5])  # ids: 2 + (rel - 5) → 2, 5; remainder: 6
    assert cl.spike_clusters.tolist() == [2, 5, 2, 6, 1]
    assert up.added == [2, 5, 6] and up.deleted == [0]
    assert cl.new_cluster_id() == 7
    # Unsorted spike ids with their relative numbers.
    up = cl.assign([4, 0], [1, 0])
    assert cl.spike_clusters.tolist() == [7, 5, 9, 6, 8]
    _check_consistent(cl)


def test_assign_whole_clusters_is_a_merge():
    cl = Clustering([0, 1, 0, 2])
    up = cl.split([0, 1, 2])
    assert up.description == "merge"
    assert up.added == [3] and up.deleted == [0, 1]
    assert cl.spike_clusters.tolist() == [3, 3, 3, 2]
    up = cl.split([3])
    assert up.description == "merge" and up.added == [4] and up.deleted == [2]


def test_assign_errors():
    cl = Clustering([0, 1, 0])
    with pytest.raises(ValueError):
        cl.assign([0, 3])
    with pytest.raises(ValueError):
        cl.assign([-1])
    with pytest.raises(ValueError):
        cl.assign([0, 1], [0])
    with pytest.raises(ValueError):
        cl.assign([0, 1], [0, -1])
    with pytest.raises(ValueError):
        cl.assign([0, 0])
    up = cl.assign([])
    assert up.description == "" and cl.undo() is None


# Undo / redo / reset
# -------------------------------------------------------------------------------------------

def test_undo_redo():
    sc = [2, 3, 2, 3, 5, 5, 2, 9]
    cl = Clustering(sc)
    assert cl.undo() is None and cl.redo() is None
    cl.merge([2, 3])
    cl.split([0, 4])
    up = cl.undo()
    assert up.history == "undo" and up.description == "assign"
    assert up.added == [5, 10] and up.deleted == [11, 12, 13]
    assert up.descendants == [(11, 5), (11, 10), (12, 5), (13, 10)]
    assert up.largest_old_cluster == 13
    assert cl.spike_clusters.tolist() == [10, 10, 10, 10, 5, 5, 10, 9]
    _check_consistent(cl)
    up = cl.undo()
    assert up.history == "undo" and up.added == [2, 3] and up.deleted == [10]
    assert up.spike_ids.tolist() == [0, 1, 2, 3, 6]
    assert cl.spike_clusters.tolist() == sc
    assert cl.undo() is None
    up = cl.redo()
    assert up.history == "redo" and up.description == "merge" and up.added == [10]
    up = cl.redo()
    assert up.history == "redo" and up.added == [11, 12, 13]
    assert cl.redo() is None
    assert cl.spike_clusters.tolist() == [11, 13, 13, 13, 11, 12, 13, 9]
    _check_consistent(cl)


def test_undo_then_new_action_drops_redo_and_never_reuses_ids():
    cl = Clustering([0, 1, 2])
    cl.merge([0, 1])   # 3
    cl.undo()
    up = cl.merge([1, 2])
    assert up.added == [4]
    assert cl.redo() is None
    cl.undo()
    assert cl.spike_clusters.tolist() == [0, 1, 2]


def test_undo_of_split_restores_sets_lazily():
    rng = np.random.default_rng(1)
    sc = rng.integers(0, 5, 500)
    cl = Clustering(sc)
    spikes = np.sort(rng.choice(500, 40, replace=False))
    for _ in range(5):
        cl.split(spikes)
        _check_consistent(cl)
        cl.undo()
        _check_consistent(cl)
        cl.redo()
        cl.undo()
    assert np.array_equal(cl.spike_clusters, sc)


def test_reset():
    cl = Clustering([0, 1, 2, 2])
    assert cl.reset().description == ""
    cl.merge([0, 1])
    cl.split([3])
    before = cl.spike_clusters.copy()
    up = cl.reset()
    assert cl.spike_clusters.tolist() == [0, 1, 2, 2]
    assert up.history == "reset"
    assert up.added == [0, 1, 2] and up.deleted == sorted(set(before.tolist()))
    assert up.spike_ids.tolist() == [0, 1, 2, 3]
    assert up.descendants == [(3, 0), (3, 1), (4, 2), (5, 2)]
    assert cl.undo() is None
    assert cl.merge([0, 1]).added == [6]  # ids keep increasing
    _check_consistent(cl)


# Events
# -------------------------------------------------------------------------------------------

def test_events_and_undo_state():
    cl = Clustering([0, 1, 2])
    other = Clustering([0])
    seen = []
    event.connect(lambda sender, up: seen.append((sender, up.description, up.history)),
                  event="cluster", sender=cl)
    event.connect(lambda sender, up: {"selection": list(up.added)},
                  event="request_undo_state", sender=cl)
    cl.merge([0, 1])
    other.merge([0])
    up = cl.undo()
    assert up.undo_state == [{"selection": [3]}]
    cl.redo()
    assert seen == [(cl, "merge", None), (cl, "assign", "undo"), (cl, "merge", "redo")]


def test_large_split_spread_over_all_clusters():
    rng = np.random.default_rng(2)
    sc = rng.integers(0, 50, 20_000)
    cl = Clustering(sc)
    spikes = np.sort(rng.choice(20_000, 1000, replace=False))
    up = cl.split(spikes)
    assert up.deleted == list(range(50))
    assert len(up.added) == 51
    assert np.array_equal(up.spike_ids, np.arange(20_000))
    assert np.array_equal(cl.spikes_per_cluster[up.added[0]], spikes)
    _check_consistent(cl)
    cl.undo()
    assert np.array_equal(cl.spike_clusters, sc)
    _check_consistent(cl)
