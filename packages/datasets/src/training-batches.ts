import { seedStream } from '@tfseg/cross-validation';
import { z } from 'zod';
import { DatasetError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { allocatePatchSet, copyPatch, type PatchSet, type PatchSource } from './patch-set';

/** Options of {@link trainingBatches}. */
export const trainingBatchesOptionsSchema = z.object({
  /** Patches per batch (the paper: 4). The last batch of an epoch may be smaller unless `dropLast`. */
  batchSize: z.number().int().positive().default(4),
  seed: z.number().int(),
  /** Random horizontal flip with probability 1/2 (the paper's augmentation). */
  flip: z.boolean().default(true),
  /** Random crop of `size²` from each patch (the paper's random cropping); absent: whole patches. */
  crop: z.object({ size: z.number().int().positive() }).strict().optional(),
  /** Leave out the last, smaller batch of an epoch. */
  dropLast: z.boolean().default(false),
}).strict();
/** Options accepted by {@link trainingBatches}. */
export type TrainingBatchesOptions = z.input<typeof trainingBatchesOptionsSchema>;

/**
 * Seeded augmentation and batching (Sec. 4.1: batch size 4, random cropping and random horizontal
 * flipping). Returns `epoch => batches`: the patches in a shuffled order, each flipped left–right with
 * probability 1/2 and cut to a random `crop.size²` window, image and mask through the same mapping.
 * The same (seed, epoch) always gives the same batches; `train` is never modified.
 */
export function trainingBatches(train: PatchSet, options: TrainingBatchesOptions): (epoch: number) => Iterable<PatchSet> {
  const { batchSize, seed, flip, crop, dropLast } = parseWithSchema(trainingBatchesOptionsSchema, options, 'trainingBatches', DatasetError);
  if (train.count < 1) throw new DatasetError('Error in trainingBatches: train must hold at least one patch, but got 0');
  const size = crop?.size;
  if (size !== undefined && (size > train.height || size > train.width)) {
    throw new DatasetError(`Error in trainingBatches: options.crop.size ${size} is larger than the ${train.width}x${train.height} patches`);
  }
  const patchPixels = train.height * train.width;
  const patch = (index: number): PatchSource => ({
    id: train.sourceIds[index] ?? '',
    height: train.height,
    width: train.width,
    channels: train.channels,
    image: train.images.subarray(index * patchPixels * train.channels, (index + 1) * patchPixels * train.channels),
    mask: train.labels.subarray(index * patchPixels, (index + 1) * patchPixels),
  });
  return (epoch: number) => {
    if (!Number.isInteger(epoch) || epoch < 0) throw new DatasetError(`Error in trainingBatches: epoch must be an integer ≥ 0, but got ${epoch}`);
    return {
      *[Symbol.iterator]() {
        const random = seedStream(seed, 'trainingBatches', epoch);
        const order = random.shuffle(Array.from({ length: train.count }, (_, index) => index));
        const batches = dropLast ? Math.floor(train.count / batchSize) : Math.ceil(train.count / batchSize);
        for (let b = 0; b < batches; b++) {
          const members = order.slice(b * batchSize, (b + 1) * batchSize);
          const batch = allocatePatchSet(members.length, size ?? train.height, size ?? train.width, train.channels);
          members.forEach((member, slot) => {
            const mirrored = flip && random.next() < 0.5;
            const top = size === undefined ? 0 : random.int(train.height - size + 1);
            const left = size === undefined ? 0 : random.int(train.width - size + 1);
            copyPatch(patch(member), top, left, mirrored, batch, slot);
          });
          yield batch;
        }
      },
    };
  };
}
