/*
 * Gradients of nearest-neighbour and bilinear resizing (called by ../src/wasm-kernels/ResizeGrad.ts; the
 * up-sampling of TransUNet's and ConvFormer+U-Net's decoders). The built-in kernels are scalar loops;
 * here four channels at a time. Items are rows of dx (batch·in_h): each item zeroes its row and adds
 * the dy pixels that reach it in dy's row-major order, as the cpu backend does for every dx value, so
 * threads never write the same memory and the bits do not depend on the thread count. Which dx row and
 * column each dy row and column reaches (and the bilinear weights) come precomputed from TypeScript in
 * the argument block, computed as tfjs' cpu backend computes them.
 */
#include "kernels.h"

/* dst[0..c) += src[0..c) · weight. */
INLINE void add_scaled(float *dst, const float *src, float weight, int c) {
  const v128_t w = wasm_f32x4_splat(weight);
  int ch = 0;
  for (; ch + 4 <= c; ch += 4) wasm_v128_store(dst + ch, wasm_f32x4_add(wasm_v128_load(dst + ch), wasm_f32x4_mul(wasm_v128_load(src + ch), w)));
  for (; ch < c; ch++) dst[ch] += src[ch] * weight;
}

/* dst[0..c) += src[0..c). */
INLINE void add_row(float *dst, const float *src, int c) {
  int ch = 0;
  for (; ch + 4 <= c; ch += 4) wasm_v128_store(dst + ch, wasm_f32x4_add(wasm_v128_load(dst + ch), wasm_v128_load(src + ch)));
  for (; ch < c; ch++) dst[ch] += src[ch];
}

/* args: dy, dx, batch, in_h, in_w, channels, out_h, out_w, then out_h dx rows (one per dy row), then
   out_w dx columns (one per dy column). */
EXPORT(resize_nearest_grad)
void resize_nearest_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0];
  float *dx = (float *)args[1];
  const int in_h = args[3], in_w = args[4], c = args[5], out_h = args[6], out_w = args[7];
  const int32_t *row_of = args + 8, *column_of = args + 8 + out_h;
  for (int item = begin; item < end; item++) {
    const int b = item / in_h, row = item % in_h;
    float *target = dx + item * in_w * c;
    for (int i = 0; i < in_w * c; i++) target[i] = 0;
    for (int r = 0; r < out_h; r++) {
      if (row_of[r] != row) continue;
      const float *source = dy + (b * out_h + r) * out_w * c;
      for (int col = 0; col < out_w; col++) add_row(target + column_of[col] * c, source + col * c, c);
    }
  }
}

/* args: dy, dx, batch, in_h, in_w, channels, out_h, out_w, then per dy row 3 slots (top dx row, bottom dx
   row, f32 lerp), then per dy column 3 slots (left dx column, right dx column, f32 lerp). */
EXPORT(resize_bilinear_grad)
void resize_bilinear_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0];
  float *dx = (float *)args[1];
  const int in_h = args[3], in_w = args[4], c = args[5], out_h = args[6], out_w = args[7];
  const int32_t *rows = args + 8, *columns = args + 8 + 3 * out_h;
  for (int item = begin; item < end; item++) {
    const int b = item / in_h, row = item % in_h;
    float *target = dx + item * in_w * c;
    for (int i = 0; i < in_w * c; i++) target[i] = 0;
    for (int r = 0; r < out_h; r++) {
      const int top = rows[3 * r], bottom = rows[3 * r + 1];
      if (top != row && bottom != row) continue;
      const float row_lerp = arg_float(rows, 3 * r + 2), inverse_row_lerp = 1.0f - row_lerp;
      const float *source = dy + (b * out_h + r) * out_w * c;
      for (int col = 0; col < out_w; col++) {
        const int left = columns[3 * col], right = columns[3 * col + 1];
        const float column_lerp = arg_float(columns, 3 * col + 2), inverse_column_lerp = 1.0f - column_lerp;
        const float *g = source + col * c;
        /* The cpu backend's order for one dy pixel: top left, top right, bottom left, bottom right. */
        if (top == row) {
          add_scaled(target + left * c, g, inverse_row_lerp * inverse_column_lerp, c);
          add_scaled(target + right * c, g, inverse_row_lerp * column_lerp, c);
        }
        if (bottom == row) {
          add_scaled(target + left * c, g, row_lerp * inverse_column_lerp, c);
          add_scaled(target + right * c, g, row_lerp * column_lerp, c);
        }
      }
    }
  }
}
