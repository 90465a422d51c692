"""GLSL composition (pure string processing)."""

import pytest

from phyclone.plot.inserter import GLSLInserter, load_shader
from phyclone.plot.transform import Clip, Scale, TransformChain, Translate

VS = """#version 330 core
in vec2 a_position;
void main() {
    gl_Position = transform(a_position);
    gl_PointSize = 3.0;
}
"""
FS = """#version 330 core
out vec4 frag_color;
void main() {
    frag_color = vec4(1.0);
}
"""


def test_insert_locations_in_order():
    ins = GLSLInserter()
    ins.insert_vert("uniform vec2 u_x;", "header")
    ins.insert_vert("float s = 1.0;", "start")
    ins.insert_vert("pos_tr += u_x;", "before_transforms")
    ins.insert_vert("pos_tr *= 2.0;")
    ins.insert_vert("gl_Position.y = pos_orig.y;", "after_transforms")
    ins.insert_vert("gl_PointSize += s;", "end")
    ins.insert_frag("if (false) discard;", "start")
    ins.insert_frag("uniform float u_f;", "header")
    vs, fs = ins.insert_into_shaders(VS, FS)
    lines = [line.strip() for line in vs.splitlines()]
    assert lines[0] == "#version 330 core" and lines[1] == "uniform vec2 u_x;"
    order = ["float s = 1.0;", "vec2 pos_orig = a_position;", "pos_tr += u_x;",
             "pos_tr *= 2.0;", "gl_Position = vec4(pos_tr, 0.0, 1.0);",
             "gl_Position.y = pos_orig.y;", "gl_PointSize = 3.0;", "gl_PointSize += s;"]
    assert [lines.index(x) for x in order] == sorted(lines.index(x) for x in order)
    assert fs.splitlines()[1] == "uniform float u_f;"
    assert fs.index("discard") < fs.index("frag_color = vec4(1.0)")


def test_exclude_origins_and_gpu_transforms():
    pz, layout = object(), object()
    chain = TransformChain()
    chain.add(Clip((-.9, -.9, .9, .9)), origin=layout)
    chain.add([Translate(gpu_var="u_pan"), Scale(gpu_var="u_zoom")], origin=pz)
    ins = GLSLInserter()
    ins.add_gpu_transforms(chain)
    ins.insert_vert("uniform vec2 u_pan; uniform vec2 u_zoom;", "header", origin=pz)
    vs, fs = ins.insert_into_shaders(VS, FS)
    assert "pos_tr = pos_tr + u_pan;" in vs and "v_clip_pos = pos_tr;" in vs
    assert "in vec2 v_clip_pos;" in fs and "discard" in fs
    vs2, fs2 = ins.insert_into_shaders(VS, FS, exclude_origins=(pz, layout))
    assert "u_pan" not in vs2 and "v_clip_pos" not in vs2 + fs2


def test_other_variable_transform_and_add():
    vs = VS.replace("gl_PointSize = 3.0;", "vec2 other = transform(a_position * 2.0);")
    a, b = GLSLInserter(), GLSLInserter()
    a.insert_vert("pos_tr = pos_tr + 1.0;")
    b.insert_vert("uniform float u_b;", "header")
    out, _ = (a + b).insert_into_shaders(vs, FS)
    assert "vec2 pos_tr = a_position * 2.0;" in out and "other = pos_tr;" in out
    assert len(a._items) == 1 and len(b._items) == 1


def test_errors_and_includes():
    ins = GLSLInserter()
    with pytest.raises(ValueError):
        ins.insert_vert("x", "nowhere")
    with pytest.raises(ValueError):
        ins.insert_into_shaders("#version 330 core\nvoid f() {}", FS)
    src = load_shader("scatter.frag")
    assert "#include" not in src and "float marker_disc" in src
