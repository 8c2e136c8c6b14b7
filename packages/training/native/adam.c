/*
 * One Adam update of many variables in a single call (called by ../src/wasm-kernels/AdamUpdate.ts):
 *   m' = b1 m + (1 - b1) g,  v' = b2 v + (1 - b2) g^2,  w' = w - lr (c1 m') / (sqrt(c2 v') + eps)
 * with c1, c2 the bias corrections 1 / (1 - b^t). The same float32 operations, in the same order, as
 * the op-by-op update in adam.ts, so both paths give the same bits. w, m and v are updated in place
 * (each element is read before it is written, at the same index): no new buffers, and a third less
 * memory traffic than writing them elsewhere. Items are the elements of all tensors, one after another.
 */
#include "kernels.h"

/* One tensor's elements [begin, end): w, m, v in place from g. */
static void adam_update_range(float *w, float *m, float *v, const float *g, int32_t begin, int32_t end, const float *constants) {
  const float b1 = constants[0], one_minus_b1 = constants[1], b2 = constants[2], one_minus_b2 = constants[3];
  const float c1 = constants[4], c2 = constants[5], eps = constants[6], lr = constants[7];
  int32_t i = begin;
  const v128_t vb1 = wasm_f32x4_splat(b1), vob1 = wasm_f32x4_splat(one_minus_b1), vb2 = wasm_f32x4_splat(b2), vob2 = wasm_f32x4_splat(one_minus_b2);
  const v128_t vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2), veps = wasm_f32x4_splat(eps), vlr = wasm_f32x4_splat(lr);
  for (; i + 4 <= end; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, vob1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vob2));
    const v128_t update = wasm_f32x4_div(wasm_f32x4_mul(mi, vc1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_mul(vi, vc2)), veps));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
    wasm_v128_store(w + i, wasm_f32x4_sub(wasm_v128_load(w + i), wasm_f32x4_mul(update, vlr)));
  }
  for (; i < end; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * one_minus_b1;
    const float vi = v[i] * b2 + (gi * gi) * one_minus_b2;
    const float update = (mi * c1) / (__builtin_sqrtf(vi * c2) + eps);
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] - update * lr;
  }
}

/*
 * args: 0..7 float32 b1, 1 - b1, b2, 1 - b2, c1, c2, eps, lr; 8 tensor count n; then per tensor t at
 * 9 + 5t: w, m, v (updated in place), g, element count. Items: the n tensors' elements in order.
 */
EXPORT(adam_update)
void adam_update(const int32_t *args, int32_t begin, int32_t end) {
  float constants[8];
  for (int k = 0; k < 8; k++) constants[k] = arg_float(args, k);
  const int32_t count = args[8];
  int32_t start = 0; /* the first item of tensor t */
  for (int32_t t = 0; t < count && start < end; t++) {
    const int32_t *tensor = args + 9 + 5 * t;
    const int32_t size = tensor[4];
    const int32_t from = begin > start ? begin - start : 0, to = end - start < size ? end - start : size;
    if (from < to) adam_update_range((float *)tensor[0], (float *)tensor[1], (float *)tensor[2], (const float *)tensor[3], from, to, constants);
    start += size;
  }
}
