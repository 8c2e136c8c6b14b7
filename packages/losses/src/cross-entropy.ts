import * as tf from '@tensorflow/tfjs-core';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type LossFunction } from './loss-function';
import { crossEntropySpecSchema, parseSpec, type CrossEntropySpec } from './spec';

/** Eq. 2: L_CE = −(1/P)·Σᵢ Σ_c yᵢ,c·log pᵢ,c, the mean over all P = N·H·W pixels. */
export function crossEntropyTerm(inputs: PreparedInputs): tf.Scalar {
  return tf.mul(tf.sum(tf.mul(inputs.oneHot, inputs.logProbabilities())), -1 / inputs.pixelCount);
}

/** Builds the CE loss from a parsed spec (shared by {@link crossEntropyLoss} and `createLoss`). */
export function buildCrossEntropyLoss(spec: CrossEntropySpec): LossFunction {
  return buildLoss('crossEntropyLoss', resolveInputOptions(spec), crossEntropyTerm);
}

/** Options of {@link crossEntropyLoss}: the `'ce'` spec without its name. */
export type CrossEntropyLossOptions = Omit<CrossEntropySpec, 'name'>;

/**
 * Categorical cross-entropy, eq. 2, averaged over every pixel of the batch. From probabilities, they are
 * clipped below at ε (`epsilon`, default 1e-7) before the log; with `fromLogits`, log-softmax is used.
 */
export function crossEntropyLoss(options: CrossEntropyLossOptions = {}): LossFunction {
  return buildCrossEntropyLoss(parseSpec(crossEntropySpecSchema, { ...options, name: 'ce' }, 'crossEntropyLoss'));
}
