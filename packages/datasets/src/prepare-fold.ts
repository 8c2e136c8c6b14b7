import { kFold, seedStream, subsample } from '@tfseg/cross-validation';
import { z } from 'zod';
import type { LoadedDataset, Sample } from './dataset';
import { DatasetError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { allocatePatchSet, copyPatch, type PatchSet, type PatchSource } from './patch-set';
import { resizeImage, resizeMask } from './resize';

/** Options of {@link prepareFold}; defaults come from the dataset's protocol. */
export const prepareFoldOptionsSchema = z.object({
  /** 0-based fold whose test part is returned as `test`. */
  fold: z.number().int().nonnegative(),
  /** Number of folds (the paper: 5). Default: the dataset's protocol. */
  folds: z.number().int().min(2).optional(),
  /** Seed of the folds, the reduced training set and the random crops. */
  seed: z.number().int(),
  /** Fraction of the training groups kept (the paper's 1/2, 1/4, 1/8; nested for one seed). */
  fraction: z.number().gt(0).max(1).default(1),
  /** Patch side; default: the protocol's patch size times `scale` (Drosophila: 256). */
  patchSize: z.number().int().positive().optional(),
  /** Random training crops at fraction 1; default: the protocol's (Drosophila: 48; COVID/CHASE: whole images, tiled). */
  trainPatches: z.number().int().positive().optional(),
  /** Downscale factor applied to every image before patching (0.25: Drosophila 1024² → 256²); area for images, nearest for masks. */
  scale: z.number().gt(0).max(1).default(1),
  /** Groups carved from the training part for validation; default: the protocol's. */
  validationGroups: z.number().int().nonnegative().optional(),
}).strict();
/** Options accepted by {@link prepareFold}. */
export type PrepareFoldOptions = z.input<typeof prepareFoldOptionsSchema>;

/** One fold of the paper's protocol, as patches. */
export interface PreparedFold {
  train: PatchSet;
  validation: PatchSet;
  test: PatchSet;
  classNames: string[];
}

/**
 * The paper's per-fold protocol (Sec. 4.1), ready for training:
 * 1. grouped k-fold split (`kFold` of @tfseg/cross-validation) over the samples' groups (Drosophila:
 *    image, COVID: slice, CHASE: child), with `validationGroups` carved from each training part;
 * 2. with `fraction < 1`, a nested subsample of the training groups (`subsample`);
 * 3. each image resized to the protocol's `resizeTo` (COVID, CHASE: 256², bilinear) and/or scaled by
 *    `scale` (area), masks by nearest neighbour;
 * 4. training: `round(trainPatches · fraction)` random `patchSize²` crops spread evenly over the training
 *    images (Drosophila: 48), or, without `trainPatches`, the training images tiled; validation and test:
 *    every image tiled into non-overlapping patches from the top left (Drosophila: 16 per image).
 * Deterministic for a given (dataset, options).
 */
export function prepareFold(dataset: LoadedDataset, options: PrepareFoldOptions): PreparedFold {
  const parsed = parseWithSchema(prepareFoldOptionsSchema, options, 'prepareFold', DatasetError);
  const { protocol } = dataset;
  const folds = parsed.folds ?? protocol.folds;
  if (parsed.fold >= folds) throw new DatasetError(`Error in prepareFold: options.fold must be less than folds (${folds}), but got ${parsed.fold}`);
  const groups = dataset.samples.map((sample) => sample.group);
  const split = kFold({ groups, k: folds, seed: parsed.seed, validationGroups: parsed.validationGroups ?? protocol.validationGroups })[parsed.fold];
  if (!split) throw new DatasetError(`Error in prepareFold: fold ${parsed.fold} was not produced`);
  const trainItems = parsed.fraction < 1 ? subsample(split.train, parsed.fraction, parsed.seed, groups) : split.train;

  const prepared = new Map<number, PatchSource>();
  const prepare = (item: number): PatchSource => {
    let source = prepared.get(item);
    if (!source) {
      source = resized(dataset.samples[item] as Sample, protocol.resizeTo, parsed.scale);
      prepared.set(item, source);
    }
    return source;
  };
  const patchSize = parsed.patchSize ?? Math.max(1, Math.round(protocol.patchSize * parsed.scale));
  const first = prepare(split.test[0] as number);
  if (patchSize > first.height || patchSize > first.width) {
    throw new DatasetError(`Error in prepareFold: patchSize ${patchSize} is larger than the prepared images (${first.width}x${first.height}); lower patchSize or raise scale`);
  }
  const trainPatches = parsed.trainPatches ?? protocol.trainPatches;
  const train = trainPatches === undefined
    ? tiles(trainItems.map(prepare), patchSize, dataset.inputChannels)
    : randomCrops(trainItems.map(prepare), Math.max(1, Math.round(trainPatches * parsed.fraction)), patchSize, seedStream(parsed.seed, 'prepareFold', 'crops', parsed.fold));
  return {
    train,
    validation: tiles(split.validation.map(prepare), patchSize, dataset.inputChannels),
    test: tiles(split.test.map(prepare), patchSize, dataset.inputChannels),
    classNames: [...dataset.classNames],
  };
}

/** The sample at the protocol's size: resized to `resizeTo`² (bilinear) then scaled by `scale` (area). */
function resized(sample: Sample, resizeTo: number | undefined, scale: number): PatchSource {
  const baseHeight = resizeTo ?? sample.height;
  const baseWidth = resizeTo ?? sample.width;
  const height = Math.max(1, Math.round(baseHeight * scale));
  const width = Math.max(1, Math.round(baseWidth * scale));
  if (height === sample.height && width === sample.width) return sample;
  // Bilinear is the paper's resize (COVID); a pure downscale of native images averages areas instead.
  const method = resizeTo === undefined ? 'area' : 'bilinear';
  return {
    id: sample.id,
    height,
    width,
    channels: sample.channels,
    image: resizeImage(sample.image, sample.height, sample.width, sample.channels, height, width, method),
    mask: resizeMask(sample.mask, sample.height, sample.width, height, width),
  };
}

/** Every image cut into non-overlapping `size²` tiles, row by row from the top left (remainders dropped). */
export function tiles(sources: PatchSource[], size: number, channels: number): PatchSet {
  const count = sources.reduce((total, source) => total + Math.floor(source.height / size) * Math.floor(source.width / size), 0);
  const set = allocatePatchSet(count, size, size, channels);
  let index = 0;
  for (const source of sources) {
    for (let top = 0; top + size <= source.height; top += size) {
      for (let left = 0; left + size <= source.width; left += size) copyPatch(source, top, left, false, set, index++);
    }
  }
  return set;
}

/** `count` random `size²` crops, crop i from image i mod n (so every image gives ⌊count/n⌋ or ⌈count/n⌉). */
function randomCrops(sources: PatchSource[], count: number, size: number, random: ReturnType<typeof seedStream>): PatchSet {
  const set = allocatePatchSet(count, size, size, sources[0]?.channels ?? 1);
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length] as PatchSource;
    copyPatch(source, random.int(source.height - size + 1), random.int(source.width - size + 1), false, set, i);
  }
  return set;
}
