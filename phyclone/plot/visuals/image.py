"""An RGBA image filling a rectangle (NDC by default)."""

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

from ..base import BaseVisual
from ..transform import NDC


class ImageVisual(BaseVisual):
    """Data: ``image`` (h, w, 4) float in [0, 1] or uint8 (row 0 at the top); ``rect``
    (x0, y0, x1, y1) where the image goes, in NDC; ``interpolation`` nearest or linear."""

    def __init__(self):
        super().__init__()
        self.set_shader("image")
        self.set_primitive_type("triangle_strip")

    def vertex_count(self, **kwargs):
        return 4

    def validate(self, image=None, rect=NDC, interpolation="nearest", **kwargs):
        if image is None:
            raise DataError(None, "ImageVisual needs image", "pass image=...")
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 4:
            raise DataError(None, f"image must be (h, w, 4), got {image.shape}",
                            "pass an RGBA array")
        if image.dtype != np.uint8:
            image = image.astype(np.float32)
        return Bunch(image=image, rect=tuple(float(v) for v in rect),
                     interpolation=interpolation, _n_items=1, _n_vertices=4)

    def set_data(self, *args, **kwargs):
        data = self.validate(*args, **kwargs)
        self.n_vertices = 4
        self.upload(uniforms={"u_rect": data.rect},
                    textures={"u_tex": (data.image, data.interpolation)}, draw={"count": 4})
        return data
