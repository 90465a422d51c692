"""Initial clusters, templates and similarity of detected events."""

import numpy as np

from phyclone.detect.features import (event_features, initial_clusters, local_channels,
                                      neighbour_table, pca_basis, similar_templates,
                                      templates_from_features)


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


def _reference_clusters(chans, feats, min_size=50, min_separation=4.0, max_depth=3):
    """Breadth-first splits with numpy: first PC by eigh, 2-means from the quartiles."""
    out, next_id = np.zeros(len(chans), int), 0
    for c in np.unique(chans):
        parts = [np.flatnonzero(chans == c)]
        for _ in range(max_depth):
            new = []
            for g in parts:
                f = feats[g].reshape(len(g), -1).astype(np.float64)
                f -= f.mean(axis=0)
                v = np.linalg.eigh(f.T @ f)[1][:, -1]
                p = f @ (v if v.sum() > 0 else -v)  # the sign power iteration from 1s gives
                q = np.sort(p)
                m = [q[len(p) // 4], q[3 * len(p) // 4]]
                for _ in range(100):
                    lab = np.abs(p - m[1]) < np.abs(p - m[0])
                    if lab.all() or not lab.any():
                        break
                    m = [p[~lab].mean(), p[lab].mean()]
                sd = np.sqrt(0.5 * (p[~lab].var() + p[lab].var())) if 0 < lab.sum() < len(p) \
                    else 0
                ok = min(lab.sum(), (~lab).sum()) >= min_size and sd > 0 and \
                    abs(m[1] - m[0]) / sd >= min_separation
                new.extend([g[~lab], g[lab]] if ok else [g])
            parts = new
        for g in parts:
            out[g] = next_id
            next_id += 1
    return out


def test_initial_clusters_match_a_numpy_reference_in_any_number_of_threads():
    rng = np.random.default_rng(3)
    feats, chans = [], []
    for c, centres in enumerate([[0], [0, 15], [0, 15, 30, 45], [0, 3]]):
        for k, x in enumerate(centres):  # units along the first PC, a fourth split on the 2nd
            f = rng.normal(0, 1, (120 + 40 * k, 3, 4))
            f[:, 0, 0] += x
            f[:, 1, 2] += 40 * (k % 2)
            feats.append(f)
            chans.append(np.full(len(f), 7 * c))
    order = rng.permutation(sum(len(f) for f in feats))  # spikes in time order, interleaved
    feats = np.concatenate(feats)[order].astype(np.float32)
    chans = np.concatenate(chans)[order]
    ref = _reference_clusters(chans, feats)
    assert len(np.unique(ref)) > 8
    for jobs in (1, 2, 3, 8):
        assert np.array_equal(initial_clusters(chans, feats, jobs=jobs), ref)
    assert initial_clusters(chans[:0], feats[:0]).shape == (0,)


def test_templates_are_the_mean_features_through_the_basis():
    rng = np.random.default_rng(4)
    clusters = rng.integers(0, 6, 500)
    clusters[clusters == 3] = 4  # an empty cluster
    feats = rng.normal(0, 1, (500, 3, 4)).astype(np.float32)
    chans = rng.integers(0, 8, 500)
    basis = rng.normal(0, 1, (3, 11)).astype(np.float32)
    local = local_channels(np.c_[np.zeros(8), np.arange(8) * 20.], 4)
    tmp, ind = templates_from_features(clusters, feats, chans, local, basis)
    for k in range(6):
        sel = clusters == k
        mean = feats[sel].astype(np.float64).mean(axis=0) if sel.any() else np.zeros((3, 4))
        assert np.allclose(tmp[k], basis.T.astype(np.float64) @ mean, atol=1e-5)
        if sel.any():
            assert ind[k].tolist() == local[chans[np.flatnonzero(sel)[0]]].tolist()


def test_channel_tables_match_a_brute_force_search():
    rng = np.random.default_rng(5)
    pos = rng.integers(0, 6, (60, 2)) * 10.  # many ties and duplicate distances
    d = np.hypot(*(pos[:, None, :] - pos[None, :, :]).transpose(2, 0, 1))
    for radius in (0., 10., 25., 1e9):
        nb = neighbour_table(pos, radius)
        for c in range(len(pos)):
            want = sorted(np.flatnonzero(d[c] <= radius), key=lambda j: (d[c, j], j))
            assert nb[c, :len(want)].tolist() == want and (nb[c, len(want):] == -1).all()
    loc = local_channels(pos, 5)
    assert all(loc[c].tolist() == sorted(range(60), key=lambda j: (d[c, j], j))[:5]
               for c in range(60))


def test_features_resample_each_local_channel_at_its_own_delay():
    """A band-limited spike seen by 4 channels sampled 0, 0.3, 0.6, 0.9 samples late: the
    features with these delays equal those of the spike sampled without delays."""
    n_before, n_after, at = 15, 30, 200.3
    delays, gains = np.array([0., .3, .6, .9]), np.array([1., .8, .7, .6])
    t = np.arange(400)[:, None] - at

    def spike(t):
        return -100 * t / 2 * np.exp(-t ** 2 / 8)  # Gaussian derivative, σ = 2 samples
    seen = (gains * spike(t + delays)).astype(np.float32)
    true = (gains * spike(t)).astype(np.float32)
    local = np.array([[0, 1, 2, 3], [1, 0, 2, 3], [2, 1, 3, 0], [3, 2, 1, 0]])
    basis = pca_basis(np.zeros((0, n_before + n_after + 1)), 3)
    args = ([200], [0], [at - 200], local, basis, n_before, 10)
    want = event_features(true, *args)
    scale = np.abs(want).max()
    assert np.abs(event_features(seen, *args, delays=delays) - want).max() < 3e-3 * scale
    assert np.abs(event_features(seen, *args) - want).max() > 3e-2 * scale
    # no delays: the same as the one-phase-per-event kernel
    np.testing.assert_array_equal(event_features(true, *args, delays=np.zeros(4)), want)


def test_initial_clusters_read_from_a_file_in_passes_equal_those_in_memory(tmp_path,
                                                                           monkeypatch):
    from phyclone.detect import spill
    rng = np.random.default_rng(0)
    chans = rng.integers(0, 3, 2000).astype(np.int32)
    feats = rng.normal(0, 1, (2000, 3, 4)).astype(np.float32)
    feats[rng.random(2000) < .5, 0, 0] += 20  # two units per channel: every channel splits
    np.save(tmp_path / "f.npy", feats)
    want = initial_clusters(chans, feats, True, 50)
    assert len(np.unique(want)) == 6
    for budget in (20_000, 1 << 40):  # several passes, one
        monkeypatch.setattr(spill, "MEMORY_BUDGET", budget)
        for jobs in (1, 2):
            got = initial_clusters(chans, spill.NpyFile(tmp_path / "f.npy"), True, 50,
                                   jobs=jobs)
            np.testing.assert_array_equal(got, want)
