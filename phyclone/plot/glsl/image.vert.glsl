#version 330 core
// A textured rectangle (x0, y0, x1, y1); image row 0 is at the top.
uniform vec4 u_rect;
out vec2 v_tex;

void main() {
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    gl_Position = transform(mix(u_rect.xy, u_rect.zw, corner));
    v_tex = vec2(corner.x, 1.0 - corner.y);
}
