/*
 * One Adam update of a variable in a single pass (called by ../src/wasm-kernels/AdamUpdate.ts):
 *   m' = b1 m + (1 - b1) g,  v' = b2 v + (1 - b2) g^2,  w' = w - lr (c1 m') / (sqrt(c2 v') + eps)
 * with c1, c2 the bias corrections 1 / (1 - b^t). The same float32 operations, in the same order, as
 * the op-by-op update in adam.ts, so both paths give the same bits. Items are elements.
 */
#include "kernels.h"

/* args: w, m, v, g, w', m', v' (pointers), then float32 b1, 1 - b1, b2, 1 - b2, c1, c2, eps, lr. */
EXPORT(adam_update)
void adam_update(const int32_t *args, int32_t begin, int32_t end) {
  const float *w = (const float *)args[0], *m = (const float *)args[1], *v = (const float *)args[2], *g = (const float *)args[3];
  float *w_out = (float *)args[4], *m_out = (float *)args[5], *v_out = (float *)args[6];
  const float b1 = arg_float(args, 7), one_minus_b1 = arg_float(args, 8), b2 = arg_float(args, 9), one_minus_b2 = arg_float(args, 10);
  const float c1 = arg_float(args, 11), c2 = arg_float(args, 12), eps = arg_float(args, 13), lr = arg_float(args, 14);
  int i = begin;
  const v128_t vb1 = wasm_f32x4_splat(b1), vob1 = wasm_f32x4_splat(one_minus_b1), vb2 = wasm_f32x4_splat(b2), vob2 = wasm_f32x4_splat(one_minus_b2);
  const v128_t vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2), veps = wasm_f32x4_splat(eps), vlr = wasm_f32x4_splat(lr);
  for (; i + 4 <= end; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, vob1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vob2));
    const v128_t update = wasm_f32x4_div(wasm_f32x4_mul(mi, vc1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_mul(vi, vc2)), veps));
    wasm_v128_store(m_out + i, mi);
    wasm_v128_store(v_out + i, vi);
    wasm_v128_store(w_out + i, wasm_f32x4_sub(wasm_v128_load(w + i), wasm_f32x4_mul(update, vlr)));
  }
  for (; i < end; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * one_minus_b1;
    const float vi = v[i] * b2 + (gi * gi) * one_minus_b2;
    const float update = (mi * c1) / (__builtin_sqrtf(vi * c2) + eps);
    m_out[i] = mi;
    v_out[i] = vi;
    w_out[i] = w[i] - update * lr;
  }
}
