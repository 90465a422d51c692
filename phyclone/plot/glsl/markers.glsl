// Signed distance (in pixels, negative inside) of marker shapes of size s (pixels) at P
// (pixels from the marker centre, y up).
const float SQRT2 = 1.41421356;

float seg_dist(vec2 p, vec2 a, vec2 b) {
    vec2 pa = p - a, ba = b - a;
    float h = clamp(dot(pa, ba) / dot(ba, ba), 0.0, 1.0);
    return length(pa - ba * h);
}
float plus_shape(vec2 P, float s, float t) {
    vec2 A = abs(P);
    return min(max(A.x - 0.5 * s, A.y - t), max(A.y - 0.5 * s, A.x - t));
}
vec2 rot45(vec2 P) { return vec2(P.x + P.y, P.y - P.x) / SQRT2; }
float tri_up(vec2 P, float s) {
    return max(0.866025 * abs(P.x) + 0.5 * P.y - 0.25 * s, -P.y - 0.25 * s);
}
float disc_at(vec2 P, vec2 c, float r) { return length(P - c) - r; }

float marker_disc(vec2 P, float s) { return length(P) - 0.5 * s; }
float marker_square(vec2 P, float s) { return max(abs(P.x), abs(P.y)) - 0.45 * s; }
float marker_diamond(vec2 P, float s) { return (abs(P.x) + abs(P.y) - 0.5 * s) / SQRT2; }
float marker_triangle(vec2 P, float s) { return tri_up(P, s); }
float marker_cross(vec2 P, float s) { return plus_shape(rot45(P), s, 0.1 * s); }
float marker_asterisk(vec2 P, float s) {
    return min(plus_shape(P, s, 0.08 * s), plus_shape(rot45(P), s, 0.08 * s));
}
float marker_ring(vec2 P, float s) { return abs(length(P) - 0.4 * s) - 0.1 * s; }
float marker_vbar(vec2 P, float s) { return max(abs(P.x) - 0.12 * s, abs(P.y) - 0.5 * s); }
float marker_hbar(vec2 P, float s) { return max(abs(P.y) - 0.12 * s, abs(P.x) - 0.5 * s); }
float marker_ellipse(vec2 P, float s) { return (length(P / vec2(1.0, 0.6)) - 0.5 * s) * 0.6; }
float marker_chevron(vec2 P, float s) {
    vec2 Q = vec2(P.x, abs(P.y));
    return seg_dist(Q, vec2(-0.2 * s, 0.36 * s), vec2(0.22 * s, 0.0)) - 0.1 * s;
}
float marker_arrow(vec2 P, float s) {
    float head = tri_up(vec2(P.y, P.x - 0.125 * s), 0.75 * s);
    float shaft = max(abs(P.y) - 0.08 * s, abs(P.x + 0.2 * s) - 0.25 * s);
    return min(head, shaft);
}
float marker_clover(vec2 P, float s) {
    float r = 0.22 * s;
    return min(disc_at(P, vec2(0.0, 0.25 * s), r),
               min(disc_at(P, vec2(-0.22 * s, -0.13 * s), r),
                   disc_at(P, vec2(0.22 * s, -0.13 * s), r)));
}
float marker_club(vec2 P, float s) {
    float r = 0.18 * s;
    float leaves = min(disc_at(P, vec2(0.0, 0.26 * s), r),
                       min(disc_at(P, vec2(-0.2 * s, -0.02 * s), r),
                           disc_at(P, vec2(0.2 * s, -0.02 * s), r)));
    float stem = max(abs(P.x) - 0.06 * s, abs(P.y + 0.28 * s) - 0.2 * s);
    return min(leaves, stem);
}
float marker_heart(vec2 P, float s) {
    float r = 0.22 * s;
    float lobes = min(disc_at(P, vec2(-0.19 * s, 0.12 * s), r),
                      disc_at(P, vec2(0.19 * s, 0.12 * s), r));
    float point = tri_up(vec2(P.x, -P.y - 0.02 * s) / 0.9, s) * 0.9;
    return min(lobes, point);
}
float marker_spade(vec2 P, float s) {
    float r = 0.2 * s;
    float lobes = min(disc_at(P, vec2(-0.17 * s, -0.05 * s), r),
                      disc_at(P, vec2(0.17 * s, -0.05 * s), r));
    float point = tri_up(vec2(P.x, P.y - 0.02 * s) / 0.85, s) * 0.85;
    float stem = max(abs(P.x) - 0.06 * s, abs(P.y + 0.32 * s) - 0.18 * s);
    return min(min(lobes, point), stem);
}
float marker_infinity(vec2 P, float s) {
    float t = 0.07 * s;
    return min(abs(length(P - vec2(0.24 * s, 0.0)) - 0.2 * s) - t,
               abs(length(P + vec2(0.24 * s, 0.0)) - 0.2 * s) - t);
}
float marker_pin(vec2 P, float s) {
    float head = disc_at(P, vec2(0.0, 0.15 * s), 0.3 * s);
    float point = tri_up(vec2(P.x, -P.y - 0.1 * s) / 0.7, s) * 0.7;
    return min(head, point);
}
float marker_tag(vec2 P, float s) {
    float body = max(abs(P.x - 0.15 * s) - 0.3 * s, abs(P.y) - 0.3 * s);
    float tip = max((abs(P.y) - (P.x + 0.45 * s)) / SQRT2, P.x + 0.15 * s);
    return min(body, tip);
}
