/*
 * What the Winograd kernels share (conv2d_winograd.c: convolution and input gradient;
 * conv2d_winograd_backprop_filter.c: filter gradient): the geometry and the input transforms
 * V = B^T d B of F(2x2, 3x3), B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], and of
 * F(4x4, 3x3) (Lavin & Gray 2016, points 0, 1, -1, 2, -2, infinity),
 * B^T = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
 *        [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]].
 */
#pragma once
#include "kernels.h"

/* The convolution as the forward pass sees it: x [batch, in_h, in_w, in_c] to [batch, out_h, out_w, out_c]. */
typedef struct {
  int32_t batch, in_h, in_w, in_c, out_h, out_w, out_c, pad_top, pad_left, block_tiles;
} winograd_geometry;

/*
 * Tiles per row and per image when the output (out_h x out_w) is cut into size x size tiles (2: F(2x2,
 * 3x3), 4: F(4x4, 3x3)); the last row and column of tiles are clipped where the size does not divide it.
 * Tiles are numbered image by image, row by row.
 */
INLINE void tile_grid(const winograd_geometry *g, int size, int *tiles_x, int *tiles_per_image) {
  *tiles_x = (g->out_w + size - 1) / size;
  *tiles_per_image = ((g->out_h + size - 1) / size) * *tiles_x;
}

/* The batch image, tile row and tile column of a flat tile index. */
INLINE void tile_position(int tile, int tiles_x, int tiles_per_image, int *b, int *ty, int *tx) {
  *b = tile / tiles_per_image;
  const int rest = tile - *b * tiles_per_image;
  *ty = rest / tiles_x;
  *tx = rest - *ty * tiles_x;
}

/*
 * Row `row_offset` (floats from x; -1: outside the image) of a tile's input patch: n vectors of channel
 * group c4 at column_offset[0 .. n) (-1: outside), zeros outside the image.
 */
INLINE void patch_row(const float *x, int row_offset, const int *column_offset, int inside, int in_c, int c4, const int n, v128_t *d) {
  if (inside) {
    const float *row = x + row_offset + column_offset[0] + 4 * c4;
    for (int j = 0; j < n; j++) d[j] = wasm_v128_load(row + j * in_c);
    return;
  }
  for (int j = 0; j < n; j++) d[j] = row_offset >= 0 && column_offset[j] >= 0 ? wasm_v128_load(x + row_offset + column_offset[j] + 4 * c4) : wasm_f32x4_splat(0);
}

/* F(2x2, 3x3)'s V = B^T d B of one tile's 4 x 4 patch (patch_row's arguments), element e to out + e * e_stride. */
INLINE void input_tile_2x2(const float *x, const int *row_offset, const int *column_offset, int inside, int in_c, int c4, float *out, int e_stride) {
  v128_t d[4][4];
  for (int i = 0; i < 4; i++) patch_row(x, row_offset[i], column_offset, inside, in_c, c4, 4, d[i]);
  v128_t r[4][4];
  for (int j = 0; j < 4; j++) {
    r[0][j] = wasm_f32x4_sub(d[0][j], d[2][j]);
    r[1][j] = wasm_f32x4_add(d[1][j], d[2][j]);
    r[2][j] = wasm_f32x4_sub(d[2][j], d[1][j]);
    r[3][j] = wasm_f32x4_sub(d[1][j], d[3][j]);
  }
  const int e = e_stride;
  for (int i = 0; i < 4; i++) {
    wasm_v128_store(out + (4 * i + 0) * e, wasm_f32x4_sub(r[i][0], r[i][2]));
    wasm_v128_store(out + (4 * i + 1) * e, wasm_f32x4_add(r[i][1], r[i][2]));
    wasm_v128_store(out + (4 * i + 2) * e, wasm_f32x4_sub(r[i][2], r[i][1]));
    wasm_v128_store(out + (4 * i + 3) * e, wasm_f32x4_sub(r[i][1], r[i][3]));
  }
}

/* r = B^T d for one row or column of six vectors, F(4x4, 3x3). Products by 2 and 4 are exact. */
INLINE void transform_6(const v128_t d[6], v128_t r[6]) {
  const v128_t two = wasm_f32x4_splat(2), four = wasm_f32x4_splat(4), five = wasm_f32x4_splat(5);
  const v128_t a = wasm_f32x4_sub(d[4], wasm_f32x4_mul(four, d[2])), b = wasm_f32x4_sub(d[3], wasm_f32x4_mul(four, d[1]));
  const v128_t c = wasm_f32x4_sub(d[4], d[2]), e = wasm_f32x4_mul(two, wasm_f32x4_sub(d[3], d[1]));
  r[0] = wasm_f32x4_add(wasm_f32x4_sub(d[4], wasm_f32x4_mul(five, d[2])), wasm_f32x4_mul(four, d[0]));
  r[1] = wasm_f32x4_add(a, b);
  r[2] = wasm_f32x4_sub(a, b);
  r[3] = wasm_f32x4_add(c, e);
  r[4] = wasm_f32x4_sub(c, e);
  r[5] = wasm_f32x4_add(wasm_f32x4_sub(d[5], wasm_f32x4_mul(five, d[3])), wasm_f32x4_mul(four, d[1]));
}

/*
 * p + stride, opaque to clang (an empty asm). Without it clang hoists every multiple of a runtime stride
 * that a transform's loads and stores use (36 of them) out of the enclosing loops as separate invariants,
 * which V8 then keeps on the stack: each access became a reload, an add and the access itself. In loops,
 * loop strength reduction turned `pointer + constant` into an i32.add (one lea per load in V8's code)
 * instead of the load's own offset immediate. Only addresses change: the same arithmetic, the same bits.
 */
INLINE float *advance(float *p, int stride) {
  p += stride;
  __asm__("" : "+r"(p));
  return p;
}

/* advance() for a pointer that is only read through. */
INLINE const float *advance_read(const float *p, int stride) {
  p += stride;
  __asm__("" : "+r"(p));
  return p;
}

/*
 * F(4x4, 3x3)'s V = B^T d B of one tile's 6 x 6 patch (patch_row's arguments), element e = 6 * row +
 * column to out + e * e_stride. Rows of d are transformed first, then the columns of the result, through
 * 36 vectors on the stack (they do not fit V8's 15 SIMD registers anyway).
 */
INLINE void input_tile_4x4(const float *x, const int *row_offset, const int *column_offset, int inside, int in_c, int c4, float *out, int e_stride) {
  v128_t w[6][6]; /* w[i] = B^T applied to row i of d */
  if (inside) {
    float *row = (float *)x + row_offset[0] + column_offset[0] + 4 * c4;
    const int row_stride = row_offset[1] - row_offset[0];
    for (int i = 0; i < 6; i++) {
      v128_t d[6];
      float *q = row;
      for (int j = 0; j < 6; j++) {
        d[j] = wasm_v128_load(q);
        q = advance(q, in_c);
      }
      transform_6(d, w[i]);
      row = advance(row, row_stride);
    }
  } else {
    for (int i = 0; i < 6; i++) {
      v128_t d[6];
      patch_row(x, row_offset[i], column_offset, 0, in_c, c4, 6, d);
      transform_6(d, w[i]);
    }
  }
  const int column_stride = 6 * e_stride;
  float *column = out;
  for (int j = 0; j < 6; j++) {
    const v128_t c[6] = { w[0][j], w[1][j], w[2][j], w[3][j], w[4][j], w[5][j] };
    v128_t r[6];
    transform_6(c, r);
    float *o = column;
    for (int i = 0; i < 6; i++) {
      wasm_v128_store(o, r[i]);
      o = advance(o, column_stride);
    }
    column = advance(column, e_stride);
  }
}

/*
 * V = B^T d B of `count` tiles from tile index `first` for F(size x size, 3x3): (size + 2)^2 elements of
 * the (size + 2) x (size + 2) input patches at size * tile - padding, zeros outside the image; tiles_x
 * and tiles_per_image from tile_grid(g, size, ...). 4 channels per vector, for the channel groups
 * [c4_begin, c4_end): element e (row-major in the patch), channel group c4 and tile t go to
 * v + e * e_stride + c4 * c4_stride + t * t_stride.
 */
INLINE void input_transform_tiles(const winograd_geometry *g, const float *x, float *v, int first, int count, int tiles_x, int tiles_per_image,
                                  int e_stride, int c4_stride, int t_stride, int c4_begin, int c4_end, const int size) {
  const int n = size + 2;
  for (int t = 0; t < count; t++) {
    int b, ty, tx;
    tile_position(first + t, tiles_x, tiles_per_image, &b, &ty, &tx);
    const int ih0 = size * ty - g->pad_top, iw0 = size * tx - g->pad_left;
    /* Offsets (in floats, from x) of the patch's rows and (from a row) columns; -1: outside the image. */
    int row_offset[6], column_offset[6];
    for (int i = 0; i < n; i++) {
      row_offset[i] = ih0 + i >= 0 && ih0 + i < g->in_h ? ((b * g->in_h + ih0 + i) * g->in_w) * g->in_c : -1;
      column_offset[i] = iw0 + i >= 0 && iw0 + i < g->in_w ? (iw0 + i) * g->in_c : -1;
    }
    const int inside = ih0 >= 0 && iw0 >= 0 && ih0 + n <= g->in_h && iw0 + n <= g->in_w;
    for (int c4 = c4_begin; c4 < c4_end; c4++) {
      float *out = v + c4 * c4_stride + t * t_stride;
      if (size == 2) input_tile_2x2(x, row_offset, column_offset, inside, g->in_c, c4, out, e_stride);
      else input_tile_4x4(x, row_offset, column_offset, inside, g->in_c, c4, out, e_stride);
    }
  }
}
