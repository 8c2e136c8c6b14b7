/*
 * Forward 2-D convolution, NHWC float32, dilation 1, any stride and any signed padding (called by
 * ../src/wasm-kernels/Conv2D.ts, and by Conv2DBackpropInput.ts with the flipped, swapped filter):
 *
 *   out[b, oh, ow, co] = sum_{kh, kw, ci} x[b, oh*sh + kh - top, ow*sw + kw - left, ci] * w[kh, kw, ci, co]
 *
 * A tile is 6 neighbouring output pixels of one row x 8 output channels: 12 SIMD accumulators; per
 * (tap, ci) it loads 2 filter vectors and 6 splatted inputs for 12 multiply-adds. Pixels whose input
 * falls in the padding read from a zero row instead (no per-element branch). Items are (co tile,
 * output row) pairs, co tile outermost, so a thread's items share the filter block in cache.
 */
#include "kernels.h"

enum { PX = 6, CO = 8 };

/* mr pixels from ow0 of output row (b, oh); channels co0 .. co0 + 4*vectors (vectors is 1 or 2). */
INLINE void conv_tile(const conv_geometry *g, const float *x, const float *w, float *out, const float *zeros, int b, int oh,
                      int ow0, int co0, const int mr, const int vectors) {
  v128_t acc[PX][2];
#pragma clang loop unroll(full)
  for (int r = 0; r < PX; r++) {
    acc[r][0] = wasm_f32x4_splat(0);
    acc[r][1] = wasm_f32x4_splat(0);
  }
  const int ci_count = g->in_c, co_count = g->out_c;
  for (int kh = 0; kh < g->k_h; kh++) {
    const int ih = oh * g->stride_h + kh - g->pad_top;
    if (ih < 0 || ih >= g->in_h) continue;
    const float *row = x + (b * g->in_h + ih) * g->in_w * ci_count;
    for (int kw = 0; kw < g->k_w; kw++) {
      const float *p[PX];
#pragma clang loop unroll(full)
      for (int r = 0; r < PX; r++) {
        const int iw = (ow0 + r) * g->stride_w + kw - g->pad_left;
        p[r] = (r < mr && iw >= 0 && iw < g->in_w) ? row + iw * ci_count : zeros;
      }
      const float *wp = w + (kh * g->k_w + kw) * ci_count * co_count + co0;
      for (int ci = 0; ci < ci_count; ci++, wp += co_count) {
        const v128_t w0 = wasm_v128_load(wp);
        const v128_t w1 = vectors == 2 ? wasm_v128_load(wp + 4) : w0;
#pragma clang loop unroll(full)
        for (int r = 0; r < PX; r++) {
          if (r < mr) {
            const v128_t a = wasm_v128_load32_splat(p[r] + ci);
            acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(a, w0));
            if (vectors == 2) acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(a, w1));
          }
        }
      }
    }
  }
  float *o = out + ((b * g->out_h + oh) * g->out_w + ow0) * co_count + co0;
#pragma clang loop unroll(full)
  for (int r = 0; r < PX; r++) {
    if (r < mr) {
      wasm_v128_store(o + r * co_count, acc[r][0]);
      if (vectors == 2) wasm_v128_store(o + r * co_count + 4, acc[r][1]);
    }
  }
}

INLINE void conv_row(const conv_geometry *g, const float *x, const float *w, float *out, const float *zeros, int b, int oh, int co0,
                     const int vectors) {
  int ow = 0;
  for (; ow + PX <= g->out_w; ow += PX) conv_tile(g, x, w, out, zeros, b, oh, ow, co0, PX, vectors);
  switch (g->out_w - ow) {
    case 5: conv_tile(g, x, w, out, zeros, b, oh, ow, co0, 5, vectors); break;
    case 4: conv_tile(g, x, w, out, zeros, b, oh, ow, co0, 4, vectors); break;
    case 3: conv_tile(g, x, w, out, zeros, b, oh, ow, co0, 3, vectors); break;
    case 2: conv_tile(g, x, w, out, zeros, b, oh, ow, co0, 2, vectors); break;
    case 1: conv_tile(g, x, w, out, zeros, b, oh, ow, co0, 1, vectors); break;
    default: break;
  }
}

/*
 * args: x, w, out, zeros (pointers; zeros holds in_c zero floats), then the 13 geometry fields.
 * Needs out_c divisible by 4. Items: co tiles (8 channels, the last one 4 when out_c % 8 == 4) times
 * the batch * out_h output rows.
 */
EXPORT(conv2d)
void conv2d(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *w = (const float *)args[1], *zeros = (const float *)args[3];
  float *out = (float *)args[2];
  const conv_geometry *g = (const conv_geometry *)(args + 4);
  const int rows = g->batch * g->out_h;
  for (int item = begin; item < end; item++) {
    const int tile = item / rows, row = item - tile * rows;
    const int b = row / g->out_h, oh = row - b * g->out_h;
    const int co0 = tile * CO;
    if (g->out_c - co0 >= CO) conv_row(g, x, w, out, zeros, b, oh, co0, 2);
    else conv_row(g, x, w, out, zeros, b, oh, co0, 1);
  }
}
