/*
 * The gradient of Tile: dx[i] = Σ over every repetition t of dy at (t·x_shape + i), called by
 * ../src/wasm-kernels/TileGrad.ts. tfjs-layers' LayerNormalization tiles its statistics, scale and
 * offset to the input's shape on every call, and tfjs-core's Tile gradient is a Slice and an Add per
 * repetition (128 kernels per statistic of a 64-channel layer norm); here it is one pass.
 * The repetitions are added in row-major order starting from zero, as tfjs-core's gradient adds its
 * slices, so the bits are the same; items (elements of dx) never share an output, so they do not
 * depend on the thread count either.
 */
#include "kernels.h"

#define TILE_RANK 6

/* args: dy, dx (pointers), then x's shape (6 slots), then the repetitions (6 slots): rank-6, leading 1s. */
EXPORT(tile_grad)
void tile_grad(const int32_t *args, int32_t begin, int32_t end) {
  const float *dy = (const float *)args[0];
  float *dx = (float *)args[1];
  const int32_t *shape = args + 2, *reps = args + 2 + TILE_RANK;
  int32_t dy_strides[TILE_RANK];
  int32_t stride = 1;
  for (int axis = TILE_RANK - 1; axis >= 0; axis--) {
    dy_strides[axis] = stride;
    stride *= shape[axis] * reps[axis];
  }
  for (int item = begin; item < end; item++) {
    int32_t base = 0, rest = item;
    for (int axis = TILE_RANK - 1; axis >= 0; axis--) {
      base += (rest % shape[axis]) * dy_strides[axis];
      rest /= shape[axis];
    }
    float acc = 0;
    for (int t0 = 0; t0 < reps[0]; t0++) {
      const int32_t o0 = base + t0 * shape[0] * dy_strides[0];
      for (int t1 = 0; t1 < reps[1]; t1++) {
        const int32_t o1 = o0 + t1 * shape[1] * dy_strides[1];
        for (int t2 = 0; t2 < reps[2]; t2++) {
          const int32_t o2 = o1 + t2 * shape[2] * dy_strides[2];
          for (int t3 = 0; t3 < reps[3]; t3++) {
            const int32_t o3 = o2 + t3 * shape[3] * dy_strides[3];
            for (int t4 = 0; t4 < reps[4]; t4++) {
              const int32_t o4 = o3 + t4 * shape[4] * dy_strides[4];
              const int32_t step = shape[5] * dy_strides[5];
              for (int t5 = 0; t5 < reps[5]; t5++) acc += dy[o4 + t5 * step];
            }
          }
        }
      }
    }
    dx[item] = acc;
  }
}
