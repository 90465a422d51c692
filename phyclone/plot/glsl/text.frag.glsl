#version 330 core
uniform sampler2D u_atlas;
in vec2 v_tex;
in vec4 v_color;
out vec4 frag_color;

void main() {
    float coverage = texelFetch(u_atlas, ivec2(floor(v_tex)), 0).r;
    if (coverage <= 0.0) discard;
    frag_color = vec4(v_color.rgb, v_color.a * coverage);
}
