/*
 * The filter of a convolution's input gradient as a forward convolution: the forward filter
 * w [KH, KW, Ci, Co] rotated by 180° with its channel axes swapped, out[kh, kw, co, ci] =
 * w[KH−1−kh, KW−1−kw, ci, co] (../src/wasm-kernels/Conv2D.ts, when the direct kernel computes an
 * input gradient; a JS loop did this for every such call). A copy: the same bits for any split.
 */
#include "kernels.h"

/* args: w, out (pointers), k_h, k_w, ci, co. Items: rows of out (k_h·k_w·co rows of ci values). */
EXPORT(flip_filter)
void flip_filter(const int32_t *args, int32_t begin, int32_t end) {
  const float *w = (const float *)args[0];
  float *out = (float *)args[1];
  const int k_h = args[2], k_w = args[3], ci_count = args[4], co_count = args[5];
  const int taps = k_h * k_w;
  for (int row = begin; row < end; row++) {
    const int tap = row / co_count, co = row - tap * co_count;
    const float *source = w + (int64_t)(taps - 1 - tap) * ci_count * co_count + co;
    float *target = out + (int64_t)row * ci_count;
    for (int ci = 0; ci < ci_count; ci++) target[ci] = source[(int64_t)ci * co_count];
  }
}
