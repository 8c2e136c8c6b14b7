import * as tf from '@tensorflow/tfjs-core';

/**
 * Rows summed by one matMul before their partial sums are summed again. 32 keeps the float32 rounding of
 * each partial sum at most ~32 units in the last place, and the tree is log₃₂(P) levels deep (4 at
 * P = 4·256², where a single pass loses 4e-5 relative on wasm: bench/sum-precision.mjs).
 */
export const SUM_BLOCK_ROWS = 32;

/**
 * Σ over axis 1 of `[G, R, C]`, giving `[G, C]`, accurate to a few float32 units at any R: rows are summed
 * in blocks of {@link SUM_BLOCK_ROWS} (a `[1,1,b]×[G·R/b, b, C]` batched matMul with ones), then the block
 * sums the same way, until one block is left (blocked pairwise summation).
 *
 * Why not `tf.sum` or one `[1,R]×[R,C]` matMul: the wasm backend accumulates both sequentially in float32,
 * whose error grows with R (4.6e-4 and 4.2e-5 relative at R = 4·256², C = 4), and the cpu backend's matMul
 * adds its 64-row partial sums into a float32 result (2e-6). The blocked form is also the fastest of the
 * three on wasm (bench/sum-precision.mjs).
 *
 * Its gradient is the broadcast of dy over the R rows, given as one custom gradient (an add, a reshape
 * and a tile) rather than recorded through every level's reshapes, pads and matMuls: the values are the
 * same bits (each level's matMul gradient is 0 + 1·dy, exact), and the loss records and replays about a
 * dozen fewer operations per sum (no saved copies of the levels' operands).
 */
export function sumRows(tensor: tf.Tensor3D): tf.Tensor2D {
  const [groups, rows, columns] = tensor.shape;
  return sumLaidOutRows(tensor, groups, rows, columns, [groups, columns]) as tf.Tensor2D;
}

/**
 * {@link sumRows} of a tensor of any shape laid out as `[groups, rows, columns]`, returned in
 * `outputShape` (e.g. `[P, C]` → `[C]`): the reshapes around the sum fold into its levels' own.
 */
export function sumLaidOutRows(tensor: tf.Tensor, groups: number, rows: number, columns: number, outputShape: number[]): tf.Tensor {
  // Nothing records a gradient (inside the closed-form gradient's forward pass, or outside any tf.grad):
  // the custom gradient would only wrap the same kernels in one more scope.
  if (!tf.engine().isTapeOn()) return blockedSums(tensor, groups, rows, columns, outputShape);
  const inputShape = tensor.shape;
  const sum = tf.customGrad((x) => ({
    value: blockedSums(x as tf.Tensor, groups, rows, columns, outputShape),
    // dy + 0: the matMuls' gradients accumulate 1·dy onto 0, which turns a −0 into +0.
    gradFunc: (dy) => tf.reshape(tf.tile(tf.reshape(tf.add(dy as tf.Tensor, 0), [groups, 1, columns]), [1, rows, 1]), inputShape),
  }));
  return sum(tensor);
}

/** The forward pass of {@link sumRows} (its gradient recorded op by op, as before: the reference of its tests). */
export function blockedRowSums(tensor: tf.Tensor3D): tf.Tensor2D {
  const [groups, rows, columns] = tensor.shape;
  return blockedSums(tensor, groups, rows, columns, [groups, columns]) as tf.Tensor2D;
}

/**
 * The blocked sum of a tensor laid out as `[groups, rows, columns]` (any shape of that size), reshaped to
 * `outputShape`. Each level's matMul output `[g·b, 1, c]` is reshaped straight into the next level's
 * `[g·b/32, 32, c]` blocks (one reshape a level, not two): the matMuls see the same operands, so the sums
 * are the same bits, for a few kernel calls less per sum.
 */
export function blockedSums(tensor: tf.Tensor, groups: number, rows: number, columns: number, outputShape: number[]): tf.Tensor {
  const asGroups = (x: tf.Tensor, rowCount: number): tf.Tensor3D => (sameShape(x.shape, [groups, rowCount, columns]) ? (x as tf.Tensor3D) : tf.reshape(x, [groups, rowCount, columns]));
  let current: tf.Tensor = tensor;
  let remaining = rows;
  while (remaining > SUM_BLOCK_ROWS) {
    const padding = (SUM_BLOCK_ROWS - (remaining % SUM_BLOCK_ROWS)) % SUM_BLOCK_ROWS;
    const padded = padding === 0 ? current : tf.pad(asGroups(current, remaining), [[0, 0], [0, padding], [0, 0]]);
    const blocks = (remaining + padding) / SUM_BLOCK_ROWS;
    current = tf.matMul(tf.ones([1, 1, SUM_BLOCK_ROWS]), tf.reshape(padded, [groups * blocks, SUM_BLOCK_ROWS, columns]));
    remaining = blocks;
  }
  const total = tf.matMul(tf.ones([1, 1, remaining]), asGroups(current, remaining));
  return sameShape(total.shape, outputShape) ? total : tf.reshape(total, outputShape);
}

/** Whether two shapes are equal, axis by axis. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}

/** Σ of a `[C]` (or any small 1-D) tensor with the same blocked summation, as a scalar. */
export function sumVector(tensor: tf.Tensor1D): tf.Scalar {
  return sumLaidOutRows(tensor, 1, tensor.size, 1, []) as tf.Scalar;
}
