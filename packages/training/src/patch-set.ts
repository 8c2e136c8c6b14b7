import * as tf from '@tensorflow/tfjs-core';
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
    /**
     * Class index per pixel, `[count, height, width]` row-major (for a one-channel sigmoid head: the 0/1
     * mask); with `labelChannels`, multi-hot 0/1 values `[count, height, width, labelChannels]`.
     */
    labels: z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'must be a Uint8Array'),
    /** Multi-label sets only: `labels` holds this many 0/1 values per pixel, one per sigmoid channel. */
    labelChannels: z.number().int().positive().optional(),
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
    const labelValues = pixels * (set.labelChannels ?? 1);
    if (set.labels.length !== labelValues) {
      const formula = set.labelChannels === undefined ? 'count·height·width' : 'count·height·width·labelChannels';
      context.addIssue({ code: 'custom', path: ['labels'], message: `must hold ${formula} = ${labelValues} values, but holds ${set.labels.length}` });
    }
  });
/** A set of image patches with their label maps (see {@link patchSetSchema}). */
export type PatchSet = z.infer<typeof patchSetSchema>;

/** Images only: a {@link PatchSet} without labels is enough to predict. */
export type ImageSet = Pick<PatchSet, 'images' | 'count' | 'height' | 'width' | 'channels'>;

/** Images `[n,H,W,C]` of patches `start..start+n-1`, as a new tensor the caller disposes. */
export function imagesTensor(set: ImageSet, start: number, end: number): tf.Tensor4D {
  const size = set.height * set.width * set.channels;
  return tf.tensor4d(set.images.subarray(start * size, end * size), [end - start, set.height, set.width, set.channels]);
}
