/*
 * Softmax over the last axis, float32 (called by ../src/wasm-kernels/Softmax.ts), bit for bit what
 * tfjs-backend-wasm's Softmax (XNNPACK's softmax_nc_f32 on WebAssembly SIMD) computes, without its
 * three microkernel calls per row: the U-Net's heads have 2-5 classes, so XNNPACK spends its time in
 * per-row calls ([16384, 5]: ~0.8 ms). Here 4 rows at a time, one per SIMD lane, in XNNPACK's order:
 *   m = max_c x_c;  e_c = exp(x_c - m) by XNNPACK's rr2_p5 (range reduction by ln 2 in two parts,
 *   degree-5 polynomial, 0 below its denormal cutoff);  s = (a_0 + a_2) + (a_1 + a_3) with a_l the sum,
 *   in order, of e_c over c < C & ~3 with c % 4 = l (its 4-lane accumulator), then + e_c for each
 *   remaining c in order;  y_c = e_c * (1 / s).
 * Every step is the same IEEE float32 operation on the same operands, so the same bits (tested against
 * the built-in kernel); rows are independent, so any split over threads gives the same bits.
 */
#include "kernels.h"

enum { MAX_CHANNELS = 64 };

/* exp(x) for x <= 0 as XNNPACK's f32 raddstoreexpminusmax wasmsimd rr2_p5 computes it. */
INLINE v128_t exp_minus(v128_t vx) {
  const v128_t vlog2e = wasm_f32x4_splat(0x1.715476p+0f);
  const v128_t vmagic_bias = wasm_f32x4_splat(0x1.8000FEp23f);
  const v128_t vminus_ln2_hi = wasm_f32x4_splat(-0x1.62E400p-1f);
  const v128_t vminus_ln2_lo = wasm_f32x4_splat(-0x1.7F7D1Cp-20f);
  const v128_t vc5 = wasm_f32x4_splat(0x1.0F9F9Cp-7f);
  const v128_t vc4 = wasm_f32x4_splat(0x1.573A1Ap-5f);
  const v128_t vc3 = wasm_f32x4_splat(0x1.555A80p-3f);
  const v128_t vc2 = wasm_f32x4_splat(0x1.FFFDC6p-2f);
  const v128_t vc1 = wasm_f32x4_splat(0x1.FFFFF6p-1f);
  const v128_t vdenorm_cutoff = wasm_f32x4_splat(-0x1.5D589Ep6f);
  v128_t vn = wasm_f32x4_add(wasm_f32x4_mul(vx, vlog2e), vmagic_bias);
  const v128_t vs = wasm_i32x4_shl(vn, 23);
  vn = wasm_f32x4_sub(vn, vmagic_bias);
  v128_t vt = wasm_f32x4_add(wasm_f32x4_mul(vn, vminus_ln2_hi), vx);
  vt = wasm_f32x4_add(wasm_f32x4_mul(vn, vminus_ln2_lo), vt);
  v128_t vp = wasm_f32x4_add(wasm_f32x4_mul(vc5, vt), vc4);
  vp = wasm_f32x4_add(wasm_f32x4_mul(vp, vt), vc3);
  vp = wasm_f32x4_add(wasm_f32x4_mul(vp, vt), vc2);
  vp = wasm_f32x4_add(wasm_f32x4_mul(vp, vt), vc1);
  vt = wasm_f32x4_mul(vt, vs);
  const v128_t vf = wasm_f32x4_add(wasm_f32x4_mul(vt, vp), vs);
  return wasm_v128_andnot(vf, wasm_f32x4_lt(vx, vdenorm_cutoff));
}

/*
 * args: x, y (pointers, [rows, channels]), rows, channels (1..64). Items: groups of 4 rows (the last
 * group's missing rows repeat the last row and are not stored).
 */
EXPORT(softmax_rows)
void softmax_rows(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *y = (float *)args[1];
  const int rows = args[2], channels = args[3];
  const int vector_channels = channels & ~3;
  v128_t e[MAX_CHANNELS];
  for (int group = begin; group < end; group++) {
    const float *in[4];
    float *out[4];
    int count = rows - 4 * group < 4 ? rows - 4 * group : 4;
    for (int l = 0; l < 4; l++) {
      const int row = 4 * group + (l < count ? l : count - 1);
      in[l] = x + (int64_t)row * channels;
      out[l] = y + (int64_t)row * channels;
    }
    /* Lane l holds row l's value of channel c. */
#define GATHER(c) wasm_f32x4_make(in[0][c], in[1][c], in[2][c], in[3][c])
    v128_t vmax = GATHER(0);
    for (int c = 1; c < channels; c++) vmax = wasm_f32x4_pmax(vmax, GATHER(c));
    v128_t acc[4] = {wasm_f32x4_splat(0), wasm_f32x4_splat(0), wasm_f32x4_splat(0), wasm_f32x4_splat(0)};
    for (int c = 0; c < vector_channels; c++) {
      e[c] = exp_minus(wasm_f32x4_sub(GATHER(c), vmax));
      acc[c & 3] = wasm_f32x4_add(acc[c & 3], e[c]);
    }
    v128_t sum = wasm_f32x4_add(wasm_f32x4_add(acc[0], acc[2]), wasm_f32x4_add(acc[1], acc[3]));
    for (int c = vector_channels; c < channels; c++) {
      e[c] = exp_minus(wasm_f32x4_sub(GATHER(c), vmax));
      sum = wasm_f32x4_add(sum, e[c]);
    }
#undef GATHER
    const v128_t scale = wasm_f32x4_div(wasm_f32x4_splat(1.0f), sum);
    for (int c = 0; c < channels; c++) {
      const v128_t v = wasm_f32x4_mul(e[c], scale);
      out[0][c] = wasm_f32x4_extract_lane(v, 0);
      if (count > 1) out[1][c] = wasm_f32x4_extract_lane(v, 1);
      if (count > 2) out[2][c] = wasm_f32x4_extract_lane(v, 2);
      if (count > 3) out[3][c] = wasm_f32x4_extract_lane(v, 3);
    }
  }
}
