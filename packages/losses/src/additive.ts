import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import type { LossTerms } from './closed-form-gradient';
import { crossEntropyGradientParts, crossEntropyParts } from './cross-entropy';
import { diceGradientParts, diceStatistics, resolveDiceOptions } from './dice';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type GradientMode, type LossFunction } from './loss-function';
import { additiveSpecSchema, DEFAULT_LAMBDA, type AdditiveSpec } from './spec';

/** Builds the additive loss from a parsed spec (shared by {@link additiveLoss} and `createLoss`). */
export function buildAdditiveLoss(spec: AdditiveSpec, gradient: GradientMode = 'closed-form'): LossFunction {
  const lambda = spec.lambda ?? DEFAULT_LAMBDA;
  const diceOptions = resolveDiceOptions(spec);
  // Eq. 1's gradient is the same weighted sum: dy·λ scales the Dice term's α, β and dy·(1 − λ) CE's κ.
  const terms = (inputs: PreparedInputs): LossTerms => {
    const dice = diceStatistics(inputs, diceOptions);
    const crossEntropy = crossEntropyParts(inputs);
    const saved: Record<string, tf.Tensor> = {};
    const diceGradient = diceGradientParts(dice, diceOptions, saved);
    const crossEntropyGradient = crossEntropyGradientParts(crossEntropy, saved);
    return {
      value: tf.add(tf.mul(dice.loss, lambda), tf.mul(crossEntropy.value, 1 - lambda)),
      saved,
      sumGradients: (dy, savedTensors) => ({
        dice: diceGradient(tf.mul(dy, lambda), savedTensors),
        crossEntropy: crossEntropyGradient(tf.mul(dy, 1 - lambda), savedTensors),
      }),
    };
  };
  return buildLoss('additiveLoss', resolveInputOptions(spec), terms, gradient);
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
