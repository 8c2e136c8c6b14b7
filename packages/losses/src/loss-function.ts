import * as tf from '@tensorflow/tfjs-core';
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
 * Wraps a computation on prepared inputs into a {@link LossFunction}: validation, flattening and
 * `tf.tidy`, so no intermediate tensor outlives the call. `functionName` names the function in errors.
 */
export function buildLoss(functionName: string, options: InputOptions, compute: (inputs: PreparedInputs) => tf.Scalar): LossFunction {
  const loss: LossFunction = (yTrue, yPred) => tf.tidy(() => compute(prepareInputs(functionName, yTrue, yPred, options)));
  Object.defineProperty(loss, 'name', { value: functionName });
  return loss;
}
