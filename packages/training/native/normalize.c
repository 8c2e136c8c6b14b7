/*
 * normalize_forward: the forward pass of @tfseg/models' normalizeAndScale (GroupNormalization and
 * ChannelLayerNormalization) in one kernel. x is viewed as [B, M, G, K], its statistics taken over M and K
 * for each (b, g), γ and β as [G, K]:
 *
 *   mean = Σ x / n,  var = Σ (x − mean)² / n,  r = 1/√(var + ε),  x̂ = (x − mean)·r,  y = x̂·γ (+ β)
 *
 * with the operations of the tfjs ops it replaces, in their order, so the same bits: each sum is the
 * built-in wasm Mean's (one float accumulator from 0, over M then K in row-major order of the transposed
 * [B, G, M, K], then divided by n as a float), x − mean, its square, + ε, 1/√ as the built-in Rsqrt
 * (1 / sqrtf), then the products and the sum of the broadcasting Multiply and Add kernels.
 *
 * SIMD without reordering a sum: an item is 4 consecutive (b, g) pairs, one per lane, so each lane's
 * accumulator still adds its own pair's values one at a time in the Mean's order (a scalar loop with one
 * accumulator waits on every add; four lanes wait once for four). The elementwise passes run along the
 * rows (order-free). Each item writes only its own pairs' elements, so the bits do not depend on the thread
 * count (nor on how pairs are grouped: a lane computes exactly what the scalar loop did).
 */
#include "kernels.h"

/*
 * One item: the 4 pairs 4·item … 4·item + 3 (the last item may have fewer; its spare lanes repeat its
 * last pair, are computed and never stored).
 */
typedef struct {
  int x[4];       /* each lane's first element in the [B, M, G, K] tensors */
  int gamma[4];   /* each lane's row of γ (and β) */
  int lanes;      /* the item's pairs, 1..4 */
  int contiguous; /* 4 pairs of one b: lane j's elements follow lane 0's j·K floats further on, as its γ */
} quad;

INLINE quad quad_of(int item, int pairs, int m_size, int groups, int k_size) {
  quad q;
  const int first = 4 * item;
  q.lanes = pairs - first < 4 ? pairs - first : 4;
  for (int j = 0; j < 4; j++) {
    const int pair = first + (j < q.lanes ? j : q.lanes - 1);
    const int b = pair / groups, g = pair % groups;
    q.x[j] = b * m_size * groups * k_size + g * k_size;
    q.gamma[j] = g * k_size;
  }
  q.contiguous = q.lanes == 4 && first / groups == (first + 3) / groups;
  return q;
}

/*
 * How an item's lanes read their values: with contiguous lanes and K = 1 or 2 the four lanes' values of
 * a row lie side by side (one vector, or two to deinterleave); otherwise 4 values from each lane's row
 * while 4 are left (a 4 × 4 transpose), then one value of each gathered.
 */
enum { SIDE_BY_SIDE_1, SIDE_BY_SIDE_2, ROWS_OF_4, GATHERED };

/*
 * The four lanes' next values at k of row offset `at` (lane j reads p[offset[j] + at + k + i]) as they
 * lie in memory; arrange() makes them lane vectors. Returns how many vectors (and values per lane).
 */
INLINE int raw_values(int kind, const float *p, const int *offset, int at, int k, v128_t *raw) {
  if (kind == SIDE_BY_SIDE_1 || kind == SIDE_BY_SIDE_2) {
    raw[0] = wasm_v128_load(p + offset[0] + at);
    if (kind == SIDE_BY_SIDE_1) return 1;
    raw[1] = wasm_v128_load(p + offset[0] + at + 4);
    return 2;
  }
  if (kind == ROWS_OF_4) {
    for (int j = 0; j < 4; j++) raw[j] = wasm_v128_load(p + offset[j] + at + k);
    return 4;
  }
  raw[0] = wasm_f32x4_make(p[offset[0] + at + k], p[offset[1] + at + k], p[offset[2] + at + k], p[offset[3] + at + k]);
  return 1;
}

/* raw_values' n vectors as lane vectors: t[i] holds every lane's (k + i)th value. */
INLINE void arrange(const v128_t *raw, int n, v128_t *t) {
  if (n == 4) {
    transpose_4x4(raw[0], raw[1], raw[2], raw[3], &t[0], &t[1], &t[2], &t[3]);
  } else if (n == 2) {
    t[0] = wasm_i32x4_shuffle(raw[0], raw[1], 0, 2, 4, 6);
    t[1] = wasm_i32x4_shuffle(raw[0], raw[1], 1, 3, 5, 7);
  } else {
    t[0] = raw[0];
  }
}

/* The three sums: Σ x, Σ (x − mean)² (forward), Σ ĝ and Σ ĝ·x̂ with ĝ = dy·γ (backward). */
enum { SUM, SQUARES, GRADIENT };
typedef struct {
  v128_t first, second;
} sums;

/*
 * Adds the lanes' next values at k of row offset `at` to their sums: arranged into lane vectors and
 * added t[0], t[1], … in order, so each lane adds its own values one at a time in their order. The
 * gradient's products ĝ = dy·γ and ĝ·x̂ are taken elementwise on the values as loaded (order-free), then
 * arranged.
 */
INLINE sums add_values(int pass, int kind, const float *p, const float *normalized, const float *gamma, const quad *q, int at, int k, v128_t mean, sums acc) {
  v128_t raw[4], t[4];
  const int n = raw_values(kind, p, q->x, at, k, raw);
  if (pass == GRADIENT) {
    v128_t g[4], h[4], products[4], u[4];
    raw_values(kind, gamma, q->gamma, 0, k, g);
    raw_values(kind, normalized, q->x, at, k, h);
    for (int i = 0; i < n; i++) {
      raw[i] = wasm_f32x4_mul(raw[i], g[i]);
      products[i] = wasm_f32x4_mul(raw[i], h[i]);
    }
    arrange(raw, n, t);
    arrange(products, n, u);
    for (int i = 0; i < n; i++) {
      acc.first = wasm_f32x4_add(acc.first, t[i]);
      acc.second = wasm_f32x4_add(acc.second, u[i]);
    }
    return acc;
  }
  arrange(raw, n, t);
  for (int i = 0; i < n; i++) {
    if (pass == SUM) {
      acc.first = wasm_f32x4_add(acc.first, t[i]);
    } else {
      const v128_t d = wasm_f32x4_sub(t[i], mean);
      acc.first = wasm_f32x4_add(acc.first, wasm_f32x4_mul(d, d));
    }
  }
  return acc;
}

/* One of the sums over each lane's [M, K] slice, from 0, M then K (the built-in Mean's order). */
INLINE sums lane_sums(int pass, const float *p, const float *normalized, const float *gamma, const quad *q, int m_size, int row, int k_size, v128_t mean) {
  sums acc = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
  if (q->contiguous && k_size == 1) {
    for (int m = 0; m < m_size; m++) acc = add_values(pass, SIDE_BY_SIDE_1, p, normalized, gamma, q, m * row, 0, mean, acc);
  } else if (q->contiguous && k_size == 2) {
    for (int m = 0; m < m_size; m++) acc = add_values(pass, SIDE_BY_SIDE_2, p, normalized, gamma, q, m * row, 0, mean, acc);
  } else {
    for (int m = 0; m < m_size; m++) {
      int k = 0;
      for (; k + 4 <= k_size; k += 4) acc = add_values(pass, ROWS_OF_4, p, normalized, gamma, q, m * row, k, mean, acc);
      for (; k < k_size; k++) acc = add_values(pass, GATHERED, p, normalized, gamma, q, m * row, k, mean, acc);
    }
  }
  return acc;
}

/* The pairs' per-pair values (lanes of v) written to out[4·item + j] for the item's real lanes. */
INLINE void store_lanes(float *out, int item, const quad *q, v128_t v) {
  if (q->lanes == 4) {
    wasm_v128_store(out + 4 * item, v);
    return;
  }
  float lanes[4];
  wasm_v128_store(lanes, v);
  for (int j = 0; j < q->lanes; j++) out[4 * item + j] = lanes[j];
}

/* The pairs' per-pair values in[4·item + j] as lanes (spare lanes repeat the last real one's). */
INLINE v128_t load_lanes(const float *in, int item, const quad *q) {
  if (q->lanes == 4) return wasm_v128_load(in + 4 * item);
  float lanes[4];
  for (int j = 0; j < 4; j++) lanes[j] = in[4 * item + (j < q->lanes ? j : q->lanes - 1)];
  return wasm_v128_load(lanes);
}

/*
 * The elementwise passes run over spans: with contiguous lanes and K ≤ 16, one span of 4·K floats per
 * row m covers all four lanes (a multiple of 4 whatever K is; per-element statistics repeat each lane's
 * K times: SPREAD); otherwise one span of K floats per lane and row, the statistics splatted.
 */
#define SPREAD_MAX_K 16

/* stats[i·K + k] = lane i's value of v, for k < K: the per-element statistics of a contiguous span. */
INLINE void spread(v128_t v, int k_size, float *stats) {
  float lanes[4];
  wasm_v128_store(lanes, v);
  for (int i = 0; i < 4 * k_size; i++) stats[i] = lanes[i / k_size];
}

/* The statistic for element i of a span: spread (a per-element array) or one value for the span. */
INLINE v128_t stat_vector(const float *stat, int spread_stats, int i) {
  return spread_stats ? wasm_v128_load(stat + i) : wasm_f32x4_splat(stat[0]);
}
INLINE float stat_scalar(const float *stat, int spread_stats, int i) {
  return stat[spread_stats ? i : 0];
}

/* x̂ = (x − mean)·r, y = x̂·γ (+ β) over `length` floats, as the composition's kernels compute each. */
INLINE void normalize_span(const float *x, const float *gamma, const float *beta, float *y, float *normalized, const float *mean, const float *r, int spread_stats, int length) {
  int i = 0;
  for (; i + 4 <= length; i += 4) {
    const v128_t n = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + i), stat_vector(mean, spread_stats, i)), stat_vector(r, spread_stats, i));
    wasm_v128_store(normalized + i, n);
    const v128_t v = wasm_f32x4_mul(n, wasm_v128_load(gamma + i));
    wasm_v128_store(y + i, beta ? wasm_f32x4_add(v, wasm_v128_load(beta + i)) : v);
  }
  for (; i < length; i++) {
    const float n = (x[i] - stat_scalar(mean, spread_stats, i)) * stat_scalar(r, spread_stats, i);
    normalized[i] = n;
    const float v = n * gamma[i];
    y[i] = beta ? v + beta[i] : v;
  }
}

EXPORT(normalize_forward)
void normalize_forward(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  const float *gamma = (const float *)args[1];
  const float *beta = (const float *)args[2];
  float *y = (float *)args[3];
  float *normalized = (float *)args[4];
  float *inverse = (float *)args[5];
  const int m_size = args[6], groups = args[7], k_size = args[8];
  const v128_t count = wasm_f32x4_splat(arg_float(args, 9));
  const v128_t epsilon = wasm_f32x4_splat(arg_float(args, 10));
  const int pairs = args[11] * groups;
  const int row = groups * k_size;
  for (int item = begin; item < end; item++) {
    const quad q = quad_of(item, pairs, m_size, groups, k_size);
    const v128_t mean = wasm_f32x4_div(lane_sums(SUM, x, 0, 0, &q, m_size, row, k_size, wasm_f32x4_splat(0.0f)).first, count);
    const v128_t squares = lane_sums(SQUARES, x, 0, 0, &q, m_size, row, k_size, mean).first;
    const v128_t r = wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_sqrt(wasm_f32x4_add(wasm_f32x4_div(squares, count), epsilon)));
    store_lanes(inverse, item, &q, r);
    if (q.contiguous && k_size <= SPREAD_MAX_K) {
      float means[4 * SPREAD_MAX_K], inverses[4 * SPREAD_MAX_K];
      spread(mean, k_size, means);
      spread(r, k_size, inverses);
      for (int m = 0; m < m_size; m++) {
        const int at = q.x[0] + m * row;
        normalize_span(x + at, gamma + q.gamma[0], beta ? beta + q.gamma[0] : 0, y + at, normalized + at, means, inverses, 1, 4 * k_size);
      }
    } else {
      float means[4], inverses[4];
      wasm_v128_store(means, mean);
      wasm_v128_store(inverses, r);
      for (int j = 0; j < q.lanes; j++) {
        for (int m = 0; m < m_size; m++) {
          const int at = q.x[j] + m * row;
          normalize_span(x + at, gamma + q.gamma[j], beta ? beta + q.gamma[j] : 0, y + at, normalized + at, means + j, inverses + j, 0, k_size);
        }
      }
    }
  }
}

/* dx = ((ĝ − mean ĝ) − x̂·mean(ĝ·x̂))·r with ĝ = dy·γ over `length` floats, as the composition's kernels compute each. */
INLINE void gradient_span(const float *dy, const float *normalized, const float *gamma, float *dx, const float *mean_scaled, const float *mean_projection, const float *r, int spread_stats, int length) {
  int i = 0;
  for (; i + 4 <= length; i += 4) {
    const v128_t scaled = wasm_f32x4_mul(wasm_v128_load(dy + i), wasm_v128_load(gamma + i));
    const v128_t centred = wasm_f32x4_sub(scaled, stat_vector(mean_scaled, spread_stats, i));
    const v128_t projected = wasm_f32x4_mul(wasm_v128_load(normalized + i), stat_vector(mean_projection, spread_stats, i));
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_f32x4_sub(centred, projected), stat_vector(r, spread_stats, i)));
  }
  for (; i < length; i++) {
    const float scaled = dy[i] * gamma[i];
    dx[i] = ((scaled - stat_scalar(mean_scaled, spread_stats, i)) - normalized[i] * stat_scalar(mean_projection, spread_stats, i)) * stat_scalar(r, spread_stats, i);
  }
}

/*
 * normalize_backward: the input gradient of normalizeAndScale from its saved x̂ and r, per 4 (b, g) pairs
 * as normalize_forward: with ĝ = dy·γ, dx = ((ĝ − Σĝ/n) − x̂·(Σ ĝ·x̂/n))·r, each lane's sums in the built-in
 * Mean's order (M then K from 0) and each operation as the composition's kernels do it, so the same bits.
 */
EXPORT(normalize_backward)
void normalize_backward(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0];
  const float *normalized = (const float *)args[1];
  const float *inverse = (const float *)args[2];
  const float *gamma = (const float *)args[3];
  float *dx = (float *)args[4];
  const int m_size = args[5], groups = args[6], k_size = args[7];
  const v128_t count = wasm_f32x4_splat(arg_float(args, 8));
  const int pairs = args[9] * groups;
  const int row = groups * k_size;
  for (int item = begin; item < end; item++) {
    const quad q = quad_of(item, pairs, m_size, groups, k_size);
    const sums acc = lane_sums(GRADIENT, dy, normalized, gamma, &q, m_size, row, k_size, wasm_f32x4_splat(0.0f));
    const v128_t sum = acc.first, projection = acc.second;
    float mean_scaled[4 * SPREAD_MAX_K], mean_projection[4 * SPREAD_MAX_K], inverses[4 * SPREAD_MAX_K];
    const v128_t r = load_lanes(inverse, item, &q);
    if (q.contiguous && k_size <= SPREAD_MAX_K) {
      spread(wasm_f32x4_div(sum, count), k_size, mean_scaled);
      spread(wasm_f32x4_div(projection, count), k_size, mean_projection);
      spread(r, k_size, inverses);
      for (int m = 0; m < m_size; m++) {
        const int at = q.x[0] + m * row;
        gradient_span(dy + at, normalized + at, gamma + q.gamma[0], dx + at, mean_scaled, mean_projection, inverses, 1, 4 * k_size);
      }
    } else {
      wasm_v128_store(mean_scaled, wasm_f32x4_div(sum, count));
      wasm_v128_store(mean_projection, wasm_f32x4_div(projection, count));
      wasm_v128_store(inverses, r);
      for (int j = 0; j < q.lanes; j++) {
        for (int m = 0; m < m_size; m++) {
          const int at = q.x[j] + m * row;
          gradient_span(dy + at, normalized + at, gamma + q.gamma[j], dx + at, mean_scaled + j, mean_projection + j, inverses + j, 0, k_size);
        }
      }
    }
  }
}

/*
 * dγ and dβ of `vectors` (1–4, a constant where inlined) consecutive groups of 4 columns from c, their
 * accumulators side by side: each column's rows still in order from 0, one add at a time, but an add no
 * longer waits on the one before it (a different column's).
 */
INLINE void parameter_grads_block(const float *dy, const float *normalized, float *dgamma, float *dbeta, int rows, int columns, int c, int vectors) {
  v128_t acc_gamma[4], acc_beta[4];
  for (int v = 0; v < vectors; v++) acc_gamma[v] = acc_beta[v] = wasm_f32x4_splat(0.0f);
  for (int r = 0; r < rows; r++) {
    for (int v = 0; v < vectors; v++) {
      const v128_t d = wasm_v128_load(dy + r * columns + c + 4 * v);
      acc_gamma[v] = wasm_f32x4_add(acc_gamma[v], wasm_f32x4_mul(d, wasm_v128_load(normalized + r * columns + c + 4 * v)));
      acc_beta[v] = wasm_f32x4_add(acc_beta[v], d);
    }
  }
  for (int v = 0; v < vectors; v++) {
    wasm_v128_store(dgamma + c + 4 * v, acc_gamma[v]);
    if (dbeta) wasm_v128_store(dbeta + c + 4 * v, acc_beta[v]);
  }
}

/*
 * normalize_parameter_grads: dγ = Σ dy·x̂ and dβ = Σ dy over the rows of the [rows, columns] views (the
 * leading axes), each column's rows in order from 0 as sum_leading (the Sum over leading axes) adds
 * them, 4 columns to a SIMD vector, so the same bits. Items: groups of 4 columns; up to 4 of a call's
 * items run side by side (parameter_grads_block), which changes no column's order.
 */
EXPORT(normalize_parameter_grads)
void normalize_parameter_grads(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0];
  const float *normalized = (const float *)args[1];
  float *dgamma = (float *)args[2];
  float *dbeta = (float *)args[3];
  const int rows = args[4], columns = args[5];
  for (int item = begin; item < end;) {
    const int c = item * 4;
    if (c + 4 <= columns) {
      int vectors = (columns - c) / 4;
      if (vectors > end - item) vectors = end - item;
      switch (vectors) {
        case 1: parameter_grads_block(dy, normalized, dgamma, dbeta, rows, columns, c, 1); break;
        case 2: parameter_grads_block(dy, normalized, dgamma, dbeta, rows, columns, c, 2); break;
        case 3: parameter_grads_block(dy, normalized, dgamma, dbeta, rows, columns, c, 3); break;
        default: parameter_grads_block(dy, normalized, dgamma, dbeta, rows, columns, c, 4); vectors = 4; break;
      }
      item += vectors;
    } else {
      for (int k = c; k < columns; k++) {
        float acc_gamma = 0.0f, acc_beta = 0.0f;
        for (int r = 0; r < rows; r++) {
          acc_gamma += dy[r * columns + k] * normalized[r * columns + k];
          acc_beta += dy[r * columns + k];
        }
        dgamma[k] = acc_gamma;
        if (dbeta) dbeta[k] = acc_beta;
      }
      item++;
    }
  }
}
