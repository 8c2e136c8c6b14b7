import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import { LossArgumentError } from './errors';
import { diceSumGradients, type LossTerms, type SumGradients } from './closed-form-gradient';
import type { PreparedInputs } from './inputs';
import { buildLoss, resolveInputOptions, type GradientMode, type LossFunction } from './loss-function';
import { DEFAULT_SMOOTH, diceSpecSchema, type DiceSpec } from './spec';
import { sumLaidOutRows, sumVector } from './sums';

/** Resolved (defaults filled) options of the Dice term. */
export interface DiceOptions {
  readonly smooth: number;
  readonly includeBackground: boolean;
  readonly diceReduction: 'batch' | 'image';
}

/** Fills the Dice options' defaults (the paper's: every class, batch Dice, s = 1e-6). */
export function resolveDiceOptions(spec: Pick<DiceSpec, 'smooth' | 'includeBackground' | 'diceReduction'>): DiceOptions {
  return { smooth: spec.smooth ?? DEFAULT_SMOOTH, includeBackground: spec.includeBackground ?? true, diceReduction: spec.diceReduction ?? 'batch' };
}

/** The per-class sums of eq. 3 and the Dice loss of eq. 4, computed once and shared by every loss. */
export interface DiceStatistics {
  /** Σᵢ mᵢ·yᵢ,c·pᵢ,c per class over the whole batch, [C] (for CAML's p̄). */
  readonly intersections: tf.Tensor1D;
  /** Σᵢ mᵢ·(yᵢ,c + pᵢ,c) per class over the whole batch, [C]. */
  readonly denominators: tf.Tensor1D;
  /** Dice_c per class (eq. 3), [C]; with `diceReduction: 'image'` the mean over images of each image's Dice_c. */
  readonly coefficients: tf.Tensor1D;
  /** L_Dice = 1 − Σ_c w_c·Dice_c / Σ_c w_c over the included classes (eq. 4 with weights). */
  readonly loss: tf.Scalar;
  /**
   * What the closed-form gradient reads: the sums S and coefficients Dice of eq. 3 it differentiates, [C]
   * for batch Dice or [N, C] per image, and ω with L_Dice = 1 − Σ ω·Dice (w_c/Σw or 1/C, also /N per image).
   */
  readonly gradientParts: { readonly denominators: tf.Tensor; readonly coefficients: tf.Tensor; readonly weights: number | readonly number[] };
}

/** The Dice weight of each class: w_c (1 by default), 0 for channel 0 without `includeBackground`. */
function diceWeights(inputs: PreparedInputs, options: DiceOptions): number[] | undefined {
  if (options.includeBackground && inputs.classWeights === undefined) return undefined;
  if (!options.includeBackground && inputs.classCount < 2) {
    throw new LossArgumentError(`Error in ${inputs.caller}: includeBackground: false needs C >= 2 channels (channel 0 is the background), but yPred has C = ${inputs.classCount}`);
  }
  const weights = Array.from({ length: inputs.classCount }, (_, c) => (c === 0 && !options.includeBackground ? 0 : (inputs.classWeights?.[c] ?? 1)));
  if (!weights.some((weight) => weight > 0)) {
    throw new LossArgumentError(`Error in ${inputs.caller}: classWeights must give some included class a weight > 0 for the Dice term, but got [${weights.join(', ')}] (includeBackground: ${options.includeBackground})`);
  }
  return weights;
}

/**
 * Eqs. 3–4 with counted pixels mᵢ and class weights w_c: Dice_c = (2·Σᵢ m·y·p + s) / (Σᵢ m·(y + p) + s) over
 * the whole batch (or per image, then averaged over images), L_Dice = 1 − Σ_c w_c·Dice_c / Σ_c w_c over
 * the included classes. The smoothing s only keeps an absent, unpredicted class finite (it then scores
 * 1); at s = 1e-6 it is far below float32 resolution of any non-empty sum.
 */
export function diceStatistics(inputs: PreparedInputs, options: DiceOptions): DiceStatistics {
  const weights = diceWeights(inputs, options);
  let intersections: tf.Tensor1D;
  let denominators: tf.Tensor1D;
  let coefficients: tf.Tensor1D;
  let gradientSums: { denominators: tf.Tensor; coefficients: tf.Tensor };
  const dice = (intersection: tf.Tensor, denominator: tf.Tensor) => tf.div(tf.add(tf.mul(intersection, 2), options.smooth), tf.add(denominator, options.smooth));
  if (options.diceReduction === 'batch') {
    const sums = inputs.classSums();
    intersections = sums.intersections;
    denominators = tf.add(sums.targets, sums.probabilities);
    coefficients = dice(intersections, denominators) as tf.Tensor1D;
    gradientSums = { denominators, coefficients };
  } else {
    const probabilities = inputs.probabilities();
    const products = tf.mul(inputs.target, probabilities) as tf.Tensor2D;
    const countedProbabilities = inputs.mask === undefined ? probabilities : (tf.mul(probabilities, inputs.mask) as tf.Tensor2D);
    const imageIntersections = inputs.sumPerImage(products);
    const imageDenominators = tf.add(inputs.sumPerImage(inputs.target), inputs.sumPerImage(countedProbabilities)) as tf.Tensor2D;
    // Over images with the same accurate sum (a [P, C] input has P one-pixel images).
    const batchTotal = (perImage: tf.Tensor) => sumLaidOutRows(perImage, 1, inputs.imageCount, inputs.classCount, [inputs.classCount]) as tf.Tensor1D;
    const imageCoefficients = dice(imageIntersections, imageDenominators);
    coefficients = tf.div(batchTotal(imageCoefficients), inputs.imageCount);
    gradientSums = { denominators: imageDenominators, coefficients: imageCoefficients };
    intersections = batchTotal(imageIntersections);
    denominators = batchTotal(imageDenominators);
  }
  // Σ_c w_c over the included classes (C without weights): eq. 4's divisor and the gradient's ω.
  const total = weights === undefined ? inputs.classCount : weights.reduce((a, b) => a + b, 0);
  const loss: tf.Scalar = tf.sub(1, tf.div(sumVector(weights === undefined ? coefficients : tf.mul(coefficients, tf.tensor1d(weights))), total));
  const images = options.diceReduction === 'image' ? inputs.imageCount : 1;
  const gradientWeights = weights === undefined ? 1 / (total * images) : weights.map((weight) => weight / (total * images));
  return { intersections, denominators, coefficients, loss, gradientParts: { ...gradientSums, weights: gradientWeights } };
}

/**
 * Saves what the Dice term's gradient reads (S and Dice of eq. 3) and returns its α, β given a scale
 * (∂L/∂L_Dice times dy): ∂L_Dice/∂I = −2ω/(S + s), ∂L_Dice/∂S = ω·Dice/(S + s).
 */
export function diceGradientParts(dice: DiceStatistics, options: DiceOptions, saved: Record<string, tf.Tensor>): (scale: tf.Scalar, saved: Readonly<Record<string, tf.Tensor>>) => NonNullable<SumGradients['dice']> {
  saved['diceDenominators'] = dice.gradientParts.denominators;
  saved['diceCoefficients'] = dice.gradientParts.coefficients;
  const weights = dice.gradientParts.weights;
  return (scale, savedTensors) => diceSumGradients(scale, savedTensors['diceDenominators'] as tf.Tensor, savedTensors['diceCoefficients'] as tf.Tensor, weights, options.smooth);
}

/** Builds the Dice loss from a parsed spec (shared by {@link diceLoss} and `createLoss`). */
export function buildDiceLoss(spec: DiceSpec, gradient: GradientMode = 'closed-form'): LossFunction {
  const options = resolveDiceOptions(spec);
  const terms = (inputs: PreparedInputs): LossTerms => {
    const dice = diceStatistics(inputs, options);
    const saved: Record<string, tf.Tensor> = {};
    const diceGradient = diceGradientParts(dice, options, saved);
    return { value: dice.loss, saved, sumGradients: (dy, savedTensors) => ({ dice: diceGradient(dy, savedTensors) }) };
  };
  return buildLoss('diceLoss', resolveInputOptions(spec), terms, gradient);
}

/** Options of {@link diceLoss}: the `'dice'` spec without its name. */
export type DiceLossOptions = Omit<DiceSpec, 'name'>;

/**
 * Soft Dice loss, eqs. 3–4: one minus the (weighted) mean over the included classes of the batch (or
 * per-image) Dice, for softmax or sigmoid outputs.
 */
export function diceLoss(options: DiceLossOptions = {}): LossFunction {
  return buildDiceLoss(parseWithSchema(diceSpecSchema, { ...options, name: 'dice' }, 'diceLoss', LossArgumentError));
}
