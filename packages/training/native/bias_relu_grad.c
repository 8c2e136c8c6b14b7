/*
 * The gradient of relu(z + bias) for a convolution's [rows, columns] output y = relu(z + bias), called
 * by ../src/wasm-kernels/ConvBiasRelu.ts (the gradient of @tfseg/models' one-op conv + bias + ReLU):
 *   dz[r, c]  = dy[r, c]·step(y[r, c])    (step is 1 above 0, 0 at or below it, NaN for NaN; y > 0
 *                                          exactly where z + bias > 0, so this is relu_grad's dx)
 *   dbias[c]  = Σ_r dz[r, c], in row order from 0 (sum_leading's order)
 * — what tfjs computes as Relu's gradient (relu_grad) and then the bias Add's (a Sum over the leading
 * axes, sum_leading), with the same arithmetic in the same order, so the same bits, in one pass.
 * Items are groups of 4 columns, each computed over all rows by one thread, so the result does not
 * depend on how the items are split among threads.
 */
#include "kernels.h"

/* args: y, dy, dz [rows, columns], dbias [columns] (pointers), rows, columns. Items: groups of 4 columns. */
EXPORT(bias_relu_grad)
void bias_relu_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *y = (const float *)args[0];
  const float *dy = (const float *)args[1];
  float *dz = (float *)args[2];
  float *dbias = (float *)args[3];
  const int rows = args[4], columns = args[5];
  const v128_t zero = wasm_f32x4_splat(0.0f), one = wasm_f32x4_splat(1.0f);
  for (int item = begin; item < end; item++) {
    const int c = item * 4;
    if (c + 4 <= columns) {
      v128_t acc = zero;
      for (int r = 0; r < rows; r++) {
        const int64_t i = (int64_t)r * columns + c;
        const v128_t v = wasm_v128_load(y + i);
        /* 1 where y > 0, else 0; NaN stays NaN (y ≠ y): relu_grad's step. */
        v128_t step = wasm_v128_and(wasm_f32x4_gt(v, zero), one);
        step = wasm_v128_bitselect(v, step, wasm_f32x4_ne(v, v));
        const v128_t g = wasm_f32x4_mul(wasm_v128_load(dy + i), step);
        wasm_v128_store(dz + i, g);
        acc = wasm_f32x4_add(acc, g);
      }
      /* sum_leading divides by its divisor, 1 for a Sum: x / 1 is x. */
      wasm_v128_store(dbias + c, acc);
    } else {
      for (int k = c; k < columns; k++) {
        float acc = 0;
        for (int r = 0; r < rows; r++) {
          const int64_t i = (int64_t)r * columns + k;
          const float v = y[i];
          const float step = v != v ? v : (v > 0.0f ? 1.0f : 0.0f);
          const float g = dy[i] * step;
          dz[i] = g;
          acc += g;
        }
        dbias[k] = acc;
      }
    }
  }
}
