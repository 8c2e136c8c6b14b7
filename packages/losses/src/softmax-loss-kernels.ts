import * as tf from '@tensorflow/tfjs-core';

/**
 * Name of the optional forward kernel of the softmax-from-logits losses. Inputs `{ logits, target }`
 * (float32 `[P, C]`: the flattened `yPred` and the one-hot target y), attributes
 * {@link SoftmaxLossSumsAttrs}; outputs `[probabilities, intersections, targetSums, probabilitySums,
 * targetLogProbabilitySums]`: p = exp(log p) `[P, C]` with log p = (x − max_c x) − log Σ_c exp(x − max_c x)
 * (the kernels of this package's log-softmax: Max, Sub, Exp, Sum, Log, Sub, then Exp), and the per-class
 * sums over the P rows of y·p, y, p and y·log p (`[C]` each), every one the blocked sum of `sums.ts`
 * (blocks of `blockRows` rows summed from zero in row order, zero-padded, level by level). A backend that
 * registers it must return exactly those bits; without it the losses run those kernels themselves.
 */
export const SOFTMAX_LOSS_SUMS = 'TfsegSoftmaxLossSums';

/**
 * Name of the optional gradient kernel of the softmax-from-logits losses (the closed-form gradient's
 * element-wise part). Inputs `{ probabilities, target }` (`[P, C]`, float32), with `{ alpha, beta }` when
 * the loss has a Dice term and `kappa` when it has a CE term (each `[C]` or a scalar); no attributes.
 * Output dz `[P, C]`: with g = p·(y·α + β) − y·κ (p·(y·α + β) without κ, −(y·κ) without α and β),
 * dz = g − p·Σ_c g, the sum over classes from zero in class order: the float32 operations, in order, of
 * the composition `closed-form-gradient.ts` runs without it.
 */
export const SOFTMAX_LOSS_GRAD = 'TfsegSoftmaxLossGrad';

/**
 * Name of the optional forward kernel of the softmax losses on probabilities (`fromLogits: false`, a
 * model whose last layer is a softmax). Inputs `{ probabilities, target }` (float32 `[P, C]`: the
 * flattened `yPred` p and the target y), attributes {@link SoftmaxProbabilityLossSumsAttrs}; outputs
 * `[intersections, targetSums, probabilitySums, targetLogSums]`: the per-class sums over the P rows of
 * y·p, y, p and y·log(max(p, ε)) (`[C]` each; the backend's Maximum with the float32 ε, Log and Multiply),
 * each the blocked sum of {@link SOFTMAX_LOSS_SUMS}. A backend that registers it must return exactly those
 * bits; without it the losses run those kernels themselves.
 */
export const SOFTMAX_PROBABILITY_LOSS_SUMS = 'TfsegSoftmaxProbabilityLossSums';

/**
 * Name of the optional gradient kernel of the softmax losses on probabilities (the closed-form
 * gradient's element-wise part). Inputs as {@link SOFTMAX_LOSS_GRAD}'s, attributes
 * {@link SoftmaxProbabilityLossGradAttrs}. Output `[P, C]`: A − e with A = y·α + β and
 * e = ((y·κ) / max(p, ε))·[p ≥ ε] (A without κ, −e without α and β): the float32 operations, in order, of
 * the composition `closed-form-gradient.ts` runs without it.
 */
export const SOFTMAX_PROBABILITY_LOSS_GRAD = 'TfsegSoftmaxProbabilityLossGrad';

/** Attributes of {@link SOFTMAX_PROBABILITY_LOSS_GRAD}. */
export interface SoftmaxProbabilityLossGradAttrs {
  /** The clipping ε of eq. 2's log, a number > 0 (rounded to float32, like the composition's scalar operand). */
  epsilon: number;
}

/** Attributes of {@link SOFTMAX_PROBABILITY_LOSS_SUMS}. */
export interface SoftmaxProbabilityLossSumsAttrs extends SoftmaxLossSumsAttrs, SoftmaxProbabilityLossGradAttrs {}

/** Attributes of {@link SOFTMAX_LOSS_SUMS}. */
export interface SoftmaxLossSumsAttrs {
  /** Rows per block of the blocked sums (`SUM_BLOCK_ROWS`). */
  blockRows: number;
}

/** Whether the active backend registers `kernelName` (read at each call: the backend may change). */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
