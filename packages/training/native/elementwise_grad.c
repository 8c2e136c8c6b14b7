/*
 * One-pass gradients of the elementwise kernels around batch normalization, called by
 * ../src/wasm-kernels/ElementwiseGrad.ts in place of tfjs-core's compositions (each several full-size
 * kernels, a JS `ones` array or a copy), with the same arithmetic and so the same bits:
 *   relu_grad:      dx = dy·step(x)          (core: mul(dy, cast(step(x))); step is 1 above 0, 0 at or below
 *                                             it, NaN for NaN)
 *   square_grad:    dx = dy·(x·2)            (core: mul(dy, mul(cast(x), 2)))
 *   broadcast_mean: dx[r, c] = dy[c] / n     (core's Mean gradient: div(mul(dy, ones(x.shape)), n), for a
 *                                             mean over x's leading axes seen as rows)
 * Every element is computed by itself, so any split of the items among threads gives the same bits.
 */
#include "kernels.h"

/* args: x, dy, dx (pointers). Items: elements. */
EXPORT(relu_grad)
void relu_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  const float *dy = (const float *)args[1];
  float *dx = (float *)args[2];
  const v128_t zero = wasm_f32x4_splat(0.0f), one = wasm_f32x4_splat(1.0f);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    /* 1 where x > 0, else 0; NaN stays NaN (x ≠ x). */
    v128_t step = wasm_v128_and(wasm_f32x4_gt(v, zero), one);
    step = wasm_v128_bitselect(v, step, wasm_f32x4_ne(v, v));
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), step));
  }
  for (; i < end; i++) {
    const float v = x[i];
    const float step = v != v ? v : (v > 0.0f ? 1.0f : 0.0f);
    dx[i] = dy[i] * step;
  }
}

/* args: x, dy, dx (pointers). Items: elements. */
EXPORT(square_grad)
void square_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  const float *dy = (const float *)args[1];
  float *dx = (float *)args[2];
  const v128_t two = wasm_f32x4_splat(2.0f);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), wasm_f32x4_mul(wasm_v128_load(x + i), two)));
  }
  for (; i < end; i++) dx[i] = dy[i] * (x[i] * 2.0f);
}

/* args: dy [columns], dx [rows, columns] (pointers), columns, float32 n. Items: rows. */
EXPORT(broadcast_mean)
void broadcast_mean(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0];
  float *dx = (float *)args[1];
  const int columns = args[2];
  const float n = arg_float(args, 3);
  const v128_t divisor = wasm_f32x4_splat(n);
  const int vector_end = columns & ~3;
  for (int row = begin; row < end; row++) {
    float *out = dx + (int64_t)row * columns;
    int c = 0;
    for (; c < vector_end; c += 4) wasm_v128_store(out + c, wasm_f32x4_div(wasm_v128_load(dy + c), divisor));
    for (; c < columns; c++) out[c] = dy[c] / n;
  }
}
