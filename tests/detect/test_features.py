"""Initial clusters, templates and similarity of detected events."""

import numpy as np

from phyclone.detect.features import (initial_clusters, local_channels, neighbour_table,
                                      similar_templates, templates_from_features)


def test_split_by_local_pca_is_deterministic():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (300, 3, 4))
    b = rng.normal(0, 1, (200, 3, 4))
    b[:, 0, :2] += 12  # a second unit on the same max channel
    c = rng.normal(0, 1, (400, 3, 4))  # one unit only
    feats = np.concatenate([a, b, c]).astype(np.float32)
    chans = np.r_[np.zeros(500, int), np.ones(400, int)]
    cl = initial_clusters(chans, feats, split=True, min_size=50)
    assert len(np.unique(cl[:500])) == 2 and len(np.unique(cl[500:])) == 1
    assert len(np.unique(cl[:300])) == 1 and len(np.unique(cl[300:500])) == 1
    assert np.array_equal(cl, initial_clusters(chans, feats, split=True, min_size=50))
    assert np.array_equal(initial_clusters(chans, feats, split=False), chans)


def test_templates_similarity_and_neighbours():
    pos = np.c_[np.zeros(6), np.arange(6) * 20.]
    local = local_channels(pos, 3)
    assert local[0].tolist() == [0, 1, 2] and local[5].tolist() == [5, 4, 3]
    nb = neighbour_table(pos, 25.)
    assert nb[2].tolist() == [2, 1, 3]  # itself, then the nearest (ties by index)
    basis = np.eye(2, 5, dtype=np.float32)
    feats = np.zeros((4, 2, 3), np.float32)
    feats[:, 0, 0] = [-2, -4, -1, -1]
    tmp, ind = templates_from_features(np.array([0, 0, 1, 1]), feats, np.array([0, 0, 5, 5]),
                                       local, basis)
    assert ind.tolist() == [[0, 1, 2], [5, 4, 3]]
    assert np.allclose(tmp[0, 0, 0], -3) and np.allclose(tmp[1, 0, 0], -1)
    sim = similar_templates(tmp, ind, 6)
    assert np.allclose(sim, np.eye(2))  # no common channel
