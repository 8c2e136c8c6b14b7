/*
 * Depthwise 2-D convolution with channel multiplier 1, NHWC float32, dilation 1, any stride and
 * padding, and its two gradients (called by ../src/wasm-kernels/DepthwiseConv2dNative.ts and the two
 * DepthwiseConv2dNativeBackprop*.ts; ConvFormer's 7×7 token mixer):
 *
 *   out[b, oh, ow, c] = sum_{kh, kw} x[b, oh*sh + kh - top, ow*sw + kw - left, c] * w[kh, kw, c]
 *   dx[b, ih, iw, c]  = sum over the (kh, kw, oh, ow) with oh*sh + kh - top = ih, ow*sw + kw - left = iw
 *                       of dy[b, oh, ow, c] * w[kh, kw, c]
 *   dw[kh, kw, c]     = sum_{b, oh, ow} x[b, oh*sh + kh - top, ow*sw + kw - left, c] * dy[b, oh, ow, c]
 *
 * 4 channels per SIMD vector (a scalar loop for the last C mod 4). Taps in the padding are skipped.
 * Each output element is summed in one fixed order (taps kh, kw ascending; for dw, pixels b, oh, ow
 * ascending), and items never share an output, so the bits do not depend on the thread count.
 */
#include "kernels.h"

/* Slots 3..14 of each kernel's arguments (after its three pointers). */
typedef struct {
  int32_t batch, in_h, in_w, channels, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_top, pad_left;
} depthwise_geometry;

/* Channels below this count fit dw's per-tap accumulators on the stack (else the caller falls back). */
#define DEPTHWISE_MAX_CHANNELS 8192
/* Filter rows and columns the input gradient's per-tap tables hold (else the caller falls back). */
#define DEPTHWISE_MAX_TAPS 64

/* args: x, w [KH, KW, C], out, geometry. Items: batch × out_h output rows. */
EXPORT(depthwise_conv2d)
void depthwise_conv2d(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *w = (const float *)args[1];
  float *out = (float *)args[2];
  const depthwise_geometry *g = (const depthwise_geometry *)(args + 3);
  const int c_count = g->channels, c4 = c_count & ~3;
  for (int item = begin; item < end; item++) {
    const int b = item / g->out_h, oh = item % g->out_h;
    for (int ow = 0; ow < g->out_w; ow++) {
      float *o = out + ((b * g->out_h + oh) * g->out_w + ow) * c_count;
      for (int c = 0; c < c4; c += 4) {
        v128_t acc = wasm_f32x4_splat(0);
        for (int kh = 0; kh < g->k_h; kh++) {
          const int ih = oh * g->stride_h + kh - g->pad_top;
          if (ih < 0 || ih >= g->in_h) continue;
          for (int kw = 0; kw < g->k_w; kw++) {
            const int iw = ow * g->stride_w + kw - g->pad_left;
            if (iw < 0 || iw >= g->in_w) continue;
            const v128_t xv = wasm_v128_load(x + ((b * g->in_h + ih) * g->in_w + iw) * c_count + c);
            acc = MADD(acc, xv, wasm_v128_load(w + (kh * g->k_w + kw) * c_count + c));
          }
        }
        wasm_v128_store(o + c, acc);
      }
      for (int c = c4; c < c_count; c++) {
        float acc = 0;
        for (int kh = 0; kh < g->k_h; kh++) {
          const int ih = oh * g->stride_h + kh - g->pad_top;
          if (ih < 0 || ih >= g->in_h) continue;
          for (int kw = 0; kw < g->k_w; kw++) {
            const int iw = ow * g->stride_w + kw - g->pad_left;
            if (iw < 0 || iw >= g->in_w) continue;
            acc += x[((b * g->in_h + ih) * g->in_w + iw) * c_count + c] * w[(kh * g->k_w + kw) * c_count + c];
          }
        }
        o[c] = acc;
      }
    }
  }
}

/* The output index o with o*stride + k - pad = i, if it exists in [0, count). */
INLINE int source_index(int i, int k, int pad, int stride, int count) {
  const int t = i + pad - k;
  if (t < 0 || t % stride != 0) return -1;
  const int o = t / stride;
  return o < count ? o : -1;
}

/* args: dy, w [KH, KW, C], dx, geometry (of the forward convolution); k_h, k_w ≤ DEPTHWISE_MAX_TAPS.
 * Items: batch × in_h input rows. The output rows and columns each tap reaches are found once per
 * row and per pixel (not per channel vector). */
EXPORT(depthwise_conv2d_backprop_input)
void depthwise_conv2d_backprop_input(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0], *w = (const float *)args[1];
  float *dx = (float *)args[2];
  const depthwise_geometry *g = (const depthwise_geometry *)(args + 3);
  const int c_count = g->channels, c4 = c_count & ~3;
  int oh_of[DEPTHWISE_MAX_TAPS], ow_of[DEPTHWISE_MAX_TAPS];
  for (int item = begin; item < end; item++) {
    const int b = item / g->in_h, ih = item % g->in_h;
    for (int kh = 0; kh < g->k_h; kh++) oh_of[kh] = source_index(ih, kh, g->pad_top, g->stride_h, g->out_h);
    for (int iw = 0; iw < g->in_w; iw++) {
      for (int kw = 0; kw < g->k_w; kw++) ow_of[kw] = source_index(iw, kw, g->pad_left, g->stride_w, g->out_w);
      float *o = dx + ((b * g->in_h + ih) * g->in_w + iw) * c_count;
      for (int c = 0; c < c4; c += 4) {
        v128_t acc = wasm_f32x4_splat(0);
        for (int kh = 0; kh < g->k_h; kh++) {
          if (oh_of[kh] < 0) continue;
          const float *dy_row = dy + (b * g->out_h + oh_of[kh]) * g->out_w * c_count + c;
          const float *w_row = w + kh * g->k_w * c_count + c;
          for (int kw = 0; kw < g->k_w; kw++) {
            if (ow_of[kw] < 0) continue;
            acc = MADD(acc, wasm_v128_load(dy_row + ow_of[kw] * c_count), wasm_v128_load(w_row + kw * c_count));
          }
        }
        wasm_v128_store(o + c, acc);
      }
      for (int c = c4; c < c_count; c++) {
        float acc = 0;
        for (int kh = 0; kh < g->k_h; kh++) {
          if (oh_of[kh] < 0) continue;
          for (int kw = 0; kw < g->k_w; kw++) {
            if (ow_of[kw] < 0) continue;
            acc += dy[((b * g->out_h + oh_of[kh]) * g->out_w + ow_of[kw]) * c_count + c] * w[(kh * g->k_w + kw) * c_count + c];
          }
        }
        o[c] = acc;
      }
    }
  }
}

/* args: x, dy, dw [KH, KW, C], geometry; channels ≤ DEPTHWISE_MAX_CHANNELS. Items: KH × KW taps. */
EXPORT(depthwise_conv2d_backprop_filter)
void depthwise_conv2d_backprop_filter(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *dy = (const float *)args[1];
  float *dw = (float *)args[2];
  const depthwise_geometry *g = (const depthwise_geometry *)(args + 3);
  const int c_count = g->channels, c4 = c_count & ~3;
  float acc[DEPTHWISE_MAX_CHANNELS] __attribute__((aligned(16)));
  for (int item = begin; item < end; item++) {
    const int kh = item / g->k_w, kw = item % g->k_w;
    for (int c = 0; c < c_count; c++) acc[c] = 0;
    for (int b = 0; b < g->batch; b++) {
      for (int oh = 0; oh < g->out_h; oh++) {
        const int ih = oh * g->stride_h + kh - g->pad_top;
        if (ih < 0 || ih >= g->in_h) continue;
        for (int ow = 0; ow < g->out_w; ow++) {
          const int iw = ow * g->stride_w + kw - g->pad_left;
          if (iw < 0 || iw >= g->in_w) continue;
          const float *xp = x + ((b * g->in_h + ih) * g->in_w + iw) * c_count;
          const float *gp = dy + ((b * g->out_h + oh) * g->out_w + ow) * c_count;
          for (int c = 0; c < c4; c += 4)
            wasm_v128_store(acc + c, MADD(wasm_v128_load(acc + c), wasm_v128_load(xp + c), wasm_v128_load(gp + c)));
          for (int c = c4; c < c_count; c++) acc[c] += xp[c] * gp[c];
        }
      }
    }
    float *o = dw + item * c_count;
    for (int c = 0; c < c_count; c++) o[c] = acc[c];
  }
}
