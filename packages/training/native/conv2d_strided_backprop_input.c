/*
 * The input gradient of a strided convolution (called by ../src/wasm-kernels/StridedConvInputGradient.ts
 * from Conv2DBackpropInput.ts): dx[b, h, w, ci] = Σ over the taps (kh, kw) with (h + pad_top − kh) and
 * (w + pad_left − kw) divisible by the stride, landing on a dy pixel (oh, ow), of dy[b, oh, ow, :] ·
 * W[kh, kw, ci, :]. ConvFormer's 7×7/4 stem, TransUNet's 7×7/2 root and the 3×3/2 downsampling
 * convolutions: the general path ran one XNNPACK convolution per output phase (s² of them) and
 * interleaved them, ~2–4 GFLOP/s on these small channel counts. Here every dx pixel gathers its taps
 * directly: per input channel a 4-lane dot product over the output channels (Co divisible by 4), taps
 * in order kh, kw, lanes added as (l0 + l1) + (l2 + l3). Items are dx rows (batch·in_h); each writes its
 * own row, so the bits do not depend on the thread count.
 */
#include "kernels.h"

/* Input channels whose accumulators fit on the stack (16 bytes each). */
#define MAX_IN_CHANNELS 4096

/* args: dy, w [KH,KW,Ci,Co], dx, batch, in_h, in_w, Ci, out_h, out_w, Co, k_h, k_w, stride_h, stride_w,
   pad_top, pad_left. For few input channels (the stems' 1): a dot product over Co per input channel. */
EXPORT(conv2d_strided_backprop_input)
void conv2d_strided_backprop_input(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0], *w = (const float *)args[1];
  float *dx = (float *)args[2];
  const int in_h = args[4], in_w = args[5], ci = args[6], out_h = args[7], out_w = args[8], co = args[9];
  const int k_h = args[10], k_w = args[11], s_h = args[12], s_w = args[13], top = args[14], left = args[15];
  v128_t acc[MAX_IN_CHANNELS];
  for (int item = begin; item < end; item++) {
    const int b = item / in_h, h = item % in_h;
    /* Taps kh = kh_first, kh_first + s_h, … reach dy rows oh_first, oh_first − 1, …: no division per tap. */
    const int kh_first = (h + top) % s_h, oh_first = (h + top - kh_first) / s_h;
    for (int x = 0; x < in_w; x++) {
      const int kw_first = (x + left) % s_w, ow_first = (x + left - kw_first) / s_w;
      if (ci == 1) {
        /* The stems: one accumulator, kept in a register. */
        v128_t sum = wasm_f32x4_splat(0);
        for (int kh = kh_first, oh = oh_first; kh < k_h && oh >= 0; kh += s_h, oh--) {
          if (oh >= out_h) continue;
          const float *dy_row = dy + ((b * out_h + oh) * out_w) * co;
          for (int kw = kw_first, ow = ow_first; kw < k_w && ow >= 0; kw += s_w, ow--) {
            if (ow >= out_w) continue;
            const float *g = dy_row + ow * co, *filter_row = w + (kh * k_w + kw) * co;
            for (int j = 0; j < co; j += 4) sum = MADD(sum, wasm_v128_load(g + j), wasm_v128_load(filter_row + j));
          }
        }
        dx[((b * in_h + h) * in_w + x)] = (wasm_f32x4_extract_lane(sum, 0) + wasm_f32x4_extract_lane(sum, 1)) + (wasm_f32x4_extract_lane(sum, 2) + wasm_f32x4_extract_lane(sum, 3));
        continue;
      }
      for (int c = 0; c < ci; c++) acc[c] = wasm_f32x4_splat(0);
      for (int kh = kh_first, oh = oh_first; kh < k_h && oh >= 0; kh += s_h, oh--) {
        if (oh >= out_h) continue;
        const float *dy_row = dy + ((b * out_h + oh) * out_w) * co;
        for (int kw = kw_first, ow = ow_first; kw < k_w && ow >= 0; kw += s_w, ow--) {
          if (ow >= out_w) continue;
          const float *g = dy_row + ow * co;
          const float *tap = w + (kh * k_w + kw) * ci * co;
          for (int c = 0; c < ci; c++) {
            const float *filter_row = tap + c * co;
            v128_t sum = acc[c];
            for (int j = 0; j < co; j += 4) sum = MADD(sum, wasm_v128_load(g + j), wasm_v128_load(filter_row + j));
            acc[c] = sum;
          }
        }
      }
      float *out = dx + ((b * in_h + h) * in_w + x) * ci;
      for (int c = 0; c < ci; c++) {
        const v128_t v = acc[c];
        out[c] = (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
      }
    }
  }
}

/* The same gradient vectorised over the input channels (Ci divisible by 4), for wider layers: dx's channels
   in blocks of up to 16 held in 4 SIMD registers, each dy value splatted against a row of the flipped,
   in/out-swapped filter wf [KH,KW,Co,Ci] (flip_filter's output: wf[KH−1−kh, KW−1−kw, co, :] = w[kh, kw, :, co]).
   Per dx value: taps in order kh, kw, then co in order. args as conv2d_strided_backprop_input with wf. */
EXPORT(conv2d_strided_backprop_input_wide)
void conv2d_strided_backprop_input_wide(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0], *wf = (const float *)args[1];
  float *dx = (float *)args[2];
  const int in_h = args[4], in_w = args[5], ci = args[6], out_h = args[7], out_w = args[8], co = args[9];
  const int k_h = args[10], k_w = args[11], s_h = args[12], s_w = args[13], top = args[14], left = args[15];
  for (int item = begin; item < end; item++) {
    const int b = item / in_h, h = item % in_h;
    const int kh_first = (h + top) % s_h, oh_first = (h + top - kh_first) / s_h;
    for (int x = 0; x < in_w; x++) {
      const int kw_first = (x + left) % s_w, ow_first = (x + left - kw_first) / s_w;
      float *out = dx + (((b * in_h + h) * in_w) + x) * ci;
      for (int block = 0; block < ci; block += 16) {
        const int vectors = ci - block >= 16 ? 4 : (ci - block) / 4;
        v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
        for (int kh = kh_first, oh = oh_first; kh < k_h && oh >= 0; kh += s_h, oh--) {
          if (oh >= out_h) continue;
          const float *dy_row = dy + ((b * out_h + oh) * out_w) * co;
          for (int kw = kw_first, ow = ow_first; kw < k_w && ow >= 0; kw += s_w, ow--) {
            if (ow >= out_w) continue;
            const float *g = dy_row + ow * co;
            const float *rows = wf + ((k_h - 1 - kh) * k_w + (k_w - 1 - kw)) * co * ci + block;
            if (vectors == 4) {
              for (int o = 0; o < co; o++) {
                const v128_t d = wasm_f32x4_splat(g[o]);
                const float *r = rows + o * ci;
                a0 = MADD(a0, d, wasm_v128_load(r));
                a1 = MADD(a1, d, wasm_v128_load(r + 4));
                a2 = MADD(a2, d, wasm_v128_load(r + 8));
                a3 = MADD(a3, d, wasm_v128_load(r + 12));
              }
            } else {
              for (int o = 0; o < co; o++) {
                const v128_t d = wasm_f32x4_splat(g[o]);
                const float *r = rows + o * ci;
                a0 = MADD(a0, d, wasm_v128_load(r));
                if (vectors > 1) a1 = MADD(a1, d, wasm_v128_load(r + 4));
                if (vectors > 2) a2 = MADD(a2, d, wasm_v128_load(r + 8));
              }
            }
          }
        }
        wasm_v128_store(out + block, a0);
        if (vectors > 1) wasm_v128_store(out + block + 4, a1);
        if (vectors > 2) wasm_v128_store(out + block + 8, a2);
        if (vectors > 3) wasm_v128_store(out + block + 12, a3);
      }
    }
  }
}
