import * as tf from '@tensorflow/tfjs-core';
import { DatasetError } from './errors';
import type { PatchSet } from './patch-set';

/**
 * A batch as tensors: `x` [B, H, W, Cin] intensities and `y` [B, H, W, C] one-hot masks (float32). The
 * caller owns (and disposes) both tensors. A label ≥ `numClasses` is an error naming it.
 */
export function toTensors(batch: PatchSet, numClasses: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) {
    throw new DatasetError(`Error in toTensors: numClasses must be an integer in 1..256, but got ${numClasses}`);
  }
  const pixels = batch.count * batch.height * batch.width;
  if (batch.labels.length !== pixels || batch.images.length !== pixels * batch.channels) {
    throw new DatasetError(`Error in toTensors: batch arrays do not match its shape [${batch.count}, ${batch.height}, ${batch.width}, ${batch.channels}]`);
  }
  const oneHot = new Float32Array(pixels * numClasses);
  for (let i = 0; i < pixels; i++) {
    const label = batch.labels[i] as number;
    if (label >= numClasses) throw new DatasetError(`Error in toTensors: label ${label} at pixel ${i} is not below numClasses (${numClasses})`);
    oneHot[i * numClasses + label] = 1;
  }
  return {
    x: tf.tensor4d(batch.images.slice(), [batch.count, batch.height, batch.width, batch.channels]),
    y: tf.tensor4d(oneHot, [batch.count, batch.height, batch.width, numClasses]),
  };
}
