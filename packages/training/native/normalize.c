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
 * (1 / sqrtf), then the products and the sum of the broadcasting Multiply and Add kernels. Each item is
 * one (b, g) and writes only its own elements, so the bits do not depend on the thread count.
 */
#include "kernels.h"

EXPORT(normalize_forward)
void normalize_forward(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  const float *gamma = (const float *)args[1];
  const float *beta = (const float *)args[2];
  float *y = (float *)args[3];
  float *normalized = (float *)args[4];
  float *inverse = (float *)args[5];
  const int m_size = args[6], groups = args[7], k_size = args[8];
  const float count = arg_float(args, 9);
  const float epsilon = arg_float(args, 10);
  const int row = groups * k_size;
  for (int item = begin; item < end; item++) {
    const int b = item / groups, g = item % groups;
    const float *xb = x + b * m_size * row + g * k_size;
    float sum = 0.0f;
    for (int m = 0; m < m_size; m++) {
      const float *xr = xb + m * row;
      for (int k = 0; k < k_size; k++) sum += xr[k];
    }
    const float mean = sum / count;
    float squares = 0.0f;
    for (int m = 0; m < m_size; m++) {
      const float *xr = xb + m * row;
      for (int k = 0; k < k_size; k++) {
        const float d = xr[k] - mean;
        squares += d * d;
      }
    }
    const float r = 1.0f / __builtin_sqrtf(squares / count + epsilon);
    inverse[item] = r;
    const float *gr = gamma + g * k_size;
    const float *br = beta ? beta + g * k_size : 0;
    for (int m = 0; m < m_size; m++) {
      const int offset = b * m_size * row + m * row + g * k_size;
      for (int k = 0; k < k_size; k++) {
        const float n = (x[offset + k] - mean) * r;
        normalized[offset + k] = n;
        const float v = n * gr[k];
        y[offset + k] = br ? v + br[k] : v;
      }
    }
  }
}

/*
 * normalize_backward: the input gradient of normalizeAndScale from its saved x̂ and r, per (b, g) as
 * normalize_forward: with ĝ = dy·γ, dx = ((ĝ − Σĝ/n) − x̂·(Σ ĝ·x̂/n))·r, the sums in the built-in Mean's
 * order (M then K from 0) and each operation as the composition's kernels do it, so the same bits.
 */
EXPORT(normalize_backward)
void normalize_backward(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0];
  const float *normalized = (const float *)args[1];
  const float *inverse = (const float *)args[2];
  const float *gamma = (const float *)args[3];
  float *dx = (float *)args[4];
  const int m_size = args[5], groups = args[6], k_size = args[7];
  const float count = arg_float(args, 8);
  const int row = groups * k_size;
  for (int item = begin; item < end; item++) {
    const int b = item / groups, g = item % groups;
    const int base = b * m_size * row + g * k_size;
    const float *gr = gamma + g * k_size;
    float sum = 0.0f, projection = 0.0f;
    for (int m = 0; m < m_size; m++) {
      const int offset = base + m * row;
      for (int k = 0; k < k_size; k++) {
        const float scaled = dy[offset + k] * gr[k];
        sum += scaled;
        projection += scaled * normalized[offset + k];
      }
    }
    const float mean_scaled = sum / count, mean_projection = projection / count;
    const float r = inverse[item];
    for (int m = 0; m < m_size; m++) {
      const int offset = base + m * row;
      for (int k = 0; k < k_size; k++) {
        const float scaled = dy[offset + k] * gr[k];
        dx[offset + k] = ((scaled - mean_scaled) - normalized[offset + k] * mean_projection) * r;
      }
    }
  }
}

/*
 * normalize_parameter_grads: dγ = Σ dy·x̂ and dβ = Σ dy over the rows of the [rows, columns] views (the
 * leading axes), each column's rows in order from 0 as sum_leading (the Sum over leading axes) adds
 * them, 4 columns to a SIMD vector, so the same bits. Items: groups of 4 columns.
 */
EXPORT(normalize_parameter_grads)
void normalize_parameter_grads(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0];
  const float *normalized = (const float *)args[1];
  float *dgamma = (float *)args[2];
  float *dbeta = (float *)args[3];
  const int rows = args[4], columns = args[5];
  for (int item = begin; item < end; item++) {
    const int c = item * 4;
    if (c + 4 <= columns) {
      v128_t acc_gamma = wasm_f32x4_splat(0.0f), acc_beta = wasm_f32x4_splat(0.0f);
      for (int r = 0; r < rows; r++) {
        const v128_t d = wasm_v128_load(dy + r * columns + c);
        acc_gamma = wasm_f32x4_add(acc_gamma, wasm_f32x4_mul(d, wasm_v128_load(normalized + r * columns + c)));
        acc_beta = wasm_f32x4_add(acc_beta, d);
      }
      wasm_v128_store(dgamma + c, acc_gamma);
      if (dbeta) wasm_v128_store(dbeta + c, acc_beta);
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
    }
  }
}
