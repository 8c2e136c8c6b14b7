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
  const sum = tf.customGrad((x) => ({
    value: blockedRowSums(x as tf.Tensor3D),
    // dy + 0: the matMuls' gradients accumulate 1·dy onto 0, which turns a −0 into +0.
    gradFunc: (dy) => tf.tile(tf.reshape(tf.add(dy as tf.Tensor, 0), [groups, 1, columns]), [1, rows, 1]),
  }));
  return sum(tensor) as tf.Tensor2D;
}

/** The forward pass of {@link sumRows} (its gradient recorded op by op, as before: the reference of its tests). */
export function blockedRowSums(tensor: tf.Tensor3D): tf.Tensor2D {
  const [groups, , columns] = tensor.shape;
  let current: tf.Tensor3D = tensor;
  let rows = tensor.shape[1];
  while (rows > SUM_BLOCK_ROWS) {
    const padding = (SUM_BLOCK_ROWS - (rows % SUM_BLOCK_ROWS)) % SUM_BLOCK_ROWS;
    const padded = padding === 0 ? current : tf.pad(current, [[0, 0], [0, padding], [0, 0]]);
    const blocks = (rows + padding) / SUM_BLOCK_ROWS;
    const blockSums = tf.matMul(tf.ones([1, 1, SUM_BLOCK_ROWS]), tf.reshape(padded, [groups * blocks, SUM_BLOCK_ROWS, columns]));
    current = tf.reshape(blockSums, [groups, blocks, columns]);
    rows = blocks;
  }
  return tf.reshape(tf.matMul(tf.ones([1, 1, rows]), current), [groups, columns]);
}

/** Σ of a `[C]` (or any small 1-D) tensor with the same blocked summation, as a scalar. */
export function sumVector(tensor: tf.Tensor1D): tf.Scalar {
  return tf.reshape(sumRows(tf.reshape(tensor, [1, tensor.size, 1])), []);
}
