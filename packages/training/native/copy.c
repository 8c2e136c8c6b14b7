/*
 * Strided copies for Concat and SplitV (../src/wasm-kernels/Concat.ts, SplitV.ts): each part moves
 * `rows` runs of `run` 32-bit values between its own buffer and a slice of the joined one. Items are rows.
 */
#include "kernels.h"

INLINE void copy_run(int32_t *to, const int32_t *from, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(to + i, wasm_v128_load(from + i));
  for (; i < n; i++) to[i] = from[i];
}

/*
 * args: joined (pointer), joined row length, parts count, direction (0: parts -> joined, Concat;
 * 1: joined -> parts, SplitV), then per part: pointer, run, offset in the joined row.
 */
EXPORT(copy_parts)
void copy_parts(const int32_t *args, int32_t begin, int32_t end) {
  int32_t *joined = (int32_t *)args[0];
  const int stride = args[1], parts = args[2], split = args[3];
  for (int row = begin; row < end; row++) {
    for (int p = 0; p < parts; p++) {
      int32_t *part = (int32_t *)args[4 + 3 * p];
      const int run = args[5 + 3 * p], offset = args[6 + 3 * p];
      if (split) copy_run(part + row * run, joined + row * stride + offset, run);
      else copy_run(joined + row * stride + offset, part + row * run, run);
    }
  }
}
