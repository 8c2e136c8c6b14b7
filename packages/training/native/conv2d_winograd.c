/*
 * 3x3, stride-1 convolution by Winograd's minimal filtering (Lavin & Gray 2016), NHWC float32, any
 * padding (called by ../src/wasm-kernels/Conv2D.ts and Conv2DBackpropInput.ts), in two tile sizes:
 * F(2x2, 3x3), 16 products per 2x2 output tile and (ci, co) instead of 36, and F(4x4, 3x3), 36 per 4x4
 * tile instead of 144 (2.25 per output instead of 4, at the price of larger transforms and more
 * rounding: their entries reach 5 and 8 instead of 1):
 *
 *   U = G g G^T (per ci, co: conv2d_winograd_filter[_4x4]), V = B^T d B (per input tile and ci),
 *   M_e = V_e U_e (16 or 36 matrix products over ci), Y = A^T M A (per tile and co).
 *
 * Tiles are processed in blocks whose V and M (on this thread's stack) stay in L1 or L2. V is laid out
 * [element][ci / 4][tile][4], so the product's six tiles are six constant offsets from one pointer and
 * the input transform stores whole vectors; U is [element][ci][co] and M is [element][tile][co]. Items
 * are blocks of tiles, so threads never write the same output.
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

/* h = H [k0, k1, k2], F(4x4, 3x3)'s filter transform with its rows scaled to integers (below). */
INLINE void integer_filter_rows(v128_t k0, v128_t k1, v128_t k2, v128_t h[6]) {
  const v128_t sum = wasm_f32x4_add(k0, k2), wide = wasm_f32x4_add(k0, wasm_f32x4_mul(wasm_f32x4_splat(4), k2)), twice = wasm_f32x4_add(k1, k1);
  h[0] = k0;
  h[1] = wasm_f32x4_add(sum, k1);
  h[2] = wasm_f32x4_sub(sum, k1);
  h[3] = wasm_f32x4_add(wide, twice);
  h[4] = wasm_f32x4_sub(wide, twice);
  h[5] = k2;
}

/*
 * F(4x4, 3x3)'s U = G k G^T for four (ci, co) pairs at once, one per lane, with G's rows scaled to
 * integers, G = diag(1 / s) H with s = (4, -6, -6, 24, 24, 1) and H = [[1, 0, 0], [1, 1, 1], [1, -1, 1],
 * [1, 2, 4], [1, -2, 4], [0, 0, 1]]: U_ij = (H k H^T)_ij (1 / (s_i s_j)), sums of exact multiples, then one
 * rounded product, rather than a rounded 1/6 and 1/24 in both passes (a product by the rounded reciprocal,
 * not a division: f32x4.div takes several times as long, and 36 per (ci, co) showed on large layers).
 */
INLINE void filter_transform_4x4(const v128_t k[3][3], v128_t u[36]) {
  static const float scale[6] = { 4, -6, -6, 24, 24, 1 };
  v128_t q[3][6]; /* q[j] = column j of H k */
  for (int j = 0; j < 3; j++) integer_filter_rows(k[0][j], k[1][j], k[2][j], q[j]);
  for (int i = 0; i < 6; i++) {
    v128_t w[6]; /* row i of H k H^T */
    integer_filter_rows(q[0][i], q[1][i], q[2][i], w);
    for (int j = 0; j < 6; j++) u[6 * i + j] = wasm_f32x4_mul(w[j], wasm_f32x4_splat(1.0f / (scale[i] * scale[j])));
  }
}

/*
 * line[tap][v] = the vectors v < n (n <= 4) at p + 4 v of the 9 tap planes `plane` floats apart: each
 * line's vectors one after another, then a compiler barrier so that clang does not move the loads back
 * next to their uses (only the order of the loads changes, not what is computed).
 */
INLINE void filter_lines(const float *p, int plane, int n, v128_t line[9][4]) {
  for (int tap = 0; tap < 9; tap++) {
    for (int v = 0; v < 4; v++) line[tap][v] = v < n ? wasm_v128_load(p + 4 * v) : wasm_f32x4_splat(0);
    p = advance_read(p, plane);
  }
  __asm__ volatile("" ::: "memory");
}

/*
 * U = G g G^T of every (ci, co) pair, for F(2x2, 3x3) (size 2, 16 elements) or F(4x4, 3x3) (size 4,
 * 36). args: g (pointer: the [3, 3, ci, co] float32 filter; with flip, the [3, 3, co, ci] filter of the
 * forward convolution whose input gradient this is, used flipped), u (pointer, [elements, ci, co]), ci,
 * co, flip; ci and co divisible by 4. Items are groups of 4 ci. Vectors run along the contiguous axis of
 * g (co, or ci with flip, transposed in 4 x 4 blocks before the transform), so every load and store is a
 * whole vector.
 */
INLINE void winograd_filter(const int32_t *args, int32_t begin, int32_t end, const int size) {
  const float *g = (const float *)args[0];
  float *u = (float *)args[1];
  const int ci_count = args[2], co_count = args[3], flip = args[4];
  const int plane = ci_count * co_count, elements = (size + 2) * (size + 2);
  for (int item = begin; item < end; item++) {
    const int ci0 = 4 * item;
    if (!flip) {
      /*
       * Row by row, 16 output channels (one 64-byte line per tap and per element) at a time: the 9 tap
       * planes and the `elements` planes of U lie ci · co floats apart, in one L1 set when that is a
       * multiple of 4 KiB, and a line read or written one vector at a time between the others' missed L1.
       */
      for (int ci = ci0; ci < ci0 + 4; ci++)
        for (int co1 = 0; co1 < co_count; co1 += 16) {
          const int n = co_count - co1 < 16 ? (co_count - co1) / 4 : 4;
          v128_t line[9][4], t[4][36];
          filter_lines(g + ci * co_count + co1, plane, n, line);
          for (int v = 0; v < n; v++) {
            v128_t k[3][3];
            for (int tap = 0; tap < 9; tap++) k[tap / 3][tap % 3] = line[tap][v];
            if (size == 2) filter_transform(k, t[v]);
            else filter_transform_4x4(k, t[v]);
          }
          float *o = u + ci * co_count + co1;
          for (int e = 0; e < elements; e++) {
            for (int v = 0; v < 4; v++)
              if (v < n) wasm_v128_store(o + 4 * v, t[v][e]);
            o = advance(o, plane);
          }
        }
      continue;
    }
    /*
     * Flipped: each tap's 4 x 4 block (4 co rows, 4 ci) transposed first, as in filter_strip, and 16
     * output channels at a time, so that each element's row of U gets a whole line at once.
     */
    for (int co1 = 0; co1 < co_count; co1 += 16) {
      const int n = co_count - co1 < 16 ? (co_count - co1) / 4 : 4;
      v128_t t[4][4][36]; /* [ci lane][co group][element] */
      for (int q = 0; q < n; q++) {
        v128_t k[4][3][3]; /* [ci lane][tap], lanes along co */
        const float *p = g + (co1 + 4 * q) * ci_count + ci0; /* tap 0, read as k[2][2] */
        for (int tap = 0; tap < 9; tap++) {
          const v128_t t0 = wasm_v128_load(p), t1 = wasm_v128_load(p + ci_count), t2 = wasm_v128_load(p + 2 * ci_count), t3 = wasm_v128_load(p + 3 * ci_count);
          transpose_4x4(t0, t1, t2, t3, &k[0][2 - tap / 3][2 - tap % 3], &k[1][2 - tap / 3][2 - tap % 3], &k[2][2 - tap / 3][2 - tap % 3], &k[3][2 - tap / 3][2 - tap % 3]);
          p = advance_read(p, plane);
        }
        for (int l = 0; l < 4; l++) {
          if (size == 2) filter_transform(k[l], t[l][q]);
          else filter_transform_4x4(k[l], t[l][q]);
        }
      }
      float *o = u + ci0 * co_count + co1;
      for (int e = 0; e < elements; e++) {
        for (int l = 0; l < 4; l++)
          for (int q = 0; q < 4; q++)
            if (q < n) wasm_v128_store(o + l * co_count + 4 * q, t[l][q][e]);
        o = advance(o, plane);
      }
    }
  }
}

/* F(2x2, 3x3)'s U (args: winograd_filter's). */
EXPORT(conv2d_winograd_filter)
void conv2d_winograd_filter(const int32_t *args, int32_t begin, int32_t end) { winograd_filter(args, begin, end, 2); }

/* F(4x4, 3x3)'s U (args: winograd_filter's). */
EXPORT(conv2d_winograd_filter_4x4)
void conv2d_winograd_filter_4x4(const int32_t *args, int32_t begin, int32_t end) { winograd_filter(args, begin, end, 4); }

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
  float *p = (float *)ve + t0 * 4;
  float *wp = (float *)ue + co0;
  /* Not unrolled: clang would hoist the next step's loads above this one's products, past the registers.
     advance() (winograd.h) keeps p and wp opaque, so the loads' constant offsets fold into the loads. */
#pragma clang loop unroll(disable)
  for (int c4 = 0; c4 < ci_count / 4; c4++, p = advance(p, bt * 4)) {
#pragma clang loop unroll(disable)
    for (int k = 0; k < 4; k++, wp = advance(wp, co_count)) {
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

/*
 * y = A^T m for one row or column of six vectors, F(4x4, 3x3): A^T = [[1, 1, 1, 1, 1, 0],
 * [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]. Products by 2, 4 and 8 are exact.
 */
INLINE void output_rows_4x4(const v128_t m[6], v128_t y[4]) {
  const v128_t sum12 = wasm_f32x4_add(m[1], m[2]), difference12 = wasm_f32x4_sub(m[1], m[2]);
  const v128_t sum34 = wasm_f32x4_add(m[3], m[4]), difference34 = wasm_f32x4_sub(m[3], m[4]);
  y[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], sum12), sum34);
  y[1] = wasm_f32x4_add(difference12, wasm_f32x4_mul(wasm_f32x4_splat(2), difference34));
  y[2] = wasm_f32x4_add(sum12, wasm_f32x4_mul(wasm_f32x4_splat(4), sum34));
  y[3] = wasm_f32x4_add(wasm_f32x4_add(difference12, wasm_f32x4_mul(wasm_f32x4_splat(8), difference34)), m[5]);
}

/*
 * Y = A^T M A for `count` tiles from `first`, written where they lie in out (edge tiles clipped), for
 * F(2x2, 3x3) (size 2: A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]) or F(4x4, 3x3) (size 4, output_rows_4x4).
 */
INLINE void output_transform(const winograd_geometry *g, const float *m, float *out, int first, int count, int tiles_x, int tiles_per_image, const int size) {
  const int co_count = g->out_c, e = g->block_tiles * co_count;
  for (int t = 0; t < count; t++) {
    int b, ty, tx;
    tile_position(first + t, tiles_x, tiles_per_image, &b, &ty, &tx);
    const int oh = size * ty, ow = size * tx;
    const int rows = g->out_h - oh < size ? g->out_h - oh : size, columns = g->out_w - ow < size ? g->out_w - ow : size;
    float *o = out + ((b * g->out_h + oh) * g->out_w + ow) * co_count;
    const float *mt = m + t * co_count;
    for (int co = 0; co < co_count; co += 4) {
      if (size == 2) {
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
        continue;
      }
      /* Addresses by advance() (winograd.h). */
      v128_t s[6][4]; /* s[j] = A^T applied to column j of M */
      float *m_column = (float *)mt + co;
      for (int j = 0; j < 6; j++) {
        v128_t column[6];
        float *p = m_column;
        for (int i = 0; i < 6; i++) {
          column[i] = wasm_v128_load(p);
          p = advance(p, 6 * e);
        }
        output_rows_4x4(column, s[j]);
        m_column = advance(m_column, e);
      }
      float *o_row = o + co;
      for (int i = 0; i < rows; i++) {
        const v128_t row[6] = { s[0][i], s[1][i], s[2][i], s[3][i], s[4][i], s[5][i] };
        v128_t y[4];
        output_rows_4x4(row, y);
        float *p = o_row;
        if (columns == 4)
          for (int j = 0; j < 4; j++) {
            wasm_v128_store(p, y[j]);
            p = advance(p, co_count);
          }
        else
          for (int j = 0; j < columns; j++) {
            wasm_v128_store(p, y[j]);
            p = advance(p, co_count);
          }
        o_row = advance(o_row, g->out_w * co_count);
      }
    }
  }
}

/*
 * The convolution by F(2x2, 3x3) (size 2) or F(4x4, 3x3) (size 4). args: x, u (from
 * conv2d_winograd_filter[_4x4]), out (pointers), then the 10 geometry fields; ci and co divisible by 4,
 * block_tiles tiles of size x size outputs per item, small enough for the stack.
 */
INLINE void winograd_convolution(const int32_t *args, int32_t begin, int32_t end, const int size) {
  const float *x = (const float *)args[0], *u = (const float *)args[1];
  float *out = (float *)args[2];
  const winograd_geometry *g = (const winograd_geometry *)(args + 3);
  int tiles_x, tiles_per_image;
  tile_grid(g, size, &tiles_x, &tiles_per_image);
  const int tiles = g->batch * tiles_per_image, bt = g->block_tiles;
  const int ci_count = g->in_c, co_count = g->out_c, elements = (size + 2) * (size + 2);
  float v[elements * ci_count * bt];
  float m[elements * bt * co_count];
  for (int block = begin; block < end; block++) {
    const int first = block * bt;
    const int count = tiles - first < bt ? tiles - first : bt;
    input_transform_tiles(g, x, v, first, count, tiles_x, tiles_per_image, ci_count * bt, 4 * bt, 4, 0, ci_count / 4, size);
    for (int el = 0; el < elements; el++) {
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
    output_transform(g, m, out, first, count, tiles_x, tiles_per_image, size);
  }
}

/* F(2x2, 3x3) (args: winograd_convolution's). Items are blocks of block_tiles 2x2 tiles; block_tiles at most 48. */
EXPORT(conv2d_winograd)
void conv2d_winograd(const int32_t *args, int32_t begin, int32_t end) { winograd_convolution(args, begin, end, 2); }

/* F(4x4, 3x3) (args: winograd_convolution's). Items are blocks of block_tiles 4x4 tiles. */
EXPORT(conv2d_winograd_4x4)
void conv2d_winograd_4x4(const int32_t *args, int32_t begin, int32_t end) { winograd_convolution(args, begin, end, 4); }

/*
 * F(2x2, 3x3) for few tiles and many channels (4x4 and 8x8 maps at batch 4), without U in memory:
 * conv2d_winograd's U ([16, ci, co]: 4 MiB from 256 -> 256) is written once and read once per block of
 * tiles from L3, which took longer than the products themselves where there are only 16 tiles. Here
 * conv2d_winograd_input first transforms every tile's input into V ([16][ci / 4][tiles][4], L2), then
 * each item of conv2d_winograd_strips takes 16 output channels: their strip of U ([16][ci][16], on the
 * stack), the products M_e = V_e U_e for every tile and the output transform. The same transforms,
 * products (sums over ci in the same order) and output transform as conv2d_winograd, so the same bits.
 */

/*
 * Floats between planes (elements) of V, U and M beyond their contents: planes a multiple of 4 KiB
 * apart fall in one L1 set, and the transforms touch all 16 at once.
 */
enum { STRIP = 16, PLANE_PAD = 16 };

/* args: x, v (pointers; 16 planes of ci · tiles + PLANE_PAD floats), then the 10 geometry fields with block_tiles = all tiles. Items: tiles. */
EXPORT(conv2d_winograd_input)
void conv2d_winograd_input(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *v = (float *)args[1];
  const winograd_geometry *g = (const winograd_geometry *)(args + 2);
  int tiles_x, tiles_per_image;
  tile_grid(g, 2, &tiles_x, &tiles_per_image);
  const int bt = g->block_tiles;
  input_transform_tiles(g, x, v + 4 * begin, begin, end - begin, tiles_x, tiles_per_image, g->in_c * bt + PLANE_PAD, 4 * bt, 4, 0, g->in_c / 4, 2);
}

/*
 * The strip co0 .. co0 + width of U = G g G^T (winograd_filter's arithmetic) into us [16][ci][STRIP]
 * (planes padded). The 9 tap planes and 16 element planes are reached by running pointers (as in
 * winograd.h): with constant multiples of the runtime plane sizes clang hoists each as its own
 * invariant, which V8 keeps on the stack (a reload per access). Only addresses change: the same bits.
 *
 * Without flip the filter is read a whole 64-byte line at a time (filter_lines): its 9 tap planes lie
 * ci · co floats apart, a multiple of 4 KiB for the layers that come here, so all 9 lines of one row fall
 * in one L1 set of 8 ways; read one vector per line and tap after tap, as the transforms use them, every
 * read missed L1 (the strip's filter transform alone, one thread, 4² and 8² maps, 128–256 channels: 0.63–0.90
 * of its time; with flip, transposing before the transform: 0.80–0.94).
 */
INLINE void filter_strip(const float *g, float *us, int ci_count, int co_count, int co0, int width, int flip) {
  const int plane = ci_count * co_count, us_plane = ci_count * STRIP + PLANE_PAD;
  if (!flip) {
    for (int ci = 0; ci < ci_count; ci++) {
      v128_t line[9][4]; /* [tap][vector], the row's `width` channels of each tap */
      filter_lines(g + ci * co_count + co0, plane, width / 4, line);
      for (int c = 0; c < width / 4; c++) {
        v128_t k[3][3], t[16];
        for (int tap = 0; tap < 9; tap++) k[tap / 3][tap % 3] = line[tap][c];
        filter_transform(k, t);
        float *o = us + ci * STRIP + 4 * c;
        for (int e = 0; e < 16; e++) {
          wasm_v128_store(o, t[e]);
          o = advance(o, us_plane);
        }
      }
    }
    return;
  }
  /*
   * Flipped: rows of g are output channels, vectors along ci. Each tap's 4 x 4 block (4 co rows, 4 ci) is
   * transposed before the transform rather than its 16 results after it: the transform works lane by
   * lane, so the results are the same, with 9 transposes instead of 16 and plain stores.
   */
  for (int ci0 = 0; ci0 < ci_count; ci0 += 4)
    for (int c0 = 0; c0 < width; c0 += 4) {
      v128_t k[4][3][3]; /* [ci lane][tap], lanes along co */
      const float *p = g + (co0 + c0) * ci_count + ci0; /* tap 0, read as k[2][2] */
      for (int tap = 0; tap < 9; tap++) {
        const v128_t t0 = wasm_v128_load(p), t1 = wasm_v128_load(p + ci_count), t2 = wasm_v128_load(p + 2 * ci_count), t3 = wasm_v128_load(p + 3 * ci_count);
        transpose_4x4(t0, t1, t2, t3, &k[0][2 - tap / 3][2 - tap % 3], &k[1][2 - tap / 3][2 - tap % 3], &k[2][2 - tap / 3][2 - tap % 3], &k[3][2 - tap / 3][2 - tap % 3]);
        p = advance_read(p, plane);
      }
      for (int l = 0; l < 4; l++) {
        v128_t t[16];
        filter_transform(k[l], t);
        float *o = us + (ci0 + l) * STRIP + c0;
        for (int e = 0; e < 16; e++) {
          wasm_v128_store(o, t[e]);
          o = advance(o, us_plane);
        }
      }
    }
}

/*
 * args: g (the filter as for conv2d_winograd_filter), v (from conv2d_winograd_input), out (pointers),
 * then the 10 geometry fields (block_tiles = all tiles), then flip. Needs 1 KiB · (ci + tiles) of stack.
 * Items: groups of 16 output channels (the last one 4, 8 or 12 wide where co % 16 is).
 */
EXPORT(conv2d_winograd_strips)
void conv2d_winograd_strips(const int32_t *args, int32_t begin, int32_t end) {
  const float *gf = (const float *)args[0], *v = (const float *)args[1];
  float *out = (float *)args[2];
  const winograd_geometry *g = (const winograd_geometry *)(args + 3);
  const int flip = args[13];
  int tiles_x, tiles_per_image;
  tile_grid(g, 2, &tiles_x, &tiles_per_image);
  const int bt = g->block_tiles, ci_count = g->in_c, co_count = g->out_c;
  const int v_plane = ci_count * bt + PLANE_PAD, us_plane = ci_count * STRIP + PLANE_PAD, m_plane = bt * STRIP + PLANE_PAD;
  float us[16 * us_plane];
  float ms[16 * m_plane];
  for (int item = begin; item < end; item++) {
    const int co0 = item * STRIP, width = co_count - co0 < STRIP ? co_count - co0 : STRIP;
    filter_strip(gf, us, ci_count, co_count, co0, width, flip);
    for (int el = 0; el < 16; el++) {
      const float *ve = v + el * v_plane, *ue = us + el * us_plane;
      float *me = ms + el * m_plane;
      if (width == STRIP) product_tiles(ve, ue, me, bt, 0, ci_count, STRIP, bt, 4);
      else {
        int c = 0;
        if (width >= 8) {
          product_tiles(ve, ue, me, bt, 0, ci_count, STRIP, bt, 2);
          c = 8;
        }
        if (c < width) product_tiles(ve, ue, me, bt, c, ci_count, STRIP, bt, 1);
      }
    }
    /* Y = A^T M A (output_transform's F(2x2) arithmetic) for this strip's channels. */
    const int e = m_plane;
    for (int t = 0; t < bt; t++) {
      int b, ty, tx;
      tile_position(t, tiles_x, tiles_per_image, &b, &ty, &tx);
      const int oh = 2 * ty, ow = 2 * tx;
      const int rows = g->out_h - oh < 2 ? g->out_h - oh : 2, columns = g->out_w - ow < 2 ? g->out_w - ow : 2;
      float *o = out + ((b * g->out_h + oh) * g->out_w + ow) * co_count + co0;
      const float *mt = ms + t * STRIP;
      for (int c = 0; c < width; c += 4) {
        v128_t s[2][4];
        for (int j = 0; j < 4; j++) {
          const v128_t m0 = wasm_v128_load(mt + (0 + j) * e + c), m1 = wasm_v128_load(mt + (4 + j) * e + c);
          const v128_t m2 = wasm_v128_load(mt + (8 + j) * e + c), m3 = wasm_v128_load(mt + (12 + j) * e + c);
          s[0][j] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
          s[1][j] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
        }
        for (int i = 0; i < rows; i++) {
          wasm_v128_store(o + (i * g->out_w) * co_count + c, wasm_f32x4_add(wasm_f32x4_add(s[i][0], s[i][1]), s[i][2]));
          if (columns == 2) wasm_v128_store(o + (i * g->out_w + 1) * co_count + c, wasm_f32x4_sub(wasm_f32x4_sub(s[i][1], s[i][2]), s[i][3]));
        }
      }
    }
  }
}
