import * as tf from '@tensorflow/tfjs-core';
import { lossWithClosedFormGradient, type LossTerms } from './closed-form-gradient';
import { prepareInputs, type InputOptions, type PreparedInputs } from './inputs';
import { DEFAULT_EPSILON, type LossSpec } from './spec';

/**
 * A segmentation loss: `(yTrue, yPred) => scalar`. The argument order is the one tfjs-layers passes to
 * `model.compile({ loss })`, so every loss here works there and in custom training loops.
 * - `yTrue`: one-hot (multi-hot for `activation: 'sigmoid'`) `[..., C]` (e.g. `[N,H,W,C]`) or integer
 *   labels `[...]` (e.g. `[N,H,W]`, int32; with `ignoreIndex`, pixels to leave out).
 * - `yPred`: softmax (or sigmoid) probabilities `[..., C]`, or logits when the loss was made with `fromLogits: true`.
 */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** Fills the defaults of the options every loss shares. */
export function resolveInputOptions(spec: Pick<LossSpec, 'fromLogits' | 'validateInputs' | 'activation' | 'ignoreIndex' | 'classWeights'> & { epsilon?: number | undefined }): InputOptions {
  return {
    fromLogits: spec.fromLogits ?? false,
    validateInputs: spec.validateInputs ?? true,
    epsilon: spec.epsilon ?? DEFAULT_EPSILON,
    activation: spec.activation ?? 'softmax',
    ignoreIndex: spec.ignoreIndex,
    classWeights: spec.classWeights,
  };
}

/**
 * How a loss's gradient w.r.t. `yPred` is computed: `'closed-form'` (what `createLoss` builds) or
 * `'autodiff'`, tfjs' replay of every recorded operation (the reference the closed form is tested against).
 */
export type GradientMode = 'closed-form' | 'autodiff';

/**
 * Wraps a computation on prepared inputs into a {@link LossFunction}: validation, flattening and
 * `tf.tidy`, so no intermediate tensor outlives the call. `functionName` names the function in errors.
 * With `'closed-form'` the value comes from the same operations and the gradient from `compute`'s
 * {@link LossTerms} (see `closed-form-gradient.ts`).
 */
export function buildLoss(functionName: string, options: InputOptions, compute: (inputs: PreparedInputs) => LossTerms, gradient: GradientMode = 'closed-form'): LossFunction {
  const prepare = (yTrue: tf.Tensor, yPred: tf.Tensor) => prepareInputs(functionName, yTrue, yPred, options);
  const loss: LossFunction =
    gradient === 'autodiff'
      ? (yTrue, yPred) => tf.tidy(() => compute(prepare(yTrue, yPred)).value)
      : (yTrue, yPred) =>
          tf.tidy(() => {
            // Not tensors: prepareInputs throws the LossArgumentError naming the argument.
            if (!(yPred instanceof tf.Tensor) || !(yTrue instanceof tf.Tensor)) return compute(prepare(yTrue, yPred)).value;
            return lossWithClosedFormGradient(yPred, options, (prediction) => prepare(yTrue, prediction), compute);
          });
  Object.defineProperty(loss, 'name', { value: functionName });
  return loss;
}
