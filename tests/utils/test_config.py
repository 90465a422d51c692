import json
import os

from phyclone.utils import Config, load_config, load_master_config, phy_config_dir
from phyclone.utils.config import ENV_CONFIG_DIR, default_config


def test_tests_never_use_the_real_home():
    assert "phyclone-tests-" in os.environ["HOME"]
    assert "phyclone-tests-" in str(phy_config_dir())


def test_phy_config_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_CONFIG_DIR, str(tmp_path / "env"))
    assert phy_config_dir() == tmp_path / "env"
    assert phy_config_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv(ENV_CONFIG_DIR)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert phy_config_dir() == tmp_path / "home" / ".phy"


def test_default_config_created_and_loaded(config_dir):
    assert not config_dir.exists()
    c = load_master_config()
    path = config_dir / "phy_config.py"
    assert path.exists()
    assert "from phy import IPlugin" in path.read_text()
    assert c.Plugins.dirs == [str(config_dir / "plugins")]
    # Loading again reads the same file and does not rewrite it.
    mtime = path.stat().st_mtime_ns
    assert load_master_config().Plugins.dirs == c.Plugins.dirs
    assert path.stat().st_mtime_ns == mtime
    assert default_config(config_dir) == path.read_text()


def test_traitlets_syntax(tmp_path):
    d = tmp_path / "cfg"
    d.mkdir()
    (d / "phy_config.py").write_text(
        "c = get_config()\n"
        "c.TemplateGUI.plugins = ['A', 'B']\n"
        "c.TemplateController.n_spikes_waveforms = 250\n"
        "import numpy as np\n"
        "c.Plugins.dirs = []\n")
    c = load_master_config(d)
    assert c.TemplateGUI.plugins == ["A", "B"]
    assert c["TemplateController"]["n_spikes_waveforms"] == 250
    assert c.get("KwikGUI") is None and "TemplateGUI" in c
    assert c.get("Plugins", {}).get("dirs") == []


def test_config_object():
    c = Config()
    c.A.b = 1
    c.A.C.d = [2]
    assert c == {"A": {"b": 1, "C": {"d": [2]}}}
    assert json.loads(json.dumps(c)) == c
    try:
        c.lowercase
    except AttributeError:
        pass
    else:
        raise AssertionError("lower-case sections are not created implicitly")
    c.merge({"A": {"e": 3}, "F": {"g": 4}})
    assert c.A.b == 1 and c.A.e == 3 and c.F.g == 4


def test_broken_config_is_logged_not_raised(tmp_path, caplog):
    (tmp_path / "phy_config.py").write_text("c = get_config()\nraise RuntimeError('boom')\n")
    c = load_master_config(tmp_path)
    assert c == {}
    assert "phy_config.py" in caplog.text and "boom" in caplog.text


def test_json_config(tmp_path):
    p = tmp_path / "c.json"
    p.write_text('{"TemplateGUI": {"plugins": ["X"]}}')
    assert load_config(p).TemplateGUI.plugins == ["X"]
    assert load_config(tmp_path / "missing.py") == {}


def test_phy_imports_in_config(tmp_path):
    (tmp_path / "phy_config.py").write_text(
        "from phy import IPlugin, connect\n"
        "from phylib.utils import Bunch\n"
        "from phy.utils.color import selected_cluster_color\n"
        "import phy\n"
        "c = get_config()\n"
        "c.Test.ok = (IPlugin.__module__, Bunch.__module__, phy.__name__,\n"
        "             selected_cluster_color.__module__)\n")
    c = load_master_config(tmp_path)
    assert c.Test.ok == ("phyclone.utils.plugin", "phyclone.utils.bunch", "phyclone",
                         "phyclone.utils.colors")
