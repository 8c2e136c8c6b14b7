/*
 * The filter gradient of a 3x3, stride-1 convolution by Winograd F(2x2, 3x3), NHWC float32, any padding
 * (called by ../src/wasm-kernels/Conv2DBackpropFilter.ts). The forward tile is
 * y = A^T [(G g G^T) . (B^T d B)] A, a trilinear form in (dy, g, d), so its gradient in g is
 *
 *   dW = G^T [ sum over tiles of (A dy A^T) . (B^T d B) ] G,
 *
 * 16 products per (tile, ci, co) instead of 36. Per block of tiles (on this thread's stack, L2-sized)
 * V = B^T d B is laid out [16][tile][ci] and Y = A dy A^T [16][tile][co]; the 16 sums
 * M_e[ci][co] += V_e^T Y_e keep a 2 x 16 (or 4 x 8) tile in 8 SIMD registers while they sweep the block. The tiles
 * are cut into a fixed number of partitions (set by the caller from the geometry alone), each summed
 * into its own M; conv2d_winograd_filter_output then adds the partitions in order and applies G^T . G,
 * so the bits do not depend on how many threads took the partitions.
 *
 * conv2d_winograd4_backprop_filter and conv2d_winograd4_filter_output are the same by F(4x4, 3x3)
 * (Lavin & Gray's points 0, +-1, +-2, inf): 6 x 6 input patches per 4 x 4 dy tile, 36 products per 16
 * outputs per (ci, co) instead of 64 (4 F(2x2) tiles), Y = A dy A^T of 6 x 6 and M of [36][ci][co]; its
 * transforms' coefficients (up to 8 x 8 in A, 25 in B, 1/24 in G) make it less accurate (the error
 * measured against float64 is in Conv2DBackpropFilter.ts, which chooses between the two).
 */
#include "winograd.h"

/*
 * Y = A dy A^T of `count` tiles from `first` (A = [[1, 0], [1, 1], [1, -1], [0, -1]]), into y[16][block_tiles][co]:
 * tile t of element e at y + e * e_stride + t * t_stride (block_tiles * co and co, or padded: fused_output).
 */
INLINE void gradient_transform(const winograd_geometry *g, const float *dy, float *y, int first, int count, int tiles_x, int tiles_per_image, int t_stride,
                               int e_stride) {
  const int co_count = g->out_c;
  const v128_t zero = wasm_f32x4_splat(0);
  for (int t = 0; t < count; t++) {
    int b, ty, tx;
    tile_position(first + t, tiles_x, tiles_per_image, &b, &ty, &tx);
    const int oh = 2 * ty, ow = 2 * tx;
    const int has_row = oh + 1 < g->out_h, has_column = ow + 1 < g->out_w;
    const float *base = dy + ((b * g->out_h + oh) * g->out_w + ow) * co_count;
    float *out = y + t * t_stride;
    for (int co = 0; co < co_count; co += 4) {
      const v128_t d00 = wasm_v128_load(base + co);
      const v128_t d01 = has_column ? wasm_v128_load(base + co_count + co) : zero;
      const v128_t d10 = has_row ? wasm_v128_load(base + g->out_w * co_count + co) : zero;
      const v128_t d11 = has_row && has_column ? wasm_v128_load(base + (g->out_w + 1) * co_count + co) : zero;
      /* Columns: c = [d0, d0 + d1, d0 - d1, -d1] for each of the two rows. */
      const v128_t c[2][4] = {
        { d00, wasm_f32x4_add(d00, d01), wasm_f32x4_sub(d00, d01), wasm_f32x4_neg(d01) },
        { d10, wasm_f32x4_add(d10, d11), wasm_f32x4_sub(d10, d11), wasm_f32x4_neg(d11) },
      };
      for (int j = 0; j < 4; j++) {
        wasm_v128_store(out + (0 + j) * e_stride + co, c[0][j]);
        wasm_v128_store(out + (4 + j) * e_stride + co, wasm_f32x4_add(c[0][j], c[1][j]));
        wasm_v128_store(out + (8 + j) * e_stride + co, wasm_f32x4_sub(c[0][j], c[1][j]));
        wasm_v128_store(out + (12 + j) * e_stride + co, wasm_f32x4_neg(c[1][j]));
      }
    }
  }
}

/* Element (i, j) of a 4 x 4 dy tile at `tile` (rows row_stride floats apart, columns co_count), zeros beyond dy's edge. */
INLINE v128_t dy_element(const float *tile, int i, int j, int row_stride, int co_count, int rows, int columns, int full) {
  return full || (i < rows && j < columns) ? wasm_v128_load(tile + i * row_stride + j * co_count) : wasm_f32x4_splat(0);
}

/*
 * Column j of Y = A dy A^T from column j of dy A^T (c, one vector per dy row): A c, the 6 elements (i, j) to o +
 * i * element_row_stride. Addresses by advance() (winograd.h).
 */
INLINE void gradient_column_4x4(const v128_t c[4], float *o, int element_row_stride) {
  const v128_t two = wasm_f32x4_splat(2), four = wasm_f32x4_splat(4), eight = wasm_f32x4_splat(8);
  const v128_t even = wasm_f32x4_add(c[0], c[2]), odd = wasm_f32x4_add(c[1], c[3]);
  const v128_t even4 = MADD(c[0], four, c[2]), odd4 = MADD(wasm_f32x4_mul(two, c[1]), eight, c[3]);
  const v128_t r[6] = { c[0], wasm_f32x4_add(even, odd), wasm_f32x4_sub(even, odd), wasm_f32x4_add(even4, odd4), wasm_f32x4_sub(even4, odd4), c[3] };
  for (int i = 0; i < 6; i++) {
    wasm_v128_store(o, r[i]);
    o = advance(o, element_row_stride);
  }
}

/*
 * Y = A dy A^T of `count` 4 x 4 dy tiles from `first` (zeros beyond dy's edge) into y[36][block_tiles][co], with
 * A^T = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]: per row and then per
 * column of 4, [d0, (d0 + d2) +- (d1 + d3), (d0 + 4 d2) +- (2 d1 + 8 d3), d3] (the products are by powers of 2: exact).
 * The columns of dy A^T go in pairs that share their sums (0 and 5, 1 and 2, 3 and 4), each pair's 8 vectors
 * then straight through the column transform: holding all 24 of dy A^T spilled out of V8's 15 SIMD registers,
 * and loading a dy row again (from L1) costs less than spilling it. The same operations: the same bits.
 * Strides as gradient_transform's.
 */
INLINE void gradient_transform_4x4(const winograd_geometry *g, const float *dy, float *y, int first, int count, int tiles_x, int tiles_per_image,
                                   int t_stride, int e_stride) {
  const int co_count = g->out_c;
  const v128_t two = wasm_f32x4_splat(2), four = wasm_f32x4_splat(4), eight = wasm_f32x4_splat(8);
  for (int t = 0; t < count; t++) {
    int b, ty, tx;
    tile_position(first + t, tiles_x, tiles_per_image, &b, &ty, &tx);
    const int oh = 4 * ty, ow = 4 * tx;
    const int rows = g->out_h - oh < 4 ? g->out_h - oh : 4, columns = g->out_w - ow < 4 ? g->out_w - ow : 4;
    const float *base = dy + ((b * g->out_h + oh) * g->out_w + ow) * co_count;
    const int row_stride = g->out_w * co_count, element_row_stride = 6 * e_stride, full = rows == 4 && columns == 4;
    float *tile = (float *)base, *out = y + t * t_stride;
    for (int co = 0; co < co_count; co += 4) {
      v128_t p[4], q[4];
      for (int i = 0; i < 4; i++) {
        p[i] = dy_element(tile, i, 0, row_stride, co_count, rows, columns, full);
        q[i] = dy_element(tile, i, 3, row_stride, co_count, rows, columns, full);
      }
      gradient_column_4x4(p, out, element_row_stride);
      gradient_column_4x4(q, advance(out, 5 * e_stride), element_row_stride);
      for (int i = 0; i < 4; i++) {
        const v128_t even = wasm_f32x4_add(dy_element(tile, i, 0, row_stride, co_count, rows, columns, full), dy_element(tile, i, 2, row_stride, co_count, rows, columns, full));
        const v128_t odd = wasm_f32x4_add(dy_element(tile, i, 1, row_stride, co_count, rows, columns, full), dy_element(tile, i, 3, row_stride, co_count, rows, columns, full));
        p[i] = wasm_f32x4_add(even, odd);
        q[i] = wasm_f32x4_sub(even, odd);
      }
      gradient_column_4x4(p, advance(out, e_stride), element_row_stride);
      gradient_column_4x4(q, advance(out, 2 * e_stride), element_row_stride);
      for (int i = 0; i < 4; i++) {
        const v128_t d0 = dy_element(tile, i, 0, row_stride, co_count, rows, columns, full), d1 = dy_element(tile, i, 1, row_stride, co_count, rows, columns, full);
        const v128_t d2 = dy_element(tile, i, 2, row_stride, co_count, rows, columns, full), d3 = dy_element(tile, i, 3, row_stride, co_count, rows, columns, full);
        const v128_t even4 = MADD(d0, four, d2), odd4 = MADD(wasm_f32x4_mul(two, d1), eight, d3);
        p[i] = wasm_f32x4_add(even4, odd4);
        q[i] = wasm_f32x4_sub(even4, odd4);
      }
      gradient_column_4x4(p, advance(out, 3 * e_stride), element_row_stride);
      gradient_column_4x4(q, advance(out, 4 * e_stride), element_row_stride);
      tile = advance(tile, 4);
      out = advance(out, 4);
    }
  }
}

/*
 * o[0 .. mr][0 .. 4 vectors] (rows o_stride apart: M_e's rows ci0 .., columns co0 .., or a small buffer) +=
 * sum over `count` tiles of V_e[t][ci0 + r] Y_e[t][co0 + c] (= when
 * `fresh`: the partition's first block starts from +0 in registers, the same bits as from zeroed memory,
 * without the pass that zeroes M nor its reads). At most 8 accumulators (2 ci x 16 co or 4 ci x 8 co):
 * more spill out of V8's 15 SIMD registers.
 */
INLINE void accumulate_tile(const float *ve, const float *ye, float *o, int o_stride, int count, int ci0, int co0, int ci_count, int co_count,
                            const int mr, const int vectors, int fresh) {
  v128_t acc[4][4];
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) acc[r][v] = r < mr && v < vectors && !fresh ? wasm_v128_load(o + r * o_stride + 4 * v) : wasm_f32x4_splat(0);
  float *p = (float *)ve + ci0, *q = (float *)ye + co0;
  /* Not unrolled: clang would hoist the next tile's loads above this one's products, past the registers.
     advance() (winograd.h) keeps p and q opaque, so the loads' constant offsets fold into the loads. */
#pragma clang loop unroll(disable)
  for (int t = 0; t < count; t++, p = advance(p, ci_count), q = advance(q, co_count)) {
    v128_t y[4];
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) y[v] = v < vectors ? wasm_v128_load(q + 4 * v) : wasm_f32x4_splat(0);
#pragma clang loop unroll(full)
    for (int r = 0; r < 4; r++) {
      if (r < mr) {
        const v128_t a = wasm_v128_load32_splat(p + r);
#pragma clang loop unroll(full)
        for (int v = 0; v < 4; v++)
          if (v < vectors) acc[r][v] = MADD(acc[r][v], a, y[v]);
      }
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < 4; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++)
      if (r < mr && v < vectors) wasm_v128_store(o + r * o_stride + 4 * v, acc[r][v]);
}

/* M_e's rows [ci_begin, ci_end): co in blocks of 16 (2 ci per tile), then 8 and 4 (4 ci per tile); ci_begin, ci_end divisible by 4. */
INLINE void accumulate(const float *ve, const float *ye, float *me, int count, int ci_begin, int ci_end, int ci_count, int co_count, int fresh) {
  int co0 = 0;
  for (; co0 + 16 <= co_count; co0 += 16)
    for (int ci0 = ci_begin; ci0 < ci_end; ci0 += 2)
      accumulate_tile(ve, ye, me + ci0 * co_count + co0, co_count, count, ci0, co0, ci_count, co_count, 2, 4, fresh);
  if (co_count - co0 >= 8) {
    for (int ci0 = ci_begin; ci0 < ci_end; ci0 += 4)
      accumulate_tile(ve, ye, me + ci0 * co_count + co0, co_count, count, ci0, co0, ci_count, co_count, 4, 2, fresh);
    co0 += 8;
  }
  if (co0 < co_count)
    for (int ci0 = ci_begin; ci0 < ci_end; ci0 += 4)
      accumulate_tile(ve, ye, me + ci0 * co_count + co0, co_count, count, ci0, co0, ci_count, co_count, 4, 1, fresh);
}

/*
 * m[v][e] = the sum over the partitions, in order, of M_e's 4 entries at offset + 4 v, v < n (n <= 4;
 * element-major partials of `elements` planes). Each partition's n vectors of an element are read one
 * after another: the planes lie ci · co floats apart, in one L1 set when that is a multiple of 4 KiB, so
 * a 64-byte line read one vector at a time between the other elements' lines missed L1 every time.
 */
INLINE void sum_partitions(const float *partials, v128_t m[4][36], int partitions, const int elements, int plane, int offset, int n) {
  for (int e = 0; e < elements; e++) {
    const float *p = partials + e * plane + offset;
    v128_t sum[4];
    for (int v = 0; v < 4; v++)
      if (v < n) sum[v] = wasm_v128_load(p + 4 * v);
    for (int q = 1; q < partitions; q++) {
      p = advance_read(p, elements * plane);
      for (int v = 0; v < 4; v++)
        if (v < n) sum[v] = wasm_f32x4_add(sum[v], wasm_v128_load(p + 4 * v));
    }
    for (int v = 0; v < 4; v++)
      if (v < n) m[v][e] = sum[v];
  }
}

/* F(2x2): dW = G^T M G with G = [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]]; tap (k, l) goes to dw + (3 k + l) * tap_stride. */
INLINE void filter_output_2x2(const v128_t m[16], float *dw, int tap_stride) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  v128_t r[3][4];
  for (int b = 0; b < 4; b++) {
    const v128_t s12 = wasm_f32x4_mul(half, wasm_f32x4_add(m[4 + b], m[8 + b])), d12 = wasm_f32x4_mul(half, wasm_f32x4_sub(m[4 + b], m[8 + b]));
    r[0][b] = wasm_f32x4_add(m[b], s12);
    r[1][b] = d12;
    r[2][b] = wasm_f32x4_add(s12, m[12 + b]);
  }
  for (int k = 0; k < 3; k++) {
    const v128_t s12 = wasm_f32x4_mul(half, wasm_f32x4_add(r[k][1], r[k][2])), d12 = wasm_f32x4_mul(half, wasm_f32x4_sub(r[k][1], r[k][2]));
    wasm_v128_store(dw + (k * 3 + 0) * tap_stride, wasm_f32x4_add(r[k][0], s12));
    wasm_v128_store(dw + (k * 3 + 1) * tap_stride, d12);
    wasm_v128_store(dw + (k * 3 + 2) * tap_stride, wasm_f32x4_add(s12, r[k][3]));
  }
}

/* G^T p of a 6-vector: [p0/4 - (p1 + p2)/6 + (p3 + p4)/24, (p3 - p4)/12 - (p1 - p2)/6, ((p3 + p4) - (p1 + p2))/6 + p5]. */
INLINE void filter_transform_4x4(const v128_t p[6], v128_t o[3]) {
  const v128_t quarter = wasm_f32x4_splat(0.25f), sixth = wasm_f32x4_splat(1.0f / 6), twelfth = wasm_f32x4_splat(1.0f / 12), twenty_fourth = wasm_f32x4_splat(1.0f / 24);
  const v128_t s12 = wasm_f32x4_add(p[1], p[2]), d12 = wasm_f32x4_sub(p[1], p[2]), s34 = wasm_f32x4_add(p[3], p[4]), d34 = wasm_f32x4_sub(p[3], p[4]);
  o[0] = MADD(wasm_f32x4_sub(wasm_f32x4_mul(quarter, p[0]), wasm_f32x4_mul(sixth, s12)), twenty_fourth, s34);
  o[1] = wasm_f32x4_sub(wasm_f32x4_mul(twelfth, d34), wasm_f32x4_mul(sixth, d12));
  o[2] = wasm_f32x4_add(wasm_f32x4_mul(sixth, wasm_f32x4_sub(s34, s12)), p[5]);
}

/*
 * F(4x4): dW = G^T M G with G^T = [[1/4, -1/6, -1/6, 1/24, 1/24, 0], [0, -1/6, 1/6, 1/12, -1/12, 0],
 * [0, -1/6, -1/6, 1/6, 1/6, 1]]: r = G^T M (3 x 6) column by column, then r G row by row.
 */
INLINE void filter_output_4x4(const v128_t m[36], float *dw, int tap_stride) {
  v128_t r[3][6];
  for (int j = 0; j < 6; j++) {
    const v128_t column[6] = { m[j], m[6 + j], m[12 + j], m[18 + j], m[24 + j], m[30 + j] };
    v128_t o[3];
    filter_transform_4x4(column, o);
    for (int k = 0; k < 3; k++) r[k][j] = o[k];
  }
  for (int k = 0; k < 3; k++) {
    v128_t o[3];
    filter_transform_4x4(r[k], o);
    for (int l = 0; l < 3; l++) wasm_v128_store(dw + (k * 3 + l) * tap_stride, o[l]);
  }
}

/* Input channels per block of fused_output's sums (a multiple of 4). */
#define FUSED_ROWS 8

/*
 * Where the fused path's V ([elements][tile][ci]) and Y ([elements][tile][co]) keep their tiles and
 * planes (floats): with every stride a multiple of 1 KiB (256 channels: tiles 1 KiB apart, planes 16 KiB)
 * the lines accumulate_tile reads for all elements and tiles fell in 4 of L1's 64 sets and came from L2;
 * FUSED_PAD floats more per tile and per plane spread them. Up to FUSED_PAD_TILES tiles (small maps; the
 * stack then takes at most 36 · 4 · 2 · (32 + 1) · FUSED_PAD bytes, 152 KiB, more), else unpadded.
 */
enum { FUSED_PAD = 16, FUSED_PAD_TILES = 32 };
typedef struct {
  int v_tile, v_plane, y_tile, y_plane;
} fused_layout;

/*
 * The whole of dW for input channels [ci_begin, ci_end) (divisible by 4) from one block that holds every
 * tile (a small map: one partition of one block), without the partials: per tile of mr ci x 4 vectors co (as
 * accumulate cuts them), the `elements` sums M_e go to a small buffer and straight through G^T . G into
 * dw. Each M_e entry is the same sum from +0 over the same tiles in the same order as accumulate's, and
 * the one-partition sum is that entry itself, so dW has the bits of the partials path.
 */
INLINE void fused_tile(const float *v, const float *y, float *dw, float *sums, int count, int ci0, int ci_end, int co0, int ci_count, int co_count,
                       const fused_layout *layout, const int mr, const int vectors, const int tile) {
  const int elements = (tile + 2) * (tile + 2), plane = ci_count * co_count, rows = ci_end - ci0;
  /* Element by element, the rows' tiles in turn: they share the element's V and Y lines while those are in L1. */
  for (int el = 0; el < elements; el++)
    for (int r = 0; r < rows; r += mr)
      accumulate_tile(v + el * layout->v_plane, y + el * layout->y_plane, sums + (el * FUSED_ROWS + r) * 16, 16, count, ci0 + r, co0, layout->v_tile,
                      layout->y_tile, mr, vectors, 1);
  /*
   * dW's 9 taps lie ci * co floats apart (256 KiB from 256 -> 256: one L1 set), so the rows' transforms go
   * to `staged` first and then out tap by tap, each line of dw written whole at once; only addresses change.
   */
  float staged[9 * FUSED_ROWS * 16] __attribute__((aligned(16)));
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < vectors; c++) {
      v128_t m[36];
      for (int el = 0; el < elements; el++) m[el] = wasm_v128_load(sums + (el * FUSED_ROWS + r) * 16 + 4 * c);
      float *out = staged + r * 16 + 4 * c;
      if (tile == 2) filter_output_2x2(m, out, FUSED_ROWS * 16);
      else filter_output_4x4(m, out, FUSED_ROWS * 16);
    }
  for (int tap = 0; tap < 9; tap++)
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < vectors; c++)
        wasm_v128_store(dw + tap * plane + (ci0 + r) * co_count + co0 + 4 * c, wasm_v128_load(staged + (tap * FUSED_ROWS + r) * 16 + 4 * c));
}

INLINE void fused_output(const float *v, const float *y, float *dw, int count, int ci_begin, int ci_end, int ci_count, int co_count,
                         const fused_layout *layout, const int tile) {
  float sums[36 * FUSED_ROWS * 16] __attribute__((aligned(16)));
  int co0 = 0;
  for (; co0 + 16 <= co_count; co0 += 16)
    for (int ci0 = ci_begin; ci0 < ci_end; ci0 += FUSED_ROWS)
      fused_tile(v, y, dw, sums, count, ci0, ci0 + FUSED_ROWS < ci_end ? ci0 + FUSED_ROWS : ci_end, co0, ci_count, co_count, layout, 2, 4, tile);
  if (co_count - co0 >= 8) {
    for (int ci0 = ci_begin; ci0 < ci_end; ci0 += FUSED_ROWS)
      fused_tile(v, y, dw, sums, count, ci0, ci0 + FUSED_ROWS < ci_end ? ci0 + FUSED_ROWS : ci_end, co0, ci_count, co_count, layout, 4, 2, tile);
    co0 += 8;
  }
  if (co0 < co_count)
    for (int ci0 = ci_begin; ci0 < ci_end; ci0 += FUSED_ROWS)
      fused_tile(v, y, dw, sums, count, ci0, ci0 + FUSED_ROWS < ci_end ? ci0 + FUSED_ROWS : ci_end, co0, ci_count, co_count, layout, 4, 1, tile);
}

/*
 * args: x, dy, partials (pointers; partials: [partitions][elements][ci][co], elements = 16 for F(2x2), 36
 * for F(4x4)), then the 10 geometry fields of the forward convolution (out_h, out_w: dy's size; ci, co
 * divisible by 4; block_tiles at most 128), then blocks per partition, then ci groups. Items are
 * partitions x ci groups: item i sums partition i / groups into the rows of its own M that belong to
 * input-channel group i % groups (groups of ceil(ci / 4 / groups) * 4 channels), transforming only those
 * channels of x (and all of dy). Every entry of M is the same sum over the partition's tiles in order
 * whatever the groups are, so a layer with one partition (a small map) can be split over threads by
 * channels without changing the bits. Every partition must hold at least one tile: its first block
 * writes its M (accumulate's `fresh`), nothing zeroes it. `tile` (2 or 4, a constant) selects F(2x2) or F(4x4).
 * Slot 15, fused: 1 when there is one partition of one block holding every tile; then slot 2 is dw
 * [3, 3, ci, co] itself, written through fused_output (no partials, no conv2d_winograd_filter_output).
 */
INLINE void winograd_backprop_filter(const int32_t *args, int32_t begin, int32_t end, const int tile) {
  const int elements = (tile + 2) * (tile + 2);
  const float *x = (const float *)args[0], *dy = (const float *)args[1];
  float *partials = (float *)args[2];
  const winograd_geometry *g = (const winograd_geometry *)(args + 3);
  const int blocks_per_partition = args[13], groups = args[14], fused = args[15];
  int tiles_x, tiles_per_image;
  tile_grid(g, tile, &tiles_x, &tiles_per_image);
  const int tiles = g->batch * tiles_per_image, bt = g->block_tiles;
  const int ci_count = g->in_c, co_count = g->out_c, plane = ci_count * co_count;
  const int group_c4 = (ci_count / 4 + groups - 1) / groups;
  const int pad = fused && bt <= FUSED_PAD_TILES ? FUSED_PAD : 0;
  const fused_layout layout = { ci_count + pad, bt * (ci_count + pad) + pad, co_count + pad, bt * (co_count + pad) + pad };
  float v[elements * layout.v_plane];
  float y[elements * layout.y_plane];
  for (int item = begin; item < end; item++) {
    const int partition = item / groups, group = item - partition * groups;
    const int c4_begin = group * group_c4, c4_end = c4_begin + group_c4 < ci_count / 4 ? c4_begin + group_c4 : ci_count / 4;
    if (c4_begin >= c4_end) continue;
    if (fused) {
      /* One partition, one block (the caller checked): partials is dw. */
      input_transform_tiles(g, x, v, 0, tiles, tiles_x, tiles_per_image, layout.v_plane, 4, layout.v_tile, c4_begin, c4_end, tile);
      if (tile == 2) gradient_transform(g, dy, y, 0, tiles, tiles_x, tiles_per_image, layout.y_tile, layout.y_plane);
      else gradient_transform_4x4(g, dy, y, 0, tiles, tiles_x, tiles_per_image, layout.y_tile, layout.y_plane);
      fused_output(v, y, partials, tiles, 4 * c4_begin, 4 * c4_end, ci_count, co_count, &layout, tile);
      continue;
    }
    float *m = partials + partition * elements * plane;
    for (int block = partition * blocks_per_partition; block < (partition + 1) * blocks_per_partition; block++) {
      const int first = block * bt;
      if (first >= tiles) break;
      const int count = tiles - first < bt ? tiles - first : bt;
      input_transform_tiles(g, x, v, first, count, tiles_x, tiles_per_image, bt * ci_count, 4, ci_count, c4_begin, c4_end, tile);
      if (tile == 2) gradient_transform(g, dy, y, first, count, tiles_x, tiles_per_image, co_count, bt * co_count);
      else gradient_transform_4x4(g, dy, y, first, count, tiles_x, tiles_per_image, co_count, bt * co_count);
      for (int el = 0; el < elements; el++)
        accumulate(v + el * bt * ci_count, y + el * bt * co_count, m + el * plane, count, 4 * c4_begin, 4 * c4_end, ci_count, co_count,
                   block == partition * blocks_per_partition);
    }
  }
}

/* F(2x2, 3x3): partials [partitions][16][ci][co] (winograd_backprop_filter). */
EXPORT(conv2d_winograd_backprop_filter)
void conv2d_winograd_backprop_filter(const int32_t *args, int32_t begin, int32_t end) { winograd_backprop_filter(args, begin, end, 2); }

/* F(4x4, 3x3): partials [partitions][36][ci][co] (winograd_backprop_filter). */
EXPORT(conv2d_winograd4_backprop_filter)
void conv2d_winograd4_backprop_filter(const int32_t *args, int32_t begin, int32_t end) { winograd_backprop_filter(args, begin, end, 4); }

/*
 * args: partials, dw (pointers; partials [partitions][elements][ci][co], dw: [3, 3, ci, co]), partitions,
 * ci, co (divisible by 4). Items are ci: the partitions' M are added in order, then dW = G^T M G.
 */
INLINE void winograd_filter_output(const int32_t *args, int32_t begin, int32_t end, const int tile) {
  const int elements = (tile + 2) * (tile + 2);
  const float *partials = (const float *)args[0];
  float *dw = (float *)args[1];
  const int partitions = args[2], ci_count = args[3], co_count = args[4], plane = ci_count * co_count;
  for (int ci = begin; ci < end; ci++) {
    /* 16 channels at a time, and dW's 9 taps (also ci · co floats apart) staged and written a line at a time. */
    for (int co1 = 0; co1 < co_count; co1 += 16) {
      const int n = co_count - co1 < 16 ? (co_count - co1) / 4 : 4;
      v128_t m[4][36];
      float staged[9 * 16] __attribute__((aligned(16)));
      sum_partitions(partials, m, partitions, elements, plane, ci * co_count + co1, n);
      for (int v = 0; v < n; v++) {
        if (tile == 2) filter_output_2x2(m[v], staged + 4 * v, 16);
        else filter_output_4x4(m[v], staged + 4 * v, 16);
      }
      float *o = dw + ci * co_count + co1;
      for (int tap = 0; tap < 9; tap++) {
        for (int v = 0; v < 4; v++)
          if (v < n) wasm_v128_store(o + 4 * v, wasm_v128_load(staged + 16 * tap + 4 * v));
        o = advance(o, plane);
      }
    }
  }
}

EXPORT(conv2d_winograd_filter_output)
void conv2d_winograd_filter_output(const int32_t *args, int32_t begin, int32_t end) { winograd_filter_output(args, begin, end, 2); }

EXPORT(conv2d_winograd4_filter_output)
void conv2d_winograd4_filter_output(const int32_t *args, int32_t begin, int32_t end) { winograd_filter_output(args, begin, end, 4); }
