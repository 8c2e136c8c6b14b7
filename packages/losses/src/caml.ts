import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import { readScalar, saveScalar, type LossTerms } from './closed-form-gradient';
import { crossEntropyGradientParts, crossEntropyParts } from './cross-entropy';
import { diceGradientParts, diceStatistics, resolveDiceOptions, type DiceStatistics } from './dice';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type GradientMode, type LossFunction } from './loss-function';
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
  return camlParts(inputs, spec).terms;
}

/** Eq. 13's terms plus the forward pieces its closed-form gradient reads. */
function camlParts(inputs: PreparedInputs, spec: CamlSpec) {
  const crossEntropyFactors = crossEntropyParts(inputs);
  const crossEntropy = crossEntropyFactors.value;
  const dice = diceStatistics(inputs, resolveDiceOptions(spec));
  const confidence = batchConfidence(inputs, dice, spec.confidence);
  // D = 1 − L_Dice is held constant: eqs. 14–15 differentiate α through p̄ only.
  const exponent: tf.Scalar = spec.r === undefined ? stopGradient(tf.sub(1, dice.loss) as tf.Scalar) : tf.scalar(spec.r);
  const alpha = power(tf.sub(1, confidence), exponent);
  const crossEntropyPower = power(crossEntropy, alpha);
  const loss: tf.Scalar = tf.mul(dice.loss, crossEntropyPower);
  return { terms: { crossEntropy, diceLoss: dice.loss, confidence, exponent, alpha, loss }, crossEntropyFactors, dice, crossEntropyPower };
}

/** ∂p̄/∂I and ∂p̄/∂S (per class, the same for every class) as multiples of 1/M (see `batchConfidence`). */
function confidenceSlopes(inputs: PreparedInputs, confidence: CamlSpec['confidence']): { intersections: number; denominators: number } {
  if (confidence === 'mean-probability') return { intersections: 0, denominators: 1 / inputs.classCount };
  if (inputs.activation === 'softmax') return { intersections: 1, denominators: 0 };
  return { intersections: 2 / inputs.classCount, denominators: -1 / inputs.classCount };
}

/** x ≥ floor as 0/1: where `power`'s max(x, floor) passes its gradient (tfjs' Maximum gradient). */
function aboveFloor(x: tf.Tensor): tf.Tensor {
  return tf.cast(tf.greaterEqual(x, CAML_POWER_FLOOR), 'float32');
}

/**
 * Eq. 13 as {@link LossTerms}. With t = dy·L_Dice·L_CE^α (eqs. 14–15, D constant):
 * ∂L/∂L_Dice = dy·L_CE^α, ∂L/∂L_CE = t·α/L_CE, ∂L/∂p̄ = −t·log L_CE·α·D/(1 − p̄), each base floored and
 * gated at {@link CAML_POWER_FLOOR} as `power` is; p̄'s gradient reaches the sums I, S it is made of.
 */
function camlLossTerms(inputs: PreparedInputs, spec: CamlSpec): LossTerms {
  const { terms, crossEntropyFactors, dice, crossEntropyPower } = camlParts(inputs, spec);
  const diceOptions = resolveDiceOptions(spec);
  const saved: Record<string, tf.Tensor> = {
    diceLoss: terms.diceLoss,
    crossEntropy: terms.crossEntropy,
    crossEntropyPower,
    confidence: terms.confidence,
    exponent: terms.exponent,
    alpha: terms.alpha,
  };
  const diceGradient = diceGradientParts(dice, diceOptions, saved);
  const crossEntropyGradient = crossEntropyGradientParts(crossEntropyFactors, saved);
  const counted = saveScalar(saved, 'countedPixels', inputs.countedPixels);
  const slopes = confidenceSlopes(inputs, spec.confidence);
  return {
    value: terms.loss,
    saved,
    sumGradients: (dy, s) => {
      const read = (name: string) => s[name] as tf.Tensor;
      const crossEntropy = read('crossEntropy');
      const alpha = read('alpha');
      const scaled = tf.mul(tf.mul(dy, read('diceLoss')), read('crossEntropyPower'));
      const flooredCrossEntropy = tf.maximum(crossEntropy, CAML_POWER_FLOOR);
      const crossEntropyScale = tf.mul(tf.div(tf.mul(scaled, alpha), flooredCrossEntropy), aboveFloor(crossEntropy));
      const complement = tf.sub(1, read('confidence'));
      const alphaSlope = tf.mul(tf.div(tf.mul(alpha, read('exponent')), tf.maximum(complement, CAML_POWER_FLOOR)), aboveFloor(complement));
      // dL/dp̄ = −t·log L_CE·dα/d(1 − p̄); the minus sign goes on the slopes below.
      const confidenceScale = tf.mul(tf.mul(scaled, tf.log(flooredCrossEntropy)), alphaSlope);
      const countedValue = readScalar(counted, s);
      const perCounted = typeof countedValue === 'number' ? tf.div(confidenceScale, countedValue) : tf.div(confidenceScale, tf.maximum(countedValue, 1));
      const diceTerm = diceGradient(tf.mul(dy, read('crossEntropyPower')), s);
      return {
        dice: {
          intersections: slopes.intersections === 0 ? diceTerm.intersections : tf.sub(diceTerm.intersections, tf.mul(perCounted, slopes.intersections)),
          denominators: slopes.denominators === 0 ? diceTerm.denominators : tf.sub(diceTerm.denominators, tf.mul(perCounted, slopes.denominators)),
        },
        crossEntropy: crossEntropyGradient(crossEntropyScale as tf.Scalar, s),
      };
    },
  };
}

/** Builds CAML from a parsed spec (shared by {@link camlLoss} and `createLoss`). */
export function buildCamlLoss(spec: CamlSpec, gradient: GradientMode = 'closed-form'): LossFunction {
  return buildLoss('camlLoss', resolveInputOptions(spec), (inputs) => camlLossTerms(inputs, spec), gradient);
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
