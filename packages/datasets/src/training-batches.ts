import { seedStream, type Random } from '@tfseg/cross-validation';
import { z } from 'zod';
import { DatasetError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { allocatePatchSet, copyPatch, type PatchSet, type PatchSource } from './patch-set';
import { resizeImage, resizeMask } from './resize';

/**
 * Smallest side of a random-crop window as a fraction of the image side, for images no larger than the
 * patch (COVID-19, CHASE: resized to 256² and trained at 256²): a window of side in [0.8·256, 256] is
 * cut and resized back to 256². Images larger than the patch (Drosophila) are cropped without resizing.
 */
export const DEFAULT_CROP_MIN_SCALE = 0.8;

/** Options of {@link trainingBatches}. */
export const trainingBatchesOptionsSchema = z.object({
  /** Patches per batch (the paper: 4). The last batch of an epoch may be smaller unless `dropLast`. */
  batchSize: z.number().int().positive().default(4),
  /** The run's seed: drives the batch order, the crops and the flips of every epoch. */
  seed: z.number().int(),
  /** Random horizontal flip with probability 1/2 (the paper's augmentation). */
  flip: z.boolean().default(true),
  /**
   * Random crop to `size²` (the paper's random cropping; see {@link augmentedPatch}); absent: whole
   * patches. `minScale`: smallest window side as a fraction of the image side (default 0.8; 1 never resizes).
   */
  crop: z.object({
    size: z.number().int().positive(),
    minScale: z.number().gt(0).max(1).default(DEFAULT_CROP_MIN_SCALE),
  }).strict().optional(),
  /** Patches per epoch: one per training image by default; more cycles the images, each cropped afresh. */
  samplesPerEpoch: z.number().int().positive().optional(),
  /** Leave out the last, smaller batch of an epoch (not with `stepsPerEpoch`, whose batches are all full). */
  dropLast: z.boolean().default(false),
  /**
   * Exactly this many full batches per epoch: passes over the training set (each `samplesPerEpoch` draws,
   * reshuffled, cropped and flipped afresh) run into each other — a pass's last patches share a batch with
   * the next pass's first, as tf.data's `repeat().batch()` — and the epoch is cut after its last batch. So
   * a reduced training fraction gets as many steps, of as many patches, as the full set (1/8 of Drosophila:
   * 6 draws a pass, still 4 patches a step). Epoch `e` starts at pass `e · stepsPerEpoch`. Absent: one pass
   * per epoch.
   */
  stepsPerEpoch: z.number().int().positive().optional(),
}).strict().refine((options) => !(options.dropLast && options.stepsPerEpoch !== undefined), {
  message: 'dropLast has no last, smaller batch to drop when stepsPerEpoch is set (every batch is full)',
  path: ['dropLast'],
});
/** Options accepted by {@link trainingBatches}. */
export type TrainingBatchesOptions = z.input<typeof trainingBatchesOptionsSchema>;

/**
 * Seeded augmentation and batching (Sec. 4.1: batch size 4, random cropping and random horizontal
 * flipping) of `train`: a PatchSet, or images of any sizes (`prepareFold`'s `train`; then `crop` is
 * required, so that every patch of a batch has one size). Returns `epoch => batches`. Each epoch draws `samplesPerEpoch` patches — image `i mod n` for
 * draw `i`, so every image gives ⌊s/n⌋ or ⌈s/n⌉ — in a shuffled order, each through
 * {@link augmentedPatch} with a fresh crop and flip (with `stepsPerEpoch`, several such passes make an
 * epoch of full batches). Everything random comes from `seedStream(seed, 'trainingBatches', pass)`, pass =
 * epoch without `stepsPerEpoch`: the same (seed, epoch) always gives the same batches, two epochs give
 * different ones; `train` is never modified.
 */
export function trainingBatches(train: PatchSet | readonly PatchSource[], options: TrainingBatchesOptions): (epoch: number) => Iterable<PatchSet> {
  const { batchSize, seed, flip, crop, samplesPerEpoch, dropLast, stepsPerEpoch } = parseWithSchema(trainingBatchesOptionsSchema, options, 'trainingBatches', DatasetError);
  const sources = 'count' in train ? patchSources(train) : [...train];
  const first = sources[0];
  if (first === undefined) throw new DatasetError('Error in trainingBatches: train must hold at least one patch, but got 0');
  for (const source of sources) {
    if (source.channels !== first.channels) throw new DatasetError(`Error in trainingBatches: every training image must have ${first.channels} channel(s) like ${first.id}, but ${source.id} has ${source.channels}`);
    if (crop !== undefined && (crop.size > source.height || crop.size > source.width)) {
      throw new DatasetError(`Error in trainingBatches: options.crop.size ${crop.size} is larger than the ${source.width}x${source.height} ${'count' in train ? 'patches' : `image ${source.id}`}`);
    }
    if (crop === undefined && (source.height !== first.height || source.width !== first.width)) {
      throw new DatasetError(`Error in trainingBatches: images of different sizes (${first.id} ${first.width}x${first.height}, ${source.id} ${source.width}x${source.height}) need options.crop`);
    }
  }
  const samples = samplesPerEpoch ?? sources.length;
  const height = crop?.size ?? first.height;
  const width = crop?.size ?? first.width;
  const channels = first.channels;
  /**
   * The draws of pass `pass` in order, with the pass's random stream: its shuffle first, then each draw's
   * crop and flip as it is placed, so a patch does not depend on the batch it lands in.
   */
  function* passDraws(pass: number): Generator<{ source: PatchSource; random: Random }> {
    const random = seedStream(seed, 'trainingBatches', pass);
    const order = random.shuffle(Array.from({ length: samples }, (_, draw) => draw % sources.length));
    for (const member of order) yield { source: sources[member] as PatchSource, random };
  }
  /** `sizes.length` batches of the given sizes, filled in order from `draws`. */
  function* batchesFrom(draws: Iterator<{ source: PatchSource; random: Random }>, sizes: readonly number[]): Generator<PatchSet> {
    for (const size of sizes) {
      const batch = allocatePatchSet(size, height, width, channels);
      for (let slot = 0; slot < size; slot++) {
        const draw = draws.next();
        if (draw.done === true) throw new DatasetError('Error in trainingBatches: ran out of draws (internal: a batch size exceeds the pass)');
        augmentedPatch(draw.value.source, draw.value.random, { flip, crop }, batch, slot);
      }
      yield batch;
    }
  }
  /** Passes `firstPass`, `firstPass + 1`, … as one stream of draws. */
  function* chainedPasses(firstPass: number): Generator<{ source: PatchSource; random: Random }> {
    for (let pass = firstPass; ; pass++) yield* passDraws(pass);
  }
  return (epoch: number) => {
    if (!Number.isInteger(epoch) || epoch < 0) throw new DatasetError(`Error in trainingBatches: epoch must be an integer ≥ 0, but got ${epoch}`);
    if (stepsPerEpoch !== undefined) {
      const sizes = Array.from({ length: stepsPerEpoch }, () => batchSize);
      return { [Symbol.iterator]: () => batchesFrom(chainedPasses(epoch * stepsPerEpoch), sizes) };
    }
    const batches = dropLast ? Math.floor(samples / batchSize) : Math.ceil(samples / batchSize);
    const sizes = Array.from({ length: batches }, (_, b) => Math.min(batchSize, samples - b * batchSize));
    return { [Symbol.iterator]: () => batchesFrom(passDraws(epoch), sizes) };
  };
}

/** Each patch of a set as a source (views, no copies), e.g. to train on tiles beside whole images. */
export function patchSources(set: PatchSet): PatchSource[] {
  const pixels = set.height * set.width;
  return Array.from({ length: set.count }, (_, index) => ({
    id: set.sourceIds[index] ?? '',
    height: set.height,
    width: set.width,
    channels: set.channels,
    image: set.images.subarray(index * pixels * set.channels, (index + 1) * pixels * set.channels),
    mask: set.labels.subarray(index * pixels, (index + 1) * pixels),
  }));
}

/**
 * The paper's augmentation of one training patch — the ONE place where crops and flips are drawn.
 * Random cropping: a square window of side `w` at a uniformly random position, with `w` uniform in
 * `[min(size, ⌈minScale · min(H, W)⌉), size]`, resized back to `size²` when `w < size` (bilinear for the
 * image, nearest neighbour for the mask). So an image larger than the patch (Drosophila, 1024² → 256²
 * crops) is cropped as is, and an image the size of the patch (COVID/CHASE, resized to 256²) gets a random
 * window of 80–100 % of its side, zoomed back to 256². Then a left–right flip with probability ½. Image
 * and mask always go through the same mapping. Draws, in order: flip, window side, top, left.
 */
export function augmentedPatch(
  source: PatchSource,
  random: Random,
  options: { flip: boolean; crop?: { size: number; minScale: number } | undefined },
  target: PatchSet,
  slot: number,
): void {
  const mirrored = options.flip && random.next() < 0.5;
  const { crop } = options;
  if (crop === undefined) {
    copyPatch(source, 0, 0, mirrored, target, slot);
    return;
  }
  const { size, minScale } = crop;
  const smallest = Math.min(size, Math.ceil(minScale * Math.min(source.height, source.width) - 1e-9));
  const side = smallest + random.int(size - smallest + 1);
  const top = random.int(source.height - side + 1);
  const left = random.int(source.width - side + 1);
  if (side === size) {
    copyPatch(source, top, left, mirrored, target, slot);
    return;
  }
  const window = allocatePatchSet(1, side, side, source.channels);
  copyPatch(source, top, left, false, window, 0);
  const zoomed: PatchSource = {
    id: source.id,
    height: size,
    width: size,
    channels: source.channels,
    image: resizeImage(window.images, side, side, source.channels, size, size, 'bilinear'),
    mask: resizeMask(window.labels, side, side, size, size),
  };
  copyPatch(zoomed, 0, 0, mirrored, target, slot);
}
