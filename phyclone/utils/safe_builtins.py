"""What ``safe_python`` may evaluate: size limits, whitelisted functions, modules, methods.

Every callable reachable from a settings file is wrapped in ``Func`` (with an optional argument
check run before the call); modules are ``Module`` stand-ins exposing whitelisted attributes.
"""

from __future__ import annotations

import ast
import operator
import os
import os.path as op
import re
import string
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any

MAX_ITEMS = 1_000_000       # items of one container, characters of one string
MAX_WORK = 3_000_000        # evaluation steps + items created or scanned, for the whole file
MAX_SECONDS = 10.0          # wall-clock safety net for the whole evaluation
MAX_INT_BITS = 4096
MAX_WIDTH = 1000            # format width / precision
FIX = ("keep only assignments of literal values (numbers, strings, lists, dicts), "
       "os.path.join(...) paths and names assigned above")

BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
CMP: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
SEQ = (str, bytes, list, tuple)


class Func:
    """A whitelisted callable; ``check(args, kwargs)`` may refuse arguments before the call."""

    def __init__(self, fn: Callable[..., Any],
                 check: Callable[[Sequence[Any], Mapping[str, Any]], None] | None = None) -> None:
        self.fn = fn
        self.check = check


class Module:
    """Stand-in for an importable module whose attributes are whitelisted values."""

    def __init__(self, name: str, attrs: Mapping[str, Any]) -> None:
        self.name = name
        self.attrs = attrs


def check_format_spec(spec: str) -> None:
    if "{" in spec or any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec)):
        raise ValueError(f"format specification {spec!r} is not allowed")


def check_str_format(fmt: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    for _, field, spec, _ in string.Formatter().parse(fmt):
        if field is not None and not re.fullmatch(r"\w*", field):
            raise ValueError(f"format field {field!r} is not allowed")
        if spec:
            check_format_spec(spec)


def check_percent_format(fmt: str) -> None:
    for m in re.finditer(r"%[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?", fmt):
        for g in m.groups():
            if g == "*" or (g and int(g) > MAX_WIDTH):
                raise ValueError("%-format width not allowed")


def check_replace(s: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    old, new = (list(args) + ["", ""])[:2]
    count = len(s) + 1 if old == "" else s.count(old)
    if len(s) + count * max(0, len(new) - len(old)) > MAX_ITEMS:
        raise ValueError("string too long")


def check_join(sep: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    items = list(args[0]) if args else []
    if sum(len(x) if isinstance(x, str) else 0 for x in items) + len(sep) * len(items) > MAX_ITEMS:
        raise ValueError("string too long")


STR_METHODS = {
    "join": check_join, "replace": check_replace, "format": check_str_format,
    "lower": None, "upper": None, "strip": None, "lstrip": None, "rstrip": None,
    "split": None, "rsplit": None, "startswith": None, "endswith": None,
}
PATH_ATTRS = {"parent", "name", "stem", "suffix", "parts"}
PATH_METHODS = {"with_suffix", "with_name", "joinpath", "expanduser", "absolute", "resolve",
                "as_posix"}


def check_range(args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    if len(range(*args)) > MAX_ITEMS:
        raise ValueError("range too long")


def check_sum(args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    if args and not all(isinstance(x, (int, float, bool)) for x in args[0]):
        raise ValueError("sum() of non-numbers")
    if len(args) > 1 and not isinstance(args[1], (int, float)):
        raise ValueError("sum() with a non-number start")


FUNCS = {
    "dict": Func(dict), "list": Func(list), "tuple": Func(tuple), "set": Func(set),
    "range": Func(range, check_range), "int": Func(int), "float": Func(float),
    "str": Func(str), "bool": Func(bool), "len": Func(len), "abs": Func(abs),
    "min": Func(min), "max": Func(max), "sum": Func(sum, check_sum), "round": Func(round),
    "sorted": Func(sorted), "reversed": Func(lambda x: list(reversed(x))),
    "zip": Func(lambda *a: list(zip(*a))), "enumerate": Func(lambda *a: list(enumerate(*a))),
    "print": Func(lambda *a, **k: None),
}
OS_PATH = Module("os.path", {n: Func(getattr(op, n)) for n in (
    "join", "dirname", "basename", "abspath", "realpath", "expanduser", "normpath", "splitext",
    "split")} | {"sep": os.sep})
OS = Module("os", {"path": OS_PATH, "sep": os.sep, "getcwd": Func(os.getcwd)})
PATHLIB = Module("pathlib", {"Path": Func(Path), "PurePath": Func(PurePath)})
NP_DTYPES = ("bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
             "float16", "float32", "float64", "complex64", "complex128")
NUMPY = Module("numpy", {n: n for n in NP_DTYPES} | {
    "nan": float("nan"), "inf": float("inf"), "pi": 3.141592653589793,
    "dtype": Func(lambda x: __import__("numpy").dtype(x).name)})
KEY_FUNCS = (len, str, int, float, abs)
MODULES = {"os": OS, "os.path": OS_PATH, "pathlib": PATHLIB, "numpy": NUMPY}

