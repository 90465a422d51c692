import logging
import pickle
import textwrap

import phyclone
from phyclone.utils import IPlugin, attach_plugins, discover_plugins, emit, get_plugin
from phyclone.utils.plugin import registered_plugins


class Controller:
    gui_name = "TemplateGUI"

    def __init__(self):
        self.log = []


def _write(path, code):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(code))


def test_registry_by_class_name():
    class RegistryTestPlugin(IPlugin):
        pass

    assert get_plugin("RegistryTestPlugin") is RegistryTestPlugin
    assert phyclone.get_plugin("RegistryTest") is RegistryTestPlugin  # unique substring (phy)
    assert registered_plugins()["RegistryTestPlugin"] is RegistryTestPlugin


def test_plugin_files_with_phy_and_phyclone_imports(config_dir):
    plugins = config_dir / "plugins"
    _write(plugins / "phy_style.py", """
        from phy import IPlugin, connect

        class PhyStylePlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller.log.append('phy style')

                @connect(sender=controller)
                def on_plugin_test_event(sender, x):
                    return ('phy style', x)
        """)
    _write(plugins / "sub" / "native.py", """
        from phyclone import IPlugin
        from phylib.utils import Bunch

        class NativePlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller.log.append(Bunch(name='native').name)
        """)
    _write(plugins / "tests" / "skipped.py", "raise RuntimeError('test folders are skipped')\n")
    _write(config_dir / "phy_config.py", """
        c = get_config()
        c.TemplateGUI.plugins = ['PhyStylePlugin', 'NativePlugin']
        """)
    controller = Controller()
    assert attach_plugins(controller) == ["PhyStylePlugin", "NativePlugin"]
    assert controller.log == ["phy style", "native"]
    assert emit("plugin_test_event", controller, 3) == [("phy style", 3)]
    assert emit("plugin_test_event", object(), 3) == []
    phyclone.unconnect(controller)
    # Classes defined in plugin files live in a real module: they pickle.
    cls = get_plugin("NativePlugin")
    assert pickle.loads(pickle.dumps(cls)) is cls


def test_raising_plugins_are_logged_and_skipped(config_dir, caplog):
    plugins = config_dir / "plugins"
    _write(plugins / "a_broken_file.py", "from phy import IPlugin\nraise ValueError('bad file')\n")
    _write(plugins / "b_good.py", """
        from phy import IPlugin, connect

        class RaisingPlugin(IPlugin):
            def attach_to_controller(self, controller):
                @connect
                def on_raising_plugin_event(sender):
                    return 'should be removed'
                raise RuntimeError('bad plugin')

        class GoodPlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller.log.append('good')
        """)
    controller = Controller()
    with caplog.at_level(logging.WARNING):
        attached = attach_plugins(
            controller, plugins=["RaisingPlugin", "MissingPlugin", "GoodPlugin"])
    assert attached == ["GoodPlugin"]
    assert controller.log == ["good"]
    assert "a_broken_file.py" in caplog.text and "bad file" in caplog.text
    assert "RaisingPlugin" in caplog.text and "bad plugin" in caplog.text
    assert "MissingPlugin" in caplog.text
    assert emit("raising_plugin_event", None) == []  # the half-attached plugin left nothing


def test_inline_plugin_in_config(config_dir):
    _write(config_dir / "phy_config.py", """
        from phy import IPlugin

        class InlinePlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller.log.append('inline')

        c = get_config()
        c.MyGUI.plugins = ['InlinePlugin']
        """)
    controller = Controller()
    controller.gui_name = "MyGUI"
    assert attach_plugins(controller) == ["InlinePlugin"]
    assert controller.log == ["inline"]


def test_gui_name_defaults_to_class_name_and_extra_dirs(tmp_path, config_dir):
    extra = tmp_path / "extra"
    _write(extra / "p.py", """
        from phyclone import IPlugin

        class ExtraDirPlugin(IPlugin):
            def attach_to_controller(self, controller):
                controller.append('extra')
        """)
    _write(config_dir / "phy_config.py", "c = get_config()\nc.list.plugins = []\n")

    class MyController(list):
        pass

    # The config above fails (lower-case section): it is logged and ignored.
    controller = MyController()
    assert attach_plugins(controller, plugins=["ExtraDirPlugin"], dirs=[extra]) == \
        ["ExtraDirPlugin"]
    assert controller == ["extra"]


def test_discover_returns_new_classes(tmp_path):
    _write(tmp_path / "one.py", "from phy import IPlugin\nclass DiscoverOne(IPlugin): pass\n")
    found = discover_plugins([tmp_path, tmp_path / "missing"])
    assert [c.__name__ for c in found] == ["DiscoverOne"]
