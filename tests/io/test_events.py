"""Event files for the event view: .npy (seconds or samples), TSV/CSV columns, bad files."""

import numpy as np
import pytest

from phyclone.io.events import load_events
from phyclone.utils.errors import DataError

SR = 30000.


def test_npy_seconds_and_samples(tmp_path):
    np.save(tmp_path / "s.npy", np.array([2.5, 0.1, 1.0]))
    assert load_events(tmp_path / "s.npy", SR).tolist() == [3000, 30000, 75000]
    np.save(tmp_path / "i.npy", np.array([[90], [3]], dtype=np.uint32))
    out = load_events(tmp_path / "i.npy", SR)
    assert out.dtype == np.int64 and out.tolist() == [3, 90]


@pytest.mark.parametrize("text, column, expected", [
    ("onset\tduration\ttrial_type\n1.5\t0.2\tgo\n0.5\t0.2\tstop\n", None, [15000, 45000]),
    ("trial,time\n1,0.001\n2,2\n", None, [30, 60000]),
    ("sample;x\n100;1\n40;2\n", None, [40, 100]),
    ("a,b\n1,7\n2,8\n", "b", [210000, 240000]),
    ("a,b\n1,7\n2,8\n", "A", [30000, 60000]),
    ("stim\n0.25\n# comment\n\n0.75\n", None, [7500, 22500]),
    ("0.5\n1.5\n", None, [15000, 45000]),
    ("\ufefftime\r\n1\r\n", None, [30000]),
])
def test_text_columns(tmp_path, text, column, expected):
    path = tmp_path / "events.tsv"
    path.write_text(text, encoding="utf-8")
    assert load_events(path, SR, column=column).tolist() == expected


@pytest.mark.parametrize("name, content, message", [
    ("missing.tsv", None, "not found"),
    ("empty.tsv", "", "no events"),
    ("header.csv", "time\n", "header but no events"),
    ("text.csv", "time\n1\nabc\n", "line 3: 'abc' is not a number"),
    ("short.csv", "a,time\n1,2\n3\n", "line 3: '' is not a number"),
    ("nan.csv", "time\n1\nnan\n", "not a finite number"),
    ("neg.csv", "time\n-1\n", "negative event time"),
    ("cols.csv", "a,b\n1,2\n", "no event time column among a, b"),
    ("frac.csv", "sample\n1.5\n", "whole numbers"),
])
def test_bad_text(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(DataError, match=message) as e:
        load_events(path, SR)
    assert name in str(e.value) and "fix:" in str(e.value)


def test_bad_npy_and_args(tmp_path):
    np.save(tmp_path / "2d.npy", np.zeros((3, 2)))
    with pytest.raises(DataError, match=r"shape \(3, 2\)"):
        load_events(tmp_path / "2d.npy", SR)
    np.save(tmp_path / "str.npy", np.array(["a"]))
    with pytest.raises(DataError, match="strings"):
        load_events(tmp_path / "str.npy", SR)
    (tmp_path / "trunc.npy").write_bytes((tmp_path / "2d.npy").read_bytes()[:-8])
    with pytest.raises(DataError, match="truncated"):
        load_events(tmp_path / "trunc.npy", SR)
    with pytest.raises(DataError, match="no column 'x'"):
        (tmp_path / "e.csv").write_text("time\n1\n")
        load_events(tmp_path / "e.csv", SR, column="x")
    with pytest.raises(DataError, match="no header"):
        (tmp_path / "h.csv").write_text("1\n2\n")
        load_events(tmp_path / "h.csv", SR, column="x")
    with pytest.raises(DataError, match="sample rate"):
        load_events(tmp_path / "e.csv", 0)
