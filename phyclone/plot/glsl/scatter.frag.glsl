#version 330 core
#include "markers.glsl"
flat in vec4 v_color;
flat in float v_size;
out vec4 frag_color;

void main() {
    // The sprite is v_size pixels wide; the shape is one pixel smaller so that its
    // antialiased edge fits in the sprite.
    vec2 P = (gl_PointCoord - 0.5) * v_size;
    P.y = -P.y;
    float d = marker_MARKER(P, v_size - 1.0);
    float alpha = clamp(0.5 - d, 0.0, 1.0);
    if (alpha <= 0.0) discard;
    frag_color = vec4(v_color.rgb, v_color.a * alpha);
}
