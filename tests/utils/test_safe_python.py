import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phyclone.utils import DataError, read_python

from _shared_data import require_shared


def test_params_literals(tmp_path):
    p = tmp_path / "params.py"
    p.write_text("import os\ndat_path = os.path.join(r'C:\\data', 'a.dat')\nn_channels_dat = 4*96\n"
                 "dtype = 'int16'\noffset = 0\nsample_rate = 30e3\nhp_filtered = False\n"
                 "paths = [f'x{i}.dat' for i in range(3)]\n")
    d = read_python(p)
    assert d["n_channels_dat"] == 384 and d["sample_rate"] == 30000.0
    assert d["dat_path"].endswith("a.dat") and d["hp_filtered"] is False
    assert d["paths"] == ["x0.dat", "x1.dat", "x2.dat"]
    assert "os" not in d


def test_prb_comprehension(tmp_path):
    p = tmp_path / "a.prb"
    p.write_text("channel_groups = {0: {'channels': list(range(4)), "
                 "'geometry': {i: (0, 10 * i) for i in range(4)}}}\n")
    d = read_python(p)
    assert d["channel_groups"][0]["geometry"][3] == (0, 30)


@pytest.mark.parametrize("code", [
    "import subprocess\n", "x = __import__('os')\n", "x = open('f')\n", "def f():\n  pass\n",
    "x = (1).__class__\n", "x = 'a' * 10**12\n", "x = y\n", "x = os.system('ls')\n",
])
def test_rejects_code(tmp_path, code):
    p = tmp_path / "params.py"
    p.write_text("a = 1\n" + code)
    with pytest.raises(DataError) as e:
        read_python(p)
    assert "params.py" in str(e.value) and "line 2" in str(e.value)


def test_syntax_error(tmp_path):
    p = tmp_path / "params.py"
    p.write_text("a = (\n")
    with pytest.raises(DataError, match="syntax"):
        read_python(p)


# Realistic files -------------------------------------------------------------------------

def test_real_files_in_place():
    SHARED = require_shared()
    params = read_python(SHARED / "si_export_16ch" / "params.py")
    assert params == {"dat_path": "recording.dat", "n_channels_dat": 16, "dtype": "int16",
                      "offset": 0, "sample_rate": 30000.0, "hp_filtered": True}
    prm = read_python(SHARED / "klusta_16ch" / "synth.prm")
    assert prm["traces"]["raw_data_files"] == ["synth_rec0.dat", "synth_rec1.dat"]
    assert prm["traces"]["sample_rate"] == 20000 and prm["prb_file"] == "synth.prb"
    prb = read_python(SHARED / "klusta_16ch" / "synth.prb")
    assert prb["channel_groups"][1]["channels"] == [13, 9, 14, 8, 12, 10, 11]
    assert prb["channel_groups"][0]["geometry"][7] == (8.0, 140.0)


def test_windows_paths_without_raw_prefix(tmp_path, caplog):
    # What MATLAB sorters write on Windows: invalid (\U) or silently wrong (\r, \t) escapes.
    p = tmp_path / "params.py"
    p.write_text("dat_path = 'C:\\Users\\me\\new\\raw.dat'\n"
                 "other = u'D:\\data\\tetrode.bin'\n"
                 "escaped = 'E:\\\\x\\\\y.bin'\n"
                 "raw = r'F:\\a\\b.bin'\n"
                 "n_channels_dat = 32\n")
    d = read_python(p)
    assert d["dat_path"] == r"C:\Users\me\new\raw.dat"
    assert d["other"] == r"D:\data\tetrode.bin"
    assert d["escaped"] == r"E:\x\y.bin" and d["raw"] == r"F:\a\b.bin"
    assert "raw string" in caplog.text


def test_prb_with_loops_and_pathlib_numpy(tmp_path):
    p = tmp_path / "probe.prb"
    p.write_text(
        "import numpy as np\nfrom pathlib import Path\nimport os.path as op\n"
        "total_nb_channels = 8\nradius = 100\nchannel_groups = {}\n"
        "for shank in range(2):\n"
        "    chans = [4 * shank + i for i in range(4)]\n"
        "    if shank == 5:\n        continue\n"
        "    channel_groups[shank] = {'channels': chans,\n"
        "        'geometry': {c: (shank * 200, 20 * (c % 4)) for c in chans},\n"
        "        'graph': [(a, b) for a in chans for b in chans if a < b]}\n"
        "else:\n    done = True\n"
        "dtype = np.int16\nnan = np.nan\n"
        "folder = Path(__file__).parent\ndat = folder / 'rec.dat'\n"
        "names = ['{}_{:02d}.dat'.format('rec', i) for i in range(2)]\n"
        "names += [f'r{i:03d}' for i in (1,)]\n"
        "label = '%s-%d' % ('x', 3)\nmixed = op.splitext(op.basename(str(dat)))[0].upper()\n"
        "ok = 3 in [1, 3] and not (2 is None) and len(names) == 3 or False\n"
        "del radius\n")
    d = read_python(p)
    assert d["channel_groups"][1]["channels"] == [4, 5, 6, 7]
    assert d["channel_groups"][1]["geometry"][6] == (200, 40)
    assert len(d["channel_groups"][0]["graph"]) == 6 and d["done"] is True
    assert d["dtype"] == "int16" and d["nan"] != d["nan"]
    assert d["dat"] == tmp_path / "rec.dat"
    assert d["names"] == ["rec_00.dat", "rec_01.dat", "r001"]
    assert d["label"] == "x-3" and d["mixed"] == "REC" and d["ok"] is True
    assert "radius" not in d and "np" not in d and "Path" not in d and "shank" in d


def test_latin1_file(tmp_path):
    p = tmp_path / "params.py"
    p.write_bytes("dat_path = 'donn\xe9es.dat'\n".encode("latin-1"))
    assert read_python(p)["dat_path"] == "donn\xe9es.dat"


def test_config_namespace_and_functions():
    from phyclone.utils import Config
    c = Config()
    d = read_python("phy_config.py", text="c = get_config()\nc.TemplateGUI.plugins = ['A']\n",
                    namespace={"c": c}, functions={"get_config": lambda: c})
    assert d["c"].TemplateGUI.plugins == ["A"]


@pytest.mark.parametrize("code", [
    "x = ().__class__.__bases__\n", "c.__class__.x = 1\n", "c._x = 1\n", "x = c.keys\n",
    "x = '{0.__class__}'.format(1)\n", "x = f'{1:>999999999}'\n", "x = '%0999999999d' % 1\n",
    "x = [0] * 10**6\nx = x * 10\n", "x = 'a' * 10**6\nx += x\n", "x = 10**64\nx = x ** 64\n",
    "x = sum([[1]] * 1000, [])\n", "x = sorted([3], key=print)\n", "while True:\n  pass\n",
    "for i in range(10**6):\n  for j in range(10**6):\n    pass\n",
    "import numpy\nx = numpy.load\n",
    "x = (lambda: 1)()\n", "class A:\n  pass\n", "x = [].append\n", "x = ''.zfill(10**9)\n",
    "from os import system\n", "import os\nos.system('true')\n", "from .x import y\n",
])
def test_rejects_more(tmp_path, code):
    from phyclone.utils import Config
    p = tmp_path / "params.py"
    p.write_text("a = 1\n" + code)
    with pytest.raises(DataError) as e:
        read_python(p, namespace={"c": Config()})
    assert "params.py" in str(e.value)
    assert not hasattr(Config, "x")


# Fuzzing: whatever the text, read_python returns a dict or raises DataError ------------------

_ATOMS = ["0", "1", "-1", "2", "64", "1e308", "0.5", "'a'", "'%s'", "'{}'", "'{0.__class__}'",
          "'C:\\\\x'", "'C:\\Users'", "b'x'", "None", "True", "[]", "{}", "()", "x", "y", "os",
          "np", "Path", "__file__", "c", "len", "range(3)", "'%*d'", "[1, 2]", "{'k': 1}",
          "f'{x}'", "f'{x:>{y}}'", "''"]
_OPS = ["+", "-", "*", "/", "//", "%", "**", "==", "<", "in", "not in", "is", "and", "or", "&",
        "<<", "@"]
_CALLS = ["len", "str", "int", "float", "list", "dict", "tuple", "set", "range", "sorted", "min",
          "max", "sum", "zip", "enumerate", "abs", "round", "print", "os.path.join", "Path",
          "np.dtype", "open", "eval", "getattr", "type", "'x'.join", "'x'.format", "'ab'.replace"]
_ATTRS = ["path", "sep", "join", "__class__", "parent", "name", "int16", "TemplateGUI", "keys",
          "__dict__", "lower", "_x"]
_TARGETS = ["x", "y", "c.TemplateGUI.plugins", "x[0]", "x, y", "c.__class__.x", "c._p", "x[y]"]
_STMTS = ["import os", "import numpy as np", "from pathlib import Path", "import subprocess",
          "from os import system", "del x", "break", "pass", "def f(): pass", "while True: pass",
          "global x", "x = lambda: 0", "class A: pass", "raise ValueError"]


def _expr(depth):
    leaf = st.sampled_from(_ATOMS)
    if depth == 0:
        return leaf
    sub = _expr(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(_OPS), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "not ", "~"]), sub).map(lambda t: f"({t[0]}{t[1]})"),
        st.tuples(st.sampled_from(_CALLS), st.lists(sub, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(sub, st.sampled_from(_ATTRS)).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(sub, sub).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(sub, sub).map(lambda t: f"[{t[0]} for x in {t[1]}]"),
        st.tuples(sub, sub, sub).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        sub.map(lambda e: f"[*{e}]"), sub.map(lambda e: f"f'{{{e}}}'"),
    )


_STATEMENT = st.one_of(
    st.tuples(st.sampled_from(_TARGETS), _expr(3)).map(lambda t: f"{t[0]} = {t[1]}"),
    st.tuples(st.sampled_from(_TARGETS), st.sampled_from(["+=", "*=", "**="]), _expr(2)).map(
        lambda t: " ".join(t)),
    _expr(3), st.sampled_from(_STMTS),
    st.tuples(_expr(2), _expr(2)).map(lambda t: f"for x in {t[0]}:\n    y = {t[1]}"),
    st.tuples(_expr(2), _expr(2)).map(lambda t: f"if {t[0]}:\n    x = {t[1]}\nelse:\n    y = 1"),
)


def _only_data_errors(text, **kwargs):
    try:
        out = read_python("fuzz.py", text=text, **kwargs)
    except DataError:
        return
    assert isinstance(out, dict)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_STATEMENT, max_size=6))
def test_fuzz_python_like(statements):
    from phyclone.utils import Config
    _only_data_errors("x = [1, 2]\ny = 'ab'\n" + "\n".join(statements) + "\n",
                      namespace={"c": Config()})
    assert not any(k for k in vars(Config) if not k.startswith("_") and k != "merge")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_any_text(text):
    _only_data_errors(text)
