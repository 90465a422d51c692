"""Compose shaders: insert GLSL snippets (layouts, pan-zoom, clipping) into visual shaders.

A visual's vertex shader contains ``gl_Position = transform(EXPR);``. That line becomes::

    vec2 pos_orig = EXPR;
    vec2 pos_tr = pos_orig;
    <before_transforms snippets>
    <transforms snippets: each GPU transform applied to pos_tr>
    gl_Position = vec4(pos_tr, 0.0, 1.0);
    <after_transforms snippets>

Other locations: ``header`` (after ``#version``), ``start`` / ``end`` (of ``main``). In the
fragment shader: ``header``, ``start`` (``before_transforms`` is an alias, as in phy), ``end``.
Each snippet has an ``origin`` (the object that added it); a visual added with
``exclude_origins=(obj,)`` gets none of that object's snippets nor transforms.
"""

import re
from pathlib import Path

from .transform import Clip

GLSL_DIR = Path(__file__).parent / "glsl"
LOCATIONS = ("header", "start", "before_transforms", "transforms", "after_transforms", "end")

_TRANSFORM_RE = re.compile(
    r"^([ \t]*)((?:\w+\s+)?[\w.]+)\s*=\s*transform\((.+)\);[ \t]*$", re.MULTILINE)
_MAIN_RE = re.compile(r"void\s+main\s*\(\s*(void)?\s*\)\s*\{")
_CLIP_SET = "v_clip_pos = pos_tr;"
_INCLUDE_RE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$', re.MULTILINE)


def load_shader(name):
    """Text of ``glsl/<name>.glsl`` with ``#include "x.glsl"`` lines inlined."""
    path = GLSL_DIR / (name if name.endswith(".glsl") else name + ".glsl")
    text = path.read_text()
    return _INCLUDE_RE.sub(lambda m: load_shader(m.group(1)), text)


def _indent(text, prefix="    "):
    return "\n".join(prefix + line if line.strip() else line for line in text.splitlines())


class GLSLInserter:
    """Snippets to insert into a vertex and a fragment shader."""

    def __init__(self):
        self._items = []  # (shader, location, origin, glsl)

    def _insert(self, shader, glsl, location, origin, index):
        if location not in LOCATIONS:
            raise ValueError(f"unknown GLSL location {location!r}; one of {', '.join(LOCATIONS)}")
        item = (shader, location, origin, glsl)
        if index is None:
            self._items.append(item)
        else:
            self._items.insert(index, item)

    def insert_vert(self, glsl, location="transforms", origin=None, index=None):
        """Insert a snippet into the vertex shader."""
        self._insert("vert", glsl, location, origin, index)

    def insert_frag(self, glsl, location="start", origin=None, index=None):
        """Insert a snippet into the fragment shader."""
        if location == "before_transforms":
            location = "start"
        self._insert("frag", glsl, location, origin, index)

    def add_varying(self, vtype, name, value, origin=None):
        """Declare a varying, set it at the end of the vertex shader."""
        self.insert_vert(f"out {vtype} {name};", "header", origin)
        self.insert_frag(f"in {vtype} {name};", "header", origin)
        self.insert_vert(f"{name} = {value};", "end", origin)

    def add_gpu_transforms(self, chain):
        """Insert the GLSL of every transform of a TransformChain (Clip -> a varying + discard)."""
        for t, origin in chain:
            if isinstance(t, Clip):
                self.insert_vert("out vec2 v_clip_pos;", "header", origin)
                self.insert_frag("in vec2 v_clip_pos;", "header", origin)
                self.insert_vert(_CLIP_SET, "transforms", origin)
                self.insert_frag(t.glsl("v_clip_pos"), "start", origin)
            else:
                self.insert_vert(t.glsl("pos_tr"), "transforms", origin)

    def remove_origin(self, origin):
        """Remove every snippet added by ``origin``."""
        self._items = [it for it in self._items if it[2] is not origin]

    def snippets(self, shader, location, exclude_origins=()):
        return [g for (s, loc, o, g) in self._items
                if s == shader and loc == location
                and not any(o is x for x in exclude_origins if x is not None)]

    def signature(self):
        """A hashable summary of the snippets (changes when snippets are added)."""
        return tuple((s, loc, id(o), g) for (s, loc, o, g) in self._items)

    def __add__(self, other):
        out = GLSLInserter()
        out._items = list(self._items) + list(other._items)
        return out

    def insert_into_shaders(self, vertex, fragment, exclude_origins=()):
        """Return the (vertex, fragment) sources with every snippet inserted."""
        ex = tuple(exclude_origins)

        def get(shader, loc):
            return "\n".join(self.snippets(shader, loc, ex))

        before, trans, after = (get("vert", loc) for loc in
                                ("before_transforms", "transforms", "after_transforms"))

        def repl(m):
            ind, var, expr = m.group(1), m.group(2), m.group(3)
            if var == "gl_Position":
                body = "\n".join(x for x in (
                    f"vec2 pos_orig = {expr};", "vec2 pos_tr = pos_orig;", before, trans,
                    "gl_Position = vec4(pos_tr, 0.0, 1.0);", after) if x)
            else:  # another variable transformed by the same chain (no clipping varying)
                decl, var = (f"{var};", var.split()[1]) if " " in var else ("", var)
                body = "\n".join(x for x in (
                    decl, "{", f"vec2 pos_tr = {expr};", trans.replace(_CLIP_SET, ""),
                    f"{var} = pos_tr;", "}") if x)
            return _indent(body, ind)
        vertex = _TRANSFORM_RE.sub(repl, vertex)
        vertex = self._wrap(vertex, get("vert", "header"), get("vert", "start"), get("vert", "end"))
        fragment = self._wrap(fragment, get("frag", "header"), get("frag", "start"),
                              get("frag", "end"))
        return vertex, fragment

    @staticmethod
    def _wrap(source, header, start, end):
        lines = source.split("\n", 1)
        if lines[0].startswith("#version"):
            source = lines[0] + "\n" + header + "\n" + (lines[1] if len(lines) > 1 else "")
        else:
            source = header + "\n" + source
        m = _MAIN_RE.search(source)
        if m is None:
            raise ValueError("shader without a `void main() {` function")
        source = source[:m.end()] + "\n" + _indent(start) + source[m.end():]
        i = source.rindex("}")
        return source[:i] + _indent(end) + "\n}\n"
