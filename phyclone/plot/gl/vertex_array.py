"""Vertex array objects and the draw calls (one GL call per visual)."""

import ctypes

import numpy as np
from OpenGL import GL

from .buffers import GL_TYPES

PRIMITIVES = {
    "points": GL.GL_POINTS,
    "lines": GL.GL_LINES,
    "line_strip": GL.GL_LINE_STRIP,
    "line_loop": GL.GL_LINE_LOOP,
    "triangles": GL.GL_TRIANGLES,
    "triangle_strip": GL.GL_TRIANGLE_STRIP,
    "triangle_fan": GL.GL_TRIANGLE_FAN,
}

_INTEGER_GLSL = ("int", "ivec2", "ivec3", "ivec4", "uint")


def primitive(name):
    """The GL enum of a primitive type name (points, lines, line_strip, triangles, ...)."""
    try:
        return PRIMITIVES[name]
    except KeyError:
        raise ValueError(f"unknown primitive type {name!r}; "
                         f"one of {', '.join(PRIMITIVES)}") from None


class VertexArray:
    """A VAO: which buffer feeds which attribute location (core profile needs one bound)."""

    def __init__(self):
        self.id = int(GL.glGenVertexArrays(1))

    def bind(self):
        GL.glBindVertexArray(self.id)

    @staticmethod
    def unbind():
        GL.glBindVertexArray(0)

    def set_attribute(self, location, buffer, glsl_type="vec4", divisor=0, normalized=None):
        """Feed attribute ``location`` from ``buffer`` (the VAO must be bound).

        Integer GLSL types use glVertexAttribIPointer; uint8 data is normalized to [0, 1]
        for float attributes unless ``normalized=False``.
        """
        gtype = GL_TYPES[buffer.dtype]
        n = buffer.n_components
        if n > 4:
            raise TypeError(f"attribute at location {location}: {n} components (max 4)")
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, buffer.id)
        GL.glEnableVertexAttribArray(location)
        if glsl_type in _INTEGER_GLSL:
            GL.glVertexAttribIPointer(location, n, gtype, 0, ctypes.c_void_p(0))
        else:
            if normalized is None:
                normalized = buffer.dtype == np.uint8
            GL.glVertexAttribPointer(location, n, gtype, bool(normalized), 0, ctypes.c_void_p(0))
        GL.glVertexAttribDivisor(location, divisor)

    @staticmethod
    def set_constant(location, value):
        """Disable the array of ``location`` and give it one value for every vertex.

        The constant value is context state (not VAO state): set it before each draw.
        """
        GL.glDisableVertexAttribArray(location)
        v = np.zeros(4, dtype=np.float32)
        v[3] = 1.
        val = np.asarray(value, dtype=np.float32).ravel()[:4]
        v[:val.size] = val
        GL.glVertexAttrib4f(location, *v)

    def set_index_buffer(self, buffer):
        GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, buffer.id)

    def delete(self):
        if self.id:
            GL.glDeleteVertexArrays(1, [self.id])
            self.id = 0


def draw_arrays(mode, first, count):
    GL.glDrawArrays(primitive(mode), int(first), int(count))


def draw_multi(mode, firsts, counts):
    """Draw several strips (e.g. line plots of different lengths) in one call."""
    firsts = np.ascontiguousarray(firsts, dtype=np.int32)
    counts = np.ascontiguousarray(counts, dtype=np.int32)
    if len(firsts):
        GL.glMultiDrawArrays(primitive(mode), firsts, counts, len(firsts))


def draw_instanced(mode, count, n_instances):
    """Draw ``n_instances`` copies of a ``count``-vertex primitive (per-instance attributes)."""
    GL.glDrawArraysInstanced(primitive(mode), 0, int(count), int(n_instances))


def draw_elements(mode, count):
    """Draw with the index buffer bound in the current VAO (uint32 indices)."""
    GL.glDrawElements(primitive(mode), int(count), GL.GL_UNSIGNED_INT, ctypes.c_void_p(0))
