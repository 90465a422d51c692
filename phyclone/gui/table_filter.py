"""Safe, vectorised filter expressions over table columns (no Qt, no ``eval``).

An expression such as ``n_spikes > 100 and group == 'good'`` is parsed with :mod:`ast` and
evaluated on whole NumPy columns at once. phy's JavaScript spellings are accepted too:
``&&``, ``||``, ``!``, ``===``, ``!==``, ``true``, ``false``, ``null``. Only comparisons,
boolean and arithmetic operators, constants, lists/tuples of constants, column names and a
few functions (``abs``, ``isnan``) are allowed; anything else raises :class:`FilterError`.
A bare word that is not a column name (``good``) searches the text columns for it.
"""

import ast
import operator
import re

import numpy as np


class FilterError(ValueError):
    """The filter expression is invalid; the message says why."""


_JS_TOKENS = [
    ("===", " == "), ("!==", " != "), ("&&", " and "), ("||", " or "),
    ("!=", " != "), ("!", " not "),
]
_JS_WORDS = {"true": "True", "false": "False", "null": "None"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def translate_js(text):
    """Rewrite phy's JS-style operators into Python, leaving string literals untouched."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
            continue
        m = _WORD.match(text, i)
        if m:
            out.append(_JS_WORDS.get(m.group(0), m.group(0)))
            i = m.end()
            continue
        for tok, rep in _JS_TOKENS:
            if text.startswith(tok, i):
                out.append(rep)
                i += len(tok)
                break
        else:
            out.append(c)
            i += 1
    return "".join(out)


_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
    ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_BINOP = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_FUNCS = {"abs": np.abs, "isnan": lambda x: np.isnan(np.asarray(x, dtype=float))}


def _as_bool(x):
    """Truthiness of a column (numbers: non-zero and not NaN; text: non-empty)."""
    x = np.asarray(x)
    if x.dtype == bool:
        return x
    if x.dtype.kind in "fiu":
        with np.errstate(invalid="ignore"):
            return (x != 0) & ~np.isnan(x.astype(float))
    return np.array([bool(v) for v in x.ravel()], dtype=bool).reshape(x.shape)


class _Evaluator:
    def __init__(self, columns, n):
        self.columns = columns
        self.n = n

    def __call__(self, node):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise FilterError(f"`{ast.unparse(node)}` is not allowed in a filter")
        return method(node)

    def _Expression(self, node):
        return self(node.body)

    def _Name(self, node):
        if node.id not in self.columns:
            names = ", ".join(sorted(self.columns))
            raise FilterError(f"unknown column `{node.id}` (columns: {names})")
        return self.columns[node.id]

    def _Constant(self, node):
        if not isinstance(node.value, (int, float, str, bool, type(None))):
            raise FilterError(f"unsupported constant {node.value!r}")
        return node.value

    def _List(self, node):
        return [self._literal(e) for e in node.elts]

    _Tuple = _List

    def _literal(self, node):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self._literal(node.operand)
        if not isinstance(node, ast.Constant):
            raise FilterError("lists may only hold constants")
        return self._Constant(node)

    def _BoolOp(self, node):
        values = [_as_bool(self(v)) for v in node.values]
        f = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = values[0]
        for v in values[1:]:
            out = f(out, v)
        return out

    def _UnaryOp(self, node):
        x = self(node.operand)
        if isinstance(node.op, ast.Not):
            return ~_as_bool(x)
        if isinstance(node.op, ast.USub):
            return -np.asarray(x, dtype=float) if not np.isscalar(x) else -x
        if isinstance(node.op, ast.UAdd):
            return x
        raise FilterError(f"operator `{ast.unparse(node)}` is not allowed")

    def _BinOp(self, node):
        op = _BINOP.get(type(node.op))
        if op is None:
            raise FilterError(f"operator in `{ast.unparse(node)}` is not allowed")
        left, right = self(node.left), self(node.right)
        with np.errstate(all="ignore"):
            return op(_numeric(left), _numeric(right))

    def _Compare(self, node):
        out = None
        left = self(node.left)
        for op, comp in zip(node.ops, node.comparators):
            right = self(comp)
            res = _compare(op, left, right)
            out = res if out is None else np.logical_and(out, res)
            left = right
        return out

    def _Call(self, node):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS or node.keywords:
            raise FilterError(f"only {', '.join(sorted(_FUNCS))} can be called in a filter")
        if len(node.args) != 1:
            raise FilterError(f"{node.func.id}() takes one argument")
        return _FUNCS[node.func.id](_numeric(self(node.args[0])))


def _numeric(x):
    if isinstance(x, str):
        raise FilterError(f"cannot do arithmetic with the text {x!r}")
    if isinstance(x, np.ndarray) and x.dtype == object:
        raise FilterError("cannot do arithmetic with a text column")
    return x


def _compare(op, left, right):
    if isinstance(op, (ast.In, ast.NotIn)):
        if not isinstance(right, list):
            raise FilterError("`in` needs a list, e.g. group in ['good', 'mua']")
        res = np.isin(np.asarray(left, dtype=object if isinstance(left, str) else None), right)
        return ~res if isinstance(op, ast.NotIn) else res
    f = _COMPARE.get(type(op))
    if f is None:
        raise FilterError("unsupported comparison (use ==, !=, <, <=, >, >=, in)")
    if right is None or left is None:
        other = right if left is None else left
        res = _is_missing(other)
        return ~res if isinstance(op, ast.NotEq) else res
    text = any(isinstance(v, str) or (isinstance(v, np.ndarray) and v.dtype == object)
               for v in (left, right))
    if text and f not in (operator.eq, operator.ne):
        left, right = _as_text(left), _as_text(right)
    with np.errstate(invalid="ignore"):
        try:
            return np.asarray(f(left, right), dtype=bool)
        except TypeError as e:
            raise FilterError(f"cannot compare these values ({e})") from e


def _as_text(x):
    if isinstance(x, np.ndarray) and x.dtype != object:
        raise FilterError("cannot order numbers against text")
    return x


def _is_missing(x):
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return np.isnan(x)
    if x.dtype == object:
        return np.array([v is None or v == "" for v in x.ravel()], dtype=bool)
    return np.zeros(x.shape, dtype=bool)


def _text_search(word, columns, n):
    word = word.lower()
    mask = np.zeros(n, dtype=bool)
    for values in columns.values():
        if values.dtype == object:
            mask |= np.array([word in str(v).lower() for v in values], dtype=bool)
    return mask


def evaluate_filter(text, columns, n):
    """Boolean mask of the rows kept by ``text``.

    ``columns`` maps column names to arrays of length ``n``: float arrays for numbers (NaN
    when missing) and object arrays of ``str`` for text. An empty text keeps every row.
    Raises :class:`FilterError` with a readable message when the expression is invalid.
    """
    text = (text or "").strip()
    if not text:
        return np.ones(n, dtype=bool)
    py = translate_js(text).strip()
    try:
        tree = ast.parse(py, mode="eval")
    except SyntaxError as e:
        raise FilterError(f"syntax error in `{text}` at column {e.offset or 0}") from None
    body = tree.body
    if (isinstance(body, ast.Name) and body.id not in columns) or (
            isinstance(body, ast.Constant) and isinstance(body.value, str)):
        return _text_search(body.id if isinstance(body, ast.Name) else body.value, columns, n)
    try:
        res = _Evaluator(columns, n)(tree)
    except FilterError:
        raise
    except (TypeError, ValueError, ZeroDivisionError) as e:
        raise FilterError(f"cannot evaluate `{text}` ({e})") from None
    res = _as_bool(res)
    if res.ndim == 0:
        return np.full(n, bool(res))
    if res.shape != (n,):
        raise FilterError(f"`{text}` does not give one value per row")
    return res
