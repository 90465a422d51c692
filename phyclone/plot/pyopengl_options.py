"""PyOpenGL options, set before OpenGL is imported.

PyOpenGL calls ``glGetError`` after every call unless told otherwise; the canvases check
once per visual drawn instead (``canvas_gl._check_gl_error``), a fraction of the cost.
"""

import os
import sys

os.environ.setdefault("PYOPENGL_ERROR_CHECKING", "0")
if "OpenGL" in sys.modules and "OpenGL.GL" not in sys.modules:
    sys.modules["OpenGL"].ERROR_CHECKING = False
