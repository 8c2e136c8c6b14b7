import { kFold, subsample } from '@tfseg/cross-validation';
import { z } from 'zod';
import type { LoadedDataset, Sample } from './dataset';
import { DatasetError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { allocatePatchSet, copyPatch, type PatchSet, type PatchSource } from './patch-set';
import { resizeImage, resizeMask } from './resize';

/**
 * The protocol's split seed: folds, validation parts and reduced training sets are drawn with it, so
 * they are the same for every run (the paper: "with fixed random seeds"); a run's own seed only drives
 * initialisation, batch order and augmentation. Override per experiment with `splitSeed`.
 */
export const PROTOCOL_SPLIT_SEED = 0;

/** Options of {@link splitFold}: which part of the protocol's split (defaults: the dataset's protocol). */
export const splitFoldOptionsSchema = z.object({
  /** 0-based fold whose test part is returned as `test`. */
  fold: z.number().int().nonnegative(),
  /** Number of folds (the paper: 5). Default: the dataset's protocol. */
  folds: z.number().int().min(2).optional(),
  /** Fraction of the training groups kept (the paper's 1/2, 1/4, 1/8); nested: 1/8 ⊂ 1/4 ⊂ 1/2 ⊂ 1. */
  fraction: z.number().gt(0).max(1).default(1),
  /** Seed of the folds, the validation parts and the reduced training sets; default {@link PROTOCOL_SPLIT_SEED}. */
  splitSeed: z.number().int().default(PROTOCOL_SPLIT_SEED),
  /** Groups carved from the training part for validation; default: the protocol's. */
  validationGroups: z.number().int().nonnegative().optional(),
}).strict();
/** Options accepted by {@link splitFold}. */
export type SplitFoldOptions = z.input<typeof splitFoldOptionsSchema>;

/** Options of {@link prepareFold}: the split, plus how images become patches. */
export const prepareFoldOptionsSchema = splitFoldOptionsSchema.extend({
  /** Patch side; default: the protocol's patch size times `scale` (Drosophila: 256). */
  patchSize: z.number().int().positive().optional(),
  /** Random training crops per epoch at fraction 1; default: the protocol's (Drosophila: 48; COVID/CHASE: every training image once). */
  trainPatches: z.number().int().positive().optional(),
  /** Downscale factor applied to every image before patching (0.25: Drosophila 1024² → 256²); area for images, nearest for masks. */
  scale: z.number().gt(0).max(1).default(1),
}).strict();
/** Options accepted by {@link prepareFold}. */
export type PrepareFoldOptions = z.input<typeof prepareFoldOptionsSchema>;

/** One fold's parts as sample indices (ascending) and as the dataset's group ids (in first-seen order). */
export interface FoldSplit {
  /** Sample indices into `dataset.samples`. */
  items: { train: number[]; validation: number[]; test: number[] };
  /** Group ids (Drosophila: image, COVID: slice, CHASE: child) of each part. */
  groups: { train: string[]; validation: string[]; test: string[] };
}

/**
 * How training patches are drawn each epoch; spread it into {@link trainingBatches}' options:
 * `trainingBatches(fold.train, { batchSize: 4, seed, ...fold.trainSampling })`.
 */
export interface TrainSampling {
  /** Random crop: side of every training patch. */
  crop: { size: number };
  /** Training patches per epoch: Drosophila `round(48 · fraction)` random crops, COVID/CHASE every training image once. */
  samplesPerEpoch: number;
}

/** One fold of the paper's protocol, as patches. */
export interface PreparedFold {
  /**
   * The training images at the protocol's size, whole (not yet cropped: {@link trainingBatches} crops them
   * afresh every epoch); they may differ in size (the folder dataset).
   */
  train: PatchSource[];
  /** How {@link trainingBatches} draws training patches from `train` each epoch. */
  trainSampling: TrainSampling;
  validation: PatchSet;
  test: PatchSet;
  classNames: string[];
  /** Which samples and groups make up each part. */
  split: FoldSplit;
}

/**
 * The protocol's split of one fold (Sec. 4.1), a fixed function of (dataset, folds, fold, fraction,
 * splitSeed): a grouped k-fold split (`kFold` of @tfseg/cross-validation) over the samples' groups
 * (Drosophila: image, COVID: slice, CHASE: child), `validationGroups` carved from each training part, and
 * with `fraction < 1` a nested subsample of the training groups (`subsample`). Validation and test never
 * depend on `fraction`; no run seed enters.
 */
export function splitFold(dataset: LoadedDataset, options: SplitFoldOptions): FoldSplit {
  return splitOf(dataset, parseWithSchema(splitFoldOptionsSchema, options, 'splitFold', DatasetError), 'splitFold');
}

function splitOf(dataset: LoadedDataset, parsed: z.output<typeof splitFoldOptionsSchema>, caller: string): FoldSplit {
  const { protocol } = dataset;
  const folds = parsed.folds ?? protocol.folds;
  if (parsed.fold >= folds) throw new DatasetError(`Error in ${caller}: options.fold must be less than folds (${folds}), but got ${parsed.fold}`);
  const groups = dataset.samples.map((sample) => sample.group);
  const split = kFold({ groups, k: folds, seed: parsed.splitSeed, validationGroups: parsed.validationGroups ?? protocol.validationGroups })[parsed.fold];
  if (!split) throw new DatasetError(`Error in ${caller}: fold ${parsed.fold} was not produced`);
  const train = parsed.fraction < 1 ? subsample(split.train, parsed.fraction, parsed.splitSeed, groups) : split.train;
  const groupIds = (items: number[]): string[] => [...new Set(items.map((item) => groups[item] as string))];
  return {
    items: { train, validation: split.validation, test: split.test },
    groups: { train: groupIds(train), validation: groupIds(split.validation), test: groupIds(split.test) },
  };
}

/**
 * The paper's per-fold protocol (Sec. 4.1), ready for training:
 * 1. the split of {@link splitFold} (fixed by the protocol's split seed, never by a run's seed);
 * 2. each image resized to the protocol's `resizeTo` (COVID, CHASE: 256², bilinear) and/or scaled by
 *    `scale` (area), masks by nearest neighbour;
 * 3. training: the whole training images, with `trainSampling` telling {@link trainingBatches} to draw
 *    `round(trainPatches · fraction)` random `patchSize²` crops per epoch (Drosophila: 48) or, without
 *    `trainPatches`, every training image once per epoch (COVID, CHASE); validation and test: every image
 *    tiled into non-overlapping patches from the top left (Drosophila: 16 per image).
 * Deterministic for a given (dataset, options); draws no random numbers itself.
 */
export function prepareFold(dataset: LoadedDataset, options: PrepareFoldOptions): PreparedFold {
  const parsed = parseWithSchema(prepareFoldOptionsSchema, options, 'prepareFold', DatasetError);
  const split = splitOf(dataset, parsed, 'prepareFold');
  const { protocol } = dataset;

  const prepare = (item: number): PatchSource => resizedOnce(dataset.samples[item] as Sample, protocol.resizeTo, parsed.scale);
  const patchSize = parsed.patchSize ?? Math.max(1, Math.round(protocol.patchSize * parsed.scale));
  const first = prepare(split.items.test[0] as number);
  if (patchSize > first.height || patchSize > first.width) {
    throw new DatasetError(`Error in prepareFold: patchSize ${patchSize} is larger than the prepared images (${first.width}x${first.height}); lower patchSize or raise scale`);
  }
  const trainSources = split.items.train.map(prepare);
  const trainPatches = parsed.trainPatches ?? protocol.trainPatches;
  return {
    train: trainSources,
    trainSampling: {
      crop: { size: patchSize },
      samplesPerEpoch: trainPatches === undefined ? trainSources.length : Math.max(1, Math.round(trainPatches * parsed.fraction)),
    },
    validation: tiles(split.items.validation.map(prepare), patchSize, dataset.inputChannels),
    test: tiles(split.items.test.map(prepare), patchSize, dataset.inputChannels),
    classNames: [...dataset.classNames],
    split,
  };
}

/**
 * Each sample's resized copies, per `resizeTo`/`scale`, kept while the sample lives: every fold and run
 * of a sweep (same dataset object, same protocol) reuses them instead of resampling all images again
 * (Drosophila at 1/4 scale: ~0.1–0.3 s per run). A pure function of the sample's pixels, so results are
 * the same bits as a fresh resize; callers treat sources as read-only (as they do the unresized samples).
 */
const resizedSamples = new WeakMap<Sample, Map<string, PatchSource>>();

/** {@link resized}, computed once per (sample, resizeTo, scale). */
function resizedOnce(sample: Sample, resizeTo: number | undefined, scale: number): PatchSource {
  let bySize = resizedSamples.get(sample);
  if (!bySize) {
    bySize = new Map();
    resizedSamples.set(sample, bySize);
  }
  const key = `${resizeTo ?? ''}:${scale}`;
  let source = bySize.get(key);
  if (!source) {
    source = resized(sample, resizeTo, scale);
    bySize.set(key, source);
  }
  return source;
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

