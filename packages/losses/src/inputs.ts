import * as tf from '@tensorflow/tfjs-core';
import { LossArgumentError } from './errors';

/** Resolved (defaults filled) options that say how `yTrue` and `yPred` are read. */
export interface InputOptions {
  readonly fromLogits: boolean;
  readonly validateInputs: boolean;
  readonly epsilon: number;
}

/**
 * The loss inputs flattened to pixels × classes. Probabilities and log-probabilities are computed on
 * first use and then shared, so a loss that needs both (additive, ML, CAML) pays for each once.
 * Only valid inside the `tf.tidy` of one loss call.
 */
export interface PreparedInputs {
  /** One-hot ground truth y, float32 [P, C]. */
  readonly oneHot: tf.Tensor2D;
  /** Number of pixels P = N·H·W (every axis but the last). */
  readonly pixelCount: number;
  /** Number of classes C. */
  readonly classCount: number;
  /** Predicted probabilities p, [P, C]. */
  probabilities(): tf.Tensor2D;
  /** log p, [P, C]: log-softmax of logits, or log of probabilities clipped below at ε. */
  logProbabilities(): tf.Tensor2D;
  /** Σᵢ over pixels of a [P, C] tensor, per class: [C]. */
  sumOverPixels(tensor: tf.Tensor2D): tf.Tensor1D;
}

function shapeText(tensor: tf.Tensor): string {
  return `[${tensor.shape.join(',')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}

/** Checks ranks and shapes (free) and returns whether `yTrue` holds integer labels rather than one-hot rows. */
function checkShapes(caller: string, yTrue: tf.Tensor, yPred: tf.Tensor): { labels: boolean } {
  if (!(yTrue instanceof tf.Tensor)) throw new LossArgumentError(`Error in ${caller}: yTrue must be a tf.Tensor, but got ${typeof yTrue}`);
  if (!(yPred instanceof tf.Tensor)) throw new LossArgumentError(`Error in ${caller}: yPred must be a tf.Tensor, but got ${typeof yPred}`);
  if (yPred.rank < 2) {
    throw new LossArgumentError(`Error in ${caller}: yPred must have rank >= 2 ([..., C], e.g. [N,H,W,C]), but got rank ${yPred.rank} with shape ${shapeText(yPred)}`);
  }
  const classCount = yPred.shape[yPred.rank - 1] as number;
  if (classCount < 2) {
    throw new LossArgumentError(`Error in ${caller}: yPred must have C >= 2 classes in its last axis, but got shape ${shapeText(yPred)}`);
  }
  if (yPred.size === 0) throw new LossArgumentError(`Error in ${caller}: yPred must hold at least one pixel, but got shape ${shapeText(yPred)}`);
  if (yPred.dtype !== 'float32') throw new LossArgumentError(`Error in ${caller}: yPred must be float32, but got ${yPred.dtype}`);
  if (sameShape(yTrue.shape, yPred.shape)) return { labels: false };
  if (sameShape(yTrue.shape, yPred.shape.slice(0, -1))) return { labels: true };
  throw new LossArgumentError(
    `Error in ${caller}: yTrue must have shape ${shapeText(yPred)} (one-hot) or [${yPred.shape.slice(0, -1).join(',')}] (integer labels) to match yPred ${shapeText(yPred)}, but got ${shapeText(yTrue)}`,
  );
}

/** True when every entry is finite; exact, used only to confirm a non-finite sum. */
function allFinite(tensor: tf.Tensor): boolean {
  return tf.tidy(() => tf.all(tf.isFinite(tensor)).dataSync()[0] === 1);
}

/**
 * Value checks that need a data read: NaN/±Infinity anywhere, labels that are not integers in [0, C).
 * A NaN or ±Infinity anywhere makes a tensor's sum non-finite, so one sum per tensor (and min/max of
 * labels) come back as a single small read; only a non-finite sum triggers the exact element check
 * (which also clears a finite tensor whose sum merely overflowed).
 */
function checkValues(caller: string, yTrue: tf.Tensor, yPred: tf.Tensor, labels: boolean, classCount: number): void {
  const [predictionSum, trueSum, labelMin, labelMax, labelsIntegral] = tf.tidy(() => {
    const sum = (tensor: tf.Tensor) => tf.cast(tf.sum(tensor), 'float32');
    const values = labels
      ? [
          sum(yPred),
          tf.scalar(0),
          tf.cast(tf.min(yTrue), 'float32'),
          tf.cast(tf.max(yTrue), 'float32'),
          yTrue.dtype === 'int32' ? tf.scalar(1) : tf.cast(tf.all(tf.equal(yTrue, tf.floor(yTrue))), 'float32'),
        ]
      : [sum(yPred), sum(yTrue), tf.scalar(0), tf.scalar(0), tf.scalar(1)];
    return tf.stack(values);
  }).dataSync() as unknown as [number, number, number, number, number];
  if (!Number.isFinite(predictionSum) && !allFinite(yPred)) {
    throw new LossArgumentError(`Error in ${caller}: yPred must contain only finite numbers, but it contains NaN or ±Infinity`);
  }
  if (!Number.isFinite(trueSum) && !allFinite(yTrue)) {
    throw new LossArgumentError(`Error in ${caller}: yTrue must contain only finite numbers, but it contains NaN or ±Infinity`);
  }
  if (labels && labelsIntegral !== 1) throw new LossArgumentError(`Error in ${caller}: yTrue integer labels must be whole numbers, but it contains a fractional value or NaN`);
  if (labels && (labelMin < 0 || labelMax >= classCount)) {
    throw new LossArgumentError(`Error in ${caller}: yTrue labels must be integers in [0, ${classCount - 1}] (C = ${classCount}), but got values in [${labelMin}, ${labelMax}]`);
  }
}

/**
 * Validates `(yTrue, yPred)` and flattens them to [P, C]. Call inside `tf.tidy`.
 * @param caller the public function name used in error messages.
 */
export function prepareInputs(caller: string, yTrue: tf.Tensor, yPred: tf.Tensor, options: InputOptions): PreparedInputs {
  const { labels } = checkShapes(caller, yTrue, yPred);
  const classCount = yPred.shape[yPred.rank - 1] as number;
  const pixelCount = yPred.size / classCount;
  if (options.validateInputs) checkValues(caller, yTrue, yPred, labels, classCount);

  const oneHot = labels
    ? tf.cast(tf.oneHot(tf.cast(tf.reshape(yTrue, [pixelCount]), 'int32'), classCount), 'float32')
    : tf.cast(tf.reshape(yTrue, [pixelCount, classCount]), 'float32');
  const flatPrediction = tf.reshape(yPred, [pixelCount, classCount]) as tf.Tensor2D;

  let pixelOnes: tf.Tensor2D | undefined;
  let probabilities: tf.Tensor2D | undefined;
  let logProbabilities: tf.Tensor2D | undefined;
  const logProbabilitiesOnce = (): tf.Tensor2D => {
    // From logits, log-softmax is exact where log(clip(softmax)) would saturate at log ε.
    // max(p, ε) rather than clipByValue: same value for p ≤ 1 and a cheaper gradient.
    logProbabilities ??= options.fromLogits ? tf.logSoftmax(flatPrediction) : (tf.log(tf.maximum(flatPrediction, options.epsilon)) as tf.Tensor2D);
    return logProbabilities;
  };
  return {
    oneHot: oneHot as tf.Tensor2D,
    pixelCount,
    classCount,
    probabilities: () => {
      probabilities ??= options.fromLogits ? tf.exp(logProbabilitiesOnce()) : flatPrediction;
      return probabilities;
    },
    logProbabilities: logProbabilitiesOnce,
    // A [1,P]×[P,C] matMul: on wasm about 1.6× faster (forward + backward) than tf.sum(x, 0), which
    // transposes first (bench/losses.bench.mjs).
    sumOverPixels: (tensor) => {
      pixelOnes ??= tf.ones([1, pixelCount]);
      return tf.reshape(tf.matMul(pixelOnes, tensor), [classCount]);
    },
  };
}
