/*
 * Exp, float32 (called by ../src/wasm-kernels/Exp.ts), bit for bit what tfjs-backend-wasm's Exp computes:
 * its C++ loop calls emscripten's musl expf for each element (ARM's optimized-routines expf: in float64,
 * x·32/ln 2 = k + r, 2^(k/32) from a 32-entry table with k's high bits added to its exponent, and a
 * degree-3 polynomial in r; the constants and the table are the built-in module's, the table passed in
 * by Exp.ts). Here 4 elements at a time as two float64x2 halves, every step the same IEEE operation on
 * the same operands (nothing reordered or fused), so the same bits; a group with any |x| ≥ 88, ±∞ or NaN
 * goes through the scalar function, whose special cases are musl's (−∞ → +0, NaN and +∞ → x + x, above
 * 0x1.62e42ep6 → +∞, below −0x1.9fe368p6 → +0). The built-in call costs ~5–15 ns an element; checked
 * against it on all 2^32 inputs (bench/exp-bits.mjs).
 */
#include "exp.h"

/*
 * args: x, out (pointers, float32), table (pointer: musl's __exp2f_data.tab, 2^(i/32) with i·2^52/32
 * subtracted from its bits, 32 uint64 that Exp.ts writes to tfjs' heap once: the modules have no data
 * segments). Items: elements.
 */
EXPORT(exp_elementwise)
void exp_elementwise(const int32_t *args, int32_t begin, int32_t end) {
  const float *x = (const float *)args[0];
  float *out = (float *)args[1];
  exp_span((const uint64_t *)args[2], x + begin, out + begin, end - begin);
}
