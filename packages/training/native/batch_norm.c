/*
 * Batch normalization over the last axis of a [rows, channels] float32 tensor (a [B, H, W, C]
 * activation seen as B·H·W rows), called by ../src/wasm-kernels/FusedBatchNorm.ts and
 * BatchNormGrad.ts:
 *   batch_norm_apply: out = (x − mean)·scale/√(variance + ε) + offset per channel, one pass (the
 *     forward normalisation, and with mean and offset left out the input gradient dy·scale/√(v + ε));
 *     optionally followed by ReLU in the same pass (a BN + ReLU layer's training forward);
 *   batch_norm_sums: per channel Σ dy and Σ dy·(x − mean), from which the gradients of mean, variance,
 *     scale and offset follow; rows are cut into a fixed number of partitions, each summed in order
 *     into its own slot, and the caller adds the slots in order, so the bits never depend on how
 *     partitions are split among threads;
 *   batch_norm_statistics: per channel mean and biased variance (training-mode batch norm's forward
 *     statistics), each column summed over all rows in order, then divided by the row count — the
 *     same operations, so the same bits, as tfjs' moments on this backend (sum_leading's Mean, x − mean,
 *     its square, Mean again), without writing x − mean or its square — and optionally the next moving
 *     mean and variance;
 *   batch_norm_coefficients: those coefficients (and the scale and offset gradients) from
 *     batch_norm_sums' partitions, added in order;
 *   batch_norm_backward: the input gradient of training-mode batch norm from per-channel coefficients,
 *     dx = (dy − k1 − (x − mean)·k2)·g, one pass.
 * With ReLU after the normalisation, batch_norm_sums takes dy as the gradient of the ReLU's output and
 * uses dy·step(y) in its place — relu_grad's arithmetic, so the same bits as that kernel followed by these
 * — recomputing y = (x − mean)·factor + offset with batch_norm_apply's operations (the same bits as the
 * forward pass) instead of reading a saved y; batch_norm_backward recomputes it again rather than
 * reading a dy·step(y) that batch_norm_sums wrote (one full-size write and read fewer per layer). Both
 * mask with relu_mask4_finite (three operations, not relu_mask4's five) where that gives the same bits:
 * the sums when no dy is infinite or NaN and no y NaN (checked as they go, else summed again), the
 * backward pass when its k1 proves the same of the whole channel.
 */
#include "kernels.h"

/* Channels whose factors fit on the stack (16 KiB); the TypeScript side sends larger ones elsewhere. */
#define MAX_CHANNELS 4096

/*
 * Per channel factor = scale/√(variance + ε) (scale 0: ones), centre = mean (0: none) and shift = offset
 * (0: none): the normalisation y = (x − centre)·factor + shift of every kernel here, in one place so that
 * the backward passes recompute the forward pass' y bit for bit.
 */
INLINE void normalisation(const float *mean, const float *variance, const float *scale, const float *offset, float epsilon, int channels, float *centre,
                          float *factor, float *shift) {
  for (int c = 0; c < channels; c++) {
    factor[c] = (scale ? scale[c] : 1.0f) / __builtin_sqrtf(variance[c] + epsilon);
    centre[c] = mean ? mean[c] : 0.0f;
    shift[c] = offset ? offset[c] : 0.0f;
  }
}

/*
 * ReLU with unary_elementwise's bits for any v this file computes (an arithmetic result, so any NaN is
 * quiet): v above 0, else +0; NaN stays NaN. In two operations instead of four: v + 0 turns −0 into +0
 * and leaves every other value (a quiet NaN too) as it is, then pmax(v, 0) = v < 0 ? 0 : v, which keeps
 * NaN (the comparison is false).
 */
INLINE v128_t relu4(v128_t v) { return wasm_f32x4_pmax(wasm_f32x4_add(v, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(0.0f)); }
INLINE float relu1(float v) { return v != v ? v : (v > 0.0f ? v : 0.0f); }

/* dy·step(y) as relu_grad computes it: step is 1 above 0, 0 at or below it, NaN for NaN. */
INLINE v128_t relu_mask4(v128_t dy, v128_t y) {
  v128_t step = wasm_v128_and(wasm_f32x4_gt(y, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(1.0f));
  step = wasm_v128_bitselect(y, step, wasm_f32x4_ne(y, y));
  return wasm_f32x4_mul(dy, step);
}
INLINE float relu_mask1(float dy, float y) { return dy * (y != y ? y : (y > 0.0f ? 1.0f : 0.0f)); }

/*
 * relu_mask4's bits in three operations instead of five (seven x86 instructions), valid when dy is finite
 * and y is not NaN: dy where y > 0, else a zero with dy's sign (the bits of dy·1 and dy·0).
 */
INLINE v128_t relu_mask4_finite(v128_t dy, v128_t y) {
  return wasm_v128_and(dy, wasm_v128_or(wasm_f32x4_gt(y, wasm_f32x4_splat(0.0f)), wasm_i32x4_splat((int32_t)0x80000000)));
}

/* Whether every lane of v is finite (v·0 is ±0 for a finite v, NaN for ±∞ and NaN). */
INLINE int all_finite4(v128_t v) { return wasm_i32x4_all_true(wasm_f32x4_eq(wasm_f32x4_mul(v, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(0.0f))); }

/* Whether values[0 .. count) (count divisible by 4) are all finite. */
INLINE int all_finite(const float *values, int count) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (int i = 0; i < count; i += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(values + i), wasm_f32x4_splat(0.0f)));
  return all_finite4(acc);
}

/*
 * Elements of one full-size operand in a row block of the passes that go by L1 row blocks (8 KiB: x and
 * the output of batch_norm_apply take 16 KiB, a third of L1; x, dy and dx of batch_norm_backward 24 KiB,
 * half of it).
 */
#define BLOCK_ELEMENTS 2048

/* Rows of such a block: as many as fit BLOCK_ELEMENTS, at least one. */
INLINE int block_rows(int channels) { return channels >= BLOCK_ELEMENTS ? 1 : BLOCK_ELEMENTS / channels; }

/*
 * out = (x − centre)·factor + shift over rows [begin, end), optionally rectified. By blocks of rows that
 * stay in L1, one 4-channel column at a time, so each column's three per-channel vectors stay in registers.
 */
INLINE void apply_rows(const float *x, float *out, const float *centre, const float *factor, const float *shift, int channels, int begin, int end,
                       const int relu) {
  const int vector_end = channels & ~3;
  const int block = block_rows(channels);
  for (int first = begin; first < end; first += block) {
    const int last = end - first < block ? end : first + block;
    for (int c = 0; c < vector_end; c += 4) {
      const v128_t m = wasm_v128_load(centre + c), f = wasm_v128_load(factor + c), h = wasm_v128_load(shift + c);
      const float *in = x + (int64_t)first * channels + c;
      float *o = out + (int64_t)first * channels + c;
      for (int row = first; row < last; row++, in += channels, o += channels) {
        const v128_t y = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(in), m), f), h);
        wasm_v128_store(o, relu ? relu4(y) : y);
      }
    }
    for (int row = first; row < last; row++) {
      const float *in = x + (int64_t)row * channels;
      float *o = out + (int64_t)row * channels;
      for (int c = vector_end; c < channels; c++) {
        const float y = (in[c] - centre[c]) * factor[c] + shift[c];
        o[c] = relu ? relu1(y) : y;
      }
    }
  }
}

/*
 * args: x, out, mean (0: none), variance, scale (0: ones), offset (0: none) (pointers), rows,
 * channels, float32 epsilon, relu (0/1). Items are rows.
 */
EXPORT(batch_norm_apply)
void batch_norm_apply(const int32_t *args, int32_t begin, int32_t end) {
  const int channels = args[7];
  float factor[MAX_CHANNELS], shift[MAX_CHANNELS], centre[MAX_CHANNELS];
  normalisation((const float *)args[2], (const float *)args[3], (const float *)args[4], (const float *)args[5], arg_float(args, 8), channels, centre, factor,
                shift);
  if (args[9]) apply_rows((const float *)args[0], (float *)args[1], centre, factor, shift, channels, begin, end, 1);
  else apply_rows((const float *)args[0], (float *)args[1], centre, factor, shift, channels, begin, end, 0);
}

/*
 * Σ dy and Σ dy·(x − mean) of `vectors` (1 or 2) 4-channel columns from `c` over rows [first, last), in
 * registers, added to 0 in row order.
 */
INLINE void sums_columns(const float *x, const float *dy, const float *mean, float *sum_dy, float *sum_dy_centred, int channels, int c, int first, int last,
                         const int vectors) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, t0 = s0, t1 = s0;
  const v128_t m0 = wasm_v128_load(mean + c), m1 = vectors > 1 ? wasm_v128_load(mean + c + 4) : m0;
  for (int row = first; row < last; row++) {
    const int64_t at = (int64_t)row * channels + c;
    const v128_t d0 = wasm_f32x4_sub(wasm_v128_load(x + at), m0);
    const v128_t g0 = wasm_v128_load(dy + at);
    s0 = wasm_f32x4_add(s0, g0);
    t0 = wasm_f32x4_add(t0, wasm_f32x4_mul(g0, d0));
    if (vectors > 1) {
      const v128_t d1 = wasm_f32x4_sub(wasm_v128_load(x + at + 4), m1);
      const v128_t g1 = wasm_v128_load(dy + at + 4);
      s1 = wasm_f32x4_add(s1, g1);
      t1 = wasm_f32x4_add(t1, wasm_f32x4_mul(g1, d1));
    }
  }
  wasm_v128_store(sum_dy + c, s0);
  wasm_v128_store(sum_dy_centred + c, t0);
  if (vectors > 1) {
    wasm_v128_store(sum_dy + c + 4, s1);
    wasm_v128_store(sum_dy_centred + c + 4, t1);
  }
}

/*
 * One 4-channel column's Σ dy·step(y) and Σ dy·step(y)·(x − mean) over rows [first, last), added in row
 * order to 0 (`start`) or to the sums at sum_dy + c and sum_dy_centred + c; with `finite`, by
 * relu_mask4_finite, adding every dy and the column's sums to *check (relu_mask4 otherwise).
 */
INLINE void sums_column_relu(const float *x, const float *dy, const float *mean, const float *factor, const float *shift, float *sum_dy,
                             float *sum_dy_centred, int channels, int c, int first, int last, int start, v128_t *check, const int finite) {
  v128_t s = wasm_f32x4_splat(0.0f), t = s, k = *check;
  if (!start) s = wasm_v128_load(sum_dy + c), t = wasm_v128_load(sum_dy_centred + c);
  const v128_t m = wasm_v128_load(mean + c), f = wasm_v128_load(factor + c), h = wasm_v128_load(shift + c);
  const float *xr = x + (int64_t)first * channels + c;
  const float *gr = dy + (int64_t)first * channels + c;
  for (int row = first; row < last; row++, xr += channels, gr += channels) {
    const v128_t d = wasm_f32x4_sub(wasm_v128_load(xr), m);
    const v128_t y = wasm_f32x4_add(wasm_f32x4_mul(d, f), h);
    v128_t g = wasm_v128_load(gr);
    if (finite) {
      k = wasm_f32x4_add(k, g);
      g = relu_mask4_finite(g, y);
    } else {
      g = relu_mask4(g, y);
    }
    s = wasm_f32x4_add(s, g);
    t = wasm_f32x4_add(t, wasm_f32x4_mul(g, d));
  }
  wasm_v128_store(sum_dy + c, s);
  wasm_v128_store(sum_dy_centred + c, t);
  if (finite) k = wasm_f32x4_add(k, wasm_f32x4_add(s, t));
  *check = k;
}

/*
 * The ReLU sums of rows [first, last) (channels divisible by 4) into sum_dy and sum_dy_centred: by blocks
 * of rows that stay in L1, one 4-channel column at a time (its vectors in registers; each channel still
 * added in row order), with relu_mask4_finite when every factor and shift is finite. That gives
 * relu_mask4's bits unless some dy is infinite or NaN or some y is NaN; then Σ dy (the check) or
 * Σ dy·step(y)·(x − mean) is not finite (with finite factor and shift, y is NaN only where x − mean is
 * not finite, and that times ±0 or anything else is infinite or NaN), and the rows are summed again with
 * relu_mask4, from 0. A running sum that is not finite stays so; a finite one that overflows only costs
 * the second pass. The choice is per partition, so it does not depend on the thread count either.
 */
INLINE void sums_rows_relu(const float *x, const float *dy, const float *mean, const float *factor, const float *shift, float *sum_dy, float *sum_dy_centred,
                           int channels, int first, int last, int parameters_finite) {
  v128_t check = wasm_f32x4_splat(0.0f);
  if (parameters_finite) {
    const int block = block_rows(channels);
    for (int from = first; from < last; from += block) {
      const int to = last - from < block ? last : from + block;
      for (int c = 0; c < channels; c += 4) sums_column_relu(x, dy, mean, factor, shift, sum_dy, sum_dy_centred, channels, c, from, to, from == first, &check, 1);
    }
    if (all_finite4(check)) return;
  }
  for (int c = 0; c < channels; c += 4) sums_column_relu(x, dy, mean, factor, shift, sum_dy, sum_dy_centred, channels, c, first, last, 1, &check, 0);
}

INLINE void sums_partitions(const int32_t *args, int32_t begin, int32_t end, const int relu) {
  const float *x = (const float *)args[0];
  const float *dy = (const float *)args[1];
  const float *mean = (const float *)args[2];
  float *partials = (float *)args[3];
  const int rows = args[4], channels = args[5], partitions = args[6];
  float factor[MAX_CHANNELS], shift[MAX_CHANNELS], centre[MAX_CHANNELS];
  if (relu) normalisation(mean, (const float *)args[7], (const float *)args[8], (const float *)args[9], arg_float(args, 10), channels, centre, factor, shift);
  const int parameters_finite = relu && channels % 4 == 0 && all_finite(factor, channels) && all_finite(shift, channels);
  for (int p = begin; p < end; p++) {
    float *sum_dy = partials + (int64_t)p * 2 * channels;
    float *sum_dy_centred = sum_dy + channels;
    const int first = (int)((int64_t)rows * p / partitions), last = (int)((int64_t)rows * (p + 1) / partitions);
    if (relu && channels % 4 == 0) {
      sums_rows_relu(x, dy, mean, factor, shift, sum_dy, sum_dy_centred, channels, first, last, parameters_finite);
      continue;
    }
    if (channels % 4 == 0) {
      /* 8 channels at a time, each partition's rows read once per group (they stay in cache). */
      int c = 0;
      for (; c + 8 <= channels; c += 8) sums_columns(x, dy, mean, sum_dy, sum_dy_centred, channels, c, first, last, 2);
      if (c < channels) sums_columns(x, dy, mean, sum_dy, sum_dy_centred, channels, c, first, last, 1);
      continue;
    }
    for (int c = 0; c < channels; c++) sum_dy[c] = sum_dy_centred[c] = 0.0f;
    for (int row = first; row < last; row++) {
      const float *xr = x + (int64_t)row * channels;
      const float *gr = dy + (int64_t)row * channels;
      for (int c = 0; c < channels; c++) {
        const float centred = xr[c] - mean[c];
        float g = gr[c];
        if (relu) g = relu_mask1(g, centred * factor[c] + shift[c]);
        sum_dy[c] += g;
        sum_dy_centred[c] += g * centred;
      }
    }
  }
}

/*
 * args: x, dy, mean, partials (pointers), rows, channels, partitions, then with ReLU (slot 11 = 1)
 * variance, scale, offset (pointers) and float32 ε of the forward pass. partials is [partitions, 2,
 * channels]: Σ dy, then Σ dy·(x − mean), over partition p's rows. Items are partitions.
 */
EXPORT(batch_norm_sums)
void batch_norm_sums(const int32_t *args, int32_t begin, int32_t end) {
  if (args[11]) sums_partitions(args, begin, end, 1);
  else sums_partitions(args, begin, end, 0);
}

/*
 * The moving statistics of channels [first, first + 4·count_vectors) (moving = 0: none):
 * next = m − (m − value)·decay per channel, each operation in float32 (tfjs-layers' three kernels).
 */
INLINE void moving_columns(const float *value, const float *moving, float *next, v128_t decay, int first, const int count_vectors) {
  if (!moving) return;
  for (int k = 0; k < count_vectors; k++) {
    const v128_t m = wasm_v128_load(moving + first + 4 * k);
    wasm_v128_store(next + first + 4 * k, wasm_f32x4_sub(m, wasm_f32x4_mul(wasm_f32x4_sub(m, wasm_v128_load(value + first + 4 * k)), decay)));
  }
}

/* Mean, then biased variance, of `count` columns from `first`, each summed over every row in order. */
INLINE void statistics_columns(const float *x, float *mean, float *variance, int rows, int channels, float count, int first, const int count_vectors) {
  v128_t acc[4];
  for (int k = 0; k < count_vectors; k++) acc[k] = wasm_f32x4_splat(0.0f);
  const float *in = x + first;
  for (int row = 0; row < rows; row++, in += channels) {
    for (int k = 0; k < count_vectors; k++) acc[k] = wasm_f32x4_add(acc[k], wasm_v128_load(in + 4 * k));
  }
  v128_t centre[4];
  for (int k = 0; k < count_vectors; k++) {
    centre[k] = wasm_f32x4_div(acc[k], wasm_f32x4_splat(count));
    wasm_v128_store(mean + first + 4 * k, centre[k]);
    acc[k] = wasm_f32x4_splat(0.0f);
  }
  in = x + first;
  for (int row = 0; row < rows; row++, in += channels) {
    for (int k = 0; k < count_vectors; k++) {
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(in + 4 * k), centre[k]);
      acc[k] = wasm_f32x4_add(acc[k], wasm_f32x4_mul(d, d));
    }
  }
  for (int k = 0; k < count_vectors; k++) wasm_v128_store(variance + first + 4 * k, wasm_f32x4_div(acc[k], wasm_f32x4_splat(count)));
}

/*
 * args: x, mean (out), variance (out) (pointers), rows, channels, float32 row count, then moving mean,
 * moving variance, next moving mean (out), next moving variance (out) (pointers; 0: none) and f32 decay
 * (1 − momentum). Items are groups of 16 channels (a 64-byte line of a row, so two threads never read
 * the same lines); each column is summed over every row in order, in registers, so the result does not
 * depend on how items are split among threads. Channels not divisible by 4 are summed one column at a
 * time.
 */
EXPORT(batch_norm_statistics)
void batch_norm_statistics(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *mean = (float *)args[1];
  float *variance = (float *)args[2];
  const int rows = args[3], channels = args[4];
  const float count = arg_float(args, 5);
  const float *moving_mean = (const float *)args[6], *moving_variance = (const float *)args[7];
  float *next_mean = (float *)args[8], *next_variance = (float *)args[9];
  const float decay = arg_float(args, 10);
  const int first = begin * 16, last = end * 16 < channels ? end * 16 : channels;
  if (channels % 4 == 0) {
    const v128_t decay4 = wasm_f32x4_splat(decay);
    for (int c = first; c < last; c += 16) {
      const int vectors = (last - c < 16 ? last - c : 16) / 4;
      switch (vectors) {
        case 4: statistics_columns(x, mean, variance, rows, channels, count, c, 4); break;
        case 3: statistics_columns(x, mean, variance, rows, channels, count, c, 3); break;
        case 2: statistics_columns(x, mean, variance, rows, channels, count, c, 2); break;
        default: statistics_columns(x, mean, variance, rows, channels, count, c, 1); break;
      }
      for (int k = 0; k < vectors; k++) {
        moving_columns(mean, moving_mean, next_mean, decay4, c + 4 * k, 1);
        moving_columns(variance, moving_variance, next_variance, decay4, c + 4 * k, 1);
      }
    }
    return;
  }
  for (int c = first; c < last; c++) {
    float acc = 0.0f;
    for (int row = 0; row < rows; row++) acc += x[(int64_t)row * channels + c];
    mean[c] = acc / count;
    acc = 0.0f;
    for (int row = 0; row < rows; row++) {
      const float d = x[(int64_t)row * channels + c] - mean[c];
      acc += d * d;
    }
    variance[c] = acc / count;
    if (moving_mean) {
      next_mean[c] = moving_mean[c] - (moving_mean[c] - mean[c]) * decay;
      next_variance[c] = moving_variance[c] - (moving_variance[c] - variance[c]) * decay;
    }
  }
}

/*
 * dx of one 4-channel column over rows [first, last): g = dy (mask 0), dy·step(y) by relu_mask4 (mask 1)
 * or by relu_mask4_finite (mask 2).
 */
INLINE void backward_column(const float *x, const float *dy, float *dx, const float *mean, const float *k1, const float *k2, const float *gain, const float *factor,
                            const float *shift, int channels, int c, int first, int last, const int mask) {
  const v128_t m = wasm_v128_load(mean + c), a = wasm_v128_load(k1 + c), b = wasm_v128_load(k2 + c), g4 = wasm_v128_load(gain + c);
  const v128_t f = mask ? wasm_v128_load(factor + c) : m, h = mask ? wasm_v128_load(shift + c) : m;
  const float *xr = x + (int64_t)first * channels + c;
  const float *gr = dy + (int64_t)first * channels + c;
  float *o = dx + (int64_t)first * channels + c;
  for (int row = first; row < last; row++, xr += channels, gr += channels, o += channels) {
    const v128_t centred = wasm_f32x4_sub(wasm_v128_load(xr), m);
    v128_t g = wasm_v128_load(gr);
    if (mask == 1) g = relu_mask4(g, wasm_f32x4_add(wasm_f32x4_mul(centred, f), h));
    if (mask == 2) g = relu_mask4_finite(g, wasm_f32x4_add(wasm_f32x4_mul(centred, f), h));
    const v128_t inner = wasm_f32x4_sub(wasm_f32x4_sub(g, a), wasm_f32x4_mul(centred, b));
    wasm_v128_store(o, wasm_f32x4_mul(inner, g4));
  }
}

/*
 * dx = (g − k1 − (x − mean)·k2)·gain over rows [begin, end), g = dy, or with relu dy·step(y) for
 * y = (x − mean)·factor + shift recomputed as batch_norm_apply computes it. By blocks of rows that stay in
 * L1, one 4-channel column at a time, so each column's six coefficient vectors stay in registers (loaded
 * per element they were most of the loads). With relu, a column whose k1 is finite is masked by
 * relu_mask4_finite: k1 = Σ dy·step(y)/rows over the channel (batch_norm_coefficients' from
 * batch_norm_sums' of the same x and dy), and a sum with one infinite or NaN term is not finite, so
 * every dy·step(y) of the column is finite — every dy finite, no y NaN — and the cheap mask exact.
 */
INLINE void backward_rows(const float *x, const float *dy, float *dx, const float *mean, const float *k1, const float *k2, const float *gain, const float *factor,
                          const float *shift, int channels, int begin, int end, const int relu) {
  const int vector_end = channels & ~3;
  const int block = block_rows(channels);
  for (int first = begin; first < end; first += block) {
    const int last = end - first < block ? end : first + block;
    for (int c = 0; c < vector_end; c += 4) {
      if (!relu) backward_column(x, dy, dx, mean, k1, k2, gain, factor, shift, channels, c, first, last, 0);
      else if (all_finite4(wasm_v128_load(k1 + c))) backward_column(x, dy, dx, mean, k1, k2, gain, factor, shift, channels, c, first, last, 2);
      else backward_column(x, dy, dx, mean, k1, k2, gain, factor, shift, channels, c, first, last, 1);
    }
    for (int row = first; row < last; row++) {
      const float *xr = x + (int64_t)row * channels;
      const float *gr = dy + (int64_t)row * channels;
      float *o = dx + (int64_t)row * channels;
      for (int c = vector_end; c < channels; c++) {
        const float centred = xr[c] - mean[c];
        const float g = relu ? relu_mask1(gr[c], centred * factor[c] + shift[c]) : gr[c];
        o[c] = ((g - k1[c]) - centred * k2[c]) * gain[c];
      }
    }
  }
}

/*
 * args: x, dy, dx, coefficients [4, C] (mean, k1, k2, g) (pointers), rows, channels, then relu (0/1;
 * 1: dy is the gradient of relu(batch_norm_apply's y) and slots 7–10 are the forward pass' variance,
 * scale, offset (pointers) and f32 ε). dx = (dy − k1 − (x − mean)·k2)·g, with dy·step(y) in place of dy
 * under relu. Items are rows.
 */
EXPORT(batch_norm_backward)
void batch_norm_backward(const int32_t *args, int32_t begin, int32_t end) {
  const int channels = args[5];
  const float *mean = (const float *)args[3];
  const float *k1 = mean + channels, *k2 = k1 + channels, *gain = k2 + channels;
  if (!args[6]) {
    backward_rows((const float *)args[0], (const float *)args[1], (float *)args[2], mean, k1, k2, gain, 0, 0, channels, begin, end, 0);
    return;
  }
  float factor[MAX_CHANNELS], shift[MAX_CHANNELS], centre[MAX_CHANNELS];
  normalisation(mean, (const float *)args[7], (const float *)args[8], (const float *)args[9], arg_float(args, 10), channels, centre, factor, shift);
  backward_rows((const float *)args[0], (const float *)args[1], (float *)args[2], mean, k1, k2, gain, factor, shift, channels, begin, end, 1);
}

/*
 * args: partials [partitions, 2, C] (batch_norm_sums'), partitions, channels, rows, mean, variance,
 * scale (pointers), ε as a float64 (slots 7–8, low word first), coefficients [4, C], dscale [C], doffset
 * [C] (out). Per channel: the partitions' Σ dy and Σ dy·(x − mean) added in order, then with
 * r = 1/√(variance + ε): coefficients mean, k1 = Σdy/rows, k2 = r²·(Σdy(x − mean)/rows), g = scale·r,
 * dscale = r·Σdy(x − mean), doffset = Σdy — each operation in float64 rounded to float32, as the
 * TypeScript kernel's JS computes them (ε stays a float64 there), so the same bits. Items are channels.
 */
EXPORT(batch_norm_coefficients)
void batch_norm_coefficients(const int32_t *args, int32_t begin, int32_t end) {
  const float *partials = (const float *)args[0];
  const int partitions = args[1], channels = args[2];
  const double rows = (double)args[3];
  const float *mean = (const float *)args[4], *variance = (const float *)args[5], *scale = (const float *)args[6];
  double epsilon;
  __builtin_memcpy(&epsilon, args + 7, sizeof epsilon);
  float *k = (float *)args[9], *dscale = (float *)args[10], *doffset = (float *)args[11];
  for (int c = begin; c < end; c++) {
    float sum_dy = 0.0f, sum_dy_centred = 0.0f;
    for (int p = 0; p < partitions; p++) {
      sum_dy += partials[(int64_t)p * 2 * channels + c];
      sum_dy_centred += partials[(int64_t)p * 2 * channels + channels + c];
    }
    const float root = (float)__builtin_sqrt((double)(float)((double)variance[c] + epsilon));
    const float r = (float)(1.0 / (double)root);
    k[c] = mean[c];
    k[channels + c] = (float)((double)sum_dy / rows);
    k[2 * channels + c] = (float)((double)(float)((double)r * (double)r) * (double)(float)((double)sum_dy_centred / rows));
    k[3 * channels + c] = (float)((double)scale[c] * (double)r);
    dscale[c] = (float)((double)sum_dy_centred * (double)r);
    doffset[c] = sum_dy;
  }
}
