#version 330 core
uniform sampler2D u_tex;
in vec2 v_tex;
out vec4 frag_color;

void main() {
    frag_color = texture(u_tex, v_tex);
}
