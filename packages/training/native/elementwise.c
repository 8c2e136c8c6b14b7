/*
 * Elementwise kernels split over the native threads, for ../src/wasm-kernels/Elementwise.ts (Add, Sub,
 * Multiply, Relu and Step when more than one thread runs, XNNPACK's being single-threaded; Maximum,
 * GreaterEqual and the broadcasts of a column or a scalar on any thread count, which the built-in kernels
 * run 3-10x slower than a pass over memory). Each element is one IEEE operation, as in the built-in
 * kernels, so any split of the items gives the same bits.
 *   binary_elementwise: out = a op b, op 0 add, 1 sub, 2 mul, 3 maximum (XNNPACK's on x86: a < b ? b : a,
 *     so a NaN in a wins and one in b loses, and max(-0, +0) is a), 4 greater-or-equal (a bool, one byte
 *     per element: 1 or 0, NaN compares false); both of one shape, one of them a [channels] vector
 *     repeated over the rows of the other, one a column (a value per row of the other's `channels`
 *     elements; fewer than 8 channels go by blocks of 4 rows, 4 elements a vector), or one a scalar.
 *   unary_elementwise:  out = relu(x) (op 0: x above 0, else 0; NaN stays NaN) or step(x) (op 1: 1 above
 *     0, NaN for NaN, else alpha).
 */
#include "kernels.h"

enum { ADD = 0, SUB = 1, MUL = 2, MAX = 3, GREATER_EQUAL = 4 };
enum { SAME_SHAPE = 0, B_REPEATED = 1, A_REPEATED = 2, B_COLUMN = 3, A_COLUMN = 4, B_SCALAR = 5, A_SCALAR = 6 };

INLINE v128_t apply(int op, v128_t a, v128_t b) {
  switch (op) {
    case ADD: return wasm_f32x4_add(a, b);
    case SUB: return wasm_f32x4_sub(a, b);
    case MUL: return wasm_f32x4_mul(a, b);
    case MAX: return wasm_f32x4_pmax(a, b); /* a < b ? b : a */
    default: return wasm_f32x4_ge(a, b);
  }
}

/* Stores 4 results from element i: floats, or for greater-or-equal the masks narrowed to bytes 1 / 0. */
INLINE void store4(int op, void *out, int64_t i, v128_t r) {
  if (op == GREATER_EQUAL) {
    const v128_t halves = wasm_i16x8_narrow_i32x4(r, r);
    wasm_v128_store32_lane((uint8_t *)out + i, wasm_v128_and(wasm_i8x16_narrow_i16x8(halves, halves), wasm_i8x16_splat(1)), 0);
  } else {
    wasm_v128_store((float *)out + i, r);
  }
}

INLINE void store1(int op, void *out, int64_t i, float a, float b) {
  switch (op) {
    case ADD: ((float *)out)[i] = a + b; break;
    case SUB: ((float *)out)[i] = a - b; break;
    case MUL: ((float *)out)[i] = a * b; break;
    case MAX: ((float *)out)[i] = a < b ? b : a; break;
    default: ((uint8_t *)out)[i] = a >= b;
  }
}

/*
 * n elements: a[j] op b[j] (a_step / b_step 0: a[0] or b[0], a scalar operand) into out from element `at`.
 */
INLINE void run_elements(const int op, const float *a, const float *b, void *out, const int a_step, const int b_step, int64_t at, int n) {
  /* A scalar operand loaded once (out may alias it as far as the compiler knows). */
  const float a0 = a[0], b0 = b[0];
  const v128_t a_splat = wasm_f32x4_splat(a0), b_splat = wasm_f32x4_splat(b0);
  int j = 0;
  for (; j + 4 <= n; j += 4) store4(op, out, at + j, apply(op, a_step ? wasm_v128_load(a + j) : a_splat, b_step ? wasm_v128_load(b + j) : b_splat));
  for (; j < n; j++) store1(op, out, at + j, a_step ? a[j] : a0, b_step ? b[j] : b0);
}

/* Below this many channels a column broadcast runs by blocks of 4 rows (a row is shorter than a vector). */
enum { NARROW_COLUMN = 8 };

/*
 * Rows begin .. begin + 4·blocks − 1 of a column broadcast with 2 ≤ channels < NARROW_COLUMN: each block
 * of 4 rows is `channels` vectors, whose column values are the block's 4 column values (one load)
 * swizzled so that lane l of vector v holds row (4v + l) / channels's. The same IEEE operation per
 * element as the row-by-row loop, 4 elements at a time instead of 1–2 scalar ones (softmax and
 * log-softmax's `x − max`, `x − log Σ`, a loss's `p · Σ_c g`, C = 2..5).
 */
INLINE void run_narrow_columns(const int op, const int column_is_b, const float *x, const float *column, void *out, const int channels, int begin, int blocks) {
  v128_t lanes[NARROW_COLUMN];
  for (int v = 0; v < channels; v++) {
    uint8_t bytes[16];
    for (int l = 0; l < 4; l++)
      for (int byte = 0; byte < 4; byte++) bytes[4 * l + byte] = (uint8_t)(4 * ((4 * v + l) / channels) + byte);
    lanes[v] = wasm_v128_load(bytes);
  }
  for (int block = 0; block < blocks; block++) {
    const int row = begin + 4 * block;
    const int64_t offset = (int64_t)row * channels;
    const v128_t values = wasm_v128_load(column + row);
    for (int v = 0; v < channels; v++) {
      const v128_t xv = wasm_v128_load(x + offset + 4 * v), cv = wasm_i8x16_swizzle(values, lanes[v]);
      store4(op, out, offset + 4 * v, column_is_b ? apply(op, xv, cv) : apply(op, cv, xv));
    }
  }
}

INLINE void binary_range(const int op, const int layout, const float *a, const float *b, void *out, const int channels, int begin, int end) {
  switch (layout) {
    case SAME_SHAPE: run_elements(op, a + begin, b + begin, out, 1, 1, begin, end - begin); return;
    case B_SCALAR: run_elements(op, a + begin, b, out, 1, 0, begin, end - begin); return;
    case A_SCALAR: run_elements(op, a, b + begin, out, 0, 1, begin, end - begin); return;
    case B_COLUMN:
    case A_COLUMN:
      if (channels >= 2 && channels < NARROW_COLUMN) {
        const int blocks = (end - begin) / 4;
        if (layout == B_COLUMN) run_narrow_columns(op, 1, a, b, out, channels, begin, blocks);
        else run_narrow_columns(op, 0, b, a, out, channels, begin, blocks);
        begin += 4 * blocks;
      }
      break;
    default: break;
  }
  for (int row = begin; row < end; row++) {
    const int64_t offset = (int64_t)row * channels;
    switch (layout) {
      case B_REPEATED: run_elements(op, a + offset, b, out, 1, 1, offset, channels); break;
      case A_REPEATED: run_elements(op, a, b + offset, out, 1, 1, offset, channels); break;
      case B_COLUMN: run_elements(op, a + offset, b + row, out, 1, 0, offset, channels); break;
      default: run_elements(op, a + row, b + offset, out, 0, 1, offset, channels); break;
    }
  }
}

/*
 * args: a, b, out (pointers), op, layout (0 same shape, 1 b is a [channels] vector, 2 a is, 3 b is a
 * column [rows], 4 a is, 5 b is a scalar, 6 a is), channels. Items: elements (layouts 0, 5, 6) or rows of
 * `channels` elements.
 */
EXPORT(binary_elementwise)
void binary_elementwise(const int32_t *args, int32_t begin, int32_t end) {
  const float *a = (const float *)args[0];
  const float *b = (const float *)args[1];
  void *out = (void *)args[2];
  const int op = args[3], layout = args[4], channels = args[5];
  /* One copy of the loops per operation (op a constant in each). */
  switch (op) {
    case ADD: binary_range(ADD, layout, a, b, out, channels, begin, end); break;
    case SUB: binary_range(SUB, layout, a, b, out, channels, begin, end); break;
    case MUL: binary_range(MUL, layout, a, b, out, channels, begin, end); break;
    case MAX: binary_range(MAX, layout, a, b, out, channels, begin, end); break;
    default: binary_range(GREATER_EQUAL, layout, a, b, out, channels, begin, end); break;
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
