/*
 * Conv2DBackpropFilter in WebAssembly SIMD128 (called by ../src/wasm-kernels/Conv2DBackpropFilter.ts).
 *
 *   dW[kh, kw, ci, co] = sum_{b, oh, ow} x[b, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[b, oh, ow, co]
 *
 * For one tap (kh, kw) this is a sum of outer products x_p^T dy_p over the pixels p: a GEMM with a long
 * reduction and a small output. A work item is one (tap, ci tile of up to 4, co tile of up to 16),
 * swept as 2 ci x 16 co (or 4 ci x 8 co, 4 ci x 4 co) accumulators in 8 SIMD registers over a chunk
 * of output rows, so each pixel costs 4 vector loads, 2 splat loads and 8 multiply-adds. Rows are taken in chunks small enough
 * for x and dy to stay in L2 while every item passes over them. Items write disjoint parts of dW, so
 * threads split the item range with no reduction.
 */
#include "kernels.h"

/* An item's ci x co tile (see run_item for how it is swept). */
enum { MR = 4, NR = 16 };

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

/*
 * Part of an item over output rows [row_begin, row_end) of the flattened (b, oh) axis: mr ci x 4 vectors
 * co, at most 8 accumulators (2 x 4, 4 x 2 or 4 x 1): more spill out of V8's 15 SIMD registers.
 */
INLINE void tile_vectors(const geometry *g, const float *x, const float *dy, float *dw, int kh, int kw, int ci0, int co0,
                         const int mr, const int vectors, int row_begin, int row_end, int first_chunk) {
  v128_t acc[4][4];
  float *out = dw + ((kh * g->k_w + kw) * g->in_c + ci0) * g->out_c + co0;
#pragma clang loop unroll(full)
  for (int i = 0; i < 4; i++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) acc[i][v] = i < mr && v < vectors && !first_chunk ? wasm_v128_load(out + i * g->out_c + 4 * v) : wasm_f32x4_splat(0);
  int lo, hi;
  column_range(g, kw, &lo, &hi);
  const int n = hi - lo + 1;
  const int x_step = g->stride_w * g->in_c;
  for (int row = row_begin; row < row_end && n > 0; row++) {
    const float *xp, *dp;
    if (!row_pointers(g, x, dy, row, kh, kw, lo, ci0, co0, &xp, &dp)) continue;
    /* Not unrolled: clang would hoist the next pixel's loads above this one's products, past the registers. */
#pragma clang loop unroll(disable)
    for (int p = 0; p < n; p++) {
      v128_t d[4];
#pragma clang loop unroll(full)
      for (int v = 0; v < 4; v++) d[v] = v < vectors ? wasm_v128_load(dp + 4 * v) : wasm_f32x4_splat(0);
#pragma clang loop unroll(full)
      for (int i = 0; i < 4; i++) {
        if (i < mr) {
          const v128_t a = wasm_v128_load32_splat(xp + i);
#pragma clang loop unroll(full)
          for (int v = 0; v < 4; v++)
            if (v < vectors) acc[i][v] = MADD(acc[i][v], a, d[v]);
        }
      }
      xp += x_step;
      dp += g->out_c;
    }
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < 4; i++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++)
      if (i < mr && v < vectors) wasm_v128_store(out + i * g->out_c + 4 * v, acc[i][v]);
}

/* tile_vectors with a constant mr (1 .. 4) for the compiler. */
INLINE void tile_rows(const geometry *g, const float *x, const float *dy, float *dw, int kh, int kw, int ci0, int co0, int mr,
                      const int vectors, int row_begin, int row_end, int first_chunk) {
  switch (mr) {
    case 4: tile_vectors(g, x, dy, dw, kh, kw, ci0, co0, 4, vectors, row_begin, row_end, first_chunk); break;
    case 3: tile_vectors(g, x, dy, dw, kh, kw, ci0, co0, 3, vectors, row_begin, row_end, first_chunk); break;
    case 2: tile_vectors(g, x, dy, dw, kh, kw, ci0, co0, 2, vectors, row_begin, row_end, first_chunk); break;
    default: tile_vectors(g, x, dy, dw, kh, kw, ci0, co0, 1, vectors, row_begin, row_end, first_chunk); break;
  }
}

/* The last nr < 4 output channels when out_c is not divisible by 4 (heads, odd widths), in scalars. */
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
        if (vec) acc[i] = MADD(acc[i], wasm_f32x4_splat(a), d0);
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

/*
 * The last nr < 4 output channels when out_c is not divisible by 4 (heads, odd widths), for 4 input
 * channels: one vector of 4 ci per output channel, a splat of dy per pixel. Each entry is the same sum
 * over the pixels in the same order as tile_narrow's scalars, so the same bits, at a fraction of the
 * instructions (the U-Net head's 1×1, 16 → 2 gradient at 128², batch 4: 3.9 → 0.41 ms on one thread).
 */
INLINE void tile_narrow_vectors(const geometry *g, const float *x, const float *dy, float *dw, int kh, int kw, int ci0, int co0,
                                const int nr, int row_begin, int row_end, int first_chunk) {
  v128_t acc[3];
  float *out = dw + ((kh * g->k_w + kw) * g->in_c + ci0) * g->out_c + co0;
#pragma clang loop unroll(full)
  for (int j = 0; j < 3; j++) {
    if (j < nr) {
      acc[j] = first_chunk ? wasm_f32x4_splat(0)
                           : wasm_f32x4_make(out[j], out[g->out_c + j], out[2 * g->out_c + j], out[3 * g->out_c + j]);
    }
  }
  int lo, hi;
  column_range(g, kw, &lo, &hi);
  const int n = hi - lo + 1;
  const int x_step = g->stride_w * g->in_c;
  for (int row = row_begin; row < row_end && n > 0; row++) {
    const float *xp, *dp;
    if (!row_pointers(g, x, dy, row, kh, kw, lo, ci0, co0, &xp, &dp)) continue;
#pragma clang loop unroll(disable)
    for (int p = 0; p < n; p++) {
      const v128_t a = wasm_v128_load(xp);
#pragma clang loop unroll(full)
      for (int j = 0; j < 3; j++)
        if (j < nr) acc[j] = MADD(acc[j], a, wasm_v128_load32_splat(dp + j));
      xp += x_step;
      dp += g->out_c;
    }
  }
#pragma clang loop unroll(full)
  for (int j = 0; j < 3; j++) {
    if (j < nr) {
      out[j] = wasm_f32x4_extract_lane(acc[j], 0);
      out[g->out_c + j] = wasm_f32x4_extract_lane(acc[j], 1);
      out[2 * g->out_c + j] = wasm_f32x4_extract_lane(acc[j], 2);
      out[3 * g->out_c + j] = wasm_f32x4_extract_lane(acc[j], 3);
    }
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
  int co = co0, nr = g->out_c - co0 < NR ? g->out_c - co0 : NR;
  if (nr == 16) {
    /* 2 ci x 16 co at a time. */
    for (int i = 0; i < mr; i += 2) tile_rows(g, x, dy, dw, kh, kw, ci0 + i, co, mr - i < 2 ? mr - i : 2, 4, row_begin, row_end, first_chunk);
    return;
  }
  if (nr >= 8) {
    tile_rows(g, x, dy, dw, kh, kw, ci0, co, mr, 2, row_begin, row_end, first_chunk);
    co += 8;
    nr -= 8;
  }
  if (nr >= 4) {
    tile_rows(g, x, dy, dw, kh, kw, ci0, co, mr, 1, row_begin, row_end, first_chunk);
    co += 4;
    nr -= 4;
  }
  if (nr > 0 && mr == 4) {
    switch (nr) {
      case 3: tile_narrow_vectors(g, x, dy, dw, kh, kw, ci0, co, 3, row_begin, row_end, first_chunk); break;
      case 2: tile_narrow_vectors(g, x, dy, dw, kh, kw, ci0, co, 2, row_begin, row_end, first_chunk); break;
      default: tile_narrow_vectors(g, x, dy, dw, kh, kw, ci0, co, 1, row_begin, row_end, first_chunk); break;
    }
  } else if (nr > 0) {
    tile_narrow(g, x, dy, dw, kh, kw, ci0, co, mr, nr, row_begin, row_end, first_chunk);
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

/*
 * The same gradient from packed copies, for input and output channels divisible by 16 whose rows lie far
 * apart (Conv2DBackpropFilter.ts chooses): a work item is one (tap, 16 ci, 16 co) block. It copies the x
 * and dy rows of up to PACK_PIXELS of the tap's pixels (those whose input pixel lies inside the image, in
 * order b, oh, ow) into two contiguous [pixels][16] buffers on the stack, sweeps them as 8 tiles of 2 ci
 * x 16 co in 8 SIMD registers, and goes on with the next pixels. The strided reads of x and dy (1 KiB
 * apart for 256 channels, which puts every pixel's row in the same few L1 sets) happen once per item and
 * chunk instead of once per product tile, and the products read L1. Each entry is the same sum, over the
 * same pixels in the same order, from +0, as conv2d_backprop_filter's, so the bits are the same.
 */
enum { PACK_PIXELS = 128, PACK = 16 };

/* out[0 .. 2][0 .. 16) (rows out_c apart) += sum over `count` packed pixels of xs[p][0 .. 2] ds[p][0 .. 16); from +0 when `fresh`. */
INLINE void packed_tile(const float *xs, const float *ds, int count, float *out, int out_c, int fresh) {
  v128_t acc[2][4];
#pragma clang loop unroll(full)
  for (int i = 0; i < 2; i++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) acc[i][v] = fresh ? wasm_f32x4_splat(0) : wasm_v128_load(out + i * out_c + 4 * v);
  /* Not unrolled: clang would hoist the next pixel's loads above this one's products, past the registers. */
#pragma clang loop unroll(disable)
  for (int p = 0; p < count; p++, xs += PACK, ds += PACK) {
    v128_t d[4];
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) d[v] = wasm_v128_load(ds + 4 * v);
#pragma clang loop unroll(full)
    for (int i = 0; i < 2; i++) {
      const v128_t a = wasm_v128_load32_splat(xs + i);
#pragma clang loop unroll(full)
      for (int v = 0; v < 4; v++) acc[i][v] = MADD(acc[i][v], a, d[v]);
    }
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < 2; i++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) wasm_v128_store(out + i * out_c + 4 * v, acc[i][v]);
}

/* out[0 .. 16)[0 .. 16) (rows out_c apart) = +0: the gradient of a tap no pixel reaches, as the direct kernel writes it. */
INLINE void zero_tile(float *out, int out_c) {
  for (int i = 0; i < PACK; i++)
    for (int v = 0; v < 4; v++) wasm_v128_store(out + i * out_c + 4 * v, wasm_f32x4_splat(0));
}

/* 16 floats from `from` to `to`. */
INLINE void copy16(float *to, const float *from) {
#pragma clang loop unroll(full)
  for (int v = 0; v < 4; v++) wasm_v128_store(to + 4 * v, wasm_v128_load(from + 4 * v));
}

/* args as conv2d_backprop_filter's; in_c and out_c divisible by 16. Items: taps x in_c / 16 x out_c / 16. */
EXPORT(conv2d_backprop_filter_packed)
void conv2d_backprop_filter_packed(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *dy = (const float *)args[1];
  float *dw = (float *)args[2];
  const geometry *g = (const geometry *)(args + 3);
  const int ci_tiles = g->in_c / PACK, co_tiles = g->out_c / PACK, rows = g->batch * g->out_h;
  float xs[PACK_PIXELS * PACK] __attribute__((aligned(16)));
  float ds[PACK_PIXELS * PACK] __attribute__((aligned(16)));
  for (int item = begin; item < end; item++) {
    const int co_tile = item % co_tiles, ci_tile = (item / co_tiles) % ci_tiles, tap = item / (co_tiles * ci_tiles);
    const int kh = tap / g->k_w, kw = tap - kh * g->k_w, ci0 = ci_tile * PACK, co0 = co_tile * PACK;
    float *out = dw + ((kh * g->k_w + kw) * g->in_c + ci0) * g->out_c + co0;
    int lo, hi;
    column_range(g, kw, &lo, &hi);
    const int n = hi - lo + 1, x_step = g->stride_w * g->in_c;
    /* The next pixel to pack: row `row` (flattened b, oh), column lo + column. */
    int row = 0, column = 0, fresh = 1;
    for (;;) {
      int count = 0;
      while (count < PACK_PIXELS && row < rows && n > 0) {
        const float *xp, *dp;
        if (!row_pointers(g, x, dy, row, kh, kw, lo + column, ci0, co0, &xp, &dp)) {
          row++;
          continue;
        }
        const int take = n - column < PACK_PIXELS - count ? n - column : PACK_PIXELS - count;
        for (int p = 0; p < take; p++, xp += x_step, dp += g->out_c) {
          copy16(xs + (count + p) * PACK, xp);
          copy16(ds + (count + p) * PACK, dp);
        }
        count += take;
        column += take;
        if (column == n) {
          column = 0;
          row++;
        }
      }
      if (count == 0) break;
      for (int i = 0; i < PACK; i += 2) packed_tile(xs + i, ds, count, out + i * g->out_c, g->out_c, fresh);
      fresh = 0;
    }
    /* No pixel reaches this tap (it lies in the padding). */
    if (fresh) zero_tile(out, g->out_c);
  }
}

/*
 * The filter gradient of a tiling convolution (kernel = stride, nothing padded: the U-Net's 2×2/2
 * transposed convolutions), in and out channels divisible by 16, in two passes. Every tap reaches every
 * output pixel, each input pixel once, so conv2d_backprop_filter_tiling_pack copies x and dy once into
 * 16-channel panels, xs [taps][Ci/16][pixels][16] and ds [Co/16][pixels][16] (pixels in order b, oh, ow);
 * conv2d_backprop_filter_tiling then sweeps them as conv2d_backprop_filter_packed sweeps its stack copies,
 * which it fills again for every (tap, Ci/16, Co/16) item: Co/16 copies of x and taps·Ci/16 of dy per call
 * (a quarter of the time at 8², 128 → 256). Each entry is the same sum over the same pixels in the same
 * order, from +0, in the same tiles, so the bits are conv2d_backprop_filter_packed's (and
 * conv2d_backprop_filter's).
 */

/* args: x, dy, xs, ds (pointers), then the 13 geometry fields. Items: batch·out_h output rows. */
EXPORT(conv2d_backprop_filter_tiling_pack)
void conv2d_backprop_filter_tiling_pack(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *dy = (const float *)args[1];
  float *xs = (float *)args[2], *ds = (float *)args[3];
  const geometry *g = (const geometry *)(args + 4);
  const int pixels = g->batch * g->out_h * g->out_w, ci_tiles = g->in_c / PACK, co_tiles = g->out_c / PACK;
  for (int row = begin; row < end; row++) {
    const int b = row / g->out_h, oh = row - b * g->out_h;
    for (int ow = 0; ow < g->out_w; ow++) {
      const int p = row * g->out_w + ow;
      const float *d = dy + (int64_t)p * g->out_c;
      for (int t = 0; t < co_tiles; t++) copy16(ds + ((int64_t)t * pixels + p) * PACK, d + t * PACK);
      for (int kh = 0; kh < g->k_h; kh++) {
        for (int kw = 0; kw < g->k_w; kw++) {
          const float *source = x + ((int64_t)(b * g->in_h + oh * g->stride_h + kh) * g->in_w + ow * g->stride_w + kw) * g->in_c;
          float *target = xs + (int64_t)(kh * g->k_w + kw) * ci_tiles * pixels * PACK;
          for (int t = 0; t < ci_tiles; t++) copy16(target + ((int64_t)t * pixels + p) * PACK, source + t * PACK);
        }
      }
    }
  }
}

/* args: xs, ds (from conv2d_backprop_filter_tiling_pack), dw, then the 13 geometry fields. Items: taps × Ci/16 × Co/16. */
EXPORT(conv2d_backprop_filter_tiling)
void conv2d_backprop_filter_tiling(const int32_t *args, int32_t begin, int32_t end) {
  const float *xs = (const float *)args[0], *ds = (const float *)args[1];
  float *dw = (float *)args[2];
  const geometry *g = (const geometry *)(args + 3);
  const int pixels = g->batch * g->out_h * g->out_w, ci_tiles = g->in_c / PACK, co_tiles = g->out_c / PACK;
  for (int item = begin; item < end; item++) {
    const int co_tile = item % co_tiles, ci_tile = (item / co_tiles) % ci_tiles, tap = item / (co_tiles * ci_tiles);
    float *out = dw + ((int64_t)tap * g->in_c + ci_tile * PACK) * g->out_c + co_tile * PACK;
    const float *x_panel = xs + ((int64_t)tap * ci_tiles + ci_tile) * pixels * PACK;
    const float *d_panel = ds + (int64_t)co_tile * pixels * PACK;
    /* Chunks of PACK_PIXELS pixels, as the packed kernel's, so that a chunk's panels stay in L1 over its 8 tiles. */
    for (int first = 0; first < pixels; first += PACK_PIXELS) {
      const int count = pixels - first < PACK_PIXELS ? pixels - first : PACK_PIXELS;
      for (int i = 0; i < PACK; i += 2) packed_tile(x_panel + first * PACK + i, d_panel + first * PACK, count, out + i * g->out_c, g->out_c, first == 0);
    }
    if (pixels == 0) zero_tile(out, g->out_c);
  }
}
