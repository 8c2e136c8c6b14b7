/*
 * musl's expf (what tfjs-backend-wasm's Exp calls per element), scalar and 4 elements at a time in
 * float64x2 halves, the same IEEE operations on the same operands: shared by exp.c (the Exp kernel) and
 * softmax_loss.c (the loss's exps), so both give the built-in kernel's bits. See exp.c for the derivation.
 */
#pragma once
#include "kernels.h"

#define EXP_TABLE_BITS 5
#define EXP_TABLE_SIZE (1 << EXP_TABLE_BITS)

static const double SHIFT = 0x1.8p+52;               /* rounds z to an integer in the low bits */
static const double INV_LN2_N = 0x1.71547652b82fep+5; /* 32/ln 2 */
static const double C0 = 0x1.c6af84b912394p-20, C1 = 0x1.ebfce50fac4f3p-13, C2 = 0x1.62e42ff0c52d6p-6;
/* Bits 20..30 of 88.0f and of +∞: at or above the first, the special cases. */
enum { TOP12_88 = 0x42b, TOP12_INFINITY = 0x7f8 };

typedef union { float f; uint32_t u; } float_bits;
typedef union { double d; uint64_t u; } double_bits;

/* musl's expf, operation for operation. */
static inline float exp_scalar(const uint64_t *table, float x) {
  const float_bits in = {x};
  const uint32_t abstop = (in.u >> 20) & 0x7ff;
  if (abstop >= TOP12_88) {
    if (in.u == 0xff800000u) return 0.0f;
    if (abstop >= TOP12_INFINITY) return x + x;
    /* __math_oflowf / __math_uflowf: 0x1p97f² = +∞, 0x1p-95f² = +0. */
    if (x > 0x1.62e42ep6f) return __builtin_inff();
    if (x < -0x1.9fe368p6f) return 0.0f;
  }
  const double z = INV_LN2_N * (double)x;
  double_bits k = {z + SHIFT};
  const double r = z - (k.d - SHIFT);
  const double_bits s = {.u = table[k.u % EXP_TABLE_SIZE] + (k.u << (52 - EXP_TABLE_BITS))};
  const double p = C0 * r + C1;
  const double y = p * (r * r) + (C2 * r + 1.0);
  return (float)(y * s.d);
}

/* The float64x2 form of exp_scalar's main path for two promoted floats. */
INLINE v128_t exp_pair(const uint64_t *table, v128_t xd) {
  const v128_t shift = wasm_f64x2_splat(SHIFT);
  const v128_t z = wasm_f64x2_mul(wasm_f64x2_splat(INV_LN2_N), xd);
  const v128_t k = wasm_f64x2_add(z, shift);
  const v128_t r = wasm_f64x2_sub(z, wasm_f64x2_sub(k, shift));
  const uint64_t k0 = (uint64_t)wasm_i64x2_extract_lane(k, 0), k1 = (uint64_t)wasm_i64x2_extract_lane(k, 1);
  const v128_t entries = wasm_i64x2_make((int64_t)table[k0 % EXP_TABLE_SIZE], (int64_t)table[k1 % EXP_TABLE_SIZE]);
  const v128_t s = wasm_i64x2_add(entries, wasm_i64x2_shl(k, 52 - EXP_TABLE_BITS));
  const v128_t p = wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_splat(C0), r), wasm_f64x2_splat(C1));
  const v128_t q = wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_splat(C2), r), wasm_f64x2_splat(1.0));
  const v128_t y = wasm_f64x2_add(wasm_f64x2_mul(p, wasm_f64x2_mul(r, r)), q);
  return wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(y, s));
}

/*
 * out[i] = expf(x[i]) for i < n (out may be x): groups of 4 in SIMD, a group with any |x| ≥ 88, ±∞ or
 * NaN and the last n % 4 elements by exp_scalar (the same bits either way).
 */
INLINE void exp_span(const uint64_t *table, const float *x, float *out, int n) {
  const v128_t top_mask = wasm_i32x4_splat(0x7ff), special = wasm_i32x4_splat(TOP12_88 - 1);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    if (wasm_v128_any_true(wasm_i32x4_gt(wasm_v128_and(wasm_u32x4_shr(v, 20), top_mask), special))) {
      for (int l = 0; l < 4; l++) out[i + l] = exp_scalar(table, x[i + l]);
      continue;
    }
    const v128_t low = exp_pair(table, wasm_f64x2_promote_low_f32x4(v));
    const v128_t high = exp_pair(table, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)));
    wasm_v128_store(out + i, wasm_i32x4_shuffle(low, high, 0, 1, 4, 5));
  }
  for (; i < n; i++) out[i] = exp_scalar(table, x[i]);
}
