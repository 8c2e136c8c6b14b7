import * as tf from '@tensorflow/tfjs-core';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type LossFunction } from './loss-function';
import { DEFAULT_SMOOTH, diceSpecSchema, parseSpec, type DiceSpec } from './spec';

/** The per-class sums of eq. 3 and the Dice loss of eq. 4, computed once and shared by every loss. */
export interface DiceStatistics {
  /** Σᵢ yᵢ,c·pᵢ,c per class, [C]. Summed over classes and divided by P it is p̄, the true-class confidence. */
  readonly intersections: tf.Tensor1D;
  /** Dice_c per class (eq. 3), [C]. */
  readonly coefficients: tf.Tensor1D;
  /** L_Dice = 1 − (1/C)·Σ_c Dice_c (eq. 4). */
  readonly loss: tf.Scalar;
}

/**
 * Eqs. 3–4 over every pixel of the batch, background included:
 * Dice_c = (2·Σᵢ y·p + s) / (Σᵢ y + Σᵢ p + s). The smoothing s only keeps an absent, unpredicted class
 * finite (it then scores 1); at s = 1e-6 it is far below float32 resolution of any non-empty sum.
 */
export function diceStatistics(inputs: PreparedInputs, smooth: number): DiceStatistics {
  const probabilities = inputs.probabilities();
  const intersections = inputs.sumOverPixels(tf.mul(inputs.oneHot, probabilities));
  const denominators = tf.add(inputs.sumOverPixels(inputs.oneHot), inputs.sumOverPixels(probabilities));
  const coefficients = tf.div(tf.add(tf.mul(intersections, 2), smooth), tf.add(denominators, smooth)) as tf.Tensor1D;
  return { intersections, coefficients, loss: tf.sub(1, tf.mean(coefficients)) };
}

/** Builds the Dice loss from a parsed spec (shared by {@link diceLoss} and `createLoss`). */
export function buildDiceLoss(spec: DiceSpec): LossFunction {
  const smooth = spec.smooth ?? DEFAULT_SMOOTH;
  return buildLoss('diceLoss', resolveInputOptions(spec), (inputs) => diceStatistics(inputs, smooth).loss);
}

/** Options of {@link diceLoss}: the `'dice'` spec without its name. */
export type DiceLossOptions = Omit<DiceSpec, 'name'>;

/** Soft multi-class Dice loss, eqs. 3–4: one minus the mean over all C classes of the batch Dice. */
export function diceLoss(options: DiceLossOptions = {}): LossFunction {
  return buildDiceLoss(parseSpec(diceSpecSchema, { ...options, name: 'dice' }, 'diceLoss'));
}
