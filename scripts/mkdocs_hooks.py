"""mkdocs hook: the reference pages generated from the code at build time.

A page holding one of these markers gets it replaced by tables built from the code, so the
documentation cannot drift from it:

- ``<!-- phyclone:cli -->``: every ``phy`` command with its ``--help`` (from click);
- ``<!-- phyclone:shortcuts -->``: the default keyboard shortcuts, mouse gestures and
  snippets of the main window, the clustering actions and every view (class attributes
  ``default_shortcuts`` / ``default_snippets``, actions added with ``@actions.add(shortcut=)``
  in ``phyclone.apps``, descriptions from the docstrings);
- ``<!-- phyclone:template-files -->``: the files of a template-gui folder by role;
- ``<!-- phyclone:environment -->``: phyclone's environment variables, from the runtime
  policy's table (``phyclone/utils/runtime.py``).

``python scripts/mkdocs_hooks.py cli|shortcuts|files|environment`` prints the generated Markdown.
"""

import ast
import importlib
import inspect
import re
import sys
from pathlib import Path

import click

CLI_MARKER = "<!-- phyclone:cli -->"
SHORTCUTS_MARKER = "<!-- phyclone:shortcuts -->"
FILES_MARKER = "<!-- phyclone:template-files -->"
ENVIRONMENT_MARKER = "<!-- phyclone:environment -->"

#: Shortcut groups: (title, "module:class", where the actions' docstrings are).
SHORTCUT_GROUPS = [
    ("Main window", "phyclone.gui.gui:GUI", None),
    ("Raw data (every controller)", "phyclone.apps.mixins.gui:GUIMixin", None),
    ("Clustering, wizard, selection", "phyclone.cluster.supervisor_actions:ActionCreator",
     "phyclone.cluster.supervisor:Supervisor"),
]
#: View classes (module of ``phyclone.cluster.views``, class name), in the order of the docs.
VIEWS = [
    ("waveform", "WaveformView"), ("feature", "FeatureView"), ("template", "TemplateView"),
    ("template_feature", "TemplateFeatureView"), ("correlogram", "CorrelogramView"),
    ("isi", "ISIView"), ("firing_rate", "FiringRateView"), ("amplitude", "AmplitudeView"),
    ("trace", "TraceView"), ("trace_image", "TraceImageView"), ("raster", "RasterView"),
    ("cluscatter", "ClusterScatterView"), ("probe", "ProbeView"), ("scatter", "ScatterView"),
    ("event", "EventView"),
]
#: Qt standard keys used as shortcuts, as a user types them on Linux.
STANDARD_KEYS = {"HelpContents": "F1"}


def _load(spec):
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)


def _first_line(obj):
    """The first paragraph of a docstring, on one line."""
    doc = (inspect.getdoc(obj) or "").strip()
    return " ".join(doc.split("\n\n")[0].split()) if doc else ""


def _keys(shortcut):
    """``'ctrl+s'`` → ``<kbd>ctrl+s</kbd>``; several shortcuts are joined with 'or'."""
    keys = [shortcut] if isinstance(shortcut, str) else list(shortcut)
    keys = [STANDARD_KEYS.get(k, k) for k in keys]
    return " or ".join(f"<kbd>{k}</kbd>" for k in keys)


def _description(owner, name):
    if name.startswith("move_") and "_to_" in name:
        which, group = name[len("move_"):].split("_to_")
        return f"Move the {which} cluster(s) to {group}." if which != "all" else \
            f"Move all selected clusters to {group}."
    f = getattr(owner, name, None) if owner is not None else None
    return (_first_line(f) if f is not None else "") or name.replace("_", " ").capitalize() + "."


def shortcut_rows(cls, doc_owner=None):
    """``[(action, shortcut or '', ':snippet' or '', description)]`` of a class with
    ``default_shortcuts`` / ``default_snippets``."""
    owner = doc_owner or cls
    shortcuts = dict(getattr(cls, "default_shortcuts", {}) or {})
    # A snippet runs a method: one declared for a method the class does not have does nothing.
    snippets = {n: a for n, a in (getattr(cls, "default_snippets", {}) or {}).items()
                if hasattr(owner, n)}
    rows = []
    for name in list(shortcuts) + [n for n in snippets if n not in shortcuts]:
        rows.append((name, _keys(shortcuts[name]) if name in shortcuts else "",
                     f"`:{snippets[name]}`" if name in snippets else "",
                     _description(owner, name)))
    return rows


def decorated_actions(package="phyclone.apps"):
    """Actions added inside functions with ``@<actions>.add(shortcut=...)`` (e.g. the Template
    GUI's ``split_init``): ``{module: [(name, keys, '', description)]}``, read from the source."""
    root = Path(importlib.import_module(package).__file__).parent
    found = {}
    for path in sorted(root.rglob("*.py")):
        module = f"{package}.{path.relative_to(root).with_suffix('').as_posix().replace('/', '.')}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for dec in node.decorator_list:
                if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)
                        and dec.func.attr == "add"):
                    continue
                kw = {k.arg: k.value for k in dec.keywords}
                if "shortcut" in kw and isinstance(kw["shortcut"], ast.Constant):
                    doc = " ".join((ast.get_docstring(node) or "").split("\n\n")[0].split())
                    found.setdefault(module, []).append(
                        (node.name, _keys(kw["shortcut"].value), "", doc))
    return found


def _table(rows):
    out = ["| action | shortcut / mouse | snippet | what it does |", "|---|---|---|---|"]
    for name, keys, snippet, doc in rows:
        out.append(f"| `{name}` | {keys} | {snippet} | {doc.replace('|', '/')} |")
    return "\n".join(out)


def shortcuts_markdown():
    """The shortcuts and snippets reference, one table per group and per view."""
    parts = []
    for title, spec, doc_spec in SHORTCUT_GROUPS:
        cls = _load(spec)
        parts.append(f"## {title}\n\n{_table(shortcut_rows(cls, _load(doc_spec) if doc_spec else None))}")
    for module, rows in decorated_actions().items():
        title = module.split(".")[2].title() + " GUI"
        parts.append(f"## {title} only\n\n{_table(rows)}")
    for module, name in VIEWS:
        cls = _load(f"phyclone.cluster.views.{module}:{name}")
        rows = shortcut_rows(cls)
        body = _table(rows) if rows else "No shortcut of its own (see the toolbar and menu of the view)."
        parts.append(f"## {name}\n\n{_first_line(cls)}\n\n{body}")
    return "\n\n".join(parts) + "\n"


def cli_markdown():
    """Every ``phy`` command with its usage, arguments and options (click's own help)."""
    from phyclone.apps.cli import phycli
    root = click.Context(phycli, info_name="phy", max_content_width=96, terminal_width=96)
    parts = [f"## phy\n\n```text\n{phycli.get_help(root)}\n```"]
    for name in phycli.list_commands(root):
        cmd = phycli.get_command(root, name)
        ctx = click.Context(cmd, info_name=name, parent=root, max_content_width=96,
                            terminal_width=96)
        parts.append(f"## phy {name}\n\n```text\n{cmd.get_help(ctx)}\n```")
    return "\n\n".join(parts) + "\n"


def template_files_markdown():
    """The files of a template-gui folder by role, in order of preference (``FILES``)."""
    from phyclone.io.template.files import FILES
    out = ["| role | file names, first found wins |", "|---|---|"]
    for role, names in FILES.items():
        out.append(f"| {role.replace('_', ' ')} | {', '.join(f'`{n}`' for n in names)} |")
    return "\n".join(out) + "\n"


def environment_markdown():
    """phyclone's environment variables: name, default, effect (``runtime.SETTINGS``)."""
    from phyclone.utils.runtime import environment_table
    return environment_table()


_OUTSIDE_LINK = re.compile(r"\[([^\]]+)\]\((\.\./[^)#\s]+)(#[^)\s]*)?\)")


def repo_links(markdown, page_path, docs_dir):
    """Links to repository files outside ``docs/`` (``../examples/...``), which the site does
    not hold, become the file's repository path in code; a missing target is an error."""
    def repl(m):
        text, target = m.group(1), m.group(2)
        path = (Path(docs_dir) / Path(page_path).parent / target).resolve()
        if not path.exists():
            from mkdocs.exceptions import PluginError
            raise PluginError(f"{page_path}: the link to {target} points to a missing file")
        rel = path.relative_to(Path(docs_dir).resolve().parent).as_posix()
        return f"`{rel}`" if text.strip("`") in (path.name, rel) else f"{text} (`{rel}`)"
    return _OUTSIDE_LINK.sub(repl, markdown)


def on_page_markdown(markdown, page, config, files):
    """mkdocs event: replace the markers by the generated reference."""
    markdown = repo_links(markdown, page.file.src_path, config["docs_dir"])
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_markdown())
    if SHORTCUTS_MARKER in markdown:
        markdown = markdown.replace(SHORTCUTS_MARKER, shortcuts_markdown())
    if FILES_MARKER in markdown:
        markdown = markdown.replace(FILES_MARKER, template_files_markdown())
    if ENVIRONMENT_MARKER in markdown:
        markdown = markdown.replace(ENVIRONMENT_MARKER, environment_markdown())
    return markdown


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "shortcuts"
    print({"cli": cli_markdown, "files": template_files_markdown,
           "environment": environment_markdown}.get(what, shortcuts_markdown)())
