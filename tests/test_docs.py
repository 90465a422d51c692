"""The user documentation (docs/, mkdocs.yml) against the code: every environment variable the
code reads is documented, every command and option is in the generated CLI reference, every
page is in the navigation, and the site builds with ``mkdocs build --strict``."""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# The forms in which the code reads a variable: os.environ.get("X"), os.environ["X"],
# "X" in os.environ, env_int("X", ...), and the NAME = "PHYCLONE_X" constants it passes on.
_READS = [
    re.compile(r"environ(?:\.get|\.setdefault|\.pop)?\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']"),
    re.compile(r"environ\[\s*[\"']([A-Z][A-Z0-9_]+)[\"']"),
    re.compile(r"[\"']([A-Z][A-Z0-9_]+)[\"']\s+(?:not\s+)?in\s+os\.environ"),
    re.compile(r"env_int\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']"),
    re.compile(r"[\"'](PHYCLONE_[A-Z0-9_]+)[\"']"),
]


def load_hooks():
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def environment_variables():
    """``{name: first file:line}`` of the variables read in phyclone/."""
    found = {}
    for path in sorted((ROOT / "phyclone").rglob("*.py")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern in _READS:
                for name in pattern.findall(line):
                    found.setdefault(name, f"{path.relative_to(ROOT)}:{i}")
    return found


def test_every_environment_variable_is_documented():
    found = environment_variables()
    # The scan itself must see the variables of the main mechanisms.
    assert {"PHYCLONE_CONFIG_DIR", "PHYCLONE_OPENGL", "PHYCLONE_GL_THREADS", "DISPLAY"} <= set(found)
    page = (DOCS / "opengl.md").read_text(encoding="utf-8")
    assert "<!-- phyclone:environment -->" in page
    page += load_hooks().environment_markdown()
    missing = {n: where for n, where in found.items() if f"`{n}`" not in page}
    assert not missing, f"document these in docs/opengl.md (Environment variables): {missing}"


def test_cli_reference_has_every_command_and_option():
    from phyclone.apps.cli import COMMANDS, phycli
    import click
    md = load_hooks().cli_markdown()
    ctx = click.Context(phycli, info_name="phy")
    assert set(COMMANDS) <= set(phycli.list_commands(ctx))
    for name in phycli.list_commands(ctx):
        assert f"## phy {name}\n" in md
        for param in phycli.get_command(ctx, name).params:
            for opt in param.opts if isinstance(param, click.Option) else [param.human_readable_name]:
                assert opt in md, (name, opt)
    assert "<!-- phyclone:cli -->" in (DOCS / "cli.md").read_text(encoding="utf-8")


def test_template_files_reference_lists_every_file_name():
    from phyclone.io.template.files import FILES
    md = load_hooks().template_files_markdown()
    for names in FILES.values():
        for n in names:
            assert f"`{n}`" in md
    assert "<!-- phyclone:template-files -->" in (DOCS / "formats.md").read_text(encoding="utf-8")


def test_every_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    missing = [p for p in pages if f": {p}" not in nav]
    assert not missing, f"add these pages to the nav of mkdocs.yml: {missing}"


def test_docs_images_are_used():
    text = "".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    unused = [p.name for p in (DOCS / "img").glob("*.png") if f"img/{p.name}" not in text]
    assert not unused


def test_repository_links_are_checked(tmp_path):
    hooks = load_hooks()
    (tmp_path / "docs").mkdir()
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "a.py").write_text("")
    out = hooks.repo_links("see [a.py](../examples/a.py) and [the code](../examples/a.py)",
                           "page.md", tmp_path / "docs")
    assert out == "see `examples/a.py` and the code (`examples/a.py`)"
    with pytest.raises(Exception, match="missing"):
        hooks.repo_links("[b](../examples/b.py)", "page.md", tmp_path / "docs")


def test_mkdocs_build_strict(tmp_path):
    exe = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    if not Path(exe).exists():
        pytest.fail("mkdocs is not installed (pip install -e '.[test]')")
    res = subprocess.run([exe, "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    shortcuts = (tmp_path / "site" / "shortcuts" / "index.html").read_text(encoding="utf-8")
    assert "<kbd>ctrl+alt+space</kbd>" in shortcuts  # generated at build time
    assert (tmp_path / "site" / "img" / "window.png").exists()
