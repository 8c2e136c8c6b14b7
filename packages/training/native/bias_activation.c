/*
 * y = act(x + bias) over [pixels, channels], for act linear, relu, relu6 or leaky relu (y may be x):
 * the epilogue of a fused convolution (../src/wasm-kernels/FusedConv2D.ts) and the bias Add of an
 * unfused one (Add.ts). Items are pixels.
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

/* args: x, y, bias (pointers; bias 0: none), channels (divisible by 4), activation, float32 alpha. */
EXPORT(bias_activation)
void bias_activation(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *y = (float *)args[1];
  const float *bias = (const float *)args[2];
  const int channels = args[3], activation = args[4];
  const v128_t alpha = wasm_f32x4_splat(arg_float(args, 5));
  for (int pixel = begin; pixel < end; pixel++) {
    const float *in = x + pixel * channels;
    float *out = y + pixel * channels;
    for (int c = 0; c < channels; c += 4) {
      v128_t v = wasm_v128_load(in + c);
      if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias + c));
      wasm_v128_store(out + c, activate(v, activation, alpha));
    }
  }
}
