import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropySumGradient, readScalar, saveScalar, type LossTerms } from './closed-form-gradient';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type GradientMode, type LossFunction } from './loss-function';
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
  return crossEntropyParts(inputs).value;
}

/**
 * Eq. 2 written as L_CE = Σ_c f_c·X_c / d, X_c = `inputs.crossEntropySums()`: the class factors f_c and
 * the divisor d are what the closed-form gradient needs (∂L_CE/∂X_c = f_c/d, constant in the prediction).
 */
export interface CrossEntropyParts {
  readonly value: tf.Scalar;
  /** d: P, max(M, 1), M or max(Σᵢ mᵢ·w_{yᵢ}, 1e-30) (a scalar tensor when it depends on the labels). */
  readonly divisor: number | tf.Scalar;
  /** f_c: 1 (softmax), 1/C or w_c/Σw (sigmoid), w_c (weighted softmax). */
  readonly classFactors: number | readonly number[];
}

/** {@link crossEntropyTerm} with the parts of its gradient (same operations, same value bits). */
export function crossEntropyParts(inputs: PreparedInputs): CrossEntropyParts {
  const sums = inputs.crossEntropySums();
  const weights = inputs.classWeights;
  if (inputs.activation === 'sigmoid') {
    const divisor = typeof inputs.countedPixels === 'number' ? inputs.countedPixels : tf.maximum(inputs.countedPixels, 1);
    const perClass = tf.div(sums, divisor);
    if (weights === undefined) return { value: tf.div(sumVector(perClass as tf.Tensor1D), inputs.classCount), divisor: divisor as number | tf.Scalar, classFactors: 1 / inputs.classCount };
    const total = weights.reduce((a, b) => a + b, 0);
    return { value: tf.div(sumVector(tf.mul(perClass, tf.tensor1d([...weights]))), total), divisor: divisor as number | tf.Scalar, classFactors: weights.map((weight) => weight / total) };
  }
  if (weights === undefined) {
    if (typeof inputs.countedPixels === 'number') return { value: tf.div(sumVector(sums), inputs.countedPixels), divisor: inputs.countedPixels, classFactors: 1 };
    const divisor: tf.Scalar = tf.maximum(inputs.countedPixels, 1);
    return { value: tf.div(sumVector(sums), divisor), divisor, classFactors: 1 };
  }
  // Σᵢ mᵢ·w_{yᵢ} = Σ_c w_c·Σᵢ (y·m)ᵢ,c; 0 only when no pixel of a weighted class is counted, and then the
  // numerator is 0 too, so any positive floor gives 0.
  const weightTensor = tf.tensor1d([...weights]);
  const denominator = sumVector(tf.mul(inputs.sumOverPixels(inputs.target), weightTensor));
  const divisor: tf.Scalar = tf.maximum(denominator, 1e-30);
  return { value: tf.div(sumVector(tf.mul(sums, weightTensor)), divisor), divisor, classFactors: weights };
}

/**
 * Eq. 2 with its gradient parts: ∂L_CE/∂X_c = f_c/d (see {@link CrossEntropyParts}); the caller scales κ (additive: 1 − λ, ML: L_Dice, CAML: ∂L/∂L_CE).
 */
export function crossEntropyGradientParts(parts: CrossEntropyParts, saved: Record<string, tf.Tensor>): (scale: tf.Scalar, saved: Readonly<Record<string, tf.Tensor>>) => tf.Tensor {
  const divisor = saveScalar(saved, 'crossEntropyDivisor', parts.divisor);
  return (scale, savedTensors) => crossEntropySumGradient(scale, readScalar(divisor, savedTensors), parts.classFactors);
}

/** CE (eq. 2) as {@link LossTerms}: κ_c = dy·f_c/d; with logits the backward is κ·(p − y) through log-softmax. */
export function crossEntropyLossTerms(inputs: PreparedInputs): LossTerms {
  const parts = crossEntropyParts(inputs);
  const saved: Record<string, tf.Tensor> = {};
  const kappa = crossEntropyGradientParts(parts, saved);
  return { value: parts.value, saved, sumGradients: (dy, savedTensors) => ({ crossEntropy: kappa(dy, savedTensors) }) };
}

/** Builds the CE loss from a parsed spec (shared by {@link crossEntropyLoss} and `createLoss`). */
export function buildCrossEntropyLoss(spec: CrossEntropySpec, gradient: GradientMode = 'closed-form'): LossFunction {
  return buildLoss('crossEntropyLoss', resolveInputOptions(spec), crossEntropyLossTerms, gradient);
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
