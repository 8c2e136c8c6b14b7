import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyTerm } from './cross-entropy';
import { diceStatistics, resolveDiceOptions } from './dice';
import { buildLoss, resolveInputOptions, type LossFunction } from './loss-function';
import { multiplicativeSpecSchema, type MultiplicativeSpec } from './spec';

/** Builds ML from a parsed spec (shared by {@link multiplicativeLoss} and `createLoss`). */
export function buildMultiplicativeLoss(spec: MultiplicativeSpec): LossFunction {
  const diceOptions = resolveDiceOptions(spec);
  return buildLoss('multiplicativeLoss', resolveInputOptions(spec), (inputs) => tf.mul(diceStatistics(inputs, diceOptions).loss, crossEntropyTerm(inputs)));
}

/** Options of {@link multiplicativeLoss}: the `'ml'` spec without its name. */
export type MultiplicativeLossOptions = Omit<MultiplicativeSpec, 'name'>;

/**
 * The Multiplicative Loss (ML), eq. 5: L_ML = L_Dice · L_CE, hyperparameter-free. Its gradient is the
 * product rule of eq. 6 (see the README for how it relates to the printed eq. 7).
 */
export function multiplicativeLoss(options: MultiplicativeLossOptions = {}): LossFunction {
  return buildMultiplicativeLoss(parseWithSchema(multiplicativeSpecSchema, { ...options, name: 'ml' }, 'multiplicativeLoss', LossArgumentError));
}
