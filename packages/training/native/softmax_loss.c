/*
 * The softmax-from-logits losses of @tfseg/losses (called by ../src/wasm-kernels/SoftmaxLoss.ts), bit for
 * bit what their composition computes on this backend with tfseg's kernels registered:
 *
 *   m = max_c x_c (the built-in Max: the first of equal values, NaN if any);  s = x − m (Sub);
 *   Σ_c exp(s_c) (Exp: musl's expf, exp.h; Sum: from zero in class order);  log of it (the backend's own
 *   Log kernel, run by SoftmaxLoss.ts between the two passes, never here);  log p = s − log Σ (Sub);
 *   p = exp(log p);  and per class the blocked sums of sums.ts over rows of y·p, y, p and y·log p
 *   (Multiply, then a BatchMatMul of ones per block of rows: each block's column summed from zero in row
 *   order, batch_matmul.c's order; the zero padding of a last short block adds +0 to a sum that is never
 *   −0, so it is left out). Here the first level only (one item per block, so the bits do not depend on
 *   the thread count); SoftmaxLoss.ts sums the blocks' partial sums level by level in the same order.
 *
 * And the gradient's element-wise part (closed-form-gradient.ts): g = p·(y·α + β) − y·κ, dz = g − p·Σ_c g.
 */
#include "exp.h"

enum { MAX_CLASSES = 64, MAX_BLOCK_ROWS = 32 };

/* exp_span, called (not inlined into each caller: the same code, once). */
__attribute__((noinline)) static void exp_block(const uint64_t *table, const float *x, float *out, int n) { exp_span(table, x, out, n); }

/* Lane l of the vector: row l's value of class c, for 4 consecutive rows of `classes` values from `rows`. */
INLINE v128_t gather_rows(const float *rows, int classes, int c) {
  return wasm_f32x4_make(rows[c], rows[classes + c], rows[2 * classes + c], rows[3 * classes + c]);
}

/* The reverse of gather_rows: lane l to row l's class c. */
INLINE void scatter_rows(float *rows, int classes, int c, v128_t v) {
  rows[c] = wasm_f32x4_extract_lane(v, 0);
  rows[classes + c] = wasm_f32x4_extract_lane(v, 1);
  rows[2 * classes + c] = wasm_f32x4_extract_lane(v, 2);
  rows[3 * classes + c] = wasm_f32x4_extract_lane(v, 3);
}

/* n (1..4) consecutive floats into lanes 0..n−1, zeros above; never reads past them. */
INLINE v128_t load_classes(const float *p, int n) {
  switch (n) {
    case 4: return wasm_v128_load(p);
    case 3: return wasm_f32x4_replace_lane(wasm_v128_load64_zero(p), 2, p[2]);
    case 2: return wasm_v128_load64_zero(p);
    default: return wasm_v128_load32_zero(p);
  }
}

/* Lanes 0..n−1 (n 1..4) of v to n consecutive floats. */
INLINE void store_classes(float *p, int n, v128_t v) {
  switch (n) {
    case 4: wasm_v128_store(p, v); break;
    case 3: wasm_v128_store64_lane(p, v, 0); p[2] = wasm_f32x4_extract_lane(v, 2); break;
    case 2: wasm_v128_store64_lane(p, v, 0); break;
    default: wasm_v128_store32_lane(p, v, 0); break;
  }
}

/* The built-in Max's row maximum: the first of equal values, NaN if any value is NaN. */
INLINE float row_max(const float *xr, int classes) {
  float m = xr[0];
  for (int c = 1; c < classes; c++) {
    const float v = xr[c];
    if (v > m || v != v) m = v;
  }
  return m;
}

/*
 * args: 0 logits [rows, C], 1 shifted (out, [rows, C]: x − max), 2 exp sums (out, [rows]), 3 rows, 4 C (≤ 64),
 * 5 exp table (exp.h), 6 block rows (≤ 32). Items: blocks of rows. 4 rows at a time, one per SIMD lane (a
 * row's max and sum are chains over its classes), each lane the scalar operations of the rest rows.
 */
EXPORT(softmax_loss_exp_sums)
void softmax_loss_exp_sums(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *shifted = (float *)args[1];
  float *sums = (float *)args[2];
  const int rows = args[3], classes = args[4], block_rows = args[6];
  const uint64_t *table = (const uint64_t *)args[5];
  float e[MAX_CLASSES * MAX_BLOCK_ROWS];
  for (int block = begin; block < end; block++) {
    const int r0 = block * block_rows, r1 = r0 + block_rows < rows ? r0 + block_rows : rows;
    int r = r0;
    for (; r + 4 <= r1; r += 4) {
      const float *xr = x + r * classes;
      v128_t m = gather_rows(xr, classes, 0);
      for (int c = 1; c < classes; c++) {
        const v128_t v = gather_rows(xr, classes, c);
        m = wasm_v128_bitselect(v, m, wasm_v128_or(wasm_f32x4_gt(v, m), wasm_f32x4_ne(v, v)));
      }
      for (int c = 0; c < classes; c++) scatter_rows(shifted + r * classes, classes, c, wasm_f32x4_sub(gather_rows(xr, classes, c), m));
    }
    for (; r < r1; r++) {
      const float m = row_max(x + r * classes, classes);
      for (int c = 0; c < classes; c++) shifted[r * classes + c] = x[r * classes + c] - m;
    }
    exp_block(table, shifted + r0 * classes, e, (r1 - r0) * classes);
    for (r = r0; r + 4 <= r1; r += 4) {
      v128_t s = wasm_f32x4_splat(0.0f);
      for (int c = 0; c < classes; c++) s = wasm_f32x4_add(s, gather_rows(e + (r - r0) * classes, classes, c));
      wasm_v128_store(sums + r, s);
    }
    for (; r < r1; r++) {
      float s = 0.0f;
      for (int c = 0; c < classes; c++) s += e[(r - r0) * classes + c];
      sums[r] = s;
    }
  }
}

/*
 * One block's sums of rows r0..r1 to out [4, C]: Σ y·p, Σ y, Σ p and (with log_p, the block's rows of
 * log p; else left alone) Σ y·log p, each class's rows from zero in order, 4 classes to a vector.
 */
INLINE void block_sums(const float *y, const float *p, const float *log_p, int r0, int r1, int classes, float *out) {
  for (int j = 0; j < classes; j += 4) {
    const int n = classes - j < 4 ? classes - j : 4;
    v128_t intersection = wasm_f32x4_splat(0.0f), target = intersection, probability = intersection, cross = intersection;
    for (int r = r0; r < r1; r++) {
      const v128_t yv = load_classes(y + r * classes + j, n), pv = load_classes(p + r * classes + j, n);
      intersection = wasm_f32x4_add(intersection, wasm_f32x4_mul(yv, pv));
      target = wasm_f32x4_add(target, yv);
      probability = wasm_f32x4_add(probability, pv);
      if (log_p) cross = wasm_f32x4_add(cross, wasm_f32x4_mul(yv, load_classes(log_p + (r - r0) * classes + j, n)));
    }
    store_classes(out + j, n, intersection);
    store_classes(out + classes + j, n, target);
    store_classes(out + 2 * classes + j, n, probability);
    if (log_p) store_classes(out + 3 * classes + j, n, cross);
  }
}

/*
 * args: 0 p (in: softmax_loss_exp_sums' shifted; out: p, in place), 1 log of the exp sums [rows], 2 target y
 * [rows, C], 3 partials (out, [blocks, 4, C]: per block Σ y·p, Σ y, Σ p, Σ y·log p, each class's rows from
 * zero in order, 4 classes to a vector), 4 rows, 5 C (≤ 64), 6 exp table, 7 block rows (≤ 32). Items: blocks.
 */
EXPORT(softmax_loss_sums)
void softmax_loss_sums(const int32_t *args, int32_t begin, int32_t end) {
  float *p = (float *)args[0];
  const float *log_sums = (const float *)args[1];
  const float *y = (const float *)args[2];
  float *partials = (float *)args[3];
  const int rows = args[4], classes = args[5], block_rows = args[7];
  const uint64_t *table = (const uint64_t *)args[6];
  float log_p[MAX_CLASSES * MAX_BLOCK_ROWS];
  for (int block = begin; block < end; block++) {
    const int r0 = block * block_rows, r1 = r0 + block_rows < rows ? r0 + block_rows : rows;
    int r = r0;
    for (; r + 4 <= r1; r += 4) {
      const v128_t l = wasm_v128_load(log_sums + r);
      for (int c = 0; c < classes; c++) scatter_rows(log_p + (r - r0) * classes, classes, c, wasm_f32x4_sub(gather_rows(p + r * classes, classes, c), l));
    }
    for (; r < r1; r++)
      for (int c = 0; c < classes; c++) log_p[(r - r0) * classes + c] = p[r * classes + c] - log_sums[r];
    exp_block(table, log_p, p + r0 * classes, (r1 - r0) * classes);
    block_sums(y, p, log_p, r0, r1, classes, partials + block * 4 * classes);
  }
}

/* A per-class parameter's 4 classes from j (stride 1) or its one value in every lane (stride 0). */
INLINE v128_t parameter_classes(const float *values, int stride, int j, int n) {
  return stride == 0 ? wasm_f32x4_splat(values[0]) : load_classes(values + j, n);
}

/*
 * α, β, κ of a gradient kernel's args (3–5: pointers, 0 for an absent term; 6–8: strides) as vectors of 4
 * classes (zeros for an absent term).
 */
INLINE void load_parameters(const int32_t *args, int classes, v128_t *a, v128_t *b, v128_t *k) {
  const float *alpha = (const float *)args[3], *beta = (const float *)args[4], *kappa = (const float *)args[5];
  for (int j = 0; j < classes; j += 4) {
    const int n = classes - j < 4 ? classes - j : 4;
    a[j / 4] = alpha ? parameter_classes(alpha, args[6], j, n) : wasm_f32x4_splat(0.0f);
    b[j / 4] = alpha ? parameter_classes(beta, args[7], j, n) : wasm_f32x4_splat(0.0f);
    k[j / 4] = kappa ? parameter_classes(kappa, args[8], j, n) : wasm_f32x4_splat(0.0f);
  }
}

/*
 * args: 0 p, 1 y, 2 dz (out) [rows, C], 3 α, 4 β (0: no Dice term), 5 κ (0: no CE term), 6 α's, 7 β's, 8 κ's
 * stride (1: one value per class, 0: a scalar), 9 rows, 10 C (≤ 64). dz = g − p·Σ_c g with
 * g = p·(y·α + β) − y·κ, p·(y·α + β) without κ, −(y·κ) without α and β; Σ_c from zero in class order.
 * Items: rows, each by vectors of 4 classes.
 */
EXPORT(softmax_loss_grad)
void softmax_loss_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *p = (const float *)args[0];
  const float *y = (const float *)args[1];
  float *dz = (float *)args[2];
  const int classes = args[10];
  const int dice = args[3] != 0, cross_entropy = args[5] != 0;
  v128_t a[MAX_CLASSES / 4], b[MAX_CLASSES / 4], k[MAX_CLASSES / 4];
  load_parameters(args, classes, a, b, k);
  /* g of one row, 3 floats of slack for a last vector's unused lanes. */
  float g[MAX_CLASSES + 3];
  for (int r = begin; r < end; r++) {
    const float *pr = p + r * classes, *yr = y + r * classes;
    for (int j = 0; j < classes; j += 4) {
      const int n = classes - j < 4 ? classes - j : 4;
      const v128_t pv = load_classes(pr + j, n), yv = load_classes(yr + j, n);
      v128_t gv;
      if (!dice) {
        gv = wasm_f32x4_neg(wasm_f32x4_mul(yv, k[j / 4]));
      } else {
        gv = wasm_f32x4_mul(pv, wasm_f32x4_add(wasm_f32x4_mul(yv, a[j / 4]), b[j / 4]));
        if (cross_entropy) gv = wasm_f32x4_sub(gv, wasm_f32x4_mul(yv, k[j / 4]));
      }
      wasm_v128_store(g + j, gv);
    }
    float s = 0.0f;
    for (int c = 0; c < classes; c++) s += g[c];
    const v128_t sv = wasm_f32x4_splat(s);
    for (int j = 0; j < classes; j += 4) {
      const int n = classes - j < 4 ? classes - j : 4;
      store_classes(dz + r * classes + j, n, wasm_f32x4_sub(wasm_v128_load(g + j), wasm_f32x4_mul(load_classes(pr + j, n), sv)));
    }
  }
}

/*
 * The softmax losses on probabilities p (a softmax output layer): per class the blocked sums of y·p, y, p
 * and y·log q with q = max(p, ε) (tfseg's Maximum: p < ε ? ε : p, NaN kept) and the backend's own Log
 * (run by SoftmaxLoss.ts between the two passes). A product y·log q with y = ±0 and log q finite is ±0,
 * which leaves a block's sum (from +0, never −0) unchanged, so only the entries with y ≠ 0 or a q whose log
 * is not finite (q NaN, +∞ or ≤ 0) need their log: the first pass gathers those q, block by block in row
 * order (one-hot targets: P of the P·C), the second adds their y·log q in the same order.
 */

/* Lanes whose log q the sums need: y ≠ 0 (NaN included) or q not in (0, +∞). */
INLINE v128_t needs_log(v128_t yv, v128_t q) {
  const v128_t finite_positive = wasm_v128_and(wasm_f32x4_gt(q, wasm_f32x4_splat(0.0f)), wasm_f32x4_lt(q, wasm_f32x4_splat(__builtin_inff())));
  return wasm_v128_not(wasm_v128_and(wasm_f32x4_eq(yv, wasm_f32x4_splat(0.0f)), finite_positive));
}

/*
 * args: 0 p, 1 y [rows, C], 2 partials (out, [blocks, 4, C]: Σ y·p, Σ y, Σ p; the fourth left alone),
 * 3 gathered (out, [rows·C]: block b's q that need a log from b·block_rows·C, in row-major order), 4 counts
 * (out, int32 [blocks]), 5 rows, 6 C (≤ 64), 7 ε (float32 bits), 8 block rows. Items: blocks.
 */
EXPORT(softmax_probability_loss_gather)
void softmax_probability_loss_gather(const int32_t *args, int32_t begin, int32_t end) {
  const float *p = (const float *)args[0];
  const float *y = (const float *)args[1];
  float *partials = (float *)args[2];
  float *gathered = (float *)args[3];
  int32_t *counts = (int32_t *)args[4];
  const int rows = args[5], classes = args[6], block_rows = args[8];
  const v128_t epsilon = wasm_f32x4_splat(arg_float(args, 7));
  for (int block = begin; block < end; block++) {
    const int r0 = block * block_rows, r1 = r0 + block_rows < rows ? r0 + block_rows : rows;
    block_sums(y, p, 0, r0, r1, classes, partials + block * 4 * classes);
    float *out = gathered + r0 * classes;
    int count = 0;
    for (int r = r0; r < r1; r++) {
      for (int j = 0; j < classes; j += 4) {
        const int n = classes - j < 4 ? classes - j : 4;
        const v128_t q = wasm_f32x4_pmax(load_classes(p + r * classes + j, n), epsilon);
        const int lanes = wasm_i32x4_bitmask(needs_log(load_classes(y + r * classes + j, n), q)) & ((1 << n) - 1);
        if (lanes == 0) continue;
        float values[4];
        wasm_v128_store(values, q);
        for (int l = 0; l < n; l++)
          if (lanes & (1 << l)) out[count++] = values[l];
      }
    }
    counts[block] = count;
  }
}

/*
 * args: 0 p, 1 y [rows, C], 2 logs (the backend's Log of the gathered q, all blocks' in order), 3 offsets
 * (int32 [blocks]: each block's first), 4 partials (out: the fourth quantity, Σ y·log q), 5 rows, 6 C (≤ 64),
 * 7 ε (float32 bits), 8 block rows. Items: blocks. The entries softmax_probability_loss_gather chose, in its
 * order; each class's sum from zero in row order.
 */
EXPORT(softmax_probability_loss_log_sums)
void softmax_probability_loss_log_sums(const int32_t *args, int32_t begin, int32_t end) {
  const float *p = (const float *)args[0];
  const float *y = (const float *)args[1];
  const float *logs = (const float *)args[2];
  const int32_t *offsets = (const int32_t *)args[3];
  float *partials = (float *)args[4];
  const int rows = args[5], classes = args[6], block_rows = args[8];
  const v128_t epsilon = wasm_f32x4_splat(arg_float(args, 7));
  float cross[MAX_CLASSES + 3];
  for (int block = begin; block < end; block++) {
    const int r0 = block * block_rows, r1 = r0 + block_rows < rows ? r0 + block_rows : rows;
    const float *log_q = logs + offsets[block];
    for (int c = 0; c < classes; c++) cross[c] = 0.0f;
    for (int r = r0; r < r1; r++) {
      for (int j = 0; j < classes; j += 4) {
        const int n = classes - j < 4 ? classes - j : 4;
        const v128_t yv = load_classes(y + r * classes + j, n);
        const v128_t q = wasm_f32x4_pmax(load_classes(p + r * classes + j, n), epsilon);
        const int lanes = wasm_i32x4_bitmask(needs_log(yv, q)) & ((1 << n) - 1);
        if (lanes == 0) continue;
        for (int l = 0; l < n; l++)
          if (lanes & (1 << l)) cross[j + l] += y[r * classes + j + l] * *log_q++;
      }
    }
    float *out = partials + (block * 4 + 3) * classes;
    for (int c = 0; c < classes; c++) out[c] = cross[c];
  }
}

/*
 * args: 0 p, 1 y, 2 out [rows, C], 3 α, 4 β (0: no Dice term), 5 κ (0: no CE term), 6–8 their strides (1
 * per class, 0 a scalar), 9 rows, 10 C (≤ 64), 11 ε (float32 bits). out = A − e with A = y·α + β,
 * e = ((y·κ) / q)·[p ≥ ε], q = (p < ε ? ε : p); A without κ, −e without α and β. Items: rows.
 */
EXPORT(softmax_probability_loss_grad)
void softmax_probability_loss_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *p = (const float *)args[0];
  const float *y = (const float *)args[1];
  float *out = (float *)args[2];
  const int classes = args[10];
  const int dice = args[3] != 0, cross_entropy = args[5] != 0;
  const v128_t epsilon = wasm_f32x4_splat(arg_float(args, 11)), one = wasm_f32x4_splat(1.0f);
  v128_t a[MAX_CLASSES / 4], b[MAX_CLASSES / 4], k[MAX_CLASSES / 4];
  load_parameters(args, classes, a, b, k);
  for (int r = begin; r < end; r++) {
    for (int j = 0; j < classes; j += 4) {
      const int n = classes - j < 4 ? classes - j : 4;
      const v128_t pv = load_classes(p + r * classes + j, n), yv = load_classes(y + r * classes + j, n);
      v128_t e = wasm_f32x4_splat(0.0f);
      if (cross_entropy) {
        /* Cast(p ≥ ε) is 1 or 0, multiplied in (0·∞ and 0·NaN stay NaN, as in the composition). */
        const v128_t in_range = wasm_v128_and(wasm_f32x4_ge(pv, epsilon), one);
        e = wasm_f32x4_mul(wasm_f32x4_div(wasm_f32x4_mul(yv, k[j / 4]), wasm_f32x4_pmax(pv, epsilon)), in_range);
      }
      v128_t g;
      if (!dice) g = wasm_f32x4_neg(e);
      else {
        g = wasm_f32x4_add(wasm_f32x4_mul(yv, a[j / 4]), b[j / 4]);
        if (cross_entropy) g = wasm_f32x4_sub(g, e);
      }
      store_classes(out + r * classes + j, n, g);
    }
  }
}
