"""Every kind of bad input gives one DataError naming the file and the fix."""

import numpy as np
import pytest

from phyclone.apps.template import get_template_params, load_model
from phyclone.utils.errors import DataError


def _np(path, name, arr):
    np.save(path / name, arr)


def _truncate(path, name, n_bytes=50):
    p = path / name
    p.write_bytes(p.read_bytes()[:-n_bytes])


def _nan_in_template(p):
    t = np.load(p / "templates.npy", allow_pickle=False)
    t[2, 3, 4] = np.nan
    _np(p, "templates.npy", t)


def _inf_amplitude(p):
    a = np.load(p / "amplitudes.npy", allow_pickle=False)
    a[7] = np.inf
    _np(p, "amplitudes.npy", a)


def _set(name, fn):
    return lambda p: _np(p, name, fn(np.load(p / name, allow_pickle=False)))


# (mutation, file named in the message, words in the message)
CASES = {
    "missing spike_times": (lambda p: (p / "spike_times.npy").unlink(), "spike_times.npy",
                            "not found"),
    "missing spike_templates": (lambda p: (p / "spike_templates.npy").unlink(),
                                "spike_templates.npy", "not found"),
    "missing channel_map": (lambda p: (p / "channel_map.npy").unlink(), "channel_map.npy",
                            "not found"),
    "missing channel_positions": (lambda p: (p / "channel_positions.npy").unlink(),
                                  "channel_positions.npy", "not found"),
    "truncated spike_times": (lambda p: _truncate(p, "spike_times.npy"), "spike_times.npy",
                              "truncated"),
    "truncated templates": (lambda p: _truncate(p, "templates.npy"), "templates.npy",
                            "truncated"),
    "truncated pc_features": (lambda p: _truncate(p, "pc_features.npy", 4), "pc_features.npy",
                              "truncated"),
    "corrupt header": (lambda p: (p / "amplitudes.npy").write_bytes(b"\x93NUMPY garbage"),
                       "amplitudes.npy", "not a valid .npy"),
    "not npy at all": (lambda p: (p / "spike_clusters.npy").write_text("hello"),
                       "spike_clusters.npy", "not a valid .npy"),
    "pickled objects": (lambda p: np.save(p / "similar_templates.npy",
                                          np.array([{}], dtype=object), allow_pickle=True),
                        "similar_templates.npy", "Python objects"),
    "short amplitudes": (_set("amplitudes.npy", lambda a: a[:-1]), "amplitudes.npy",
                         "299 entries but there are 300 spikes"),
    "short spike_templates": (_set("spike_templates.npy", lambda a: a[:-3]),
                              "spike_templates.npy", "297 entries"),
    "long spike_clusters": (_set("spike_clusters.npy", lambda a: np.r_[a, 1]),
                            "spike_clusters.npy", "301 entries"),
    "pc_features rows": (_set("pc_features.npy", lambda a: a[:-2]), "pc_features.npy",
                         "298 rows but there are 300 spikes"),
    "2-D spike vector": (_set("amplitudes.npy", lambda a: np.c_[a, a]), "amplitudes.npy",
                         "expected a vector"),
    "dense templates vs channels": (_set("templates.npy", lambda a: a[:, :, :-1]),
                                    "templates.npy", "9 channels but channel_map.npy lists 10"),
    "template_ind shape": (lambda p: _np(p, "template_ind.npy", np.zeros((6, 4), dtype=np.int64)),
                           "template_ind.npy", "expected (6, 10)"),
    "template_ind range": (lambda p: _np(p, "template_ind.npy", np.full((6, 10), 10)),
                           "template_ind.npy", "contains 10"),
    "spike_templates beyond templates": (_set("spike_templates.npy", lambda a: a + 1),
                                         "spike_templates.npy", "refers to template 6"),
    "channel_positions shape": (_set("channel_positions.npy", lambda a: a[:-1]),
                                "channel_positions.npy", "expected (10, 2)"),
    "channel_shanks length": (_set("channel_shanks.npy", lambda a: a[:-1]), "channel_shanks.npy",
                              "9 entries"),
    "similar_templates shape": (_set("similar_templates.npy", lambda a: a[:-1]),
                                "similar_templates.npy", "expected (6, 6)"),
    "whitening shape": (_set("whitening_mat.npy", lambda a: a[:-1, :-1]), "whitening_mat.npy",
                        "expected (10, 10)"),
    "pc_feature_ind shape": (_set("pc_feature_ind.npy", lambda a: a[:, :-1]),
                             "pc_feature_ind.npy", "expected (6, 4)"),
    "pc_feature_ind range": (_set("pc_feature_ind.npy", lambda a: a + 20), "pc_feature_ind.npy",
                             "expected values below 10"),
    "channel_map too high": (_set("channel_map.npy", lambda a: a + 13), "channel_map.npy",
                             "n_channels_dat = 13"),
    "channel_map negative": (_set("channel_map.npy", lambda a: a - 100), "channel_map.npy",
                             "below 0"),
    "float spike_times": (_set("spike_times.npy", lambda a: a / 20000.), "spike_times.npy",
                          "floating-point"),
    # Whole-valued floats are read (as phylib); a fractional, NaN or infinite one is refused.
    "fractional spike_clusters": (_set("spike_clusters.npy", lambda a: a.astype(np.float32) + .5),
                                  "spike_clusters.npy", "must be whole numbers"),
    "NaN spike_templates": (_set("spike_templates.npy",
                                 lambda a: np.where(np.arange(len(a)) == 7, np.nan, a)),
                            "spike_templates.npy", "nan at flat index 7"),
    "fractional channel_map": (_set("channel_map.npy", lambda a: a.astype(np.float32) + .25),
                               "channel_map.npy", "must be whole numbers"),
    "inf pc_feature_ind": (_set("pc_feature_ind.npy",
                                lambda a: np.where(a == a.flat[0], np.inf, a.astype(float))),
                           "pc_feature_ind.npy", "inf at flat index 0"),
    "float pc_feature_ind range": (_set("pc_feature_ind.npy", lambda a: a + 20.),
                                   "pc_feature_ind.npy", "expected values below 10"),
    "bool template_feature_ind": (_set("template_feature_ind.npy", lambda a: a > 0),
                                  "template_feature_ind.npy", "booleans"),
    "string templates": (_set("templates.npy", lambda a: a.astype(str)), "templates.npy",
                         "strings"),
    "negative cluster": (_set("spike_clusters.npy", lambda a: a - 200), "spike_clusters.npy",
                         "below 0"),
    "unsorted spike_times": (_set("spike_times.npy", lambda a: a[::-1]), "spike_times.npy",
                             "not sorted"),
    "negative spike_times": (_set("spike_times.npy", lambda a: a - 10), "spike_times.npy",
                             "below 0"),
    "NaN in a template": (_nan_in_template, "templates.npy", "template 2 contains NaN"),
    "NaN amplitude": (_set("amplitudes.npy", lambda a: np.where(np.arange(len(a)) == 5, np.nan, a)),
                      "amplitudes.npy", "NaN or infinite"),
    "inf amplitude": (_inf_amplitude, "amplitudes.npy", "NaN or infinite"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_folder(tmp_dataset, case):
    mutate, name, words = CASES[case]
    b = tmp_dataset()
    mutate(b.path)
    with pytest.raises(DataError) as e:
        load_model(b.params_path)
    msg = str(e.value)
    assert e.value.path.endswith(name), msg
    assert words in msg, msg
    assert "fix:" in msg


def test_all_nan_template_reads_as_zeros(tmp_dataset, snapshot):
    b = tmp_dataset()
    t = np.load(b.path / "templates.npy", allow_pickle=False)
    t[4] = np.nan
    np.save(b.path / "templates.npy", t)
    before = snapshot(b.path)
    m = load_model(b.params_path)
    assert not np.asarray(m.templates[4]).any()
    assert m.get_template(4).template.shape[0] == b.nsw
    assert snapshot(b.path) == before  # phylib writes the zeros back into templates.npy


def test_bad_spike_attribute_and_metadata_are_skipped(tmp_dataset, caplog):
    b = tmp_dataset()
    np.save(b.path / "spike_short.npy", np.zeros(3))
    (b.path / "cluster_bad.tsv").write_text("cluster_id\tbad\nx\t1\n")
    (b.path / "cluster_ragged.tsv").write_text("cluster_id\tr\n1\t2\t3\n")
    m = load_model(b.params_path)
    assert "short" not in m.spike_attributes and "bad" not in m.metadata and "r" not in m.metadata
    assert "spike_short.npy" in caplog.text and "cluster_bad.tsv" in caplog.text


def test_inconsistent_pool_is_ignored(tmp_dataset, caplog):
    b = tmp_dataset()
    np.save(b.path / "_phy_spikes_subset.spikes.npy", np.array([0, 1, 2]))
    np.save(b.path / "_phy_spikes_subset.channels.npy", np.zeros((2, 4), dtype=np.int32))
    np.save(b.path / "_phy_spikes_subset.waveforms.npy", np.zeros((2, b.nsw, 4), np.float32))
    m = load_model(b.params_path)
    assert m.spike_waveforms is None and "waveform pool" in caplog.text


# params.py --------------------------------------------------------------------------------

GOOD = ("dat_path = 'recording.dat'\nn_channels_dat = 4\ndtype = 'int16'\noffset = 0\n"
        "sample_rate = 30000.\nhp_filtered = False\n")


@pytest.mark.parametrize("text, words", [
    ("dat_path = (\n", "line 1: Python syntax error"),
    (GOOD + "import subprocess\n", "line 7: import subprocess"),
    (GOOD + "x = open('/etc/passwd')\n", "line 7: the undefined name `open`"),
    (GOOD.replace("n_channels_dat = 4\n", ""), "missing `n_channels_dat`"),
    (GOOD.replace("dtype = 'int16'\n", "").replace("sample_rate = 30000.\n", ""),
     "missing `dtype`, `sample_rate`"),
    (GOOD.replace("n_channels_dat = 4", "n_channels_dat = '4'"), "`n_channels_dat` must be"),
    (GOOD.replace("n_channels_dat = 4", "n_channels_dat = 0"), "`n_channels_dat` must be"),
    (GOOD.replace("n_channels_dat = 4", "n_channels_dat = 4.0"), "`n_channels_dat` must be"),
    (GOOD.replace("'int16'", "'banana'"), "`dtype` is not a numeric data type"),
    (GOOD.replace("'int16'", "None"), "`dtype` is not a numeric data type"),
    (GOOD.replace("'int16'", "'U4'"), "`dtype` is not a numeric data type"),
    (GOOD.replace("30000.", "-1"), "`sample_rate` must be a positive number"),
    (GOOD.replace("30000.", "'30k'"), "`sample_rate` must be a positive number"),
    (GOOD.replace("offset = 0", "offset = -2"), "`offset` must be a non-negative integer"),
    (GOOD.replace("hp_filtered = False", "hp_filtered = 'no'"), "`hp_filtered` must be"),
    (GOOD.replace("'recording.dat'", "3"), "`dat_path` must be a path string"),
    (GOOD + "dir_path = 'nowhere'\n", "`dir_path` is not a folder"),
])
def test_bad_params(tmp_path, text, words):
    (tmp_path / "params.py").write_text(text)
    with pytest.raises(DataError) as e:
        get_template_params(tmp_path / "params.py")
    assert e.value.path.endswith("params.py")
    assert words in str(e.value)


def test_missing_params(tmp_path):
    with pytest.raises(DataError, match="params.py: file not found"):
        load_model(tmp_path / "params.py")


def test_params_paths(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (tmp_path / "params.py").write_text(GOOD.replace("'recording.dat'", "['a.dat', '../b.bin', '']")
                                        + "template_scaling = 2.0\n")
    p = get_template_params(tmp_path)  # a folder is accepted too
    assert p["dat_path"] == [tmp_path / "a.dat", tmp_path / "../b.bin"]
    assert p["dtype"] == np.int16 and p["sample_rate"] == 30000. and p["template_scaling"] == 2.
    (tmp_path / "params.py").write_text(GOOD.replace("'int16'", "'np.float32'")
                                        + "dir_path = 'sub'\nhp_filtered = 1\n")
    p = get_template_params(tmp_path / "params.py")
    assert p["dir_path"] == sub and p["dat_path"] == [sub / "recording.dat"]
    assert p["dtype"] == np.float32 and p["hp_filtered"] is True
    (tmp_path / "params.py").write_text(GOOD.replace("'recording.dat'", "r'/abs/x.dat'"))
    assert get_template_params(tmp_path / "params.py")["dat_path"] == [tmp_path / "/abs/x.dat"]


def test_partial_last_frame_of_raw_data(tmp_dataset, caplog):
    """As phylib and the Kwik model: the partial last frame is ignored, one warning (log and
    ``model.warnings``, which the GUI's status bar shows)."""
    b = tmp_dataset()
    raw = (b.path / "recording.dat").read_bytes()
    (b.path / "recording.dat").write_bytes(raw[:-2])
    with caplog.at_level("WARNING"):
        m = load_model(b.params_path)
    assert m.traces.n_samples == len(raw) // 26 - 1
    msg = ("recording.dat: its last 24 bytes are not a whole frame of 13 channels x 2 bytes and "
           "are ignored (a truncated file, or wrong n_channels_dat / dtype / offset)")
    assert msg in m.warnings
    assert sum(msg in r.getMessage() for r in caplog.records) == 1
    m.close()


def test_whole_valued_float_index_arrays(tmp_dataset, caplog):
    """As phylib: index arrays stored as whole-valued floats (phy's own test data has float64
    pc_feature_ind.npy and template_feature_ind.npy) are read as integers, one log warning
    per file; (n, 1) spike arrays too."""
    ref = tmp_dataset("ref", names="ks")
    b = tmp_dataset("floats", names="ks")
    names = ("pc_feature_ind.npy", "template_feature_ind.npy", "channel_map.npy",
             "spike_templates.npy", "spike_clusters.npy")
    for name in names:
        np.save(b.path / name, np.load(b.path / name).astype(np.float64))
    m0 = load_model(ref.params_path)
    with caplog.at_level("WARNING"):
        m = load_model(b.params_path)
    np.testing.assert_array_equal(m.sparse_features.cols, m0.sparse_features.cols)
    np.testing.assert_array_equal(m.sparse_template_features.cols,
                                  m0.sparse_template_features.cols)
    np.testing.assert_array_equal(m.channel_mapping, m0.channel_mapping)
    np.testing.assert_array_equal(m.spike_templates, m0.spike_templates)
    np.testing.assert_array_equal(m.spike_clusters, m0.spike_clusters)
    assert m.spike_templates.dtype.kind == "i" and m.spike_clusters.dtype == np.int32
    np.testing.assert_array_equal(m.get_features(np.arange(20), [0, 1, 2]),
                                  m0.get_features(np.arange(20), [0, 1, 2]))
    for name in names:
        assert sum(r.getMessage().startswith(f"{name} stores") for r in caplog.records) == 1
    m.close()
    m0.close()
