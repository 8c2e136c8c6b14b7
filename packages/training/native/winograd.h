/*
 * What the two Winograd F(2x2, 3x3) kernels share (conv2d_winograd.c: convolution and input gradient;
 * conv2d_winograd_backprop_filter.c: filter gradient): the geometry and the input transform
 * V = B^T d B, with B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
 */
#pragma once
#include "kernels.h"

/* The convolution as the forward pass sees it: x [batch, in_h, in_w, in_c] to [batch, out_h, out_w, out_c]. */
typedef struct {
  int32_t batch, in_h, in_w, in_c, out_h, out_w, out_c, pad_top, pad_left, block_tiles;
} winograd_geometry;

/* The batch image, tile row and tile column of a flat tile index. */
INLINE void tile_position(int tile, int tiles_x, int tiles_per_image, int *b, int *ty, int *tx) {
  *b = tile / tiles_per_image;
  const int rest = tile - *b * tiles_per_image;
  *ty = rest / tiles_x;
  *tx = rest - *ty * tiles_x;
}

/*
 * V = B^T d B of `count` tiles from tile index `first` (4 x 4 input patches at 2 * tile - padding,
 * zeros outside the image), 4 channels per vector, for the channel groups [c4_begin, c4_end): element e,
 * channel group c4 and tile t go to v + e * e_stride + c4 * c4_stride + t * t_stride.
 */
INLINE void input_transform(const winograd_geometry *g, const float *x, float *v, int first, int count, int tiles_x, int tiles_per_image,
                            int e_stride, int c4_stride, int t_stride, int c4_begin, int c4_end) {
  const v128_t zero = wasm_f32x4_splat(0);
  for (int t = 0; t < count; t++) {
    int b, ty, tx;
    tile_position(first + t, tiles_x, tiles_per_image, &b, &ty, &tx);
    const int ih0 = 2 * ty - g->pad_top, iw0 = 2 * tx - g->pad_left;
    const int inside = ih0 >= 0 && iw0 >= 0 && ih0 + 4 <= g->in_h && iw0 + 4 <= g->in_w;
    const float *base = x + ((b * g->in_h + ih0) * g->in_w + iw0) * g->in_c;
    for (int c4 = c4_begin; c4 < c4_end; c4++) {
      v128_t d[4][4];
      for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
          const int ih = ih0 + i, iw = iw0 + j;
          d[i][j] = inside || (ih >= 0 && ih < g->in_h && iw >= 0 && iw < g->in_w) ? wasm_v128_load(base + (i * g->in_w + j) * g->in_c + 4 * c4) : zero;
        }
      }
      v128_t r[4][4];
      for (int j = 0; j < 4; j++) {
        r[0][j] = wasm_f32x4_sub(d[0][j], d[2][j]);
        r[1][j] = wasm_f32x4_add(d[1][j], d[2][j]);
        r[2][j] = wasm_f32x4_sub(d[2][j], d[1][j]);
        r[3][j] = wasm_f32x4_sub(d[1][j], d[3][j]);
      }
      float *out = v + c4 * c4_stride + t * t_stride;
      const int e = e_stride;
      for (int i = 0; i < 4; i++) {
        wasm_v128_store(out + (4 * i + 0) * e, wasm_f32x4_sub(r[i][0], r[i][2]));
        wasm_v128_store(out + (4 * i + 1) * e, wasm_f32x4_add(r[i][1], r[i][2]));
        wasm_v128_store(out + (4 * i + 2) * e, wasm_f32x4_sub(r[i][2], r[i][1]));
        wasm_v128_store(out + (4 * i + 3) * e, wasm_f32x4_sub(r[i][1], r[i][3]));
      }
    }
  }
}

