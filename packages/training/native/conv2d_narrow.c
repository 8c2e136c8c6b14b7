/*
 * Convolutions at a U-Net's two edges, where the general kernels (conv2d.c, conv2d_backprop_filter.c,
 * XNNPACK) spend their time on tile set-up and short loops rather than products: the first layer's 3×3
 * convolution of a one-channel image, and the 1×1 head to a few classes. Each entry is the same sum, in
 * the same order, from the same start, as the kernel it replaces (named per kernel below), so the same
 * bits; items write disjoint outputs, so any split over threads gives the same bits.
 * (Called by ../src/wasm-kernels/Conv2D.ts, FusedConv2D.ts, Conv2DBackpropInput.ts, Conv2DBackpropFilter.ts.)
 */
#include "kernels.h"

/* ---- 3×3, stride 1, one input channel: forward ---- */

/* p + stride, opaque to clang, so the loads' constant offsets fold into them (winograd.h's advance()). */
INLINE const float *step_read(const float *p, int stride) {
  p += stride;
  __asm__("" : "+r"(p));
  return p;
}
INLINE float *step_write(float *p, int stride) {
  p += stride;
  __asm__("" : "+r"(p));
  return p;
}

/*
 * Output row `o` (out_w pixels, co_count apart) of one 4-channel column: per pixel acc = +0, then
 * + x · w for kh in [kl, kr), kw = 0, 1, 2 in order: conv2d.c's order (rows outside the input skipped,
 * columns outside it as zeros). The 9 taps' filter vectors stay in registers while the row is swept two
 * pixels at a time; `xr` holds the 3 input rows padded with zeros, `span` floats apart (pixel ow's taps
 * at xr[kh·span + ow + kw]).
 */
INLINE void single_channel_column(const float *xr, int span, const float *w, int co_count, float *o, int out_w, const int kl, const int kr) {
  v128_t wv[9];
#pragma clang loop unroll(full)
  for (int t = 0; t < 9; t++) wv[t] = (t / 3 >= kl && t / 3 < kr) ? wasm_v128_load(w + t * co_count) : wasm_f32x4_splat(0);
  const float *r[3] = { xr, xr + span, xr + 2 * span };
  float *o1 = o + co_count;
  int ow = 0;
  for (; ow + 2 <= out_w; ow += 2) {
    v128_t a0 = wasm_f32x4_splat(0), a1 = wasm_f32x4_splat(0);
#pragma clang loop unroll(full)
    for (int kh = 0; kh < 3; kh++) {
      if (kh < kl || kh >= kr) continue;
#pragma clang loop unroll(full)
      for (int kw = 0; kw < 3; kw++) {
        a0 = MADD(a0, wasm_v128_load32_splat(r[kh] + kw), wv[3 * kh + kw]);
        a1 = MADD(a1, wasm_v128_load32_splat(r[kh] + kw + 1), wv[3 * kh + kw]);
      }
    }
    wasm_v128_store(o, a0);
    wasm_v128_store(o1, a1);
#pragma clang loop unroll(full)
    for (int kh = 0; kh < 3; kh++) r[kh] = step_read(r[kh], 2);
    o = step_write(o, 2 * co_count);
    o1 = step_write(o1, 2 * co_count);
  }
  if (ow < out_w) {
    v128_t a0 = wasm_f32x4_splat(0);
#pragma clang loop unroll(full)
    for (int kh = 0; kh < 3; kh++) {
      if (kh < kl || kh >= kr) continue;
#pragma clang loop unroll(full)
      for (int kw = 0; kw < 3; kw++) a0 = MADD(a0, wasm_v128_load32_splat(r[kh] + kw), wv[3 * kh + kw]);
    }
    wasm_v128_store(o, a0);
  }
}

INLINE void single_channel_row(const float *xr, int span, const float *w, int co_count, float *o, int out_w, const int kl, const int kr, const int vectors) {
  for (int v = 0; v < vectors; v++) single_channel_column(xr, span, w + 4 * v, co_count, o + 4 * v, out_w, kl, kr);
}

INLINE void single_channel_rows(const float *xr, int span, const float *wk, int co_count, float *o, int out_w, int kl, int kr, const int vectors) {
  switch (kl * 4 + kr) {
    case 3: single_channel_row(xr, span, wk, co_count, o, out_w, 0, 3, vectors); break;
    case 7: single_channel_row(xr, span, wk, co_count, o, out_w, 1, 3, vectors); break;
    case 2: single_channel_row(xr, span, wk, co_count, o, out_w, 0, 2, vectors); break;
    case 1: single_channel_row(xr, span, wk, co_count, o, out_w, 0, 1, vectors); break;
    case 6: single_channel_row(xr, span, wk, co_count, o, out_w, 1, 2, vectors); break;
    case 11: single_channel_row(xr, span, wk, co_count, o, out_w, 2, 3, vectors); break;
    default: /* no input row reaches this output row: +0, as conv2d writes */
      for (int ow = 0; ow < out_w; ow++)
        for (int v = 0; v < vectors; v++) wasm_v128_store(o + ow * co_count + 4 * v, wasm_f32x4_splat(0));
  }
}

/*
 * args: x, w [3,3,1,Co], out, then the 13 conv_geometry slots (in_c 1, k 3×3, stride 1, any padding;
 * Co divisible by 4). Items: ceil(Co/16) channel tiles × batch·out_h rows, as conv2d's, whose bits it
 * computes. Stack: 12·(out_w + 2) bytes.
 */
EXPORT(conv2d_single_channel)
void conv2d_single_channel(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *w = (const float *)args[1];
  float *out = (float *)args[2];
  const conv_geometry *g = (const conv_geometry *)(args + 3);
  const int rows = g->batch * g->out_h, span = g->out_w + 2;
  float xr[3 * span];
  for (int item = begin; item < end; item++) {
    const int tile = item / rows, row = item - tile * rows;
    const int b = row / g->out_h, oh = row - b * g->out_h;
    int kl = g->pad_top - oh, kr = g->in_h + g->pad_top - oh;
    if (kl < 0) kl = 0;
    if (kr > 3) kr = 3;
    for (int kh = kl; kh < kr; kh++) {
      const float *in = x + (b * g->in_h + oh + kh - g->pad_top) * g->in_w;
      for (int j = 0; j < span; j++) {
        const int iw = j - g->pad_left;
        xr[kh * span + j] = iw >= 0 && iw < g->in_w ? in[iw] : 0.0f;
      }
    }
    const int co0 = tile * 16, count = g->out_c - co0 < 16 ? g->out_c - co0 : 16;
    float *o = out + row * g->out_w * g->out_c + co0;
    const float *wt = w + co0;
    switch (count / 4) {
      case 4: single_channel_rows(xr, span, wt, g->out_c, o, g->out_w, kl, kr, 4); break;
      case 3: single_channel_rows(xr, span, wt, g->out_c, o, g->out_w, kl, kr, 3); break;
      case 2: single_channel_rows(xr, span, wt, g->out_c, o, g->out_w, kl, kr, 2); break;
      default: single_channel_rows(xr, span, wt, g->out_c, o, g->out_w, kl, kr, 1); break;
    }
  }
}

/* ---- 3×3, stride 1, one input channel: filter gradient ---- */

/*
 * Adds one pixel's products to the 9 taps' sums of one 4-channel column (dy at `d`): taps of rows
 * [kl, kr), each whose input column ow + kw − pad_left lies inside the input (all of them when
 * `inside`); xr[kh] + kw is the tap's input.
 */
INLINE void single_channel_pixel(v128_t acc[9], const float *const xr[3], const float *d, int ow, int pad_left, int in_w, const int kl, const int kr,
                                 const int inside) {
  const v128_t dv = wasm_v128_load(d);
#pragma clang loop unroll(full)
  for (int kh = 0; kh < 3; kh++) {
    if (kh < kl || kh >= kr) continue;
#pragma clang loop unroll(full)
    for (int kw = 0; kw < 3; kw++) {
      const int iw = ow + kw - pad_left;
      if (inside || (iw >= 0 && iw < in_w)) acc[3 * kh + kw] = MADD(acc[3 * kh + kw], wasm_v128_load32_splat(xr[kh] + kw), dv);
    }
  }
}

/* One output row's pixels in order: edge pixels (some tap column outside the input) tap by tap, the rest unconditionally. */
INLINE void single_channel_grad_row(v128_t acc[9], const float *const xrow[3], const float *d, int co_count, const conv_geometry *g, int first, int last,
                                    const int kl, const int kr) {
  const float *xr[3] = { xrow[0], xrow[1], xrow[2] };
  int ow = 0;
  for (; ow < first && ow < g->out_w; ow++) {
    single_channel_pixel(acc, xr, d, ow, g->pad_left, g->in_w, kl, kr, 0);
    for (int kh = 0; kh < 3; kh++) xr[kh]++;
    d += co_count;
  }
  /* Not unrolled: clang would hoist the next pixel's loads above this one's products, past the registers. */
#pragma clang loop unroll(disable)
  for (; ow <= last; ow++) {
    single_channel_pixel(acc, xr, d, ow, g->pad_left, g->in_w, kl, kr, 1);
    xr[0] = step_read(xr[0], 1);
    xr[1] = step_read(xr[1], 1);
    xr[2] = step_read(xr[2], 1);
    d = step_read(d, co_count);
  }
  for (; ow < g->out_w; ow++) {
    single_channel_pixel(acc, xr, d, ow, g->pad_left, g->in_w, kl, kr, 0);
    for (int kh = 0; kh < 3; kh++) xr[kh]++;
    d += co_count;
  }
}

/*
 * args: x, dy, dw [3,3,1,Co], then the 13 conv_geometry slots (in_c 1, k 3×3, stride 1, any padding; Co
 * divisible by 4). Items: Co/4 channel columns, each one pass over dy with its 9 taps' sums in registers.
 * Each dW entry is +0 plus x·dy over the pixels whose tap input lies inside the input, in order (b, oh,
 * ow): conv2d_backprop_filter's sum, so its bits.
 */
EXPORT(conv2d_single_channel_backprop_filter)
void conv2d_single_channel_backprop_filter(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *dy = (const float *)args[1];
  float *dw = (float *)args[2];
  const conv_geometry *g = (const conv_geometry *)(args + 3);
  const int co_count = g->out_c;
  /* Pixels [first, last] have every tap column inside the input. */
  const int first = g->pad_left > 0 ? g->pad_left : 0;
  const int last = g->in_w - 3 + g->pad_left < g->out_w - 1 ? g->in_w - 3 + g->pad_left : g->out_w - 1;
  for (int item = begin; item < end; item++) {
    const int co0 = 4 * item;
    v128_t acc[9];
#pragma clang loop unroll(full)
    for (int t = 0; t < 9; t++) acc[t] = wasm_f32x4_splat(0);
    for (int b = 0; b < g->batch; b++) {
      for (int oh = 0; oh < g->out_h; oh++) {
        int kl = g->pad_top - oh, kr = g->in_h + g->pad_top - oh;
        if (kl < 0) kl = 0;
        if (kr > 3) kr = 3;
        const float *xrow[3];
        for (int kh = 0; kh < 3; kh++) xrow[kh] = x + (b * g->in_h + oh + kh - g->pad_top) * g->in_w - g->pad_left;
        const float *d = dy + (b * g->out_h + oh) * g->out_w * co_count + co0;
        switch (kl * 4 + kr) {
          case 3: single_channel_grad_row(acc, xrow, d, co_count, g, first, last, 0, 3); break;
          case 7: single_channel_grad_row(acc, xrow, d, co_count, g, first, last, 1, 3); break;
          case 2: single_channel_grad_row(acc, xrow, d, co_count, g, first, last, 0, 2); break;
          case 1: single_channel_grad_row(acc, xrow, d, co_count, g, first, last, 0, 1); break;
          case 6: single_channel_grad_row(acc, xrow, d, co_count, g, first, last, 1, 2); break;
          case 11: single_channel_grad_row(acc, xrow, d, co_count, g, first, last, 2, 3); break;
          default: break; /* no tap row inside the input */
        }
      }
    }
#pragma clang loop unroll(full)
    for (int t = 0; t < 9; t++) wasm_v128_store(dw + t * co_count + co0, acc[t]);
  }
}

/* ---- 1×1 to a few channels (a segmentation head): forward, input gradient, filter gradient ---- */

/* F(args..., co) with co (1..8) a constant, so each output-channel count gets its own unrolled code. */
#define WITH_CHANNELS(co, F, ...)                  \
  switch (co) {                                    \
    case 1: F(__VA_ARGS__, 1); break;              \
    case 2: F(__VA_ARGS__, 2); break;              \
    case 3: F(__VA_ARGS__, 3); break;              \
    case 4: F(__VA_ARGS__, 4); break;              \
    case 5: F(__VA_ARGS__, 5); break;              \
    case 6: F(__VA_ARGS__, 6); break;              \
    case 7: F(__VA_ARGS__, 7); break;              \
    default: F(__VA_ARGS__, 8); break;             \
  }

/* acc[r][v] += a[r·a_stride] · wv[v] for r < mr, v < vectors: one step of a rank-1 update, each a splat once. */
INLINE void rank1_step(v128_t acc[4][4], const float *a, int a_stride, const v128_t wv[4], const int mr, const int vectors) {
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++) {
    if (r < mr) {
      const v128_t s = wasm_v128_load32_splat(a + r * a_stride);
#pragma clang loop unroll(full)
      for (int v = 0; v < 4; v++)
        if (v < vectors) acc[r][v] = MADD(acc[r][v], s, wv[v]);
    }
  }
}

/* The `vectors` (≤ 4) vectors from p into wv. */
INLINE void load_vectors(v128_t wv[4], const float *p, const int vectors) {
#pragma clang loop unroll(full)
  for (int v = 0; v < 4; v++)
    if (v < vectors) wv[v] = wasm_v128_load(p + 4 * v);
}

/* The first n (1..4) lanes of v to o[0 .. n). */
INLINE void store_lanes(float *o, v128_t v, const int n) {
  if (n == 4) wasm_v128_store(o, v);
  if (n == 2 || n == 3) wasm_v128_store64_lane(o, v, 0);
  if (n == 1) wasm_v128_store32_lane(o, v, 0);
  if (n == 3) wasm_v128_store32_lane(o + 2, v, 2);
}

/*
 * mr (1..4) pixels from p of out = bias + x·w with co (1..8) channels in ceil(co/4) vectors: per channel
 * bias (or +0), then + x[k]·w[k] for k = 0 .. ci − 1 in order, XNNPACK's gemm order (what its 1×1
 * convolution computes: the same bits). `wp` is w padded to 8 channels a row, `bp` the padded bias.
 */
INLINE void pointwise_pixels(const float *x, const float *wp, const float *bp, float *out, int p, int ci, const int co, const int mr) {
  const int vectors = co > 4 ? 2 : 1;
  v128_t acc[4][4], bv[4];
  load_vectors(bv, bp, vectors);
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 2; v++)
      if (r < mr && v < vectors) acc[r][v] = bv[v];
  const float *xp = x + p * ci;
  /* Not unrolled: clang would hoist the next step's loads above this one's products, past the registers. */
#pragma clang loop unroll(disable)
  for (int k = 0; k < ci; k++, wp += 8) {
    v128_t wv[4];
    load_vectors(wv, wp, vectors);
    rank1_step(acc, xp + k, ci, wv, mr, vectors);
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++) {
    if (r < mr) {
      store_lanes(out + (p + r) * co, acc[r][0], co < 4 ? co : 4);
      if (co > 4) store_lanes(out + (p + r) * co + 4, acc[r][1], co - 4);
    }
  }
}

enum { POINTWISE_PIXELS = 64 };

INLINE void pointwise_item(const float *x, const float *wp, const float *bp, float *out, int item, int pixels, int ci, const int co) {
  const int p0 = item * POINTWISE_PIXELS, p1 = p0 + POINTWISE_PIXELS < pixels ? p0 + POINTWISE_PIXELS : pixels;
  int p = p0;
  for (; p + 4 <= p1; p += 4) pointwise_pixels(x, wp, bp, out, p, ci, co, 4);
  switch (p1 - p) {
    case 3: pointwise_pixels(x, wp, bp, out, p, ci, co, 3); break;
    case 2: pointwise_pixels(x, wp, bp, out, p, ci, co, 2); break;
    case 1: pointwise_pixels(x, wp, bp, out, p, ci, co, 1); break;
    default: break;
  }
}

/*
 * args: x [pixels, Ci], w [Ci, Co], bias [Co] (0: none, +0 is the start), out [pixels, Co], pixels, Ci
 * (≤ 4096), Co (1..8). Items: groups of 64 pixels. Stack: 32·(Ci + 1) bytes.
 */
EXPORT(conv2d_pointwise)
void conv2d_pointwise(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *w = (const float *)args[1], *bias = (const float *)args[2];
  float *out = (float *)args[3];
  const int pixels = args[4], ci = args[5], co = args[6];
  float wp[8 * ci + 8] __attribute__((aligned(16)));
  float *bp = wp + 8 * ci;
  for (int k = 0; k < ci; k++)
    for (int c = 0; c < 8; c++) wp[8 * k + c] = c < co ? w[k * co + c] : 0.0f;
  for (int c = 0; c < 8; c++) bp[c] = c < co && bias ? bias[c] : 0.0f;
  for (int item = begin; item < end; item++) {
    WITH_CHANNELS(co, pointwise_item, x, wp, bp, out, item, pixels, ci);
  }
}

/*
 * dx [pixels, Ci] = dy [pixels, Co] · wᵀ for a 1×1 convolution's w [Ci, Co], Co = co (1..8) unrolled:
 * per entry +0, then + dy[c]·w[ci, c] for c in order, conv2d.c's order on the flipped filter (its bits).
 * `wt` is wᵀ [Co, Ci]. mr (1, 2) pixels from `d` (dy rows co apart; dx rows ci apart), 4·vectors input
 * channels at a time: each filter vector serves both pixels.
 */
INLINE void pointwise_input_pixels(const float *d, const float *wt, float *o, int ci, const int co, const int mr, const int vectors) {
  v128_t acc[4][4];
#pragma clang loop unroll(full)
  for (int r = 0; r < 2; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++)
      if (r < mr && v < vectors) acc[r][v] = wasm_f32x4_splat(0);
#pragma clang loop unroll(full)
  for (int c = 0; c < 8; c++) {
    if (c < co) {
      v128_t wv[4];
      load_vectors(wv, wt + c * ci, vectors);
      rank1_step(acc, d + c, co, wv, mr, vectors);
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < 2; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++)
      if (r < mr && v < vectors) wasm_v128_store(o + r * ci + 4 * v, acc[r][v]);
}

INLINE void pointwise_input_block(const float *d, const float *wt, float *o, int ci, const int co, const int mr) {
  int c0 = 0;
  for (; c0 + 16 <= ci; c0 += 16) pointwise_input_pixels(d, wt + c0, o + c0, ci, co, mr, 4);
  switch ((ci - c0) / 4) {
    case 3: pointwise_input_pixels(d, wt + c0, o + c0, ci, co, mr, 3); break;
    case 2: pointwise_input_pixels(d, wt + c0, o + c0, ci, co, mr, 2); break;
    case 1: pointwise_input_pixels(d, wt + c0, o + c0, ci, co, mr, 1); break;
    default: break;
  }
}

INLINE void pointwise_input_item(const float *dy, const float *wt, float *dx, int item, int pixels, int ci, const int co) {
  const int p0 = item * POINTWISE_PIXELS, p1 = p0 + POINTWISE_PIXELS < pixels ? p0 + POINTWISE_PIXELS : pixels;
  int p = p0;
  for (; p + 2 <= p1; p += 2) pointwise_input_block(dy + p * co, wt, dx + p * ci, ci, co, 2);
  if (p < p1) pointwise_input_block(dy + p * co, wt, dx + p * ci, ci, co, 1);
}

/*
 * args: dy [pixels, Co], w [Ci, Co] (the forward 1×1 filter), dx [pixels, Ci], pixels, Ci (divisible by
 * 4, ≤ 4096), Co (1..8). Items: groups of 64 pixels. Stack: 32·Ci bytes.
 */
EXPORT(conv2d_pointwise_backprop_input)
void conv2d_pointwise_backprop_input(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0], *w = (const float *)args[1];
  float *dx = (float *)args[2];
  const int pixels = args[3], ci = args[4], co = args[5];
  float wt[8 * ci] __attribute__((aligned(16)));
  for (int c = 0; c < co; c++)
    for (int k = 0; k < ci; k++) wt[c * ci + k] = w[k * co + c];
  for (int item = begin; item < end; item++) {
    WITH_CHANNELS(co, pointwise_input_item, dy, wt, dx, item, pixels, ci);
  }
}

/*
 * dW[ci, c] += x[p, ci]·dy[p, c] over pixels p in order, for rv (1..4) vectors of 4 input channels from
 * ci0 and co (1..8) channels: rv·co sums in registers, one pass over x and dy. Each entry is +0 plus the
 * products in pixel order: conv2d_backprop_filter's sum (its bits).
 */
INLINE void pointwise_filter_block(const float *x, const float *dy, float *dw, int pixels, int ci, int ci0, const int co, const int rv) {
  v128_t acc[4][8];
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++)
#pragma clang loop unroll(full)
    for (int c = 0; c < 8; c++)
      if (r < rv && c < co) acc[r][c] = wasm_f32x4_splat(0);
  const float *xp = x + ci0, *dp = dy;
  /* Not unrolled: clang would hoist the next pixel's loads above this one's products, past the registers. */
#pragma clang loop unroll(disable)
  for (int p = 0; p < pixels; p++, xp += ci, dp += co) {
    v128_t xv[4];
#pragma clang loop unroll(full)
    for (int r = 0; r < 4; r++)
      if (r < rv) xv[r] = wasm_v128_load(xp + 4 * r);
#pragma clang loop unroll(full)
    for (int c = 0; c < 8; c++) {
      if (c < co) {
        const v128_t a = wasm_v128_load32_splat(dp + c);
#pragma clang loop unroll(full)
        for (int r = 0; r < 4; r++)
          if (r < rv) acc[r][c] = MADD(acc[r][c], xv[r], a);
      }
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++) {
    if (r < rv) {
#pragma clang loop unroll(full)
      for (int c = 0; c < 8; c++) {
        if (c < co) {
          float *o = dw + (ci0 + 4 * r) * co + c;
          wasm_v128_store32_lane(o, acc[r][c], 0);
          wasm_v128_store32_lane(o + co, acc[r][c], 1);
          wasm_v128_store32_lane(o + 2 * co, acc[r][c], 2);
          wasm_v128_store32_lane(o + 3 * co, acc[r][c], 3);
        }
      }
    }
  }
}

/* Input-channel vectors per item for co channels: at most 8–10 sums in registers (more spill). */
#define POINTWISE_FILTER_VECTORS(co) ((co) <= 5 ? 2 : 1)

INLINE void pointwise_filter_item(const float *x, const float *dy, float *dw, int item, int pixels, int ci, const int co) {
  const int rv = POINTWISE_FILTER_VECTORS(co), ci0 = 4 * rv * item, left = (ci - ci0) / 4;
  if (left >= rv) pointwise_filter_block(x, dy, dw, pixels, ci, ci0, co, rv);
  else if (left == 1) pointwise_filter_block(x, dy, dw, pixels, ci, ci0, co, 1);
}

/*
 * args: x [pixels, Ci], dy [pixels, Co], dw [Ci, Co], pixels, Ci (divisible by 4), Co (1..8). Items:
 * groups of 4·POINTWISE_FILTER_VECTORS(Co) input channels (8 up to 5 output channels, else 4; the last
 * group may be 4 short): Conv2DBackpropFilter.ts' pointwiseFilterGroups.
 */
EXPORT(conv2d_pointwise_backprop_filter)
void conv2d_pointwise_backprop_filter(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *dy = (const float *)args[1];
  float *dw = (float *)args[2];
  const int pixels = args[3], ci = args[4], co = args[5];
  for (int item = begin; item < end; item++) {
    WITH_CHANNELS(co, pointwise_filter_item, x, dy, dw, item, pixels, ci);
  }
}
