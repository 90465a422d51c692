"""Read Python-syntax settings files (params.py, phy_config.py, .prm, .prb) without executing them.

Only a small, side-effect-free subset is evaluated: assignments of literals, containers,
arithmetic, names assigned earlier, comprehensions over ``range``/lists, ``dict()``/``list()``
/``tuple()``/``range()``, ``os.path.join``-style path helpers and ``__file__``. Anything else
(function definitions, arbitrary calls, imports other than ``os``/``os.path``, attribute access
on unknown objects) raises a ``DataError`` that names the file and line.
"""

import ast
import operator
import os
import os.path as op
from pathlib import Path

from .errors import DataError

_BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_CMP = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_PATH_FUNCS = {
    "join": op.join, "dirname": op.dirname, "basename": op.basename, "abspath": op.abspath,
    "realpath": op.realpath, "expanduser": op.expanduser, "normpath": op.normpath,
}
_FUNCS = {
    "dict": dict, "list": list, "tuple": tuple, "range": range, "int": int, "float": float,
    "str": str, "bool": bool, "len": len, "zip": lambda *a: list(zip(*a)),
    "enumerate": lambda *a: list(enumerate(*a)), "abs": abs, "min": min, "max": max,
    "sorted": sorted, "set": set,
}
_MAX_ITEMS = 10_000_000
_FIX = ("keep only assignments of literal values (numbers, strings, lists, dicts), "
        "os.path.join(...) paths and names assigned above")


class _Module:
    """Stand-in for an importable module whose attributes are whitelisted functions."""

    def __init__(self, name, attrs):
        self.__name__ = name
        self._attrs = attrs

    def get(self, name):
        return self._attrs.get(name)


_OS_PATH = _Module("os.path", _PATH_FUNCS)
_OS = _Module("os", {"path": _OS_PATH, "sep": os.sep})


class _Evaluator:
    def __init__(self, path, namespace, functions):
        self.path = path
        self.ns = namespace
        self.functions = dict(_FUNCS, **(functions or {}))

    def fail(self, node, what):
        line = getattr(node, "lineno", "?")
        raise DataError(self.path, f"line {line}: {what} is not allowed in this file", _FIX)

    # Statements ---------------------------------------------------------------------------
    def run(self, tree):
        for stmt in tree.body:
            self.statement(stmt)

    def statement(self, node):
        if isinstance(node, ast.Assign):
            value = self.eval(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.assign(node.target, self.eval(node.value))
        elif isinstance(node, ast.AugAssign):
            op_ = _BINOPS.get(type(node.op))
            if op_ is None:
                self.fail(node, "this augmented assignment")
            self.assign(node.target, op_(self.eval(node.target), self.eval(node.value)))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            pass  # docstring or bare literal
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "os":
                    self.ns[alias.asname or "os"] = _OS
                elif alias.name == "os.path":
                    self.ns[alias.asname or "os"] = _OS_PATH if alias.asname else _OS
                else:
                    self.fail(node, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if node.module == "os":
                for alias in node.names:
                    if alias.name != "path":
                        self.fail(node, f"from os import {alias.name}")
                    self.ns[alias.asname or "path"] = _OS_PATH
            elif node.module == "os.path":
                for alias in node.names:
                    if alias.name not in _PATH_FUNCS:
                        self.fail(node, f"from os.path import {alias.name}")
                    self.ns[alias.asname or alias.name] = _PATH_FUNCS[alias.name]
            else:
                self.fail(node, f"from {node.module} import ...")
        elif isinstance(node, ast.Pass):
            pass
        else:
            self.fail(node, f"a {type(node).__name__} statement")

    def assign(self, target, value):
        if isinstance(target, ast.Name):
            self.ns[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = list(value)
            if len(values) != len(target.elts):
                self.fail(target, "unpacking of a wrong number of values")
            for t, v in zip(target.elts, values):
                self.assign(t, v)
        elif isinstance(target, ast.Attribute):
            obj = self.eval(target.value)
            if not getattr(obj, "_phyclone_settable", False):
                self.fail(target, "assigning an attribute of this object")
            setattr(obj, target.attr, value)
        elif isinstance(target, ast.Subscript):
            obj = self.eval(target.value)
            if not isinstance(obj, (dict, list)):
                self.fail(target, "item assignment on this object")
            obj[self.eval(target.slice)] = value
        else:
            self.fail(target, f"assigning to a {type(target).__name__}")

    # Expressions --------------------------------------------------------------------------
    def eval(self, node, scope=None):
        ns = scope if scope is not None else self.ns
        ev = (lambda n: self.eval(n, scope))
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List):
            return [ev(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(ev(e) for e in node.elts)
        if isinstance(node, ast.Set):
            return {ev(e) for e in node.elts}
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values):
                if k is None:
                    out.update(ev(v))
                else:
                    out[ev(k)] = ev(v)
            return out
        if isinstance(node, ast.Name):
            if node.id in ns:
                return ns[node.id]
            if scope is not None and node.id in self.ns:
                return self.ns[node.id]
            if node.id in self.functions:
                return self.functions[node.id]
            self.fail(node, f"the undefined name `{node.id}`")
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Pow) and isinstance(right, (int, float)) and abs(right) > 64:
                self.fail(node, "a huge power")
            if isinstance(node.op, ast.Mult):
                n = right if isinstance(left, (str, list, tuple)) else left
                if isinstance(n, int) and n > _MAX_ITEMS:
                    self.fail(node, "a huge repetition")
            return _BINOPS[type(node.op)](left, right)
        if isinstance(node, ast.BoolOp):
            vals = [ev(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return all(vals)
            return any(vals)
        if isinstance(node, ast.Compare) and all(type(o) in _CMP for o in node.ops):
            left = ev(node.left)
            for o, c in zip(node.ops, node.comparators):
                right = ev(c)
                if not _CMP[type(o)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return ev(node.body) if ev(node.test) else ev(node.orelse)
        if isinstance(node, ast.Subscript):
            obj = ev(node.value)
            if not isinstance(obj, (list, tuple, dict, str, range)):
                self.fail(node, "indexing this object")
            return obj[ev(node.slice)]
        if isinstance(node, ast.Slice):
            return slice(*(ev(x) if x is not None else None for x in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Attribute):
            obj = ev(node.value)
            if isinstance(obj, _Module):
                attr = obj.get(node.attr)
                if attr is None:
                    self.fail(node, f"{obj.__name__}.{node.attr}")
                return attr
            if getattr(obj, "_phyclone_settable", False):
                return getattr(obj, node.attr)
            self.fail(node, f"attribute access `.{node.attr}`")
        if isinstance(node, ast.Call):
            func = ev(node.func)
            allowed = set(map(id, self.functions.values())) | set(map(id, _PATH_FUNCS.values()))
            if id(func) not in allowed:
                self.fail(node, "this function call")
            args = []
            for a in node.args:
                if isinstance(a, ast.Starred):
                    args.extend(ev(a.value))
                else:
                    args.append(ev(a))
            kwargs = {k.arg: ev(k.value) for k in node.keywords if k.arg}
            if func is range and len(range(*args)) > _MAX_ITEMS:
                self.fail(node, "a huge range")
            return func(*args, **kwargs)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node, scope)
        if isinstance(node, ast.JoinedStr):
            return "".join(str(ev(v.value)) if isinstance(v, ast.FormattedValue) else v.value
                           for v in node.values)
        self.fail(node, f"a {type(node).__name__} expression")

    def comprehension(self, node, scope):
        results = []

        def loop(gens, local):
            if not gens:
                if isinstance(node, ast.DictComp):
                    results.append((self.eval(node.key, local), self.eval(node.value, local)))
                else:
                    results.append(self.eval(node.elt, local))
                if len(results) > _MAX_ITEMS:
                    self.fail(node, "a huge comprehension")
                return
            gen = gens[0]
            for item in self.eval(gen.iter, local):
                inner = dict(local)
                self.bind(gen.target, item, inner)
                if all(self.eval(cond, inner) for cond in gen.ifs):
                    loop(gens[1:], inner)

        loop(node.generators, dict(scope or {}))
        if isinstance(node, ast.DictComp):
            return dict(results)
        if isinstance(node, ast.SetComp):
            return set(results)
        return results

    def bind(self, target, value, local):
        if isinstance(target, ast.Name):
            local[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t, v in zip(target.elts, value):
                self.bind(t, v, local)
        else:
            self.fail(target, "this loop target")


def read_python(path, namespace=None, functions=None, text=None):
    """Evaluate the assignments of a settings file safely and return them as a dict.

    ``namespace`` pre-binds names (e.g. ``c`` for a config object), ``functions`` adds
    whitelisted callables (e.g. ``get_config``). Names starting with ``_`` are dropped.
    """
    path = Path(path)
    if text is None:
        if not path.exists():
            raise DataError(path, "file not found", "check the path")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (UnicodeDecodeError, OSError) as e:
            raise DataError(path, f"cannot be read as UTF-8 text ({e})", "save it as a text file")
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as e:
        raise DataError(path, f"line {e.lineno}: Python syntax error ({e.msg})",
                        "fix the syntax of this line") from None
    ns = {"__file__": str(path.resolve())}
    ns.update(namespace or {})
    preset = set(ns)
    ev = _Evaluator(path, ns, functions)
    try:
        ev.run(tree)
    except DataError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, OverflowError,
            RecursionError) as e:
        raise DataError(path, f"cannot evaluate this file ({type(e).__name__}: {e})", _FIX) from None
    return {k: v for k, v in ns.items()
            if not k.startswith("_") and (k not in preset or k in (namespace or {}))
            and not isinstance(v, _Module) and v not in _PATH_FUNCS.values()}
