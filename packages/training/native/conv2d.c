/*
 * Forward 2-D convolution, NHWC float32, dilation 1, any stride and any signed padding (called by
 * ../src/wasm-kernels/Conv2D.ts, and by Conv2DBackpropInput.ts with the flipped, swapped filter):
 *
 *   out[b, oh, ow, co] = sum_{kh, kw, ci} x[b, oh*sh + kh - top, ow*sw + kw - left, ci] * w[kh, kw, ci, co]
 *
 * A tile is 2 neighbouring output pixels of one row x 16 output channels (or 4 x 8, 4 x 4): at most
 * 8 SIMD accumulators, since more spill out of V8's 15 SIMD registers; per (tap, ci) it loads the
 * filter vectors and one splatted input per pixel. Pixels whose input falls in the padding read from a
 * zero row instead (no per-element branch). Items are (co tile of 16, output row) pairs, co tile
 * outermost, so a thread's items share the filter block in cache.
 */
#include "kernels.h"

enum { CO = 16 };

/*
 * The filter as a kernel call holds it: w [KH, KW, Ci, Co] as it lies (packed 0), or packed by
 * pack_filter into [Co/16][KH·KW·Ci][16] (packed 1), so that a 16-channel tile's rows are contiguous
 * instead of Co floats apart (for wide layers, 2 KiB apart: every row in the same few L1 sets). Either
 * way each product and its order are the same.
 */
typedef struct {
  const float *w;
  int packed;
} conv_filter;

/* A tile's view of the filter: the weights of channel co0 at reduction index k lie at w + k * stride. */
typedef struct {
  const float *w;
  int stride;
} filter_view;

INLINE filter_view filter_at(const conv_geometry *g, const conv_filter *filter, int co0) {
  const int k = g->k_h * g->k_w * g->in_c;
  filter_view f = { filter->w + co0, g->out_c };
  if (filter->packed) {
    f.w = filter->w + (co0 / CO) * k * CO + co0 % CO;
    f.stride = CO;
  }
  return f;
}

/*
 * acc[r] += sum over j < n of p[r][j] * wp[j * co_count + 4 v] for the tile's mr pixels: a run of the
 * reduction (input channels of one tap, or of several neighbouring taps where they lie contiguously).
 */
INLINE void reduce_run(v128_t acc[4][4], const float *const p[4], const float *wp, int n, int co_count, const int mr, const int vectors) {
  /* Not unrolled: clang would hoist the next step's loads above this one's products, past the registers. */
#pragma clang loop unroll(disable)
  for (int j = 0; j < n; j++, wp += co_count) {
    v128_t wv[4];
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) wv[v] = v < vectors ? wasm_v128_load(wp + 4 * v) : wasm_f32x4_splat(0);
#pragma clang loop unroll(full)
    for (int r = 0; r < 4; r++) {
      if (r < mr) {
        const v128_t a = wasm_v128_load32_splat(p[r] + j);
#pragma clang loop unroll(full)
        for (int v = 0; v < 4; v++)
          if (v < vectors) acc[r][v] = MADD(acc[r][v], a, wv[v]);
      }
    }
  }
}

/*
 * mr pixels from ow0 of output row (b, oh); channels co0 .. co0 + 4*vectors. Where all the tile's taps
 * of a filter row lie inside the input row, a pixel's k_w taps are k_w * in_c contiguous floats (as are
 * their filter rows), so they are one run of the reduction: the same products in the same order as tap
 * by tap, with a third of the loop overheads for a 3x3 first layer's single input channel.
 */
INLINE void conv_tile(const conv_geometry *g, const float *x, const filter_view *f, float *out, const float *zeros, int seg, const int offset[4],
                      int b, int oh, int ow0, const int mr, const int vectors) {
  v128_t acc[4][4];
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) acc[r][v] = wasm_f32x4_splat(0);
  const int ci_count = g->in_c, co_count = g->out_c;
  const int first_iw = ow0 * g->stride_w - g->pad_left, last_iw = (ow0 + mr - 1) * g->stride_w + g->k_w - 1 - g->pad_left;
  const int inside = first_iw >= 0 && last_iw < g->in_w;
  for (int kh = 0; kh < g->k_h; kh++) {
    const int ih = oh * g->stride_h + kh - g->pad_top;
    if (ih < 0 || ih >= g->in_h) continue;
    const float *row = x + (b * g->in_h + ih) * g->in_w * ci_count;
    if (inside) {
      const float *p[4];
#pragma clang loop unroll(full)
      for (int r = 0; r < 4; r++) p[r] = row + (first_iw + r * g->stride_w) * ci_count;
      reduce_run(acc, p, f->w + kh * g->k_w * ci_count * f->stride, g->k_w * ci_count, f->stride, mr, vectors);
      continue;
    }
    for (int kw = 0; kw < g->k_w; kw++) {
      const float *p[4];
#pragma clang loop unroll(full)
      for (int r = 0; r < 4; r++) {
        const int iw = (ow0 + r) * g->stride_w + kw - g->pad_left;
        p[r] = (r < mr && iw >= 0 && iw < g->in_w) ? row + iw * ci_count : zeros;
      }
      reduce_run(acc, p, f->w + (kh * g->k_w + kw) * ci_count * f->stride, ci_count, f->stride, mr, vectors);
    }
  }
  float *o = out + (b * g->out_h + oh) * g->out_w * co_count + ow0 * seg;
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++)
      if (r < mr && v < vectors) wasm_v128_store(o + r * seg + offset[v], acc[r][v]);
}

/* One output row's channels co0 .. co0 + 4*vectors, in tiles of 2 pixels (4 vectors) or 4 pixels. */
INLINE void conv_row(const conv_geometry *g, const float *x, const conv_filter *filter, float *out, const float *zeros, int seg, int b, int oh, int co0,
                     const int vectors) {
  const int px = vectors == 4 ? 2 : 4;
  /*
   * Channel c of pixel ow lies at ow * seg + (c / seg) * out_w * seg + c % seg of the output row (seg =
   * out_c: plain NHWC): the tile's vectors' offsets, once per row rather than per tile (divisions).
   */
  int offset[4];
  for (int v = 0; v < 4; v++) {
    const int c = co0 + 4 * v;
    offset[v] = (c / seg) * g->out_w * seg + c % seg;
  }
  const filter_view f = filter_at(g, filter, co0);
  int ow = 0;
  for (; ow + px <= g->out_w; ow += px) conv_tile(g, x, &f, out, zeros, seg, offset, b, oh, ow, px, vectors);
  if (g->out_w - ow == 1) conv_tile(g, x, &f, out, zeros, seg, offset, b, oh, ow, 1, vectors);
  else if (px == 4 && g->out_w - ow == 2) conv_tile(g, x, &f, out, zeros, seg, offset, b, oh, ow, 2, vectors);
  else if (px == 4 && g->out_w - ow == 3) conv_tile(g, x, &f, out, zeros, seg, offset, b, oh, ow, 3, vectors);
}

/*
 * args: x, w, out, zeros (pointers; zeros holds in_c zero floats), then the 13 geometry fields, then
 * seg: out_c for a plain NHWC output; a divisor of out_c to write each pixel's channels as out_c / seg
 * runs of seg, run k at row k of a block of rows out_w * seg long (a 2x2/2 transposed convolution's
 * product dy . W^T as [kh][kw, ci] goes straight into dx: seg = kw * ci). Needs out_c and seg divisible
 * by 4. Items: co tiles (16 channels, the last one 4, 8 or 12 when out_c % 16 is) times the batch *
 * out_h output rows.
 */
INLINE void conv2d_items(const conv_geometry *g, const float *x, const conv_filter *filter, float *out, const float *zeros, int seg, int32_t begin, int32_t end) {
  const int rows = g->batch * g->out_h;
  for (int item = begin; item < end; item++) {
    const int tile = item / rows, row = item - tile * rows;
    const int b = row / g->out_h, oh = row - b * g->out_h;
    int co0 = tile * CO;
    const int left = g->out_c - co0;
    if (left >= 16) {
      /*
       * Rows of at most 4 pixels (4×4 maps): 4 pixels × 8 channels, twice, uses each filter vector for
       * 4 pixels instead of 2; their filters (128 → 256 channels and up) stream from L3.
       */
      if (g->out_w <= 4)
        for (int half = 0; half < 2; half++) conv_row(g, x, filter, out, zeros, seg, b, oh, co0 + 8 * half, 2);
      else
        conv_row(g, x, filter, out, zeros, seg, b, oh, co0, 4);
      continue;
    }
    if (left >= 8) {
      conv_row(g, x, filter, out, zeros, seg, b, oh, co0, 2);
      co0 += 8;
    }
    if (left % 8 == 4) conv_row(g, x, filter, out, zeros, seg, b, oh, co0, 1);
  }
}

EXPORT(conv2d)
void conv2d(const int32_t *args, int32_t begin, int32_t end) {
  const conv_filter filter = { (const float *)args[1], 0 };
  conv2d_items((const conv_geometry *)(args + 4), (const float *)args[0], &filter, (float *)args[2], (const float *)args[3], args[17], begin, end);
}

/*
 * conv2d from pack_filter's packed filter: args as conv2d's, 1 the packed filter, out_c divisible by 16.
 * The same products in the same order as conv2d's.
 */
EXPORT(conv2d_packed)
void conv2d_packed(const int32_t *args, int32_t begin, int32_t end) {
  const conv_filter filter = { (const float *)args[1], 1 };
  conv2d_items((const conv_geometry *)(args + 4), (const float *)args[0], &filter, (float *)args[2], (const float *)args[3], args[17], begin, end);
}

/*
 * conv2d_packed's filter: w as K × N (layout 0: w [K, N], a HWIO filter with K = KH·KW·Ci; layout 1: w
 * [N, K], its transpose) into packed [N/16][K][16]. args: w, packed, K, N (divisible by 16), layout.
 * Items: N/16 tiles. A copy: the same bits for any split.
 */
EXPORT(pack_filter)
void pack_filter(const int32_t *args, int32_t begin, int32_t end) {
  const float *w = (const float *)args[0];
  float *packed = (float *)args[1];
  const int k_count = args[2], n_count = args[3], layout = args[4];
  for (int tile = begin; tile < end; tile++) {
    float *target = packed + tile * k_count * CO;
    if (layout == 0) {
      const float *source = w + tile * CO;
      for (int k = 0; k < k_count; k++)
#pragma clang loop unroll(full)
        for (int v = 0; v < 4; v++) wasm_v128_store(target + k * CO + 4 * v, wasm_v128_load(source + k * n_count + 4 * v));
    } else {
      for (int l = 0; l < CO; l++) {
        const float *source = w + (tile * CO + l) * k_count;
        for (int k = 0; k < k_count; k++) target[k * CO + l] = source[k];
      }
    }
  }
}
