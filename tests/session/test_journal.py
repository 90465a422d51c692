import json

import numpy as np

from phyclone.session.journal import Journal, decode, encode, fingerprint


def test_encode_roundtrip():
    rng = np.random.default_rng(0)
    big = np.sort(rng.choice(10**7, 5000, replace=False)).astype(np.int64)
    value = dict(spike_ids=big, cluster_ids=[3, 5], name="group", rel=np.array([1, 2]),
                 nested={"x": big[:10]})
    out = decode(json.loads(json.dumps(encode(value))))
    np.testing.assert_array_equal(out["spike_ids"], big)
    assert out["cluster_ids"] == [3, 5] and out["name"] == "group"
    assert list(out["rel"]) == [1, 2] and list(out["nested"]["x"]) == list(big[:10])
    # Sorted ids compress well: far below 8 bytes per id.
    assert len(json.dumps(encode(big))) < 8 * len(big) / 2


def test_fingerprint_changes():
    a = np.arange(100_000) % 7
    b = a.copy()
    b[-1] += 1
    assert fingerprint(a) == fingerprint(a.copy())
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) != fingerprint(a[:-1])


def test_append_read_and_torn_line(tmp_path):
    j = Journal(tmp_path / ".phy" / "journal.jsonl")
    j.start("fp", 10)
    j.append("merge", cluster_ids=[1, 2], to=10)
    j.append("label", name="group", value="good", cluster_ids=[10])
    j.close()
    header, actions = j.read()
    assert header["fingerprint"] == "fp" and header["new_cluster_id"] == 10
    assert [a["action"] for a in actions] == ["merge", "label"]
    assert [a["seq"] for a in actions] == [1, 2]
    # A crash in the middle of a write leaves a torn last line: ignored.
    with open(j.path, "ab") as f:
        f.write(b'{"seq":3,"action":"spl')
    assert [a["action"] for a in j.read()[1]] == ["merge", "label"]
    # Appending after a torn line (keep_actions) continues the sequence.
    assert len(j.pending("fp")) == 2


def test_stale_journal_is_kept_aside(tmp_path):
    j = Journal(tmp_path / "journal.jsonl")
    j.start("old", 5)
    j.append("undo")
    j.close()
    assert j.pending("other") == []
    assert not j.path.exists() and (tmp_path / "journal.jsonl.old").exists()
