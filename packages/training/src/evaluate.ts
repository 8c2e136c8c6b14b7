import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ConfusionMatrix } from '@tfseg/metrics';
import { z } from 'zod';
import { TrainingError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { checkPatchSet, imagesTensor, type ImageSet, type PatchSet } from './patch-set';

/** Options of {@link predict} and {@link evaluate}. */
export const predictOptionsSchema = z.object({
  /** Patches per forward pass; bounds memory, does not change the result. */
  batchSize: z.number().int().positive().default(8),
});
/** Options of {@link predict} and {@link evaluate}. */
export type PredictOptions = z.input<typeof predictOptionsSchema>;

/** Per-class IoU, mean IoU and the confusion counts of a model on a labelled set. */
export interface Evaluation {
  /** IoU of each class (Eq. 15's per-class term); NaN for a class absent from both truth and prediction. */
  classIoU: number[];
  /** Mean of the defined class IoUs. */
  meanIoU: number;
  /** `confusion[truth][predicted]` pixel counts. */
  confusion: number[][];
}

/**
 * Segments `set.images` with `model` (inference mode) and returns the label map, `[count, height, width]`
 * of class indices (argmax over the model's last axis), computed `batchSize` patches at a time.
 */
export function predict(model: LayersModel, set: ImageSet, options: PredictOptions = {}): Uint8Array {
  const { batchSize } = parseWithSchema(predictOptionsSchema, options, 'predict', TrainingError);
  const expectedLength = set.count * set.height * set.width * set.channels;
  if (!(set.images instanceof Float32Array) || set.images.length !== expectedLength) {
    throw new TrainingError(`Error in predict: set.images must be a Float32Array of count·height·width·channels = ${expectedLength} values, but got ${set.images instanceof Float32Array ? set.images.length : typeof set.images}`);
  }
  const pixels = set.height * set.width;
  const labels = new Uint8Array(set.count * pixels);
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(set.count, start + batchSize);
    const batch = tf.tidy(() => {
      const output = model.apply(imagesTensor(set, start, end), { training: false }) as tf.Tensor;
      return tf.argMax(output, -1);
    });
    labels.set(batch.dataSync(), start * pixels);
    batch.dispose();
  }
  return labels;
}

/** Predicts `set` and scores it against its labels with @tfseg/metrics' ConfusionMatrix. */
export function evaluate(model: LayersModel, set: PatchSet, numClasses: number, options: PredictOptions & { classNames?: string[] } = {}): Evaluation {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new TrainingError(`Error in evaluate: numClasses must be an integer ≥ 2, but got ${numClasses}`);
  checkPatchSet(set, numClasses, 'evaluate', 'set');
  const { classNames, ...predictOptions } = options;
  const prediction = predict(model, set, predictOptions);
  const matrix = new ConfusionMatrix(numClasses, classNames ? { classNames } : {});
  matrix.update(set.labels, prediction);
  return { classIoU: matrix.iou(), meanIoU: matrix.meanIoU(), confusion: matrix.counts.map((row) => [...row]) };
}
