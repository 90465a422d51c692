#version 330 core
// One instance per glyph: a pixel-aligned quad of the glyph cell size, sampled 1:1 from
// the font atlas, so text stays crisp at every zoom level.
in vec2 a_position;   // position of the string (NDC before GPU transforms)
in float a_offset;    // glyph x offset, in advances
in float a_line;      // glyph y offset, in line heights
in float a_glyph;     // index of the glyph cell in the atlas
in vec4 a_color;
uniform vec2 u_window_size;
uniform vec2 u_cell_size;      // glyph cell size in framebuffer pixels
uniform float u_atlas_columns;
out vec2 v_tex;
out vec4 v_color;

void main() {
    gl_Position = transform(a_position);
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    vec2 anchor = floor((gl_Position.xy * 0.5 + 0.5) * u_window_size + 0.5);
    vec2 px = anchor + floor(vec2(a_offset, a_line) * u_cell_size + 0.5) + corner * u_cell_size;
    gl_Position.xy = px / u_window_size * 2.0 - 1.0;
    float g = floor(a_glyph + 0.5);
    vec2 cell = vec2(mod(g, u_atlas_columns), floor(g / u_atlas_columns));
    v_tex = (cell + vec2(corner.x, 1.0 - corner.y)) * u_cell_size;
    v_color = a_color;
}
