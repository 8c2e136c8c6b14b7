/*
 * MaxPoolGrad (called by ../src/wasm-kernels/MaxPoolGrad.ts): each window sends its dy to the first
 * position of its maximum, as tfjs' cpu backend does (ties, common after a ReLU, go to the first one;
 * NaN never wins). Four channels at a time keep a running maximum and its position. Items are images
 * of the batch: windows of different images never share an input pixel, so threads never add to the
 * same dx value.
 */
#include "kernels.h"

/* args: x, dy, dx (pointers), then batch, in_h, in_w, channels, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_top, pad_left. */
EXPORT(max_pool_grad)
void max_pool_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *dy = (const float *)args[1];
  float *dx = (float *)args[2];
  const int in_h = args[4], in_w = args[5], c = args[6], out_h = args[7], out_w = args[8];
  const int k_h = args[9], k_w = args[10], s_h = args[11], s_w = args[12], top = args[13], left = args[14];
  for (int b = begin; b < end; b++) {
    const int image = in_h * in_w * c;
    float *dx_b = dx + b * image;
    for (int i = 0; i < image; i++) dx_b[i] = 0;
    for (int oh = 0; oh < out_h; oh++) {
      const int h0 = oh * s_h - top;
      const int h_lo = h0 < 0 ? 0 : h0, h_hi = h0 + k_h > in_h ? in_h : h0 + k_h;
      for (int ow = 0; ow < out_w; ow++) {
        const int w0 = ow * s_w - left;
        const int w_lo = w0 < 0 ? 0 : w0, w_hi = w0 + k_w > in_w ? in_w : w0 + k_w;
        const float *g = dy + ((b * out_h + oh) * out_w + ow) * c;
        int ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t where = wasm_i32x4_splat(-1);
          for (int h = h_lo; h < h_hi; h++) {
            for (int w = w_lo; w < w_hi; w++) {
              const int at = ((b * in_h + h) * in_w + w) * c + ch;
              const v128_t value = wasm_v128_load(x + at);
              const v128_t greater = wasm_f32x4_gt(value, best);
              best = wasm_v128_bitselect(value, best, greater);
              where = wasm_v128_bitselect(wasm_i32x4_splat(at), where, greater);
            }
          }
          const int w0_ = wasm_i32x4_extract_lane(where, 0), w1_ = wasm_i32x4_extract_lane(where, 1);
          const int w2_ = wasm_i32x4_extract_lane(where, 2), w3_ = wasm_i32x4_extract_lane(where, 3);
          if (w0_ >= 0) dx[w0_] += g[ch];
          if (w1_ >= 0) dx[w1_ + 1] += g[ch + 1];
          if (w2_ >= 0) dx[w2_ + 2] += g[ch + 2];
          if (w3_ >= 0) dx[w3_ + 3] += g[ch + 3];
        }
        for (; ch < c; ch++) {
          float best = -__builtin_inff();
          int where = -1;
          for (int h = h_lo; h < h_hi; h++) {
            for (int w = w_lo; w < w_hi; w++) {
              const int at = ((b * in_h + h) * in_w + w) * c + ch;
              if (x[at] > best) {
                best = x[at];
                where = at;
              }
            }
          }
          if (where >= 0) dx[where] += g[ch];
        }
      }
    }
  }
}
