/**
 * Segments one image of any size with a trained model, following its tfseg.json: the image is prepared
 * as in training (resize to the protocol's side and/or scale), cut into overlapping `size`² tiles whose
 * softmax outputs are averaged, and the class probabilities are resized back to the native size before
 * the argmax, so the label image has exactly the input's height and width. A one-channel sigmoid head
 * (binary) is read as the two class probabilities (1 − p, p), so its argmax is the threshold p > 0.5.
 */
import * as tf from '@tensorflow/tfjs';
import { resizeImage } from '@tfseg/datasets';
import type { InputSpec } from './model-card';
import { BenchError } from '../errors';

/** An image in memory: HWC intensities in [0, 1]. */
export interface InputImage {
  height: number;
  width: number;
  channels: number;
  data: Float32Array;
}

/** The segmentation of one image at its native size. */
export interface Segmentation {
  height: number;
  width: number;
  /** HW class indices (argmax of `probabilities`). */
  labels: Uint8Array;
  /** HWC class probabilities, C = number of classes. */
  probabilities: Float32Array;
}

/** Tiles per forward pass: bounds memory, does not change the result. */
const TILE_BATCH = 8;

/** Tile start positions along one axis of `length` (≥ size): every `stride`, the last flush with the end. */
export function tileStarts(length: number, size: number, stride: number): number[] {
  const starts: number[] = [];
  for (let start = 0; start + size < length; start += stride) starts.push(start);
  starts.push(Math.max(0, length - size));
  return [...new Set(starts)];
}

/** The image as the model saw it in training: resized to `resizeTo`² (bilinear) and/or scaled (area). */
function prepare(image: InputImage, input: InputSpec): InputImage {
  let current = image;
  if (input.mode === 'resize' && input.resizeTo !== undefined && (current.height !== input.resizeTo || current.width !== input.resizeTo)) {
    current = { ...current, height: input.resizeTo, width: input.resizeTo, data: resizeImage(current.data, current.height, current.width, current.channels, input.resizeTo, input.resizeTo, 'bilinear') };
  }
  const height = Math.max(1, Math.round(current.height * input.scale));
  const width = Math.max(1, Math.round(current.width * input.scale));
  if (height !== current.height || width !== current.width) {
    current = { ...current, height, width, data: resizeImage(current.data, current.height, current.width, current.channels, height, width, 'area') };
  }
  return current;
}

/** Pads bottom and right by repeating the last row and column, up to at least `size` on each side. */
function padToAtLeast(image: InputImage, size: number): InputImage {
  const height = Math.max(size, image.height);
  const width = Math.max(size, image.width);
  if (height === image.height && width === image.width) return image;
  const { channels } = image;
  const data = new Float32Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    const sourceRow = Math.min(y, image.height - 1);
    for (let x = 0; x < width; x++) {
      const source = (sourceRow * image.width + Math.min(x, image.width - 1)) * channels;
      data.set(image.data.subarray(source, source + channels), (y * width + x) * channels);
    }
  }
  return { height, width, channels, data };
}

/** How the model's output channels are read: tfseg.json's `model.output` (@tfseg/models). */
export type OutputKind = 'softmax' | 'sigmoid' | 'logits';

/**
 * Segments `image` (HWC in [0, 1], `input.channels` channels) with `model`, whose output is `numClasses`
 * softmax probabilities on `input.size`² tiles — or, with `output` `'sigmoid'`, the foreground
 * probability p of a binary dataset (`numClasses` 2, one channel), read as (1 − p, p). Tiles overlap by
 * `input.overlap`; overlapping outputs are averaged. Leaves no tensors behind.
 */
export function segmentImage(model: tf.LayersModel, input: InputSpec, numClasses: number, image: InputImage, output: OutputKind = 'softmax'): Segmentation {
  if (output === 'logits') throw new BenchError('segmentImage: a model with a logits head cannot be segmented by tfseg-bench (train it with a softmax or sigmoid head)');
  if (output === 'sigmoid' && numClasses !== 2) throw new BenchError(`segmentImage: a sigmoid head is read as one binary mask (2 classes), but tfseg.json lists ${numClasses} classes`);
  if (image.channels !== input.channels) throw new BenchError(`segmentImage: the image has ${image.channels} channels but the model takes ${input.channels}`);
  const prepared = prepare(image, input);
  const padded = padToAtLeast(prepared, input.size);
  const { size } = input;
  const stride = Math.max(1, Math.round(size * (1 - input.overlap)));
  const tiles = tileStarts(padded.height, size, stride).flatMap((top) => tileStarts(padded.width, size, stride).map((left) => ({ top, left })));
  const sum = new Float32Array(padded.height * padded.width * numClasses);
  const weight = new Float32Array(padded.height * padded.width);
  const tilePixels = size * size * image.channels;
  for (let start = 0; start < tiles.length; start += TILE_BATCH) {
    const batch = tiles.slice(start, start + TILE_BATCH);
    const pixels = new Float32Array(batch.length * tilePixels);
    batch.forEach(({ top, left }, index) => {
      for (let y = 0; y < size; y++) {
        const from = ((top + y) * padded.width + left) * image.channels;
        pixels.set(padded.data.subarray(from, from + size * image.channels), index * tilePixels + y * size * image.channels);
      }
    });
    const scores = tf.tidy(() => {
      const raw = model.apply(tf.tensor4d(pixels, [batch.length, size, size, image.channels]), { training: false }) as tf.Tensor;
      // One sigmoid channel p → the two class probabilities (1 − p, p); any other shape fails the check below.
      return output === 'sigmoid' && raw.shape[raw.rank - 1] === 1 ? tf.concat([tf.sub(1, raw), raw], -1) : raw;
    });
    const values = scores.dataSync();
    scores.dispose();
    if (values.length !== batch.length * size * size * numClasses) {
      const channels = values.length / (batch.length * size * size);
      throw new BenchError(`segmentImage: the model's output has ${channels} channels per pixel, but tfseg.json lists ${numClasses} classes${output === 'sigmoid' ? ' read from one sigmoid channel' : ''}`);
    }
    batch.forEach(({ top, left }, index) => {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const target = (top + y) * padded.width + left + x;
          const source = ((index * size + y) * size + x) * numClasses;
          weight[target] = (weight[target] as number) + 1;
          for (let c = 0; c < numClasses; c++) sum[target * numClasses + c] = (sum[target * numClasses + c] as number) + (values[source + c] as number);
        }
      }
    });
  }
  // Average, and crop the padding off.
  const cropped = new Float32Array(prepared.height * prepared.width * numClasses);
  for (let y = 0; y < prepared.height; y++) {
    for (let x = 0; x < prepared.width; x++) {
      const from = y * padded.width + x;
      for (let c = 0; c < numClasses; c++) cropped[(y * prepared.width + x) * numClasses + c] = (sum[from * numClasses + c] as number) / (weight[from] as number);
    }
  }
  const probabilities = prepared.height === image.height && prepared.width === image.width
    ? cropped
    : resizeImage(cropped, prepared.height, prepared.width, numClasses, image.height, image.width, 'bilinear');
  return { height: image.height, width: image.width, labels: argmax(probabilities, numClasses), probabilities };
}

/** Index of the largest of each `classes` consecutive values (the first on ties). */
export function argmax(values: Float32Array, classes: number): Uint8Array {
  const labels = new Uint8Array(values.length / classes);
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((values[i * classes + c] as number) > (values[i * classes + best] as number)) best = c;
    labels[i] = best;
  }
  return labels;
}
