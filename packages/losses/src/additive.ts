import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyTerm } from './cross-entropy';
import { diceStatistics, resolveDiceOptions } from './dice';
import { buildLoss, resolveInputOptions, type LossFunction } from './loss-function';
import { additiveSpecSchema, DEFAULT_LAMBDA, type AdditiveSpec } from './spec';

/** Builds the additive loss from a parsed spec (shared by {@link additiveLoss} and `createLoss`). */
export function buildAdditiveLoss(spec: AdditiveSpec): LossFunction {
  const lambda = spec.lambda ?? DEFAULT_LAMBDA;
  const diceOptions = resolveDiceOptions(spec);
  return buildLoss('additiveLoss', resolveInputOptions(spec), (inputs) =>
    tf.add(tf.mul(diceStatistics(inputs, diceOptions).loss, lambda), tf.mul(crossEntropyTerm(inputs), 1 - lambda)),
  );
}

/** Options of {@link additiveLoss}: the `'additive'` spec without its name. */
export type AdditiveLossOptions = Omit<AdditiveSpec, 'name'>;

/**
 * Eq. 1, the nnU-Net-style weighted sum: L = λ·L_Dice + (1 − λ)·L_CE with λ ∈ [0, 1] (default 0.5).
 * (The paper's eq. 8 puts λ on the CE gradient instead; eq. 1 and Table 2 put it on Dice, as here.)
 */
export function additiveLoss(options: AdditiveLossOptions = {}): LossFunction {
  return buildAdditiveLoss(parseWithSchema(additiveSpecSchema, { ...options, name: 'additive' }, 'additiveLoss', LossArgumentError));
}
