import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { TrainingError } from './errors';
import { activationSchema, checkPatchSet, labelFormat, scoreLabels } from './label-format';
import { parseWithSchema } from './tfseg-error';
import { imagesTensor, type ImageSet, type PatchSet } from './patch-set';

/** Options of {@link predict} and {@link evaluate}. */
export const predictOptionsSchema = z.object({
  /** Patches per forward pass; bounds memory, does not change the result. */
  batchSize: z.number().int().positive().default(8),
  /**
   * How the model's output is read: `'softmax'` (default) takes the argmax over the classes; `'sigmoid'`
   * thresholds every channel at 0.5 (a probability; @tfseg/metrics' binary/multi-label threshold).
   */
  activation: activationSchema.default('softmax'),
});
/** Options of {@link predict} and {@link evaluate}. */
export type PredictOptions = z.input<typeof predictOptionsSchema>;

/**
 * Per-class IoU, mean IoU and the confusion counts of a model on a labelled set. With a sigmoid head the
 * "classes" are the output channels and each channel's IoU is its foreground IoU; the mean IoU of a
 * one-channel binary head is therefore the foreground IoU alone (background not included, as
 * segmentation_models_pytorch's binary `iou_score` and MONAI's `MeanIoU` on a sigmoid channel), lower
 * than the 2-class softmax mIoU that averages background and foreground.
 */
export interface Evaluation {
  /** IoU of each class (Eq. 15's per-class term) or sigmoid channel; NaN for one absent from both truth and prediction. */
  classIoU: number[];
  /** Mean of the defined class (channel) IoUs. */
  meanIoU: number;
  /** Softmax: `confusion[truth][predicted]` pixel counts. Sigmoid: `confusion[c] = [TN, FP, FN, TP]` of channel c. Ignored pixels are not counted. */
  confusion: number[][];
}

/**
 * Segments `set.images` with `model` (inference mode) and returns the label map, computed `batchSize`
 * patches at a time: `[count, height, width]` class indices (softmax: argmax over the model's last axis),
 * or with `activation: 'sigmoid'` each channel's output > 0.5 — `[count, height, width]` 0/1 for a
 * one-channel head, multi-hot `[count, height, width, C]` for C > 1.
 */
export function predict(model: LayersModel, set: ImageSet, options: PredictOptions = {}): Uint8Array {
  const { batchSize, activation } = parseWithSchema(predictOptionsSchema, options, 'predict', TrainingError);
  const expectedLength = set.count * set.height * set.width * set.channels;
  if (!(set.images instanceof Float32Array) || set.images.length !== expectedLength) {
    throw new TrainingError(`Error in predict: set.images must be a Float32Array of count·height·width·channels = ${expectedLength} values, but got ${set.images instanceof Float32Array ? set.images.length : typeof set.images}`);
  }
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(set.count, start + batchSize);
    const batch = tf.tidy(() => {
      const output = model.apply(imagesTensor(set, start, end), { training: false }) as tf.Tensor;
      return activation === 'softmax' ? tf.argMax(output, -1) : tf.greater(output, 0.5);
    });
    chunks.push(Uint8Array.from(batch.dataSync()));
    batch.dispose();
  }
  const labels = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  chunks.reduce((offset, chunk) => (labels.set(chunk, offset), offset + chunk.length), 0);
  return labels;
}

/** Options of {@link evaluate}: those of {@link predict}, display names and the ignored label. */
export type EvaluateOptions = PredictOptions & {
  /** One name per class (softmax) or channel (sigmoid). */
  classNames?: string[];
  /** Pixels with this label count nowhere (the loss' `ignoreIndex`; one label per pixel only). */
  ignoreIndex?: number;
};

/**
 * Predicts `set` and scores it against its labels with @tfseg/metrics' ConfusionMatrix. `numClasses` is
 * the model's output channels C: classes (softmax, ≥ 2) or independent masks (sigmoid, ≥ 1; `set.labels`
 * a 0/1 mask for C = 1, multi-hot with `labelChannels: C` otherwise). See {@link Evaluation} for the mIoU.
 */
export function evaluate(model: LayersModel, set: PatchSet, numClasses: number, options: EvaluateOptions = {}): Evaluation {
  return evaluateWithPrediction(model, set, numClasses, options).evaluation;
}

/** {@link evaluate}, also returning the label map it scored ({@link predict}'s output for `set`). */
export function evaluateWithPrediction(model: LayersModel, set: PatchSet, numClasses: number, options: EvaluateOptions = {}): { evaluation: Evaluation; prediction: Uint8Array } {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new TrainingError(`Error in evaluate: numClasses must be a positive integer (the model's output channels), but got ${numClasses}`);
  const { classNames, ignoreIndex, ...predictOptions } = options;
  const format = labelFormat(predictOptions.activation ?? 'softmax', numClasses, ignoreIndex, 'evaluate');
  checkPatchSet(set, format, 'evaluate', 'set');
  const prediction = predict(model, set, predictOptions);
  return { evaluation: scoreLabels(set.labels, prediction, format, classNames), prediction };
}
