import * as tf from '@tensorflow/tfjs-core';
import { crossEntropySpecSchema } from '@tfseg/losses';
import { ConfusionMatrix } from '@tfseg/metrics';
import type { z } from 'zod';
import { TrainingDataError, TrainingError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { patchSetSchema, type PatchSet } from './patch-set';

/** The model head the losses read: @tfseg/losses' `activation` option (one schema, derived). */
export const activationSchema = crossEntropySpecSchema.shape.activation.unwrap();
/** `'softmax'` (one distribution over C ≥ 2 classes per pixel) or `'sigmoid'` (C ≥ 1 independent masks). */
export type Activation = z.infer<typeof activationSchema>;

/** Largest label a {@link PatchSet} (Uint8Array) can hold: an `ignoreIndex` above it could never match. */
const LARGEST_STORED_LABEL = 255;

/**
 * How a patch set's labels are read, checked, fed to the loss and scored, fixed once per run from the
 * loss' activation, the number of output channels C and `ignoreIndex`:
 * - `class-indices` (softmax): labels `[n,H,W]` in [0, C) (or `ignoreIndex`); the loss gets one-hot
 *   `[n,H,W,C]` — or the integer labels when `ignoreIndex` is set, the only input the losses' ignoreIndex
 *   reads;
 * - `binary-mask` (sigmoid, C = 1): labels `[n,H,W]` 0/1 (or `ignoreIndex`), the foreground mask; the
 *   loss gets them as integer labels;
 * - `multi-hot` (sigmoid, C > 1, multi-label): labels `[n,H,W,C]` 0/1 (`labelChannels: C`); the loss
 *   gets them as float32 `[n,H,W,C]`. No `ignoreIndex` (it needs one label per pixel).
 */
export type LabelFormat =
  | { kind: 'class-indices'; numClasses: number; ignoreIndex: number | undefined }
  | { kind: 'binary-mask'; ignoreIndex: number | undefined }
  | { kind: 'multi-hot'; channels: number };

/** The {@link LabelFormat} of a run; throws a {@link TrainingError} naming the option for a combination that cannot work. */
export function labelFormat(activation: Activation, numClasses: number, ignoreIndex: number | undefined, where: string): LabelFormat {
  if (ignoreIndex !== undefined && (ignoreIndex < 0 || ignoreIndex > LARGEST_STORED_LABEL)) {
    throw new TrainingError(`Error in ${where}: loss.ignoreIndex must be in 0..${LARGEST_STORED_LABEL} (patch labels are a Uint8Array), but got ${ignoreIndex}`);
  }
  if (activation === 'softmax') {
    if (numClasses < 2) throw new TrainingError(`Error in ${where}: numClasses must be ≥ 2 for activation 'softmax' (use a sigmoid loss, activation: 'sigmoid', for a one-channel binary head), but got ${numClasses}`);
    return { kind: 'class-indices', numClasses, ignoreIndex };
  }
  if (numClasses === 1) return { kind: 'binary-mask', ignoreIndex };
  if (ignoreIndex !== undefined) {
    throw new TrainingError(`Error in ${where}: loss.ignoreIndex needs one integer label per pixel, but activation 'sigmoid' with numClasses ${numClasses} trains on multi-hot labels (leave ignoreIndex out, or use one channel)`);
  }
  return { kind: 'multi-hot', channels: numClasses };
}

/** Values per pixel in `set.labels`: `labelChannels` for multi-hot labels, else 1. */
function valuesPerPixel(format: LabelFormat): number {
  return format.kind === 'multi-hot' ? format.channels : 1;
}

/** Why `label` is not allowed, e.g. `holds class 3, but numClasses is 2 (classes are 0..1)`. */
function describeBadLabel(label: number, format: LabelFormat): string {
  const ignored = format.kind !== 'multi-hot' && format.ignoreIndex !== undefined ? ` or ignoreIndex ${format.ignoreIndex}` : '';
  if (format.kind === 'class-indices') return `holds class ${label}, but numClasses is ${format.numClasses} (classes are 0..${format.numClasses - 1}${ignored})`;
  if (format.kind === 'binary-mask') return `holds ${label}, but a one-channel sigmoid head trains on a binary mask (labels 0 or 1${ignored})`;
  return `holds ${label}, but multi-hot labels must be 0 or 1`;
}

/** Throws an Error naming `argument` when `set` is not a consistent {@link PatchSet} or its labels do not fit `format`. */
export function checkPatchSet(set: PatchSet, format: LabelFormat, where: string, argument: string): void {
  parseWithSchema(patchSetSchema, set, where, TrainingDataError, argument);
  const channels = valuesPerPixel(format);
  if ((set.labelChannels ?? 1) !== channels) {
    throw new TrainingDataError(
      format.kind === 'multi-hot'
        ? `Error in ${where}: ${argument} must hold multi-hot labels with labelChannels = ${channels} (numClasses, activation 'sigmoid'), but labelChannels is ${set.labelChannels ?? 'absent (one label per pixel)'}`
        : `Error in ${where}: ${argument} must hold one label per pixel (no labelChannels) for ${format.kind === 'binary-mask' ? "a one-channel sigmoid head" : "activation 'softmax'"}, but labelChannels is ${set.labelChannels}`,
    );
  }
  const largest = format.kind === 'class-indices' ? format.numClasses - 1 : 1;
  const ignored = format.kind === 'multi-hot' ? undefined : format.ignoreIndex;
  for (const label of set.labels) {
    if (label > largest && label !== ignored) {
      throw new TrainingError(`Error in ${where}: ${argument}.labels ${describeBadLabel(label, format)}`);
    }
  }
}

/**
 * The labels of patches `start..end-1` as the loss takes them (see {@link LabelFormat}), as a new tensor
 * the caller disposes.
 */
export function lossLabelsTensor(set: PatchSet, start: number, end: number, format: LabelFormat): tf.Tensor {
  const shape = [end - start, set.height, set.width];
  const size = set.height * set.width * valuesPerPixel(format);
  const labels = set.labels.subarray(start * size, end * size);
  return tf.tidy(() => {
    if (format.kind === 'multi-hot') return tf.tensor4d(Float32Array.from(labels), [end - start, set.height, set.width, format.channels]);
    const indices = tf.tensor3d(Int32Array.from(labels), shape as [number, number, number], 'int32');
    if (format.kind === 'binary-mask' || format.ignoreIndex !== undefined) return indices;
    return tf.cast(tf.oneHot(indices, format.numClasses), 'float32');
  });
}

/** Scores of predicted labels against the truth (see `Evaluation` in evaluate.ts). */
export interface LabelScores {
  classIoU: number[];
  meanIoU: number;
  confusion: number[][];
}

/**
 * Scores predicted labels (`predict`'s output: class indices, a 0/1 mask or multi-hot) against the truth.
 * Softmax: per-class IoU and their mean (Eq. 15), `confusion[truth][predicted]`. Sigmoid: per-channel
 * foreground IoU, their mean — for a one-channel binary head the foreground IoU alone, background not
 * counted, as segmentation_models_pytorch's `iou_score` in `mode='binary'`/`'multilabel'` and MONAI's
 * `MeanIoU` on the sigmoid channels — and `confusion[c] = [TN, FP, FN, TP]` of channel c. Ignored
 * pixels count nowhere.
 */
export function scoreLabels(truth: Uint8Array, predicted: Uint8Array, format: LabelFormat, classNames?: readonly string[]): LabelScores {
  if (format.kind === 'class-indices') {
    const matrix = new ConfusionMatrix(format.numClasses, { ...(classNames ? { classNames: [...classNames] } : {}), ...(format.ignoreIndex === undefined ? {} : { ignoreIndex: format.ignoreIndex }) });
    matrix.update(truth, predicted);
    return { classIoU: matrix.iou(), meanIoU: matrix.meanIoU(), confusion: matrix.counts.map((row) => [...row]) };
  }
  const channels = valuesPerPixel(format);
  const ignoreIndex = format.kind === 'binary-mask' ? format.ignoreIndex : undefined;
  const pixels = truth.length / channels;
  const perChannel = Array.from({ length: channels }, (_, c) => {
    const matrix = new ConfusionMatrix(2, ignoreIndex === undefined ? {} : { ignoreIndex });
    const pick = (values: Uint8Array) => (channels === 1 ? values : Uint8Array.from({ length: pixels }, (_, i) => values[i * channels + c] as number));
    matrix.update(pick(truth), pick(predicted));
    return matrix;
  });
  const classIoU = perChannel.map((matrix) => matrix.iou()[1] as number);
  const defined = classIoU.filter((iou) => Number.isFinite(iou));
  return {
    classIoU,
    meanIoU: defined.length === 0 ? Number.NaN : defined.reduce((sum, iou) => sum + iou, 0) / defined.length,
    confusion: perChannel.map((matrix) => matrix.counts.flat()),
  };
}
