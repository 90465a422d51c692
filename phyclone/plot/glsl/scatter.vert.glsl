#version 330 core
#include "color.glsl"
in vec2 a_position;
in vec4 a_color;
in float a_size;
in float a_depth;
in float a_mask;
uniform float u_pixel_ratio;
flat out vec4 v_color;
flat out float v_size;

void main() {
    gl_Position = transform(a_position);
    gl_Position.z = a_depth;
    v_size = a_size * u_pixel_ratio;
    v_color = vec4(apply_mask(a_color.rgb, a_mask), a_color.a);
    gl_PointSize = v_size;
}
