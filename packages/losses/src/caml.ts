import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyTerm } from './cross-entropy';
import { diceStatistics, resolveDiceOptions, type DiceStatistics } from './dice';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type LossFunction } from './loss-function';
import { camlSpecSchema, type CamlSpec } from './spec';
import { stopGradient } from './stop-gradient';
import { sumVector } from './sums';

/**
 * Smallest base used in the two powers of CAML. x^y is computed as exp(y·log(max(x, floor))) so that a
 * perfect prediction (L_CE = 0, or p̄ = 1) gives a finite value and finite gradients instead of
 * 0^α with its infinite slope (and log 0 · 0 = NaN in the exponent's gradient).
 */
export const CAML_POWER_FLOOR = 1e-12;

function power(base: tf.Tensor, exponent: tf.Tensor): tf.Scalar {
  return tf.exp(tf.mul(exponent, tf.log(tf.maximum(base, CAML_POWER_FLOOR)))) as tf.Scalar;
}

/** The pieces of eq. 13 for one batch; exposed for tests and the loss curves. */
export interface CamlTerms {
  readonly crossEntropy: tf.Scalar;
  readonly diceLoss: tf.Scalar;
  /** p̄, the batch confidence (see `confidence`). */
  readonly confidence: tf.Scalar;
  /** D (mean Dice coefficient, gradient stopped) or the constant r. */
  readonly exponent: tf.Scalar;
  /** α = (1 − p̄)^D. */
  readonly alpha: tf.Scalar;
  /** L_CAML = L_Dice · L_CE^α. */
  readonly loss: tf.Scalar;
}

/**
 * p̄ from the Dice sums (no extra pass over the pixels), M the number of counted pixels:
 * - `'true-class'`, softmax: (1/M)·Σᵢ Σ_c m·y·p = Σ_c I_c / M;
 * - `'true-class'`, sigmoid: the mean over counted pixels and channels of y·p + (1 − y)(1 − p)
 *   = 1 − Σ_c (S_c − 2·I_c) / (M·C), with S_c = Σᵢ m·(y + p);
 * - `'mean-probability'`: the mean of every counted output, Σ_c Σᵢ m·p / (M·C) (= Σ_c (S_c − Y_c)/(M·C)).
 * A batch whose every pixel is ignored gives p̄ = 0 (softmax) or 1 (sigmoid), both finite.
 */
function batchConfidence(inputs: PreparedInputs, dice: DiceStatistics, confidence: CamlSpec['confidence']): tf.Scalar {
  const counted = typeof inputs.countedPixels === 'number' ? inputs.countedPixels : tf.maximum(inputs.countedPixels, 1);
  if (confidence === 'mean-probability') {
    const probabilitySums = tf.sub(dice.denominators, inputs.sumOverPixels(inputs.target)) as tf.Tensor1D;
    return tf.div(sumVector(probabilitySums), tf.mul(counted, inputs.classCount));
  }
  if (inputs.activation === 'softmax') return tf.div(sumVector(dice.intersections), counted);
  const disagreements = tf.sub(dice.denominators, tf.mul(dice.intersections, 2)) as tf.Tensor1D;
  return tf.sub(1, tf.div(sumVector(disagreements), tf.mul(counted, inputs.classCount)));
}

/** Computes eq. 13 and its parts on prepared inputs. */
export function camlTerms(inputs: PreparedInputs, spec: CamlSpec): CamlTerms {
  const crossEntropy = crossEntropyTerm(inputs);
  const dice = diceStatistics(inputs, resolveDiceOptions(spec));
  const confidence = batchConfidence(inputs, dice, spec.confidence);
  // D = 1 − L_Dice is held constant: eqs. 14–15 differentiate α through p̄ only.
  const exponent: tf.Scalar = spec.r === undefined ? stopGradient(tf.sub(1, dice.loss) as tf.Scalar) : tf.scalar(spec.r);
  const alpha = power(tf.sub(1, confidence), exponent);
  const loss: tf.Scalar = tf.mul(dice.loss, power(crossEntropy, alpha));
  return { crossEntropy, diceLoss: dice.loss, confidence, exponent, alpha, loss };
}

/** Builds CAML from a parsed spec (shared by {@link camlLoss} and `createLoss`). */
export function buildCamlLoss(spec: CamlSpec): LossFunction {
  return buildLoss('camlLoss', resolveInputOptions(spec), (inputs) => camlTerms(inputs, spec).loss);
}

/** Options of {@link camlLoss}: the `'caml'` spec without its name. */
export type CamlLossOptions = Omit<CamlSpec, 'name'>;

/**
 * The Confidence-Adaptive Multiplicative Loss, Erratum eq. 13: L = L_Dice · L_CE^α with
 * α = (1 − p̄)^D, D the mean Dice coefficient held constant (no gradient, eqs. 14–15) and p̄ the batch
 * mean probability of the true class (`confidence: 'true-class'`, default) or the mean of every softmax
 * output (`'mean-probability'`). With `r`, α = (1 − p̄)^r (Table 4 ablation).
 */
export function camlLoss(options: CamlLossOptions = {}): LossFunction {
  return buildCamlLoss(parseWithSchema(camlSpecSchema, { ...options, name: 'caml' }, 'camlLoss', LossArgumentError));
}
