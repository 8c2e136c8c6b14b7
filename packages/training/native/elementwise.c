/*
 * Elementwise kernels split over the native threads, for ../src/wasm-kernels/Elementwise.ts (Add, Sub,
 * Multiply, Relu and Step when more than one thread runs; XNNPACK's are single-threaded). Each element
 * is one IEEE operation, as in the built-in kernels, so any split of the items gives the same bits.
 *   binary_elementwise: out = a op b, op 0 add, 1 sub, 2 mul; both of one shape, or one of them a
 *     [channels] vector repeated over the rows of the other.
 *   unary_elementwise:  out = relu(x) (op 0: x above 0, else 0; NaN stays NaN) or step(x) (op 1: 1 above
 *     0, NaN for NaN, else alpha).
 */
#include "kernels.h"

enum { ADD = 0, SUB = 1, MUL = 2 };
enum { SAME_SHAPE = 0, B_REPEATED = 1, A_REPEATED = 2 };

INLINE v128_t apply(int op, v128_t a, v128_t b) {
  switch (op) {
    case ADD: return wasm_f32x4_add(a, b);
    case SUB: return wasm_f32x4_sub(a, b);
    default: return wasm_f32x4_mul(a, b);
  }
}

INLINE float apply1(int op, float a, float b) {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    default: return a * b;
  }
}

/*
 * args: a, b, out (pointers), op, layout (0 same shape, 1 b is a [channels] vector, 2 a is), channels.
 * Items: elements (same shape) or rows of `channels` elements (a vector repeated).
 */
EXPORT(binary_elementwise)
void binary_elementwise(const int32_t *args, int32_t begin, int32_t end) {
  const float *a = (const float *)args[0];
  const float *b = (const float *)args[1];
  float *out = (float *)args[2];
  const int op = args[3], layout = args[4], channels = args[5];
  if (layout == SAME_SHAPE) {
    int i = begin;
    for (; i + 4 <= end; i += 4) wasm_v128_store(out + i, apply(op, wasm_v128_load(a + i), wasm_v128_load(b + i)));
    for (; i < end; i++) out[i] = apply1(op, a[i], b[i]);
    return;
  }
  const int vector_end = channels & ~3;
  for (int row = begin; row < end; row++) {
    const int64_t offset = (int64_t)row * channels;
    const float *x = (layout == B_REPEATED ? a : b) + offset;
    const float *v = layout == B_REPEATED ? b : a;
    float *o = out + offset;
    int c = 0;
    if (layout == B_REPEATED) {
      for (; c < vector_end; c += 4) wasm_v128_store(o + c, apply(op, wasm_v128_load(x + c), wasm_v128_load(v + c)));
      for (; c < channels; c++) o[c] = apply1(op, x[c], v[c]);
    } else {
      for (; c < vector_end; c += 4) wasm_v128_store(o + c, apply(op, wasm_v128_load(v + c), wasm_v128_load(x + c)));
      for (; c < channels; c++) o[c] = apply1(op, v[c], x[c]);
    }
  }
}

/* args: x, out (pointers), op (0 relu, 1 step), float32 alpha (step). Items: elements. */
EXPORT(unary_elementwise)
void unary_elementwise(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *out = (float *)args[1];
  const int op = args[2];
  const float alpha = arg_float(args, 3);
  const v128_t zero = wasm_f32x4_splat(0.0f), one = wasm_f32x4_splat(1.0f), alphas = wasm_f32x4_splat(alpha);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    const v128_t positive = wasm_f32x4_gt(v, zero), nan = wasm_f32x4_ne(v, v);
    v128_t r = op == 0 ? wasm_v128_bitselect(v, zero, positive) : wasm_v128_bitselect(one, alphas, positive);
    wasm_v128_store(out + i, wasm_v128_bitselect(v, r, nan));
  }
  for (; i < end; i++) {
    const float v = x[i];
    out[i] = v != v ? v : op == 0 ? (v > 0.0f ? v : 0.0f) : (v > 0.0f ? 1.0f : alpha);
  }
}
