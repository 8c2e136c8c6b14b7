/*
 * Conv2DBackpropFilter in WebAssembly SIMD128 (called by ../src/wasm-kernels/Conv2DBackpropFilter.ts).
 *
 *   dW[kh, kw, ci, co] = sum_{b, oh, ow} x[b, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[b, oh, ow, co]
 *
 * For one tap (kh, kw) this is a sum of outer products x_p^T dy_p over the pixels p: a GEMM with a long
 * reduction and a small output. A work item is one (tap, ci tile of up to 6, co tile of up to 8); its
 * 6 x 8 accumulators live in 12 SIMD registers while it sweeps a chunk of output rows, so each
 * pixel costs 2 vector loads, 6 splat loads and 12 multiply-adds. Rows are taken in chunks small enough
 * for x and dy to stay in L2 while every item passes over them. Items write disjoint parts of dW, so
 * threads split the item range with no reduction.
 */
#include "kernels.h"

enum { MR = 6, NR = 8 };

typedef conv_geometry geometry;

/* First and last output column whose input column ow*sw + kw - left lies in [0, in_w). */
INLINE void column_range(const geometry *g, int kw, int *lo, int *hi) {
  int first = g->pad_left - kw; /* ow*sw >= first */
  int l = first <= 0 ? 0 : (first + g->stride_w - 1) / g->stride_w;
  int last = g->in_w - 1 + g->pad_left - kw; /* ow*sw <= last */
  int h = last < 0 ? -1 : last / g->stride_w;
  if (h > g->out_w - 1) h = g->out_w - 1;
  *lo = l;
  *hi = h;
}

/*
 * The x and dy pointers of output row `row` (flattened b, oh) for tap (kh, kw) from output column lo,
 * channel offsets ci0 and co0; 0 when the tap's input row lies in the padding.
 */
INLINE int row_pointers(const geometry *g, const float *x, const float *dy, int row, int kh, int kw, int lo, int ci0, int co0,
                        const float **xp, const float **dp) {
  const int b = row / g->out_h, oh = row - b * g->out_h;
  const int ih = oh * g->stride_h + kh - g->pad_top;
  if (ih < 0 || ih >= g->in_h) return 0;
  *xp = x + ((b * g->in_h + ih) * g->in_w + lo * g->stride_w + kw - g->pad_left) * g->in_c + ci0;
  *dp = dy + (row * g->out_w + lo) * g->out_c + co0;
  return 1;
}

/* One item over output rows [row_begin, row_end) of the flattened (b, oh) axis; mr ci x 8 co, vectors. */
INLINE void tile_vec8(const geometry *g, const float *x, const float *dy, float *dw, int kh, int kw, int ci0, int co0,
                      const int mr, int row_begin, int row_end, int first_chunk) {
  v128_t acc[MR][2];
  float *out = dw + ((kh * g->k_w + kw) * g->in_c + ci0) * g->out_c + co0;
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; i++) {
    if (i < mr) {
      acc[i][0] = first_chunk ? wasm_f32x4_splat(0) : wasm_v128_load(out + i * g->out_c);
      acc[i][1] = first_chunk ? wasm_f32x4_splat(0) : wasm_v128_load(out + i * g->out_c + 4);
    }
  }
  int lo, hi;
  column_range(g, kw, &lo, &hi);
  const int n = hi - lo + 1;
  const int x_step = g->stride_w * g->in_c;
  for (int row = row_begin; row < row_end && n > 0; row++) {
    const float *xp, *dp;
    if (!row_pointers(g, x, dy, row, kh, kw, lo, ci0, co0, &xp, &dp)) continue;
    for (int p = 0; p < n; p++) {
      const v128_t d0 = wasm_v128_load(dp), d1 = wasm_v128_load(dp + 4);
#pragma clang loop unroll(full)
      for (int i = 0; i < MR; i++) {
        if (i < mr) {
          const v128_t a = wasm_v128_load32_splat(xp + i);
          acc[i][0] = wasm_f32x4_add(acc[i][0], wasm_f32x4_mul(a, d0));
          acc[i][1] = wasm_f32x4_add(acc[i][1], wasm_f32x4_mul(a, d1));
        }
      }
      xp += x_step;
      dp += g->out_c;
    }
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < MR; i++) {
    if (i < mr) {
      wasm_v128_store(out + i * g->out_c, acc[i][0]);
      wasm_v128_store(out + i * g->out_c + 4, acc[i][1]);
    }
  }
}

/* The same with nr < 8 output channels, one vector of 4 (nr >= 4) plus scalars; rare (heads, odd widths). */
INLINE void tile_narrow(const geometry *g, const float *x, const float *dy, float *dw, int kh, int kw, int ci0, int co0,
                        const int mr, const int nr, int row_begin, int row_end, int first_chunk) {
  v128_t acc[MR];
  float tail[MR][3];
  const int vec = nr >= 4;
  const int rest = nr - 4 * vec;
  float *out = dw + ((kh * g->k_w + kw) * g->in_c + ci0) * g->out_c + co0;
  for (int i = 0; i < mr; i++) {
    acc[i] = first_chunk || !vec ? wasm_f32x4_splat(0) : wasm_v128_load(out + i * g->out_c);
    for (int j = 0; j < 3; j++) tail[i][j] = first_chunk || j >= rest ? 0.0f : out[i * g->out_c + 4 * vec + j];
  }
  int lo, hi;
  column_range(g, kw, &lo, &hi);
  const int n = hi - lo + 1;
  const int x_step = g->stride_w * g->in_c;
  for (int row = row_begin; row < row_end && n > 0; row++) {
    const float *xp, *dp;
    if (!row_pointers(g, x, dy, row, kh, kw, lo, ci0, co0, &xp, &dp)) continue;
    for (int p = 0; p < n; p++) {
      const v128_t d0 = vec ? wasm_v128_load(dp) : wasm_f32x4_splat(0);
      for (int i = 0; i < mr; i++) {
        const float a = xp[i];
        if (vec) acc[i] = wasm_f32x4_add(acc[i], wasm_f32x4_mul(wasm_f32x4_splat(a), d0));
        for (int j = 0; j < rest; j++) tail[i][j] += a * dp[4 * vec + j];
      }
      xp += x_step;
      dp += g->out_c;
    }
  }
  for (int i = 0; i < mr; i++) {
    if (vec) wasm_v128_store(out + i * g->out_c, acc[i]);
    for (int j = 0; j < rest; j++) out[i * g->out_c + 4 * vec + j] = tail[i][j];
  }
}

INLINE void run_item(const geometry *g, const float *x, const float *dy, float *dw, int item, int row_begin, int row_end,
                     int first_chunk) {
  const int ci_tiles = (g->in_c + MR - 1) / MR, co_tiles = (g->out_c + NR - 1) / NR;
  const int co_tile = item % co_tiles;
  const int ci_tile = (item / co_tiles) % ci_tiles;
  const int tap = item / (co_tiles * ci_tiles);
  const int kh = tap / g->k_w, kw = tap - kh * g->k_w;
  const int ci0 = ci_tile * MR, co0 = co_tile * NR;
  const int mr = g->in_c - ci0 < MR ? g->in_c - ci0 : MR;
  const int nr = g->out_c - co0 < NR ? g->out_c - co0 : NR;
  if (nr == NR) {
    switch (mr) {
      case 6: tile_vec8(g, x, dy, dw, kh, kw, ci0, co0, 6, row_begin, row_end, first_chunk); break;
      case 5: tile_vec8(g, x, dy, dw, kh, kw, ci0, co0, 5, row_begin, row_end, first_chunk); break;
      case 4: tile_vec8(g, x, dy, dw, kh, kw, ci0, co0, 4, row_begin, row_end, first_chunk); break;
      case 3: tile_vec8(g, x, dy, dw, kh, kw, ci0, co0, 3, row_begin, row_end, first_chunk); break;
      case 2: tile_vec8(g, x, dy, dw, kh, kw, ci0, co0, 2, row_begin, row_end, first_chunk); break;
      default: tile_vec8(g, x, dy, dw, kh, kw, ci0, co0, 1, row_begin, row_end, first_chunk); break;
    }
  } else {
    tile_narrow(g, x, dy, dw, kh, kw, ci0, co0, mr, nr, row_begin, row_end, first_chunk);
  }
}

/* Work items of a geometry: taps x ci tiles x co tiles (what callers split among threads). */
EXPORT(conv2d_backprop_filter_items)
int32_t conv2d_backprop_filter_items(const int32_t *args) {
  const geometry *g = (const geometry *)(args + 3);
  return g->k_h * g->k_w * ((g->in_c + MR - 1) / MR) * ((g->out_c + NR - 1) / NR);
}

/*
 * args: x, dy, dw (pointers), then the 13 geometry fields. Computes (overwrites) the dW entries of
 * items [begin, end). x: [B, H, W, Ci], dy: [B, OH, OW, Co], dw: [KH, KW, Ci, Co], float32 NHWC.
 */
EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *dy = (const float *)args[1];
  float *dw = (float *)args[2];
  const geometry *g = (const geometry *)(args + 3);
  const int rows = g->batch * g->out_h;
  /* Chunk rows so that the dy rows and the input rows they reach stay near 192 KiB (L2-resident). */
  const int bytes_per_row = 4 * (g->out_w * g->out_c + (g->stride_h + g->k_h - 1) * g->in_w * g->in_c);
  int chunk = (192 * 1024) / (bytes_per_row > 0 ? bytes_per_row : 1);
  if (chunk < 1) chunk = 1;
  if (rows == 0) {
    for (int item = begin; item < end; item++) run_item(g, x, dy, dw, item, 0, 0, 1);
    return;
  }
  for (int row = 0; row < rows; row += chunk) {
    const int stop = row + chunk < rows ? row + chunk : rows;
    for (int item = begin; item < end; item++) run_item(g, x, dy, dw, item, row, stop, row == 0);
  }
}
