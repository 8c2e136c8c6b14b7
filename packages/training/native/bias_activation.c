/*
 * The epilogue of a fused convolution (called by ../src/wasm-kernels/FusedConv2D.ts): in place,
 * y = act(y + bias) over [pixels, channels], for act linear, relu, relu6 or leaky relu. Items are
 * pixels.
 */
#include "kernels.h"

enum { LINEAR = 0, RELU = 1, RELU6 = 2, LEAKY_RELU = 3 };

INLINE v128_t activate(v128_t v, int activation, v128_t alpha) {
  const v128_t zero = wasm_f32x4_splat(0);
  switch (activation) {
    case RELU: return wasm_f32x4_max(v, zero);
    case RELU6: return wasm_f32x4_min(wasm_f32x4_max(v, zero), wasm_f32x4_splat(6));
    case LEAKY_RELU: return wasm_v128_bitselect(v, wasm_f32x4_mul(v, alpha), wasm_f32x4_gt(v, zero));
    default: return v;
  }
}

/* args: y, bias (pointers; bias 0: none), channels (divisible by 4), activation, float32 alpha. */
EXPORT(bias_activation)
void bias_activation(const int32_t *args, int32_t begin, int32_t end) {
  float *y = (float *)args[0];
  const float *bias = (const float *)args[1];
  const int channels = args[2], activation = args[3];
  const v128_t alpha = wasm_f32x4_splat(arg_float(args, 4));
  for (int pixel = begin; pixel < end; pixel++) {
    float *row = y + pixel * channels;
    for (int c = 0; c < channels; c += 4) {
      v128_t v = wasm_v128_load(row + c);
      if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias + c));
      wasm_v128_store(row + c, activate(v, activation, alpha));
    }
  }
}
