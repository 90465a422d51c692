"""A label is saved back into the file it came from (same name, column, delimiter, line
endings); two files describing one column are reported and resolved as phylib resolves them
(synthetic reproductions of what SpikeInterface exports ship)."""

import logging
import os

from phyclone.apps.template import load_model
from phyclone.io.template.metadata import load_all_metadata
from phyclone.utils.fileio import read_tsv


def _columns_and_files(folder):
    """``{column: [files describing it]}`` of every table of a folder (cluster_info excluded)."""
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".tsv", ".csv")
                   and p.stem != "cluster_info")
    return load_all_metadata(paths)[1]


def test_si_channel_group_saved_into_its_file(tmp_dataset):
    """SpikeInterface's ``cluster_channel_group.tsv`` holds column ``chan_group``: saving the
    label rewrites that file (CRLF kept), and no ``cluster_chan_group.tsv`` appears."""
    b = tmp_dataset()
    src = b.path / "cluster_channel_group.tsv"
    src.write_bytes(b"cluster_id\tchan_group\r\n100\t0\r\n101\t0\r\n102\t1\r\n")
    units = b.path / "cluster_si_unit_ids.tsv"
    units.write_text("cluster_id\tsi_unit_id\n100\t7\n101\t8\n102\t9\n")
    m = load_model(b.params_path)
    assert m.metadata["chan_group"] == {100: 0, 101: 0, 102: 1}
    # Clusters 100 and 101 merged into 103, which keeps their channel group.
    assert m.save_metadata("chan_group", {102: 1, 103: 0, 104: None}) == src
    assert m.save_metadata("si_unit_id", {102: 9, 103: "7+8"}) == units
    assert src.read_bytes() == b"cluster_id\tchan_group\r\n102\t1\r\n103\t0\r\n"
    assert units.read_bytes() == b"cluster_id\tsi_unit_id\n102\t9\n103\t7+8\n"
    assert not (b.path / "cluster_chan_group.tsv").exists()
    assert not (b.path / "cluster_si_unit_id.tsv").exists()
    m2 = load_model(b.params_path)
    assert m2.metadata["chan_group"] == {102: 1, 103: 0}
    assert m2.metadata["si_unit_id"] == {102: 9, 103: "7+8"}
    sources = _columns_and_files(b.path)
    assert sources["chan_group"] == [src] and sources["si_unit_id"] == [units]
    # A new label still goes to phy's file name.
    m2.save_metadata("remark", {102: "nice"})
    assert (b.path / "cluster_remark.tsv").read_text() == "cluster_id\tremark\n102\tnice\n"


def test_csv_and_multi_column_tables_kept(tmp_dataset):
    """A comma-separated table with several columns keeps its name, delimiter, header order
    and its other columns (an all-empty column included) when one of its labels is saved."""
    b = tmp_dataset()
    p = b.path / "curation.csv"
    p.write_text("rating,cluster_id,empty,note\n1.5,100,,a\n2,101,,\n")
    m = load_model(b.params_path)
    assert m.metadata["rating"] == {100: 1.5, 101: 2} and "empty" not in m.metadata
    m.save_metadata("rating", {100: 3, 102: 0.25})  # 101: no value left in any column
    assert p.read_text() == "rating,cluster_id,empty,note\n3,100,,a\n0.25,102,,\n"
    assert read_tsv(p)[0] == {"rating": 3, "cluster_id": 100, "note": "a"}
    assert not (b.path / "cluster_rating.tsv").exists()


def _phylib_winner(folder, column):
    """The file phylib takes a column from: every *.csv then every *.tsv in directory order
    (``Path.glob`` lists them as ``os.scandir`` does), the last one describing it wins."""
    names = [e.name for e in os.scandir(folder) if e.is_file()]
    winner = None
    for ext in (".csv", ".tsv"):
        for n in names:
            if n.endswith(ext) and n[:-len(ext)] != "cluster_info":
                header = (folder / n).read_text().splitlines()[0].split("\t")
                if column in header:
                    winner = n
    return winner


def test_two_files_one_column_reported_and_resolved_as_phylib(tmp_dataset, caplog):
    """The stale ``cluster_chan_group.tsv`` an earlier save left beside SpikeInterface's
    ``cluster_channel_group.tsv``: a warning names both, the values are phylib's choice, and
    a save brings both files in step."""
    b = tmp_dataset()
    (b.path / "cluster_channel_group.tsv").write_text(
        "cluster_id\tchan_group\n100\t0\n101\t0\n102\t1\n")
    (b.path / "cluster_chan_group.tsv").write_text("cluster_id\tchan_group\n100\t5\n103\t6\n")
    with caplog.at_level(logging.WARNING):
        m = load_model(b.params_path)
    warned = [r.getMessage() for r in caplog.records if "chan_group" in r.getMessage()]
    assert len(warned) == 1
    assert "cluster_channel_group.tsv" in warned[0] and "cluster_chan_group.tsv" in warned[0]
    winner = _phylib_winner(b.path, "chan_group")
    expected = {"cluster_channel_group.tsv": {100: 0, 101: 0, 102: 1},
                "cluster_chan_group.tsv": {100: 5, 103: 6}}[winner]
    assert m.metadata["chan_group"] == expected
    assert f"using {winner}" in warned[0]
    m.save_metadata("chan_group", {102: 1, 104: 0})
    for name in ("cluster_channel_group.tsv", "cluster_chan_group.tsv"):
        assert read_tsv(b.path / name) == [{"cluster_id": 102, "chan_group": 1},
                                           {"cluster_id": 104, "chan_group": 0}]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert load_model(b.params_path).metadata["chan_group"] == {102: 1, 104: 0}
    assert not [r for r in caplog.records if "chan_group" in r.getMessage()]


def test_legacy_cluster_groups_csv_kept_in_step(tmp_dataset):
    """Groups read from phy 1's ``cluster_groups.csv``: a save writes ``cluster_group.tsv``
    (what phy writes) and rewrites the CSV with the same groups."""
    d = tmp_dataset().path
    (d / "cluster_group.tsv").unlink(missing_ok=True)
    (d / "cluster_groups.csv").write_text("cluster_id,group\n100,good\n101,noise\n")
    m = load_model(d / "params.py")
    assert m.metadata["group"] == {100: "good", 101: "noise"}
    from phyclone.controller.saving import save_clustering
    ids = [int(c) for c in m.cluster_ids]
    groups = {c: ("mua" if c == ids[0] else None) for c in ids}
    save_clustering(m, m.spike_clusters, groups, [], [])
    expected = {c: ("mua" if c == ids[0] else "unsorted") for c in ids}
    for name in ("cluster_group.tsv", "cluster_groups.csv"):
        assert {r["cluster_id"]: r["group"] for r in read_tsv(d / name)} == expected
    assert (d / "cluster_groups.csv").read_text().startswith("cluster_id,group\n")
    assert load_model(d / "params.py").metadata["group"] == expected
