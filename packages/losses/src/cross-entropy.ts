import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type LossFunction } from './loss-function';
import { crossEntropySpecSchema, type CrossEntropySpec } from './spec';
import { sumVector } from './sums';

/**
 * Eq. 2 with class weights w_c and counted pixels mᵢ (both 1 by default):
 * - softmax: L_CE = Σᵢ mᵢ·w_{yᵢ}·(−log pᵢ,yᵢ) / Σᵢ mᵢ·w_{yᵢ} (PyTorch's `CrossEntropyLoss(weight, ignore_index)`
 *   mean); unweighted and without `ignoreIndex` it divides by P, the mean over all pixels of eq. 2.
 * - sigmoid: L_CE = Σ_c w_c·BCE_c / Σ_c w_c, BCE_c the mean over counted pixels of −(y·log p + (1 − y)·log(1 − p)).
 * A batch whose every pixel is ignored gives 0.
 */
export function crossEntropyTerm(inputs: PreparedInputs): tf.Scalar {
  const sums = inputs.crossEntropySums();
  const weights = inputs.classWeights;
  if (inputs.activation === 'sigmoid') {
    const perClass = tf.div(sums, typeof inputs.countedPixels === 'number' ? inputs.countedPixels : tf.maximum(inputs.countedPixels, 1));
    if (weights === undefined) return tf.div(sumVector(perClass as tf.Tensor1D), inputs.classCount);
    const total = weights.reduce((a, b) => a + b, 0);
    return tf.div(sumVector(tf.mul(perClass, tf.tensor1d([...weights]))), total);
  }
  if (weights === undefined) {
    if (typeof inputs.countedPixels === 'number') return tf.div(sumVector(sums), inputs.countedPixels);
    return tf.div(sumVector(sums), tf.maximum(inputs.countedPixels, 1));
  }
  // Σᵢ mᵢ·w_{yᵢ} = Σ_c w_c·Σᵢ (y·m)ᵢ,c; 0 only when no pixel of a weighted class is counted, and then the
  // numerator is 0 too, so any positive floor gives 0.
  const weightTensor = tf.tensor1d([...weights]);
  const denominator = sumVector(tf.mul(inputs.sumOverPixels(inputs.target), weightTensor));
  return tf.div(sumVector(tf.mul(sums, weightTensor)), tf.maximum(denominator, 1e-30));
}

/** Builds the CE loss from a parsed spec (shared by {@link crossEntropyLoss} and `createLoss`). */
export function buildCrossEntropyLoss(spec: CrossEntropySpec): LossFunction {
  return buildLoss('crossEntropyLoss', resolveInputOptions(spec), crossEntropyTerm);
}

/** Options of {@link crossEntropyLoss}: the `'ce'` spec without its name. */
export type CrossEntropyLossOptions = Omit<CrossEntropySpec, 'name'>;

/**
 * Cross-entropy, eq. 2: categorical (softmax, default) averaged over every pixel of the batch, or binary
 * per channel (`activation: 'sigmoid'`), with optional `classWeights` and `ignoreIndex` (see
 * `crossEntropyTerm` for the exact definitions). From probabilities, they are clipped at ε (`epsilon`,
 * default 1e-7) before the log; with `fromLogits`, log-softmax (log-sigmoid) is used.
 */
export function crossEntropyLoss(options: CrossEntropyLossOptions = {}): LossFunction {
  return buildCrossEntropyLoss(parseWithSchema(crossEntropySpecSchema, { ...options, name: 'ce' }, 'crossEntropyLoss', LossArgumentError));
}
