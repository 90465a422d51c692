"""Transforms applied on the CPU (``apply``, numpy) or on the GPU (``glsl``).

Every transform maps (n, 2) positions. Parameters can be constants, callables (evaluated at
each ``apply``) or, on the GPU, the name of a GLSL variable (``gpu_var``).
"""

import numpy as np

NDC = (-1.0, -1.0, +1.0, +1.0)
"""Bounds of normalized device coordinates."""


def _value(x):
    return x() if callable(x) else x


def _as_points(arr):
    arr = np.asarray(arr)
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return np.atleast_2d(arr)


def _glsl_value(x):
    """A Python number or tuple as a GLSL literal (strings are GLSL expressions already)."""
    if isinstance(x, str):
        return x
    x = np.ravel(_value(x)).astype(np.float64)
    if x.size == 1:
        return f"{x[0]:.9g}"
    return f"vec{x.size}({', '.join(f'{v:.9g}' for v in x)})"


def pixels_to_ndc(pos, size):
    """Window pixels (origin top-left, y down) to NDC (origin centre, y up)."""
    pos = np.asarray(pos, dtype=np.float64)
    size = np.asarray(size, dtype=np.float64)
    out = pos / (size / 2.) - 1.
    out[..., 1] *= -1
    return out


def ndc_to_pixels(pos, size):
    """Inverse of ``pixels_to_ndc``."""
    pos = np.array(pos, dtype=np.float64)
    pos[..., 1] *= -1
    return (pos + 1.) * (np.asarray(size, dtype=np.float64) / 2.)


def extend_bounds(bounds_list):
    """One (xmin, ymin, xmax, ymax) covering all the given bounds (degenerate axes -> -1, 1)."""
    b = np.atleast_2d(np.asarray(bounds_list, dtype=np.float64))
    xmin, ymin = b[:, 0].min(), b[:, 1].min()
    xmax, ymax = b[:, 2].max(), b[:, 3].max()
    if xmin == xmax:
        xmin, xmax = xmin - 1, xmax + 1
    if ymin == ymax:
        ymin, ymax = ymin - 1, ymax + 1
    return (xmin, ymin, xmax, ymax)


def subplot_bounds(shape, index):
    """NDC bounds of subplot ``index=(row, col)`` in a grid of ``shape=(n_rows, n_cols)``
    (row 0 at the top)."""
    i, j = index
    n_rows, n_cols = shape
    if not (0 <= i < n_rows and 0 <= j < n_cols):
        raise IndexError(f"subplot {index} outside a {n_rows}x{n_cols} grid")
    w, h = 2. / n_cols, 2. / n_rows
    x0, y1 = -1. + j * w, 1. - i * h
    return (x0, y1 - h, x0 + w, y1)


def subplot_bounds_glsl(shape, index):
    """GLSL vec4 expression of ``subplot_bounds`` with GLSL variables (vec2 each)."""
    return (f"vec4(-1.0 + 2.0 * {index}.y / {shape}.y, 1.0 - 2.0 * ({index}.x + 1.0) / {shape}.x, "
            f"-1.0 + 2.0 * ({index}.y + 1.0) / {shape}.y, 1.0 - 2.0 * {index}.x / {shape}.x)")


def range_transform(from_bounds, to_bounds, pos):
    """Map ``pos`` linearly from rectangles ``from_bounds`` to ``to_bounds`` ((4,) or (n, 4));
    a degenerate source axis maps to the target's centre."""
    pos = _as_points(pos)
    f = np.atleast_2d(np.asarray(from_bounds, dtype=np.float64))
    t = np.atleast_2d(np.asarray(to_bounds, dtype=np.float64))
    fd = f[:, 2:] - f[:, :2]
    td = t[:, 2:] - t[:, :2]
    degenerate = fd == 0
    scale = np.where(degenerate, 0., td / np.where(degenerate, 1., fd))
    offset = np.where(degenerate, (t[:, :2] + t[:, 2:]) / 2., t[:, :2] - f[:, :2] * scale)
    if pos.dtype == np.float32 and f.shape[0] == 1 and t.shape[0] == 1:
        return pos * scale.astype(np.float32) + offset.astype(np.float32)
    return pos * scale + offset


class BaseTransform:
    """A transform of 2D positions; ``apply`` on the CPU, ``glsl`` on the GPU, ``inverse``."""

    def apply(self, arr):
        raise NotImplementedError

    def glsl(self, var):
        raise NotImplementedError

    def inverse(self):
        raise NotImplementedError

    def __add__(self, other):
        return TransformChain([self]) + other


class Translate(BaseTransform):
    """``pos + amount``; ``gpu_var`` names a GLSL vec2 used instead of the constant."""

    def __init__(self, amount=None, gpu_var=None):
        self.amount = amount
        self.gpu_var = gpu_var

    def apply(self, arr, param=None):
        arr = _as_points(arr)
        amount = np.asarray(_value(self.amount) if param is None else param)
        return arr + amount.astype(arr.dtype)

    def glsl(self, var):
        return f"{var} = {var} + {self.gpu_var or _glsl_value(self.amount)};"

    def inverse(self):
        amount = self.amount
        return Translate(
            amount=(lambda: -np.asarray(_value(amount), dtype=np.float64))
            if amount is not None else None,
            gpu_var=f"(-{self.gpu_var})" if self.gpu_var else None)


class Scale(BaseTransform):
    """``pos * amount`` (scalar or per-axis)."""

    def __init__(self, amount=None, gpu_var=None):
        self.amount = amount
        self.gpu_var = gpu_var

    def apply(self, arr, param=None):
        arr = _as_points(arr)
        amount = np.asarray(_value(self.amount) if param is None else param)
        return arr * amount.astype(arr.dtype)

    def glsl(self, var):
        return f"{var} = {var} * {self.gpu_var or _glsl_value(self.amount)};"

    def inverse(self):
        amount = self.amount
        return Scale(
            amount=(lambda: 1. / np.asarray(_value(amount), dtype=np.float64))
            if amount is not None else None,
            gpu_var=f"(1.0 / {self.gpu_var})" if self.gpu_var else None)


class Range(BaseTransform):
    """Linear map from rectangle ``from_bounds`` to ``to_bounds`` (x0, y0, x1, y1).

    On the CPU the bounds can be (n, 4) arrays (one rectangle per point).
    """

    def __init__(self, from_bounds=NDC, to_bounds=NDC, from_gpu_var=None, to_gpu_var=None):
        self.from_bounds = from_bounds
        self.to_bounds = to_bounds
        self.from_gpu_var = from_gpu_var
        self.to_gpu_var = to_gpu_var

    def apply(self, arr, from_bounds=None, to_bounds=None):
        f = _value(self.from_bounds) if from_bounds is None else from_bounds
        t = _value(self.to_bounds) if to_bounds is None else to_bounds
        return range_transform(f, t, arr)

    def glsl(self, var):
        f = self.from_gpu_var or _glsl_value(self.from_bounds)
        t = self.to_gpu_var or _glsl_value(self.to_bounds)
        return (f"{var} = ({var} - ({f}).xy) * (({t}).zw - ({t}).xy) / "
                f"(({f}).zw - ({f}).xy) + ({t}).xy;")

    def inverse(self):
        return Range(self.to_bounds, self.from_bounds, self.to_gpu_var, self.from_gpu_var)


class Subplot(Range):
    """Map NDC into subplot ``index=(row, col)`` of a grid of ``shape=(n_rows, n_cols)``.

    ``shape``/``index`` may be callables; on the GPU they come from ``shape_gpu_var``
    (vec2 uniform) and ``index_gpu_var`` (vec2 attribute).
    """

    def __init__(self, shape=(1, 1), index=(0, 0), shape_gpu_var=None, index_gpu_var=None):
        self.shape, self.index = shape, index
        gpu = (subplot_bounds_glsl(shape_gpu_var, index_gpu_var)
               if shape_gpu_var and index_gpu_var else None)
        super().__init__(NDC, lambda: subplot_bounds(_value(self.shape), _value(self.index)),
                         to_gpu_var=gpu)


class Clip(BaseTransform):
    """Discard fragments outside ``bounds`` (applied where it sits in the chain, on the GPU).

    On the CPU, ``apply`` keeps the points inside; in a TransformChain it is skipped.
    """

    def __init__(self, bounds=NDC):
        self.bounds = bounds

    def apply(self, arr, bounds=None):
        arr = _as_points(arr)
        x0, y0, x1, y1 = _value(self.bounds) if bounds is None else bounds
        keep = (arr[:, 0] >= x0) & (arr[:, 0] <= x1) & (arr[:, 1] >= y0) & (arr[:, 1] <= y1)
        return arr[keep]

    def glsl(self, var):
        b = _glsl_value(self.bounds)
        return (f"if (any(lessThan({var}, ({b}).xy)) || any(greaterThan({var}, ({b}).zw))) "
                "discard;")

    def inverse(self):
        return self


class TransformChain:
    """An ordered list of (transform, origin) pairs; ``origin`` is the object that added it
    (a layout, the PanZoom...) so visuals can exclude it."""

    def __init__(self, transforms=None, origin=None):
        self.origin = origin
        self._transforms = []
        if transforms:
            self.add(transforms)

    @property
    def transforms(self):
        return [t for t, _ in self._transforms]

    def add(self, transforms, origin=None, index=None):
        """Append transforms (or a TransformChain), or insert them at ``index``."""
        if isinstance(transforms, TransformChain):
            items = list(transforms._transforms)
            if origin is not None:
                items = [(t, origin) for t, _ in items]
        else:
            if isinstance(transforms, BaseTransform):
                transforms = [transforms]
            items = [(t, origin if origin is not None else self.origin) for t in transforms]
        if index is None:
            self._transforms.extend(items)
        else:
            self._transforms[index:index] = items
        return self

    def remove_origin(self, origin):
        """Remove every transform added by ``origin``."""
        self._transforms = [(t, o) for t, o in self._transforms if o is not origin]

    def get(self, class_name):
        """First transform of that class name, or None."""
        for t, _ in self._transforms:
            if type(t).__name__ == class_name:
                return t

    def apply(self, arr):
        """Apply every transform in order on the CPU (Clip transforms are skipped)."""
        arr = _as_points(arr)
        for t, _ in self._transforms:
            if not isinstance(t, Clip):
                arr = t.apply(arr)
        return arr

    def inverse(self):
        inv = TransformChain(origin=self.origin)
        inv._transforms = [(t.inverse(), o) for t, o in reversed(self._transforms)]
        return inv

    def __iter__(self):
        return iter(self._transforms)

    def __len__(self):
        return len(self._transforms)

    def __getitem__(self, i):
        return self._transforms[i][0]

    def __add__(self, other):
        out = TransformChain(origin=self.origin)
        out._transforms = list(self._transforms)
        return out.add(other)
