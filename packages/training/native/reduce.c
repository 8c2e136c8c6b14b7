/*
 * Sums over the leading axes of a [rows, columns] float32 tensor (the bias gradients of convolutions,
 * a Sum over batch, height and width): out[c] = (sum_r x[r, c]) / divisor, called by ../src/wasm-kernels/Sum.ts
 * and Mean.ts (batch norm's statistics).
 * Items are groups of 4 columns, each summed over all rows in order, so the result does not depend on
 * how the items are split among threads.
 */
#include "kernels.h"

/* args: x, out (pointers), rows, columns, float32 divisor (1 for a Sum, the row count for a Mean). */
EXPORT(sum_leading)
void sum_leading(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *out = (float *)args[1];
  const int rows = args[2], columns = args[3];
  const float divisor = arg_float(args, 4);
  for (int item = begin; item < end; item++) {
    const int c = item * 4;
    if (c + 4 <= columns) {
      v128_t acc = wasm_f32x4_splat(0);
      const float *p = x + c;
      for (int r = 0; r < rows; r++, p += columns) acc = wasm_f32x4_add(acc, wasm_v128_load(p));
      wasm_v128_store(out + c, wasm_f32x4_div(acc, wasm_f32x4_splat(divisor)));
    } else {
      for (int k = c; k < columns; k++) {
        float acc = 0;
        for (int r = 0; r < rows; r++) acc += x[r * columns + k];
        out[k] = acc / divisor;
      }
    }
  }
}
