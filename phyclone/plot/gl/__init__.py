"""Thin OpenGL 3.3 core layer on PyOpenGL: programs, buffers, textures, vertex arrays.

This package (with the rest of ``phyclone.plot``) is the only place importing OpenGL.
"""

from .buffers import IndexBuffer, VertexBuffer
from .probe import probe_gl, probe_gl_subprocess, setup_opengl, software_env
from .program import Program, ShaderError
from .texture import Texture2D
from .vertex_array import (
    PRIMITIVES, VertexArray, draw_arrays, draw_elements, draw_instanced, draw_multi,
)
