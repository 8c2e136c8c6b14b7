import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyTerm } from './cross-entropy';
import { diceStatistics } from './dice';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type LossFunction } from './loss-function';
import { camlSpecSchema, DEFAULT_SMOOTH, parseSpec, type CamlSpec } from './spec';
import { stopGradient } from './stop-gradient';

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

/** Computes eq. 13 and its parts on prepared inputs. */
export function camlTerms(inputs: PreparedInputs, spec: CamlSpec): CamlTerms {
  const crossEntropy = crossEntropyTerm(inputs);
  const dice = diceStatistics(inputs, spec.smooth ?? DEFAULT_SMOOTH);
  // 'true-class': p̄ = (1/P)·Σᵢ Σ_c y·p, and Σᵢ y·p per class is already the Dice intersection.
  const confidence: tf.Scalar =
    spec.confidence === 'mean-probability' ? tf.mean(inputs.probabilities()) : tf.mul(tf.sum(dice.intersections), 1 / inputs.pixelCount);
  // D is held constant: eqs. 14–15 differentiate α through p̄ only.
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
  return buildCamlLoss(parseSpec(camlSpecSchema, { ...options, name: 'caml' }, 'camlLoss'));
}
