"""Read Python-syntax settings files (params.py, .prm, .prb) without executing them.

The file is parsed with ``ast`` and only a side-effect-free subset is evaluated by this module:
assignments (also to items and config attributes), ``if`` and bounded ``for`` statements,
literals and containers, arithmetic and comparisons, names assigned earlier, comprehensions,
f-strings, a few builtins (``dict``, ``list``, ``range``, ``len``, ``zip``, ``sorted``...),
``os.path`` / ``pathlib.Path`` path helpers, a few ``str`` methods, NumPy dtype names
(``np.int16``) and ``__file__``. Anything else (function definitions, other calls or imports,
private attributes) raises a ``DataError`` naming the file and the line. Sizes, integer
magnitudes and the total work are bounded, so a file cannot exhaust memory or hang.

Windows paths written without the ``r`` prefix (``'C:\\Users\\me\\x.dat'``, as some sorters
write them) are read as raw strings rather than failing or gaining control characters.
"""

from __future__ import annotations

import ast
import io
import logging
import os
import time
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path, PurePath
from typing import Any, NoReturn

from .errors import DataError
from .safe_builtins import (
    BINOPS, CMP, FIX, FUNCS, Func, KEY_FUNCS, MAX_INT_BITS, MAX_ITEMS, MAX_SECONDS, MAX_WORK,
    MODULES, Module, PATH_ATTRS, PATH_METHODS, SEQ, STR_METHODS, UNARY, check_format_spec,
    check_percent_format,
)

logger = logging.getLogger(__name__)


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Evaluator:
    def __init__(self, path: Path, namespace: dict[str, Any],
                 functions: Mapping[str, Callable[..., Any]] | None) -> None:
        self.path = path
        self.ns = namespace
        self.functions = dict(FUNCS)
        self.functions.update({k: Func(f) for k, f in (functions or {}).items()})
        self.work = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def fail(self, node: ast.AST, what: str) -> NoReturn:
        line = getattr(node, "lineno", "?")
        raise DataError(self.path, f"line {line}: {what} is not allowed in this file", FIX)

    def charge(self, node: ast.AST, n: int = 1) -> None:
        before, self.work = self.work, self.work + n
        if self.work > MAX_WORK or (
                self.work >> 12 != before >> 12 and time.monotonic() > self.deadline):
            self.fail(node, "this much computation")

    def sized(self, node: ast.AST, value: Any) -> Any:
        """Charge a created container or string by its size; refuse huge ones."""
        if isinstance(value, (str, bytes, list, tuple, dict, set)):
            if len(value) > MAX_ITEMS:
                self.fail(node, "a value this large")
            self.charge(node, len(value))
        elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            self.fail(node, "an integer this large")
        return value

    # Statements ---------------------------------------------------------------------------
    def run(self, body: Iterable[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, node: ast.stmt) -> None:
        self.charge(node)
        if isinstance(node, ast.Assign):
            value = self.eval(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.assign(node.target, self.eval(node.value))
        elif isinstance(node, ast.AugAssign):
            self.assign(node.target, self.binop(node, node.op, self.eval(node.target),
                                                self.eval(node.value)))
        elif isinstance(node, ast.Expr):
            self.eval(node.value)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.import_(node)
        elif isinstance(node, ast.If):
            self.run(node.body if self.eval(node.test) else node.orelse)
        elif isinstance(node, ast.For):
            self.for_(node)
        elif isinstance(node, ast.Break):
            raise _Break()
        elif isinstance(node, ast.Continue):
            raise _Continue()
        elif isinstance(node, ast.Delete):
            for t in node.targets:
                if not isinstance(t, ast.Name) or t.id not in self.ns:
                    self.fail(t, "this del statement")
                del self.ns[t.id]
        elif not isinstance(node, ast.Pass):
            self.fail(node, f"a {type(node).__name__} statement")

    def import_(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in MODULES:
                    self.fail(node, f"import {alias.name}")
                if alias.asname:
                    self.ns[alias.asname] = MODULES[alias.name]
                else:
                    top = alias.name.split(".")[0]
                    self.ns[top] = MODULES[top]
            return
        # (typed: a None module gives None)
        module = MODULES.get(node.module) if not node.level else None  # type: ignore[arg-type]
        for alias in node.names:
            if module is None or alias.name not in module.attrs:
                self.fail(node, f"from {node.module} import {alias.name}")
            self.ns[alias.asname or alias.name] = module.attrs[alias.name]

    def for_(self, node: ast.For) -> None:
        for item in self.iterate(node, self.eval(node.iter)):
            self.assign(node.target, item)
            try:
                self.run(node.body)
            except _Break:
                break
            except _Continue:
                continue
        else:
            self.run(node.orelse)

    def iterate(self, node: ast.AST, iterable: Any) -> Iterator[Any]:
        if not isinstance(iterable, (str, list, tuple, dict, set, range)):
            self.fail(node, "looping over this object")
        for item in iterable:
            self.charge(node)
            yield item

    def assign(self, target: ast.expr, value: Any, scope: dict[str, Any] | None = None) -> None:
        ns = self.ns if scope is None else scope
        if isinstance(target, ast.Name):
            ns[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = list(self.iterate(target, value))
            if len(values) != len(target.elts):
                self.fail(target, "unpacking of a wrong number of values")
            for t, v in zip(target.elts, values):
                self.assign(t, v, scope)
        elif isinstance(target, ast.Attribute) and scope is None:
            obj = self.eval(target.value)
            if not self.is_config(obj) or target.attr.startswith("_"):
                self.fail(target, "assigning this attribute")
            setattr(obj, target.attr, value)
        elif isinstance(target, ast.Subscript) and scope is None:
            obj = self.eval(target.value)
            if not isinstance(obj, (dict, list)):
                self.fail(target, "item assignment on this object")
            obj[self.eval(target.slice)] = value
        else:
            self.fail(target, f"assigning to a {type(target).__name__}")

    @staticmethod
    def is_config(obj: object) -> bool:
        return getattr(type(obj), "_phyclone_settable", False) and not isinstance(obj, type)

    # Expressions --------------------------------------------------------------------------
    def binop(self, node: ast.AST, op_: ast.operator, left: Any, right: Any) -> Any:
        if type(op_) not in BINOPS:
            self.fail(node, f"the operator {type(op_).__name__}")
        if isinstance(op_, ast.Mult):
            seq, n = (left, right) if isinstance(left, SEQ) else (right, left)
            if isinstance(seq, SEQ) and isinstance(n, int) and len(seq) * n > MAX_ITEMS:
                self.fail(node, "a repetition this large")
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() + right.bit_length() > MAX_INT_BITS:
                self.fail(node, "an integer this large")
        elif isinstance(op_, ast.Pow) and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and left.bit_length() * right > MAX_INT_BITS:
                self.fail(node, "an integer this large")
        elif isinstance(op_, ast.Add) and isinstance(left, SEQ) and isinstance(right, SEQ):
            if len(left) + len(right) > MAX_ITEMS:
                self.fail(node, "a value this large")
        elif isinstance(op_, ast.Mod) and isinstance(left, str):
            check_percent_format(left)
        return self.sized(node, BINOPS[type(op_)](left, right))

    def eval(self, node: ast.AST, scope: dict[str, Any] | None = None) -> Any:
        self.charge(node)
        ev = (lambda n: self.eval(n, scope))
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items: list[Any] = []
            for e in node.elts:
                if isinstance(e, ast.Starred):
                    items.extend(self.iterate(e, ev(e.value)))
                else:
                    items.append(ev(e))
            kind = {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)]
            return self.sized(node, kind(items))
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values):
                if k is None:
                    out.update(ev(v))
                else:
                    out[ev(k)] = ev(v)
            return self.sized(node, out)
        if isinstance(node, ast.Name):
            for ns in (scope, self.ns, self.functions):
                if ns is not None and node.id in ns:
                    return ns[node.id]
            self.fail(node, f"the undefined name `{node.id}`")
        if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
            return UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.BinOp):
            return self.binop(node, node.op, ev(node.left), ev(node.right))
        if isinstance(node, ast.BoolOp):
            value = None
            for v in node.values:  # short-circuit, returning the deciding operand
                value = ev(v)
                if bool(value) == isinstance(node.op, ast.Or):
                    break
            return value
        if isinstance(node, ast.Compare) and all(type(o) in CMP for o in node.ops):
            left = ev(node.left)
            for o, c in zip(node.ops, node.comparators):
                right = ev(c)
                for x in (left, right):
                    if isinstance(x, (str, bytes, list, tuple, dict, set)):
                        self.charge(node, len(x))
                if not CMP[type(o)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return ev(node.body) if ev(node.test) else ev(node.orelse)
        if isinstance(node, ast.Subscript):
            obj = ev(node.value)
            if not isinstance(obj, (list, tuple, dict, str, bytes, range)):
                self.fail(node, "indexing this object")
            return self.sized(node, obj[ev(node.slice)])
        if isinstance(node, ast.Slice):
            return slice(*(ev(x) if x is not None else None
                           for x in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Attribute):
            return self.attribute(node, ev(node.value))
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node, scope)
        if isinstance(node, ast.JoinedStr):
            # (typed: else a Constant)
            return self.sized(node, "".join(ev(v) if isinstance(v, ast.FormattedValue) else v.value  # type: ignore[attr-defined]
                                            for v in node.values))
        if isinstance(node, ast.FormattedValue):
            value = ev(node.value)
            conv = {-1: None, 115: str, 114: repr, 97: ascii}[node.conversion]
            if conv is not None:
                value = conv(value)
            spec = ev(node.format_spec) if node.format_spec is not None else ""
            check_format_spec(spec)
            return format(value, spec)
        self.fail(node, f"a {type(node).__name__} expression")

    def attribute(self, node: ast.Attribute, obj: Any) -> Any:
        attr = node.attr
        if attr.startswith("_"):
            self.fail(node, f"the private attribute `.{attr}`")
        if isinstance(obj, Module):
            if attr not in obj.attrs:
                self.fail(node, f"{obj.name}.{attr}")
            return obj.attrs[attr]
        if isinstance(obj, str) and attr in STR_METHODS:
            check = STR_METHODS[attr]
            return Func(getattr(obj, attr), partial(check, obj) if check else None)
        if isinstance(obj, PurePath) and attr in PATH_ATTRS:
            return getattr(obj, attr)
        if isinstance(obj, PurePath) and attr in PATH_METHODS:
            return Func(getattr(obj, attr))
        if self.is_config(obj):
            value = getattr(obj, attr)
            if not callable(value):
                return value
        self.fail(node, f"the attribute `.{attr}`")

    def call(self, node: ast.Call, scope: dict[str, Any] | None) -> Any:
        ev = (lambda n: self.eval(n, scope))
        func = ev(node.func)
        if not isinstance(func, Func):
            self.fail(node, "this function call")
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self.iterate(a, ev(a.value)))
            else:
                args.append(ev(a))
        kwargs = {}
        for k in node.keywords:
            if k.arg is None:
                value = ev(k.value)
                if not isinstance(value, dict):
                    self.fail(node, "** of a non-dict")
                kwargs.update(value)
            else:
                kwargs[k.arg] = ev(k.value)
        for v in list(args) + list(kwargs.values()):
            if isinstance(v, Func) and v.fn not in KEY_FUNCS:
                self.fail(node, "passing this function as an argument")
        args = [a.fn if isinstance(a, Func) else a for a in args]
        kwargs = {k: v.fn if isinstance(v, Func) else v for k, v in kwargs.items()}
        if func.check is not None:
            func.check(args, kwargs)
        for a in args:  # materializing arguments (list(x), sorted(x)...) costs their size
            if isinstance(a, (list, tuple, dict, set, range, str)):
                self.charge(node, len(a))
        return self.sized(node, func.fn(*args, **kwargs))

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
                      scope: dict[str, Any] | None) -> Any:
        results = []

        def loop(gens: list[ast.comprehension], local: dict[str, Any]) -> None:
            if not gens:
                if isinstance(node, ast.DictComp):
                    results.append((self.eval(node.key, local), self.eval(node.value, local)))
                else:
                    results.append(self.eval(node.elt, local))
                if len(results) > MAX_ITEMS:
                    self.fail(node, "a comprehension this large")
                return
            gen = gens[0]
            for item in self.iterate(node, self.eval(gen.iter, local)):
                inner = dict(local)
                self.assign(gen.target, item, inner)
                if all(self.eval(cond, inner) for cond in gen.ifs):
                    loop(gens[1:], inner)

        loop(node.generators, dict(scope or {}))
        if isinstance(node, ast.DictComp):
            return dict(results)
        if isinstance(node, ast.SetComp):
            return set(results)
        return results


def _raw_windows_strings(text: str, path: Path) -> str:
    """Add an ``r`` prefix to plain string literals whose backslashes are path separators.

    A literal is rewritten when decoding its escapes fails (``'C:\\Users'``) or produces
    control characters (``'D:\\data\\raw'``). Returns the new text.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return text
    lines = text.splitlines(keepends=True)
    edits = []
    for tok in tokens:
        s = tok.string
        if tok.type != tokenize.STRING or "\\" not in s or tok.start[0] != tok.end[0]:
            continue
        prefix = s[:len(s) - len(s.lstrip("rRbBuUfF"))]
        if set(prefix.lower()) & set("rbf"):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = ast.literal_eval(s)
            needs_raw = any(ord(ch) < 32 for ch in value)
        except (SyntaxError, ValueError):
            needs_raw = True
        if needs_raw:
            edits.append((tok.start, len(s), "r" + s[len(prefix):]))
            logger.warning("%s, line %d: reading %s as a raw string (Windows path).",
                           path, tok.start[0], s)
    for (row, col), length, new in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + length:]
    return "".join(lines)


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(path, f"cannot be read ({e.strerror or e})", "check the path") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        logger.warning("%s is not UTF-8; reading it as Latin-1.", path)
        return data.decode("latin-1")


def read_python(path: str | os.PathLike[str], namespace: Mapping[str, Any] | None = None,
                functions: Mapping[str, Callable[..., Any]] | None = None,
                text: str | None = None) -> dict[str, Any]:
    """Evaluate the assignments of a settings file safely and return them as a dict.

    ``namespace`` pre-binds names (e.g. ``c`` for a Config object), ``functions`` adds
    whitelisted callables (e.g. ``get_config``). ``text`` gives the contents directly.
    Names starting with ``_``, modules and functions are left out of the result.
    """
    path = Path(path)
    if text is None:
        if not path.exists():
            raise DataError(path, "file not found", "check the path")
        text = _read(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(_raw_windows_strings(text, path), filename=str(path))
    except SyntaxError as e:
        where = f"line {e.lineno}: " if e.lineno else ""
        raise DataError(path, f"{where}Python syntax error ({e.msg})",
                        "fix the syntax of this line") from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise DataError(path, f"cannot be parsed as Python ({type(e).__name__}: {e})",
                        "save it as a plain-text Python file") from None
    ns = {"__file__": str(path.resolve())}
    ns.update(namespace or {})
    preset = set(ns)
    ev = _Evaluator(path, ns, functions)
    try:
        ev.run(tree.body)
    except DataError:
        raise
    except (_Break, _Continue):
        raise DataError(path, "`break`/`continue` outside a loop", FIX) from None
    except Exception as e:  # any failure of the whitelisted operations means a bad file
        raise DataError(path, f"cannot evaluate this file ({type(e).__name__}: {e})", FIX) from None
    return {k: v for k, v in ns.items()
            if not k.startswith("_") and (k not in preset or k in (namespace or {}))
            and not isinstance(v, (Module, Func))}
