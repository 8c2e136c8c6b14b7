import * as tf from '@tensorflow/tfjs-core';
import { MetricsError } from './errors';
import type { LabelMap } from './count-pairs';

/** What `ConfusionMatrix.update` accepts for truth and prediction. */
export type LabelInput = LabelMap | tf.Tensor;

/**
 * Turns one update argument into a flat label map. Typed arrays pass through. An int32 or bool tensor is a
 * label map already; a float32 tensor is read as class scores (probabilities, logits or one-hot) over its
 * last axis, which must have `numClasses` entries, and reduced with argmax. The argmax runs inside
 * `tf.tidy`, and its result is disposed after the values are read, so no tensor outlives the call.
 * With `threshold` (a one-channel sigmoid output), a float32 tensor `[..., 1]` is read as binary labels
 * instead: 1 where the score is above `threshold`, else 0.
 */
export function toLabelMap(input: LabelInput, numClasses: number, argument: string, threshold?: number): LabelMap {
  if (input instanceof Int32Array || input instanceof Uint8Array) return input;
  if (!isTensor(input)) {
    throw new MetricsError(`Error in ConfusionMatrix.update: ${argument} must be an Int32Array, a Uint8Array or a tf.Tensor, but got ${describe(input)}`);
  }
  if (input.dtype === 'int32' || input.dtype === 'bool') {
    return input.dataSync() as Int32Array | Uint8Array;
  }
  if (input.dtype !== 'float32') {
    throw new MetricsError(`Error in ConfusionMatrix.update: ${argument} must be an int32 label tensor or a float32 score tensor, but got dtype ${input.dtype}`);
  }
  const lastAxis = input.shape[input.rank - 1];
  if (threshold !== undefined) return thresholdLabels(input, threshold, argument);
  if (input.rank === 0 || lastAxis !== numClasses) {
    throw new MetricsError(
      `Error in ConfusionMatrix.update: ${argument} is a float32 tensor of shape [${input.shape.join(', ')}], read as class scores whose last axis must have numClasses = ${numClasses} entries; pass an int32 tensor for a label map`,
    );
  }
  const labels = tf.tidy(() => tf.argMax(input, -1));
  try {
    return labels.dataSync() as Int32Array;
  } finally {
    labels.dispose();
  }
}

/** Binary labels of a one-channel score tensor `[..., 1]`: 1 where score > threshold. */
function thresholdLabels(input: tf.Tensor, threshold: number, argument: string): LabelMap {
  if (input.rank === 0 || input.shape[input.rank - 1] !== 1) {
    throw new MetricsError(
      `Error in ConfusionMatrix.update: ${argument} is a float32 tensor of shape [${input.shape.join(', ')}], read with threshold ${threshold} as a one-channel sigmoid output whose last axis must have 1 entry (use MultiLabelConfusionMatrix for several channels)`,
    );
  }
  return thresholdChannels(input, threshold);
}

/** `score > threshold` of a float32 tensor as a flat Uint8Array (tidy, nothing outlives the call). */
export function thresholdChannels(input: tf.Tensor, threshold: number): Uint8Array {
  const labels = tf.tidy(() => tf.cast(tf.greater(input, threshold), 'bool'));
  try {
    return labels.dataSync() as Uint8Array;
  } finally {
    labels.dispose();
  }
}

function isTensor(value: unknown): value is tf.Tensor {
  // Duck-typed rather than `instanceof tf.Tensor`, so tensors from another copy of tfjs-core still work.
  return typeof value === 'object' && value !== null && 'dataSync' in value && 'shape' in value && 'dtype' in value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
