/*
 * 3x3, stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016), NHWC
 * float32, any padding (called by ../src/wasm-kernels/Conv2D.ts and Conv2DBackpropInput.ts). Each 2x2
 * output tile costs 16 products per (ci, co) instead of 36:
 *
 *   U = G g G^T (per ci, co: conv2d_winograd_filter), V = B^T d B (per input tile and ci),
 *   M_e = V_e U_e (16 matrix products over ci), Y = A^T M A (per tile and co).
 *
 * Tiles are processed in blocks whose V and M (on this thread's stack) stay in L2. V is laid out
 * [16][ci / 4][tile][4], so the product's six tiles are six constant offsets from one pointer and
 * the input transform stores whole vectors; U is [16][ci][co] and M is [16][tile][co]. Items are
 * blocks of tiles, so threads never write the same output.
 */
#include "winograd.h"



/* U = G k G^T for four (ci, co) pairs at once, one per lane. */
INLINE void filter_transform(const v128_t k[3][3], v128_t u[16]) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  v128_t q[4][3];
  for (int j = 0; j < 3; j++) {
    q[0][j] = k[0][j];
    q[1][j] = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(k[0][j], k[1][j]), k[2][j]));
    q[2][j] = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_sub(k[0][j], k[1][j]), k[2][j]));
    q[3][j] = k[2][j];
  }
  for (int i = 0; i < 4; i++) {
    u[4 * i + 0] = q[i][0];
    u[4 * i + 1] = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(q[i][0], q[i][1]), q[i][2]));
    u[4 * i + 2] = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_sub(q[i][0], q[i][1]), q[i][2]));
    u[4 * i + 3] = q[i][2];
  }
}

/*
 * args: g (pointer: the [3, 3, ci, co] float32 filter; with flip, the [3, 3, co, ci] filter of the
 * forward convolution whose input gradient this is, used flipped), u (pointer, [16, ci, co]), ci, co,
 * flip; ci and co divisible by 4. Items are groups of 4 ci. Vectors run along the contiguous axis of
 * g (co, or ci with flip, then transposed in 4 x 4 blocks), so every load and store is a whole vector.
 */
EXPORT(conv2d_winograd_filter)
void conv2d_winograd_filter(const int32_t *args, int32_t begin, int32_t end) {
  const float *g = (const float *)args[0];
  float *u = (float *)args[1];
  const int ci_count = args[2], co_count = args[3], flip = args[4];
  const int plane = ci_count * co_count;
  for (int item = begin; item < end; item++) {
    const int ci0 = 4 * item;
    for (int co0 = 0; co0 < co_count; co0 += 4) {
      if (!flip) {
        for (int c = 0; c < 4; c++) {
          v128_t k[3][3], t[16];
          for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) k[i][j] = wasm_v128_load(g + (i * 3 + j) * plane + (ci0 + c) * co_count + co0);
          filter_transform(k, t);
          for (int e = 0; e < 16; e++) wasm_v128_store(u + e * plane + (ci0 + c) * co_count + co0, t[e]);
        }
        continue;
      }
      v128_t t[4][16]; /* [co lane][element], lanes along ci */
      for (int c = 0; c < 4; c++) {
        v128_t k[3][3];
        for (int i = 0; i < 3; i++)
          for (int j = 0; j < 3; j++) k[i][j] = wasm_v128_load(g + ((2 - i) * 3 + (2 - j)) * plane + (co0 + c) * ci_count + ci0);
        filter_transform(k, t[c]);
      }
      for (int e = 0; e < 16; e++) {
        /* 4 x 4 transpose: rows co0 + c (lanes ci) -> rows ci0 + l (lanes co). */
        const v128_t a01 = wasm_i32x4_shuffle(t[0][e], t[1][e], 0, 4, 1, 5), a23 = wasm_i32x4_shuffle(t[2][e], t[3][e], 0, 4, 1, 5);
        const v128_t b01 = wasm_i32x4_shuffle(t[0][e], t[1][e], 2, 6, 3, 7), b23 = wasm_i32x4_shuffle(t[2][e], t[3][e], 2, 6, 3, 7);
        float *row = u + e * plane + ci0 * co_count + co0;
        wasm_v128_store(row, wasm_i32x4_shuffle(a01, a23, 0, 1, 4, 5));
        wasm_v128_store(row + co_count, wasm_i32x4_shuffle(a01, a23, 2, 3, 6, 7));
        wasm_v128_store(row + 2 * co_count, wasm_i32x4_shuffle(b01, b23, 0, 1, 4, 5));
        wasm_v128_store(row + 3 * co_count, wasm_i32x4_shuffle(b01, b23, 2, 3, 6, 7));
      }
    }
  }
}

/*
 * M_e[t0 .. t0 + mr][co0 .. co0 + 4 vectors] = V_e[tiles] U_e, for one element e. At most 8
 * accumulators (mr x vectors: 2 x 4 or 4 x 2 or 4 x 1): with the hoisted loads of the weights and
 * splats, more no longer fit V8's 15 SIMD registers and spill to the stack (half the speed).
 */
INLINE void product_tile(const float *ve, const float *ue, float *me, int t0, int co0, int ci_count, int co_count, int bt, const int mr,
                         const int vectors) {
  v128_t acc[4][4];
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) acc[r][v] = wasm_f32x4_splat(0);
  const float *p = ve + t0 * 4;
  const float *wp = ue + co0;
  /* Not unrolled: clang would hoist the next step's loads above this one's products, past the registers. */
#pragma clang loop unroll(disable)
  for (int c4 = 0; c4 < ci_count / 4; c4++, p += bt * 4) {
#pragma clang loop unroll(disable)
    for (int k = 0; k < 4; k++, wp += co_count) {
      v128_t w[4];
#pragma clang loop unroll(full)
      for (int v = 0; v < 4; v++) w[v] = v < vectors ? wasm_v128_load(wp + 4 * v) : wasm_f32x4_splat(0);
#pragma clang loop unroll(full)
      for (int r = 0; r < 4; r++) {
        if (r < mr) {
          const v128_t a = wasm_v128_load32_splat(p + 4 * r + k);
#pragma clang loop unroll(full)
          for (int v = 0; v < 4; v++)
            if (v < vectors) acc[r][v] = MADD(acc[r][v], a, w[v]);
        }
      }
    }
  }
  float *o = me + t0 * co_count + co0;
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++)
      if (r < mr && v < vectors) wasm_v128_store(o + r * co_count + 4 * v, acc[r][v]);
}

/* Tiles [0, count) in groups of `group` (2 with 4 vectors, else 4), then the remainder. */
INLINE void product_tiles(const float *ve, const float *ue, float *me, int count, int co0, int ci_count, int co_count, int bt, const int vectors) {
  const int group = vectors == 4 ? 2 : 4;
  int t = 0;
  for (; t + group <= count; t += group) product_tile(ve, ue, me, t, co0, ci_count, co_count, bt, group, vectors);
  if (count - t == 1) product_tile(ve, ue, me, t, co0, ci_count, co_count, bt, 1, vectors);
  else if (group == 4 && count - t == 2) product_tile(ve, ue, me, t, co0, ci_count, co_count, bt, 2, vectors);
  else if (group == 4 && count - t == 3) product_tile(ve, ue, me, t, co0, ci_count, co_count, bt, 3, vectors);
}

/* Y = A^T M A for `count` tiles from `first`, written where they lie in out (edge tiles clipped). */
INLINE void output_transform(const winograd_geometry *g, const float *m, float *out, int first, int count, int tiles_x, int tiles_per_image) {
  const int co_count = g->out_c, e = g->block_tiles * co_count;
  for (int t = 0; t < count; t++) {
    int b, ty, tx;
    tile_position(first + t, tiles_x, tiles_per_image, &b, &ty, &tx);
    const int oh = 2 * ty, ow = 2 * tx;
    const int rows = oh + 1 < g->out_h ? 2 : 1, columns = ow + 1 < g->out_w ? 2 : 1;
    float *o = out + ((b * g->out_h + oh) * g->out_w + ow) * co_count;
    const float *mt = m + t * co_count;
    for (int co = 0; co < co_count; co += 4) {
      v128_t s[2][4];
      for (int j = 0; j < 4; j++) {
        const v128_t m0 = wasm_v128_load(mt + (0 + j) * e + co), m1 = wasm_v128_load(mt + (4 + j) * e + co);
        const v128_t m2 = wasm_v128_load(mt + (8 + j) * e + co), m3 = wasm_v128_load(mt + (12 + j) * e + co);
        s[0][j] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
        s[1][j] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
      }
      for (int i = 0; i < rows; i++) {
        wasm_v128_store(o + (i * g->out_w) * co_count + co, wasm_f32x4_add(wasm_f32x4_add(s[i][0], s[i][1]), s[i][2]));
        if (columns == 2) wasm_v128_store(o + (i * g->out_w + 1) * co_count + co, wasm_f32x4_sub(wasm_f32x4_sub(s[i][1], s[i][2]), s[i][3]));
      }
    }
  }
}

/*
 * args: x, u (from conv2d_winograd_filter), out (pointers), then the 10 geometry fields; ci and co
 * divisible by 4, block_tiles at most 48. Items are blocks of block_tiles tiles.
 */
EXPORT(conv2d_winograd)
void conv2d_winograd(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0], *u = (const float *)args[1];
  float *out = (float *)args[2];
  const winograd_geometry *g = (const winograd_geometry *)(args + 3);
  const int tiles_y = (g->out_h + 1) / 2, tiles_x = (g->out_w + 1) / 2, tiles_per_image = tiles_y * tiles_x;
  const int tiles = g->batch * tiles_per_image, bt = g->block_tiles;
  const int ci_count = g->in_c, co_count = g->out_c;
  float v[16 * ci_count * bt];
  float m[16 * bt * co_count];
  for (int block = begin; block < end; block++) {
    const int first = block * bt;
    const int count = tiles - first < bt ? tiles - first : bt;
    input_transform(g, x, v, first, count, tiles_x, tiles_per_image, ci_count * bt, 4 * bt, 4, 0, ci_count / 4);
    for (int el = 0; el < 16; el++) {
      const float *ve = v + el * ci_count * bt, *ue = u + el * ci_count * co_count;
      float *me = m + el * bt * co_count;
      int co0 = 0;
      for (; co0 + 16 <= co_count; co0 += 16) product_tiles(ve, ue, me, count, co0, ci_count, co_count, bt, 4);
      if (co_count - co0 >= 8) {
        product_tiles(ve, ue, me, count, co0, ci_count, co_count, bt, 2);
        co0 += 8;
      }
      if (co0 < co_count) product_tiles(ve, ue, me, count, co0, ci_count, co_count, bt, 1);
    }
    output_transform(g, m, out, first, count, tiles_x, tiles_per_image);
  }
}
