import * as tf from '@tensorflow/tfjs-core';
import type { InputOptions, PreparedInputs } from './inputs';
import { hasKernel, SOFTMAX_LOSS_GRAD, SOFTMAX_PROBABILITY_LOSS_GRAD, type SoftmaxProbabilityLossGradAttrs } from './softmax-loss-kernels';
import { sameShape } from './sums';

/**
 * ∂L/∂ of the per-class sums every loss of this package is a function of (the small part of the backward
 * pass): with I = Σᵢ mᵢ·y·p and S = Σᵢ mᵢ·(y + p) (eq. 3's sums, per class, or per image and class) and
 * X_c the per-class CE sums of eq. 2, ∂L/∂pᵢ,c = α_c·yᵢ,c + β_c·mᵢ + κ_c·∂X_c/∂pᵢ,c.
 */
export interface SumGradients {
  /** α = ∂L/∂I and β = ∂L/∂S, [C] (batch Dice) or [N, C] (per image): the Dice term and CAML's p̄. */
  readonly dice?: { readonly intersections: tf.Tensor; readonly denominators: tf.Tensor };
  /** κ = ∂L/∂X_c, [C] or a scalar (the same for every class). */
  readonly crossEntropy?: tf.Tensor;
}

/** Forward tensors the closed-form gradient reads, by name; saved for the backward pass (kept past the forward's tidy). */
export type SavedTensors = Readonly<Record<string, tf.Tensor>>;

/**
 * A loss on prepared inputs: its value (the forward operations, whose bits the closed form keeps), the
 * forward tensors its gradient needs, and the gradient w.r.t. the per-class sums given the upstream dy.
 * `sumGradients` must read tensors only from its `saved` argument: the forward's are disposed by then.
 */
export interface LossTerms {
  readonly value: tf.Scalar;
  readonly saved: SavedTensors;
  readonly sumGradients: (dy: tf.Scalar, saved: SavedTensors) => SumGradients;
}

/** A number, or a tensor saved under `name` (read back from the saved tensors in the backward pass). */
export type SavedScalar = { readonly number: number } | { readonly name: string };

/** Saves `value` under `name` when it is a tensor; the {@link SavedScalar} to read it back. */
export function saveScalar(saved: Record<string, tf.Tensor>, name: string, value: number | tf.Tensor): SavedScalar {
  if (typeof value === 'number') return { number: value };
  saved[name] = value;
  return { name };
}

/** The value of a {@link SavedScalar} in the backward pass. */
export function readScalar(scalar: SavedScalar, saved: SavedTensors): number | tf.Tensor {
  return 'number' in scalar ? scalar.number : (saved[scalar.name] as tf.Tensor);
}

function classVector(values: number | readonly number[]): number | tf.Tensor1D {
  return typeof values === 'number' ? values : tf.tensor1d([...values]);
}

/**
 * α and β of the Dice term (eqs. 3–4): with L_Dice = 1 − Σ ω·Dice and Dice = (2I + s)/(S + s),
 * ∂L/∂I = −2·scale·ω/(S + s) and ∂L/∂S = scale·ω·Dice/(S + s). Five [C]-sized kernels.
 */
export function diceSumGradients(
  scale: tf.Scalar,
  denominators: tf.Tensor,
  coefficients: tf.Tensor,
  weights: number | readonly number[],
  smooth: number,
): { intersections: tf.Tensor; denominators: tf.Tensor } {
  const perDenominator = tf.mul(tf.div(classVector(weights), tf.add(denominators, smooth)), scale);
  return { intersections: tf.mul(perDenominator, -2), denominators: tf.mul(perDenominator, coefficients) };
}

/** κ of eq. 2 written as L_CE = Σ_c f_c·X_c / d: κ_c = scale·f_c/d (constant in the prediction). */
export function crossEntropySumGradient(scale: tf.Scalar, divisor: number | tf.Tensor, classFactors: number | readonly number[]): tf.Tensor {
  const perCount = tf.div(scale, divisor);
  return classFactors === 1 ? perCount : tf.mul(perCount, classVector(classFactors));
}

/**
 * A per-class operand ([C], or [N, 1, C] per image) tiled to `shape` (a scalar or a [P, 1] per-pixel
 * operand stays as it is): tfjs' wasm binary kernels broadcast a [C] operand along the rows through index
 * arithmetic, several times slower than a Tile plus a same-shape kernel (1.8 against 0.45 ms for
 * [16384, 5] ⊙ [5] with tfseg's kernels registered), while a [P, 1] operand broadcasts fast and its Tile
 * along the last axis is the slow one.
 */
function spread(tensor: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (tensor.rank === 0 || sameShape(tensor.shape, shape) || tensor.shape[tensor.rank - 1] === 1) return tensor;
  const full = tensor.rank < shape.length ? tf.reshape(tensor, [...new Array<number>(shape.length - tensor.rank).fill(1), ...tensor.shape]) : tensor;
  return tf.tile(full, shape.map((size, axis) => size / (full.shape[axis] as number)));
}

/** The pieces of the prepared inputs the element-wise part of the gradient reads. */
interface ElementInputs {
  readonly probabilities: tf.Tensor;
  readonly target: tf.Tensor;
  readonly mask: tf.Tensor | undefined;
}

/**
 * dL/d(yPred) from the sums' gradients, on [P, C] (or [N, P/N, C] per image): a handful of element-wise
 * kernels whatever the loss.
 * - softmax, logits: g = p⊙A − κ⊙y with A = α⊙y + β⊙m, then the log-softmax Jacobian dz = g − p·Σ_c g
 *   (CE's p − y and the softmax Jacobian p ⊙ (A − Σ_c p_c A_c) in one);
 * - softmax, probabilities: A − κ⊙y/max(p, ε), zero where p < ε (the clipped log of eq. 2);
 * - sigmoid, logits: A⊙p⊙(1 − p) + κ⊙m⊙(p − y);
 * - sigmoid, probabilities: A − κ⊙m⊙(y/c − (1 − y)/(1 − c)), c = clip(p, ε, 1 − ε), zero outside [ε, 1 − ε].
 */
function elementGradient(sums: SumGradients, inputs: ElementInputs, options: InputOptions): tf.Tensor {
  const fused = fusedGradient(sums, inputs, options);
  if (fused !== undefined) return fused;
  let { probabilities: p, target: y, mask } = inputs;
  let alpha = sums.dice?.intersections;
  let beta = sums.dice?.denominators;
  if (alpha !== undefined && beta !== undefined && alpha.rank === 2) {
    // Per-image Dice: α and β are [N, C]; pixels are grouped by image to broadcast them.
    const [images, classes] = alpha.shape as [number, number];
    const rows = (p.shape[0] as number) / images;
    p = tf.reshape(p, [images, rows, classes]);
    y = tf.reshape(y, [images, rows, classes]);
    mask = mask === undefined ? undefined : tf.reshape(mask, [images, rows, 1]);
    alpha = tf.reshape(alpha, [images, 1, classes]);
    beta = tf.reshape(beta, [images, 1, classes]);
  }
  const shape = p.shape;
  const dice = alpha === undefined || beta === undefined ? undefined : tf.add(tf.mul(y, spread(alpha, shape)), mask === undefined ? spread(beta, shape) : tf.mul(mask, spread(beta, shape)));
  const masked = (tensor: tf.Tensor) => (mask === undefined ? tensor : tf.mul(tensor, mask));
  const kappa = sums.crossEntropy === undefined ? undefined : spread(sums.crossEntropy, shape);
  const combine = (diceTerm: tf.Tensor | undefined, crossEntropyTerm: tf.Tensor | undefined, sign: 1 | -1): tf.Tensor => {
    if (diceTerm === undefined) return sign === 1 ? (crossEntropyTerm as tf.Tensor) : tf.neg(crossEntropyTerm as tf.Tensor);
    if (crossEntropyTerm === undefined) return diceTerm;
    return sign === 1 ? tf.add(diceTerm, crossEntropyTerm) : tf.sub(diceTerm, crossEntropyTerm);
  };
  if (options.activation === 'softmax') {
    if (options.fromLogits) {
      const perLogProbability = combine(dice === undefined ? undefined : tf.mul(p, dice), kappa === undefined ? undefined : tf.mul(y, kappa), -1);
      return tf.sub(perLogProbability, tf.mul(p, tf.sum(perLogProbability, -1, true)));
    }
    const crossEntropy =
      kappa === undefined ? undefined : tf.mul(tf.div(tf.mul(y, kappa), tf.maximum(p, options.epsilon)), tf.cast(tf.greaterEqual(p, options.epsilon), 'float32'));
    return combine(dice, crossEntropy, -1);
  }
  if (options.fromLogits) {
    const diceTerm = dice === undefined ? undefined : tf.mul(dice, tf.mul(p, tf.sub(1, p)));
    return combine(diceTerm, kappa === undefined ? undefined : masked(tf.mul(tf.sub(p, y), kappa)), 1);
  }
  if (kappa === undefined) return dice as tf.Tensor;
  const clipped = tf.clipByValue(p, options.epsilon, 1 - options.epsilon);
  const inRange = tf.cast(tf.logicalAnd(tf.greaterEqual(p, options.epsilon), tf.lessEqual(p, 1 - options.epsilon)), 'float32');
  const perLikelihood = tf.sub(tf.div(y, clipped), tf.div(tf.sub(1, y), tf.sub(1, clipped)));
  return combine(dice, masked(tf.mul(tf.mul(perLikelihood, kappa), inRange)), -1);
}

/**
 * {@link elementGradient}'s softmax cases by the backend's {@link SOFTMAX_LOSS_GRAD} kernel (logits) or
 * {@link SOFTMAX_PROBABILITY_LOSS_GRAD} kernel (probabilities) — the same operations in one pass — where
 * it has one: no ignored pixels and batch Dice ([C] or scalar α, β, κ); undefined elsewhere.
 */
function fusedGradient(sums: SumGradients, inputs: ElementInputs, options: InputOptions): tf.Tensor | undefined {
  const { probabilities, target, mask } = inputs;
  const kernelName = options.fromLogits ? SOFTMAX_LOSS_GRAD : SOFTMAX_PROBABILITY_LOSS_GRAD;
  if (options.activation !== 'softmax' || mask !== undefined || !hasKernel(kernelName)) return undefined;
  const classes = probabilities.shape[probabilities.rank - 1] as number;
  const parameters: tf.NamedTensorMap = {};
  if (sums.dice !== undefined) {
    parameters['alpha'] = sums.dice.intersections;
    parameters['beta'] = sums.dice.denominators;
  }
  if (sums.crossEntropy !== undefined) parameters['kappa'] = sums.crossEntropy;
  const perClass = Object.values(parameters);
  if (perClass.length === 0 || !perClass.every((tensor) => tensor.rank === 0 || (tensor.rank === 1 && tensor.size === classes))) return undefined;
  const attrs: SoftmaxProbabilityLossGradAttrs | Record<string, never> = options.fromLogits ? {} : { epsilon: options.epsilon };
  return tf.engine().runKernel(kernelName, { probabilities, target, ...parameters }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * The loss value of `compute` with its gradient w.r.t. `yPred` in closed form: one `tf.customGrad` whose
 * forward runs the loss's own operations (so the value keeps its bits) and whose backward is
 * {@link elementGradient} of the loss's {@link SumGradients}, instead of tfjs' replay of every recorded
 * operation. `yTrue` is a constant (no gradient flows to it). Call inside `tf.tidy`.
 */
export function lossWithClosedFormGradient(
  yPred: tf.Tensor,
  options: InputOptions,
  prepare: (prediction: tf.Tensor) => PreparedInputs,
  compute: (inputs: PreparedInputs) => LossTerms,
): tf.Scalar {
  const shape = yPred.shape;
  const loss = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [prediction, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const inputs = prepare(prediction);
    const terms = compute(inputs);
    const names = Object.keys(terms.saved);
    const fixed = [inputs.probabilities(), inputs.target, ...(inputs.mask === undefined ? [] : [inputs.mask])];
    save([...fixed, ...names.map((name) => terms.saved[name] as tf.Tensor)]);
    const hasMask = inputs.mask !== undefined;
    return {
      value: terms.value,
      gradFunc: (dy, saved) => {
        const [probabilities, target] = saved as [tf.Tensor, tf.Tensor];
        const mask = hasMask ? saved[2] : undefined;
        const rest = saved.slice(fixed.length);
        const byName: Record<string, tf.Tensor> = {};
        names.forEach((name, index) => (byName[name] = rest[index] as tf.Tensor));
        const sums = terms.sumGradients(dy as tf.Scalar, byName);
        return tf.reshape(elementGradient(sums, { probabilities, target, mask }, options), shape);
      },
    };
  });
  return loss(yPred) as tf.Scalar;
}
