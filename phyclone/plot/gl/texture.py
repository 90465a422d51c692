"""2D textures (uint8 or float32, 1 to 4 channels)."""

import numpy as np
from OpenGL import GL

_FORMATS = {1: GL.GL_RED, 2: GL.GL_RG, 3: GL.GL_RGB, 4: GL.GL_RGBA}
_INTERNAL = {
    (np.dtype(np.uint8), 1): GL.GL_R8, (np.dtype(np.uint8), 2): GL.GL_RG8,
    (np.dtype(np.uint8), 3): GL.GL_RGB8, (np.dtype(np.uint8), 4): GL.GL_RGBA8,
    (np.dtype(np.float32), 1): GL.GL_R32F, (np.dtype(np.float32), 2): GL.GL_RG32F,
    (np.dtype(np.float32), 3): GL.GL_RGB32F, (np.dtype(np.float32), 4): GL.GL_RGBA32F,
}
_FILTERS = {"nearest": GL.GL_NEAREST, "linear": GL.GL_LINEAR}
_WRAPS = {"clamp": GL.GL_CLAMP_TO_EDGE, "repeat": GL.GL_REPEAT}


def _as_image(data):
    data = np.asarray(data)
    if data.dtype not in (np.uint8, np.float32):
        data = data.astype(np.float32)
    if data.ndim == 1:
        data = data[np.newaxis, :, np.newaxis]
    elif data.ndim == 2:
        data = data[:, :, np.newaxis]
    if data.ndim != 3 or not 1 <= data.shape[2] <= 4:
        raise TypeError(f"a texture needs an (h, w) or (h, w, 1-4) array, got {data.shape}")
    return np.ascontiguousarray(data)


class Texture2D:
    """A 2D texture; ``set_data`` reallocates only when shape or dtype change.

    Row 0 of the array is the texture row v = 0 (bottom in GL's convention).
    """

    def __init__(self, data=None, interpolation="nearest", wrapping="clamp"):
        self.id = int(GL.glGenTextures(1))
        self.shape, self.dtype = None, None
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.id)
        self.set_interpolation(interpolation)
        w = _WRAPS[wrapping]
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, w)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, w)
        if data is not None:
            self.set_data(data)

    def set_interpolation(self, interpolation):
        f = _FILTERS[interpolation]
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.id)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, f)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, f)

    def set_data(self, data):
        """Upload an (h, w[, c]) uint8 or float32 array."""
        data = _as_image(data)
        h, w, c = data.shape
        gtype = GL.GL_UNSIGNED_BYTE if data.dtype == np.uint8 else GL.GL_FLOAT
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.id)
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        if data.shape == self.shape and data.dtype == self.dtype:
            GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, w, h, _FORMATS[c], gtype, data)
        else:
            GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, _INTERNAL[data.dtype, c], w, h, 0,
                            _FORMATS[c], gtype, data)
        self.shape, self.dtype = data.shape, data.dtype

    def bind(self, unit=0):
        GL.glActiveTexture(GL.GL_TEXTURE0 + unit)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.id)

    def delete(self):
        if self.id:
            GL.glDeleteTextures(1, [self.id])
            self.id = 0
