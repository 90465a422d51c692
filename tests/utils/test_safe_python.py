import pytest

from phyclone.utils import DataError, read_python


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
