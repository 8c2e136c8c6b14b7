/*
 * Batch normalization over the last axis of a [rows, channels] float32 tensor (a [B, H, W, C]
 * activation seen as B·H·W rows), called by ../src/wasm-kernels/FusedBatchNorm.ts and
 * BatchNormGrad.ts:
 *   batch_norm_apply: out = (x − mean)·scale/√(variance + ε) + offset per channel, one pass (the
 *     forward normalisation, and with mean and offset left out the input gradient dy·scale/√(v + ε));
 *   batch_norm_sums: per channel Σ dy and Σ dy·(x − mean), from which the gradients of mean, variance,
 *     scale and offset follow; rows are cut into a fixed number of partitions, each summed in order
 *     into its own slot, and the caller adds the slots in order, so the bits never depend on how
 *     partitions are split among threads;
 *   batch_norm_statistics: per channel mean and biased variance (training-mode batch norm's forward
 *     statistics), each column summed over all rows in order, then divided by the row count — the
 *     same operations, so the same bits, as tfjs' moments on this backend (sum_leading's Mean, x − mean,
 *     its square, Mean again), without writing x − mean or its square;
 *   batch_norm_backward: the input gradient of training-mode batch norm from per-channel coefficients,
 *     dx = (dy − k1 − (x − mean)·k2)·g, one pass (BatchNormTraining.ts computes the coefficients from
 *     batch_norm_sums).
 */
#include "kernels.h"

/* Channels whose factors fit on the stack (16 KiB); the TypeScript side sends larger ones elsewhere. */
#define MAX_CHANNELS 4096

/*
 * args: x, out, mean (0: none), variance, scale (0: ones), offset (0: none) (pointers), rows,
 * channels, float32 epsilon. Items are rows.
 */
EXPORT(batch_norm_apply)
void batch_norm_apply(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *out = (float *)args[1];
  const float *mean = (const float *)args[2];
  const float *variance = (const float *)args[3];
  const float *scale = (const float *)args[4];
  const float *offset = (const float *)args[5];
  const int channels = args[7];
  const float epsilon = arg_float(args, 8);
  float factor[MAX_CHANNELS], shift[MAX_CHANNELS], centre[MAX_CHANNELS];
  for (int c = 0; c < channels; c++) {
    factor[c] = (scale ? scale[c] : 1.0f) / __builtin_sqrtf(variance[c] + epsilon);
    centre[c] = mean ? mean[c] : 0.0f;
    shift[c] = offset ? offset[c] : 0.0f;
  }
  const int vector_end = channels & ~3;
  for (int row = begin; row < end; row++) {
    const float *in = x + (int64_t)row * channels;
    float *o = out + (int64_t)row * channels;
    int c = 0;
    for (; c < vector_end; c += 4) {
      const v128_t centred = wasm_f32x4_sub(wasm_v128_load(in + c), wasm_v128_load(centre + c));
      wasm_v128_store(o + c, wasm_f32x4_add(wasm_f32x4_mul(centred, wasm_v128_load(factor + c)), wasm_v128_load(shift + c)));
    }
    for (; c < channels; c++) o[c] = (in[c] - centre[c]) * factor[c] + shift[c];
  }
}

/*
 * args: x, dy, mean, partials (pointers), rows, channels, partitions. partials is [partitions, 2,
 * channels]: Σ dy, then Σ dy·(x − mean), over partition p's rows. Items are partitions.
 */
EXPORT(batch_norm_sums)
void batch_norm_sums(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  const float *dy = (const float *)args[1];
  const float *mean = (const float *)args[2];
  float *partials = (float *)args[3];
  const int rows = args[4], channels = args[5], partitions = args[6];
  const int vector_end = channels & ~3;
  for (int p = begin; p < end; p++) {
    float *sum_dy = partials + (int64_t)p * 2 * channels;
    float *sum_dy_centred = sum_dy + channels;
    for (int c = 0; c < channels; c++) sum_dy[c] = sum_dy_centred[c] = 0.0f;
    const int first = (int)((int64_t)rows * p / partitions), last = (int)((int64_t)rows * (p + 1) / partitions);
    for (int row = first; row < last; row++) {
      const float *xr = x + (int64_t)row * channels;
      const float *gr = dy + (int64_t)row * channels;
      int c = 0;
      for (; c < vector_end; c += 4) {
        const v128_t g = wasm_v128_load(gr + c);
        const v128_t centred = wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(mean + c));
        wasm_v128_store(sum_dy + c, wasm_f32x4_add(wasm_v128_load(sum_dy + c), g));
        wasm_v128_store(sum_dy_centred + c, wasm_f32x4_add(wasm_v128_load(sum_dy_centred + c), wasm_f32x4_mul(g, centred)));
      }
      for (; c < channels; c++) {
        sum_dy[c] += gr[c];
        sum_dy_centred[c] += gr[c] * (xr[c] - mean[c]);
      }
    }
  }
}

/*
 * args: x, mean (out), variance (out) (pointers), rows, channels, float32 row count. Items are groups
 * of 4 channels; each item's columns are summed over every row in order (rows outer, so a chunk of
 * groups reads each row once), so the result does not depend on how items are split among threads.
 */
EXPORT(batch_norm_statistics)
void batch_norm_statistics(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *mean = (float *)args[1];
  float *variance = (float *)args[2];
  const int rows = args[3], channels = args[4];
  const float count = arg_float(args, 5);
  const int first = begin * 4, last = end * 4 < channels ? end * 4 : channels;
  const int vector_last = first + ((last - first) & ~3);
  float acc[MAX_CHANNELS];
  for (int pass = 0; pass < 2; pass++) {
    for (int c = first; c < last; c++) acc[c] = 0.0f;
    for (int row = 0; row < rows; row++) {
      const float *in = x + (int64_t)row * channels;
      int c = first;
      if (pass == 0) {
        for (; c < vector_last; c += 4) wasm_v128_store(acc + c, wasm_f32x4_add(wasm_v128_load(acc + c), wasm_v128_load(in + c)));
        for (; c < last; c++) acc[c] += in[c];
      } else {
        for (; c < vector_last; c += 4) {
          const v128_t d = wasm_f32x4_sub(wasm_v128_load(in + c), wasm_v128_load(mean + c));
          wasm_v128_store(acc + c, wasm_f32x4_add(wasm_v128_load(acc + c), wasm_f32x4_mul(d, d)));
        }
        for (; c < last; c++) {
          const float d = in[c] - mean[c];
          acc[c] += d * d;
        }
      }
    }
    float *out = pass == 0 ? mean : variance;
    for (int c = first; c < last; c++) out[c] = acc[c] / count;
  }
}

/*
 * args: x, dy, dx, coefficients [4, channels]: mean, k1, k2, g (pointers), rows, channels. Items are rows.
 */
EXPORT(batch_norm_backward)
void batch_norm_backward(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  const float *dy = (const float *)args[1];
  float *dx = (float *)args[2];
  const int channels = args[5];
  const float *mean = (const float *)args[3];
  const float *k1 = mean + channels, *k2 = k1 + channels, *g = k2 + channels;
  const int vector_end = channels & ~3;
  for (int row = begin; row < end; row++) {
    const float *xr = x + (int64_t)row * channels;
    const float *gr = dy + (int64_t)row * channels;
    float *o = dx + (int64_t)row * channels;
    int c = 0;
    for (; c < vector_end; c += 4) {
      const v128_t centred = wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(mean + c));
      const v128_t shifted = wasm_f32x4_sub(wasm_v128_load(gr + c), wasm_v128_load(k1 + c));
      const v128_t inner = wasm_f32x4_sub(shifted, wasm_f32x4_mul(centred, wasm_v128_load(k2 + c)));
      wasm_v128_store(o + c, wasm_f32x4_mul(inner, wasm_v128_load(g + c)));
    }
    for (; c < channels; c++) o[c] = ((gr[c] - k1[c]) - (xr[c] - mean[c]) * k2[c]) * g[c];
  }
}
