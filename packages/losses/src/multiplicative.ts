import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import type { LossTerms } from './closed-form-gradient';
import { crossEntropyGradientParts, crossEntropyParts } from './cross-entropy';
import { diceGradientParts, diceStatistics, resolveDiceOptions } from './dice';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type GradientMode, type LossFunction } from './loss-function';
import { multiplicativeSpecSchema, type MultiplicativeSpec } from './spec';

/** Builds ML from a parsed spec (shared by {@link multiplicativeLoss} and `createLoss`). */
export function buildMultiplicativeLoss(spec: MultiplicativeSpec, gradient: GradientMode = 'closed-form'): LossFunction {
  const diceOptions = resolveDiceOptions(spec);
  // Eq. 6, the product rule: dL_ML = L_CE·dL_Dice + L_Dice·dL_CE, so dy·L_CE scales the Dice term's α, β
  // and dy·L_Dice CE's κ.
  const terms = (inputs: PreparedInputs): LossTerms => {
    const dice = diceStatistics(inputs, diceOptions);
    const crossEntropy = crossEntropyParts(inputs);
    const saved: Record<string, tf.Tensor> = { diceLoss: dice.loss, crossEntropy: crossEntropy.value };
    const diceGradient = diceGradientParts(dice, diceOptions, saved);
    const crossEntropyGradient = crossEntropyGradientParts(crossEntropy, saved);
    return {
      value: tf.mul(dice.loss, crossEntropy.value),
      saved,
      sumGradients: (dy, savedTensors) => ({
        dice: diceGradient(tf.mul(dy, savedTensors['crossEntropy'] as tf.Tensor), savedTensors),
        crossEntropy: crossEntropyGradient(tf.mul(dy, savedTensors['diceLoss'] as tf.Tensor), savedTensors),
      }),
    };
  };
  return buildLoss('multiplicativeLoss', resolveInputOptions(spec), terms, gradient);
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
