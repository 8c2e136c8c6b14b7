import * as tf from '@tensorflow/tfjs-core';
import { TrainingDataError, TrainingError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { z } from 'zod';

// z.custom, not z.instanceof: the type must be plain Float32Array (any buffer), as datasets produce it.
/**
 * A set of image patches with their label maps, channels last. Structural on purpose: training does not
 * depend on @tfseg/datasets, whose `trainingBatches(...)` yields exactly this shape.
 */
export const patchSetSchema = z
  .object({
    /** Pixel values, `[count, height, width, channels]` row-major. */
    images: z.custom<Float32Array>((value) => value instanceof Float32Array, 'must be a Float32Array'),
    /** Class index per pixel, `[count, height, width]` row-major. */
    labels: z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'must be a Uint8Array'),
    count: z.number().int().nonnegative(),
    height: z.number().int().positive(),
    width: z.number().int().positive(),
    channels: z.number().int().positive(),
  })
  .superRefine((set, context) => {
    const pixels = set.count * set.height * set.width;
    if (set.images.length !== pixels * set.channels) {
      context.addIssue({ code: 'custom', path: ['images'], message: `must hold count·height·width·channels = ${pixels * set.channels} values, but holds ${set.images.length}` });
    }
    if (set.labels.length !== pixels) {
      context.addIssue({ code: 'custom', path: ['labels'], message: `must hold count·height·width = ${pixels} values, but holds ${set.labels.length}` });
    }
  });
/** A set of image patches with their label maps (see {@link patchSetSchema}). */
export type PatchSet = z.infer<typeof patchSetSchema>;

/** Throws an Error naming `argument` when `set` is not a consistent {@link PatchSet} or has labels ≥ numClasses. */
export function checkPatchSet(set: PatchSet, numClasses: number, where: string, argument: string): void {
  parseWithSchema(patchSetSchema, set, where, TrainingDataError, argument);
  let maxLabel = 0;
  for (const label of set.labels) if (label > maxLabel) maxLabel = label;
  if (set.count > 0 && maxLabel >= numClasses) {
    throw new TrainingError(`Error in ${where}: ${argument}.labels holds class ${maxLabel}, but numClasses is ${numClasses} (classes are 0..${numClasses - 1})`);
  }
}

/** Images only: a {@link PatchSet} without labels is enough to predict. */
export type ImageSet = Pick<PatchSet, 'images' | 'count' | 'height' | 'width' | 'channels'>;

/** Images `[n,H,W,C]` of patches `start..start+n-1`, as a new tensor the caller disposes. */
export function imagesTensor(set: ImageSet, start: number, end: number): tf.Tensor4D {
  const size = set.height * set.width * set.channels;
  return tf.tensor4d(set.images.subarray(start * size, end * size), [end - start, set.height, set.width, set.channels]);
}

/** One-hot labels `[n,H,W,numClasses]` (float32) of patches `start..end-1`, as a new tensor the caller disposes. */
export function oneHotLabelsTensor(set: PatchSet, start: number, end: number, numClasses: number): tf.Tensor4D {
  const size = set.height * set.width;
  return tf.tidy(() => {
    const indices = tf.tensor3d(Int32Array.from(set.labels.subarray(start * size, end * size)), [end - start, set.height, set.width], 'int32');
    return tf.cast(tf.oneHot(indices, numClasses), 'float32') as tf.Tensor4D;
  });
}
