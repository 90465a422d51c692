#version 330 core
#include "color.glsl"
// Many line strips in one draw call; per-signal colour, mask and depth come from textures
// indexed by the signal index (from gl_VertexID when every signal has the same length).
in vec2 a_position;
in float a_signal_index;
uniform int u_signal_length;
uniform sampler2D u_signal_color;
uniform sampler2D u_signal_info;
const int TEX_WIDTH = 4096;
flat out vec4 v_color;

void main() {
    gl_Position = transform(a_position);
    int i = u_signal_length > 0 ? gl_VertexID / u_signal_length : int(a_signal_index + 0.5);
    ivec2 t = ivec2(i % TEX_WIDTH, i / TEX_WIDTH);
    vec4 color = texelFetch(u_signal_color, t, 0);
    vec2 info = texelFetch(u_signal_info, t, 0).xy;
    gl_Position.z = info.y;
    v_color = vec4(apply_mask(color.rgb, info.x), color.a);
}
