/*
 * MaxPoolGrad (called by ../src/wasm-kernels/MaxPoolGrad.ts): each window sends its dy to the first
 * position of its maximum, as tfjs' cpu backend does (ties, common after a ReLU, go to the first one;
 * NaN never wins). Four channels at a time keep a running maximum and its position (windows that tile
 * the input write dx directly, see max_pool_grad_tiled). Items are images
 * of the batch: windows of different images never share an input pixel, so threads never add to the
 * same dx value.
 */
#include "kernels.h"

/*
 * Windows that tile the input exactly (stride = window, no padding, channels divisible by 4): each
 * input pixel lies in one window, so dx is written once, window by window — dy + 0 (as the general
 * path's 0 += dy, which turns −0 into +0) at the first maximum, +0 elsewhere — without zeroing dx first
 * or scattering lane by lane.
 */
INLINE void max_pool_grad_tiled(const float *x, const float *dy, float *dx, int in_h, int in_w, int c, int out_h, int out_w, int k_h, int k_w, int begin,
                                int end) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int b = begin; b < end; b++) {
    for (int oh = 0; oh < out_h; oh++) {
      for (int ow = 0; ow < out_w; ow++) {
        const float *g = dy + (((int64_t)b * out_h + oh) * out_w + ow) * c;
        const int64_t corner = (((int64_t)b * in_h + (int64_t)oh * k_h) * in_w + (int64_t)ow * k_w) * c;
        for (int ch = 0; ch < c; ch += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t where = wasm_i32x4_splat(-1);
          int position = 0;
          for (int h = 0; h < k_h; h++) {
            for (int w = 0; w < k_w; w++, position++) {
              const v128_t value = wasm_v128_load(x + corner + ((int64_t)h * in_w + w) * c + ch);
              const v128_t greater = wasm_f32x4_gt(value, best);
              best = wasm_v128_bitselect(value, best, greater);
              where = wasm_v128_bitselect(wasm_i32x4_splat(position), where, greater);
            }
          }
          const v128_t sent = wasm_f32x4_add(zero, wasm_v128_load(g + ch));
          position = 0;
          for (int h = 0; h < k_h; h++) {
            for (int w = 0; w < k_w; w++, position++) {
              wasm_v128_store(dx + corner + ((int64_t)h * in_w + w) * c + ch, wasm_v128_and(sent, wasm_i32x4_eq(where, wasm_i32x4_splat(position))));
            }
          }
        }
      }
    }
  }
}

/* args: x, dy, dx (pointers), then batch, in_h, in_w, channels, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_top, pad_left. */
EXPORT(max_pool_grad)
void max_pool_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *dy = (const float *)args[1];
  float *dx = (float *)args[2];
  const int in_h = args[4], in_w = args[5], c = args[6], out_h = args[7], out_w = args[8];
  const int k_h = args[9], k_w = args[10], s_h = args[11], s_w = args[12], top = args[13], left = args[14];
  if (s_h == k_h && s_w == k_w && top == 0 && left == 0 && out_h * k_h == in_h && out_w * k_w == in_w && c % 4 == 0) {
    max_pool_grad_tiled(x, dy, dx, in_h, in_w, c, out_h, out_w, k_h, k_w, begin, end);
    return;
  }
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
