/*
 * Batched matrix product with either operand transposed, float32 (called by
 * ../src/wasm-kernels/BatchMatMul.ts): out[b] = op(A[b]) · op(B[b]), op the identity or a transpose,
 * A or B broadcast over the batch when its batch stride is 0. Attention's forward pass (Q·Kᵀ, P·V) and
 * the gradients of every matrix product (dA = dy·Bᵀ, dB = Aᵀ·dy) take the transposed forms, which
 * tfjs-backend-wasm runs in a scalar loop (or transposes first) on one thread.
 *
 * B untransposed: a tile is up to 4 rows × 16 columns (16 SIMD accumulators), each step over k loads
 * 4 vectors of B's row k and splats A(i, k) — A's row or column, so Aᵀ costs nothing. B transposed:
 * each output is a dot product of A's row and B's row over k, 4 lanes at a time. Every output element
 * is summed over k in one fixed order whatever the tiling, and items (batch × blocks of 4 rows) never
 * share an output, so the bits do not depend on the thread count.
 */
#include "kernels.h"

enum { ROWS = 4, VECTORS = 4 };

typedef struct {
  const float *a, *b;
  float *out;
  int32_t m, k, n;
  int32_t a_row, a_k; /* A(i, k) = a[i * a_row + k * a_k] */
} product;

/* Rows i0 .. i0 + rows − 1 of out = A · B with B [k, n] row-major. */
INLINE void rows_times_b(const product *p, int i0, const int rows) {
  const int n = p->n, k_count = p->k;
  int j = 0;
  for (; j + 4 * VECTORS <= n; j += 4 * VECTORS) {
    v128_t acc[ROWS][VECTORS];
#pragma clang loop unroll(full)
    for (int r = 0; r < ROWS; r++)
#pragma clang loop unroll(full)
      for (int v = 0; v < VECTORS; v++) acc[r][v] = wasm_f32x4_splat(0);
    const float *bp = p->b + j;
    const float *ap = p->a + i0 * p->a_row;
    for (int k = 0; k < k_count; k++, bp += n, ap += p->a_k) {
      v128_t bv[VECTORS];
#pragma clang loop unroll(full)
      for (int v = 0; v < VECTORS; v++) bv[v] = wasm_v128_load(bp + 4 * v);
#pragma clang loop unroll(full)
      for (int r = 0; r < ROWS; r++) {
        if (r < rows) {
          const v128_t s = wasm_f32x4_splat(ap[r * p->a_row]);
#pragma clang loop unroll(full)
          for (int v = 0; v < VECTORS; v++) acc[r][v] = MADD(acc[r][v], s, bv[v]);
        }
      }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < ROWS; r++)
      if (r < rows)
#pragma clang loop unroll(full)
        for (int v = 0; v < VECTORS; v++) wasm_v128_store(p->out + (i0 + r) * n + j + 4 * v, acc[r][v]);
  }
  for (; j + 4 <= n; j += 4) {
    v128_t acc[ROWS];
#pragma clang loop unroll(full)
    for (int r = 0; r < ROWS; r++) acc[r] = wasm_f32x4_splat(0);
    const float *bp = p->b + j;
    const float *ap = p->a + i0 * p->a_row;
    for (int k = 0; k < k_count; k++, bp += n, ap += p->a_k) {
      const v128_t bv = wasm_v128_load(bp);
#pragma clang loop unroll(full)
      for (int r = 0; r < ROWS; r++)
        if (r < rows) acc[r] = MADD(acc[r], wasm_f32x4_splat(ap[r * p->a_row]), bv);
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < ROWS; r++)
      if (r < rows) wasm_v128_store(p->out + (i0 + r) * n + j, acc[r]);
  }
  for (; j < n; j++) {
    for (int r = 0; r < rows; r++) {
      const float *ap = p->a + (i0 + r) * p->a_row;
      float acc = 0;
      for (int k = 0; k < k_count; k++) acc += ap[k * p->a_k] * p->b[k * n + j];
      p->out[(i0 + r) * n + j] = acc;
    }
  }
}

/* The 4 lanes of v added as (l0 + l1) + (l2 + l3). */
INLINE float lanes_sum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

/* Rows i0 .. i0 + rows − 1 of out = A · Bᵀ with B [n, k] row-major (A's rows contiguous: a_k = 1). */
static void rows_times_bt(const product *p, int i0, int rows) {
  const int n = p->n, k_count = p->k, k4 = k_count & ~3;
  for (int r = 0; r < rows; r++) {
    const float *ar = p->a + (i0 + r) * p->a_row;
    float *o = p->out + (i0 + r) * n;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      const float *b0 = p->b + j * k_count;
      v128_t acc[4] = {wasm_f32x4_splat(0), wasm_f32x4_splat(0), wasm_f32x4_splat(0), wasm_f32x4_splat(0)};
      for (int k = 0; k < k4; k += 4) {
        const v128_t av = wasm_v128_load(ar + k);
#pragma clang loop unroll(full)
        for (int c = 0; c < 4; c++) acc[c] = MADD(acc[c], av, wasm_v128_load(b0 + c * k_count + k));
      }
#pragma clang loop unroll(full)
      for (int c = 0; c < 4; c++) {
        float sum = lanes_sum(acc[c]);
        for (int k = k4; k < k_count; k++) sum += ar[k] * b0[c * k_count + k];
        o[j + c] = sum;
      }
    }
    for (; j < n; j++) {
      const float *bj = p->b + j * k_count;
      v128_t acc = wasm_f32x4_splat(0);
      for (int k = 0; k < k4; k += 4) acc = MADD(acc, wasm_v128_load(ar + k), wasm_v128_load(bj + k));
      float sum = lanes_sum(acc);
      for (int k = k4; k < k_count; k++) sum += ar[k] * bj[k];
      o[j] = sum;
    }
  }
}

/* Rows of out = Aᵀ · Bᵀ (A [k, m], B [n, k]): scalar, rare (the gradient of a product of two transposes). */
static void rows_times_bt_strided(const product *p, int i0, int rows) {
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < p->n; j++) {
      float acc = 0;
      for (int k = 0; k < p->k; k++) acc += p->a[(i0 + r) * p->a_row + k * p->a_k] * p->b[j * p->k + k];
      p->out[(i0 + r) * p->n + j] = acc;
    }
}

/* args: a, b, out (pointers), batch, a's batch stride, b's batch stride (elements; 0: broadcast), m, k, n,
 * transpose_a, transpose_b. Items: batch × ceil(m / 4) blocks of rows. */
EXPORT(batch_matmul)
void batch_matmul(const int32_t *args, int32_t begin, int32_t end) {
  const int m = args[6], k = args[7], n = args[8];
  const int transpose_a = args[9], transpose_b = args[10];
  const int blocks = (m + ROWS - 1) / ROWS;
  for (int item = begin; item < end; item++) {
    const int batch = item / blocks, i0 = (item % blocks) * ROWS;
    const int rows = m - i0 < ROWS ? m - i0 : ROWS;
    const product p = {
      .a = (const float *)args[0] + batch * args[4],
      .b = (const float *)args[1] + batch * args[5],
      .out = (float *)args[2] + batch * m * n,
      .m = m, .k = k, .n = n,
      .a_row = transpose_a ? 1 : k,
      .a_k = transpose_a ? m : 1,
    };
    if (!transpose_b) {
      switch (rows) {
        case 4: rows_times_b(&p, i0, 4); break;
        case 3: rows_times_b(&p, i0, 3); break;
        case 2: rows_times_b(&p, i0, 2); break;
        default: rows_times_b(&p, i0, 1); break;
      }
    } else if (!transpose_a) {
      rows_times_bt(&p, i0, rows);
    } else {
      rows_times_bt_strided(&p, i0, rows);
    }
  }
}
