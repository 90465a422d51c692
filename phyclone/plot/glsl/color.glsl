// Masks: like an alpha channel, but for colour saturation (1 = full colour, 0 = grey).
vec3 apply_mask(vec3 color, float mask) {
    float luma = dot(color, vec3(0.299, 0.587, 0.114));
    return mix(vec3(0.5 * luma + 0.1), color, clamp(mask, 0.0, 1.0));
}
