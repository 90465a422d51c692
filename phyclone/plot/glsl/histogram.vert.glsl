#version 330 core
// One instance per bin: a rectangle (x0, y0, x1, y1) drawn as a 4-vertex triangle strip.
in vec4 a_rect;
in vec4 a_color;
out vec4 v_color;

void main() {
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    gl_Position = transform(mix(a_rect.xy, a_rect.zw, corner));
    v_color = a_color;
}
