"""Vertex and index buffers with full and partial updates."""

import numpy as np
from OpenGL import GL

# numpy dtype -> GL component type
GL_TYPES = {
    np.dtype(np.float32): GL.GL_FLOAT,
    np.dtype(np.uint8): GL.GL_UNSIGNED_BYTE,
    np.dtype(np.int8): GL.GL_BYTE,
    np.dtype(np.uint16): GL.GL_UNSIGNED_SHORT,
    np.dtype(np.int16): GL.GL_SHORT,
    np.dtype(np.uint32): GL.GL_UNSIGNED_INT,
    np.dtype(np.int32): GL.GL_INT,
}


class _Buffer:
    target = None

    def __init__(self, data=None, usage=GL.GL_DYNAMIC_DRAW):
        self.id = int(GL.glGenBuffers(1))
        self.usage = usage
        self.nbytes = 0
        self.shape = (0,)
        self.dtype = None
        if data is not None:
            self.set_data(data)

    def _check(self, data):
        data = np.ascontiguousarray(data)
        if data.dtype not in GL_TYPES:
            raise TypeError(f"{type(self).__name__}: unsupported dtype {data.dtype} "
                            f"(use one of {', '.join(str(d) for d in GL_TYPES)})")
        return data

    def set_data(self, data):
        """Upload a whole array (reallocates only when the byte size changes)."""
        data = self._check(data)
        GL.glBindBuffer(self.target, self.id)
        if data.nbytes == self.nbytes and data.nbytes > 0:
            GL.glBufferSubData(self.target, 0, data.nbytes, data)
        else:
            GL.glBufferData(self.target, data.nbytes, data if data.nbytes else None, self.usage)
        self.nbytes, self.shape, self.dtype = data.nbytes, data.shape, data.dtype

    def set_subdata(self, offset, data):
        """Overwrite rows starting at row ``offset`` (same dtype and row shape)."""
        data = self._check(data)
        if data.dtype != self.dtype or data.shape[1:] != tuple(self.shape[1:]):
            raise TypeError(f"partial update of a {self.dtype}{self.shape} buffer with "
                            f"{data.dtype}{data.shape}")
        if offset < 0 or offset + len(data) > self.shape[0]:
            raise IndexError(f"rows {offset}:{offset + len(data)} outside 0:{self.shape[0]}")
        row = self.nbytes // max(self.shape[0], 1)
        GL.glBindBuffer(self.target, self.id)
        GL.glBufferSubData(self.target, offset * row, data.nbytes, data)

    def __len__(self):
        return self.shape[0] if self.shape else 0

    @property
    def n_components(self):
        return int(np.prod(self.shape[1:])) if len(self.shape) > 1 else 1

    def delete(self):
        if self.id:
            GL.glDeleteBuffers(1, [self.id])
            self.id = 0


class VertexBuffer(_Buffer):
    """GL_ARRAY_BUFFER holding one attribute: an (n,) or (n, k) array."""
    target = GL.GL_ARRAY_BUFFER


class IndexBuffer(_Buffer):
    """GL_ELEMENT_ARRAY_BUFFER of uint32 indices (bound into a VertexArray)."""
    target = GL.GL_ELEMENT_ARRAY_BUFFER

    def _check(self, data):
        data = np.ascontiguousarray(data, dtype=np.uint32).ravel()
        return data
