"""GLSL programs: compile and link with readable errors, typed uniform setters."""

import ctypes
import logging
import re

import numpy as np
from OpenGL import GL

logger = logging.getLogger(__name__)


class ShaderError(RuntimeError):
    """A shader failed to compile or a program failed to link."""


# GL type -> (GLSL name, number of components, kind) where kind is float, int, sampler, mat.
_TYPES = {
    GL.GL_FLOAT: ("float", 1, "float"),
    GL.GL_FLOAT_VEC2: ("vec2", 2, "float"),
    GL.GL_FLOAT_VEC3: ("vec3", 3, "float"),
    GL.GL_FLOAT_VEC4: ("vec4", 4, "float"),
    GL.GL_INT: ("int", 1, "int"),
    GL.GL_INT_VEC2: ("ivec2", 2, "int"),
    GL.GL_INT_VEC3: ("ivec3", 3, "int"),
    GL.GL_INT_VEC4: ("ivec4", 4, "int"),
    GL.GL_UNSIGNED_INT: ("uint", 1, "int"),
    GL.GL_BOOL: ("bool", 1, "int"),
    GL.GL_FLOAT_MAT2: ("mat2", 4, "mat"),
    GL.GL_FLOAT_MAT3: ("mat3", 9, "mat"),
    GL.GL_FLOAT_MAT4: ("mat4", 16, "mat"),
    GL.GL_SAMPLER_2D: ("sampler2D", 1, "sampler"),
    GL.GL_INT_SAMPLER_2D: ("isampler2D", 1, "sampler"),
    GL.GL_UNSIGNED_INT_SAMPLER_2D: ("usampler2D", 1, "sampler"),
}

_FLOAT_SETTERS = {1: GL.glUniform1fv, 2: GL.glUniform2fv, 3: GL.glUniform3fv, 4: GL.glUniform4fv}
_INT_SETTERS = {1: GL.glUniform1iv, 2: GL.glUniform2iv, 3: GL.glUniform3iv, 4: GL.glUniform4iv}
_MAT_SETTERS = {4: GL.glUniformMatrix2fv, 9: GL.glUniformMatrix3fv, 16: GL.glUniformMatrix4fv}


def _numbered_excerpt(source, log):
    """Source lines around the line numbers mentioned in a GLSL compiler log."""
    lines = source.splitlines()
    # Mesa: "0:12(5): error", NVIDIA: "0(12) : error", AMD/Intel: "ERROR: 0:12:".
    found = re.findall(r"\b\d+:(\d+)\(\d+\)|\b\d+\((\d+)\)\s*:|ERROR:\s*\d+:(\d+):", log)
    numbers = {int(n) for groups in found for n in groups if n}
    keep = sorted({i for n in numbers for i in range(n - 2, n + 2) if 1 <= i <= len(lines)})
    if not keep:
        keep = range(1, len(lines) + 1)
    return "\n".join(f"{i:4d}{'>' if i in numbers else ' '} {lines[i - 1]}" for i in keep)


def compile_shader(source, shader_type, name=""):
    """Compile one shader and return its id; raise ShaderError with the log and source lines."""
    shader = GL.glCreateShader(shader_type)
    GL.glShaderSource(shader, source)
    GL.glCompileShader(shader)
    if not GL.glGetShaderiv(shader, GL.GL_COMPILE_STATUS):
        log = GL.glGetShaderInfoLog(shader)
        log = log.decode(errors="replace") if isinstance(log, bytes) else str(log)
        GL.glDeleteShader(shader)
        kind = {GL.GL_VERTEX_SHADER: "vertex", GL.GL_FRAGMENT_SHADER: "fragment"}.get(
            shader_type, "geometry")
        raise ShaderError(
            f"The {kind} shader of {name or 'a program'} does not compile:\n{log.strip()}\n"
            f"{_numbered_excerpt(source, log)}")
    return shader


class Program:
    """A linked GLSL program with its active uniforms and attributes.

    ``uniforms`` and ``attributes`` map names to Bunch-like tuples
    ``(location, glsl_type, n_components, kind, size)``; sampler uniforms get a fixed
    texture unit each (``texture_units``).

    ``feedback``: vertex shader outputs captured (interleaved, float) when the program runs
    with transform feedback; ``feedback_layout`` maps each to its (offset, n_components)
    in floats, ``feedback_stride`` is the floats per vertex.
    """

    def __init__(self, vertex, fragment, name="", feedback=()):
        self.name = name
        self.vertex_source, self.fragment_source = vertex, fragment
        shaders = [compile_shader(vertex, GL.GL_VERTEX_SHADER, name),
                   compile_shader(fragment, GL.GL_FRAGMENT_SHADER, name)]
        self.id = GL.glCreateProgram()
        for s in shaders:
            GL.glAttachShader(self.id, s)
        self.feedback = tuple(feedback)
        if self.feedback:
            names = (ctypes.c_char_p * len(self.feedback))(*(f.encode() for f in self.feedback))
            GL.glTransformFeedbackVaryings(
                self.id, len(self.feedback),
                ctypes.cast(names, ctypes.POINTER(ctypes.POINTER(GL.GLchar))),
                GL.GL_INTERLEAVED_ATTRIBS)
        GL.glLinkProgram(self.id)
        for s in shaders:
            GL.glDetachShader(self.id, s)
            GL.glDeleteShader(s)
        if not GL.glGetProgramiv(self.id, GL.GL_LINK_STATUS):
            log = GL.glGetProgramInfoLog(self.id)
            log = log.decode(errors="replace") if isinstance(log, bytes) else str(log)
            GL.glDeleteProgram(self.id)
            self.id = 0
            raise ShaderError(f"The program {name} does not link:\n{log.strip()}")
        self.uniforms = self._introspect(GL.GL_ACTIVE_UNIFORMS, GL.glGetActiveUniform,
                                         GL.glGetUniformLocation)
        self.attributes = self._introspect(GL.GL_ACTIVE_ATTRIBUTES, GL.glGetActiveAttrib,
                                           GL.glGetAttribLocation)
        self.feedback_layout, self.feedback_stride = self._feedback_layout()
        self.texture_units = {}
        GL.glUseProgram(self.id)
        for uname, u in self.uniforms.items():
            if u[3] == "sampler":
                unit = len(self.texture_units)
                self.texture_units[uname] = unit
                GL.glUniform1i(u[0], unit)

    def _introspect(self, what, getter, locator):
        out = {}
        for i in range(GL.glGetProgramiv(self.id, what)):
            name, size, gtype = getter(self.id, i)
            name = name.decode() if isinstance(name, bytes) else name
            name = name.split("[")[0]
            if name.startswith("gl_"):
                continue
            glsl, n, kind = _TYPES.get(int(gtype), (f"type{int(gtype)}", 1, "other"))
            out[name] = (locator(self.id, name), glsl, n, kind, int(size))
        return out

    def _feedback_layout(self):
        layout, offset = {}, 0
        for i, name in enumerate(self.feedback):
            length, size, gtype = GL.GLsizei(), GL.GLsizei(), GL.GLenum()
            buf = ctypes.create_string_buffer(256)
            GL.glGetTransformFeedbackVarying(self.id, i, 256, ctypes.byref(length),
                                             ctypes.byref(size), ctypes.byref(gtype), buf)
            n = _TYPES.get(int(gtype.value), ("", 1, ""))[1] * int(size.value)
            layout[name] = (offset, n)
            offset += n
        return layout, offset

    def use(self):
        """Make this program current."""
        GL.glUseProgram(self.id)

    def set_uniform(self, name, value):
        """Set an active uniform (the program must be in use); type-checked.

        Unknown names are ignored (a uniform optimized away by the compiler is not an error).
        """
        u = self.uniforms.get(name)
        if u is None:
            return False
        loc, glsl, n, kind, size = u
        if kind == "sampler":
            raise TypeError(f"{self.name}: uniform {name} is a {glsl}; bind a texture instead")
        dtype = np.float32 if kind in ("float", "mat") else np.int32
        arr = np.asarray(value, dtype=np.float64)
        if kind == "int" and not np.all(np.isfinite(arr)):
            raise TypeError(f"{self.name}: uniform {name} ({glsl}) got non-finite {value!r}")
        arr = np.ascontiguousarray(arr, dtype=dtype).ravel()
        count = arr.size // n
        if arr.size == 0 or arr.size % n or count > size:
            raise TypeError(
                f"{self.name}: uniform {name} is {glsl}"
                f"{'[%d]' % size if size > 1 else ''}, got a value of shape "
                f"{np.shape(value)}")
        if kind == "mat":
            _MAT_SETTERS[n](loc, count, GL.GL_TRUE, arr)
        else:
            (_FLOAT_SETTERS if kind == "float" else _INT_SETTERS)[n](loc, count, arr)
        return True

    def delete(self):
        """Delete the GL program."""
        if self.id:
            GL.glDeleteProgram(self.id)
            self.id = 0
