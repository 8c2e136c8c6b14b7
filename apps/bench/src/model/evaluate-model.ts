/**
 * `evaluate`: scores a model directory on a dataset at native resolution — each whole image segmented
 * as `predict` does (tfseg.json's resize or sliding window) — with per-class IoU and Dice and their means
 * (@tfseg/metrics). On the dataset it was trained on, the model's own test split (or `fold`); on another
 * dataset, or with `all`, every image.
 */
import { resolve } from 'node:path';
import { FOLDER_DATASET_NAME, folderContentHash, getDataset, listDatasets, prepareFold, type Sample } from '@tfseg/datasets';
import { ConfusionMatrix } from '@tfseg/metrics';
import { loadModel } from '@tfseg/models';
import { backendNameSchema, wasmThreadsSchema } from '@tfseg/training';
import { z } from 'zod';
import { ensureBackend } from '../sweep/execute-run';
import { threadsPerProcess } from '../sweep/run-sweep';
import { readModelCard } from './model-card';
import { segmentImage } from './segment';
import { BenchError, CommandOptionsError } from '../errors';
import { parseWithSchema } from '../tfseg-error';

/** Options of `tfseg-bench evaluate`. */
export const evaluateModelOptionsSchema = z
  .strictObject({
    /** A model directory written by `tfseg-bench train`. */
    model: z.string().min(1),
    dataset: z.string().refine((name) => listDatasets().includes(name), { message: `must be one of ${listDatasets().join(', ')}` }),
    root: z.string().min(1).optional(),
    /** Test part of this fold (same folds and seed as the model's split) instead of the model's own. */
    fold: z.number().int().nonnegative().optional(),
    /** Every image of the dataset. */
    all: z.boolean().default(false),
    backend: backendNameSchema.default('auto'),
    threads: wasmThreadsSchema.default('auto'),
  })
  .refine((options) => !(options.all && options.fold !== undefined), { message: 'give --fold or --all, not both', path: ['fold'] });
/** Options of {@link evaluateModel} as written. */
export type EvaluateModelOptions = z.input<typeof evaluateModelOptionsSchema>;

/** Scores of a model on a set of images. IoU and Dice are fractions; null where a class is absent from truth and prediction. */
export interface ModelEvaluation {
  dataset: string;
  /** Which images: `test of fold K` (the model's split), `all`. */
  part: string;
  images: number;
  /** The model's head (tfseg.json's `model.output`): `sigmoid` scores the foreground alone. */
  head: 'softmax' | 'sigmoid';
  /**
   * The classes scored: every class for a softmax model; for a one-channel sigmoid model (binary) the
   * foreground class alone, so the means are its IoU and Dice, background not included (the IoU that
   * segmentation_models_pytorch and MONAI report for a binary sigmoid output; see @tfseg/training).
   */
  classes: string[];
  classIoU: Array<number | null>;
  classDice: Array<number | null>;
  meanIoU: number;
  meanDice: number;
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** Segments the chosen images with the model and scores them against their masks. */
export async function evaluateModel(input: EvaluateModelOptions): Promise<ModelEvaluation> {
  const options = parseWithSchema(evaluateModelOptionsSchema, input, 'evaluate', CommandOptionsError);
  const card = readModelCard(options.model);
  if (options.dataset === FOLDER_DATASET_NAME && options.root === undefined) throw new BenchError('evaluate: the folder dataset needs --root DIR');
  const descriptor = getDataset(options.dataset, { root: options.root });
  const names = card.classes.map((entry) => entry.name);
  if (descriptor.classNames.length !== names.length) {
    throw new BenchError(`evaluate: the model segments ${names.length} classes (${names.join(', ')}) but dataset ${options.dataset} has ${descriptor.classNames.length} (${descriptor.classNames.join(', ')})`);
  }
  const dataset = await descriptor.load(options.root === undefined ? {} : { root: options.root });
  if (dataset.inputChannels !== card.input.channels) {
    throw new BenchError(`evaluate: the model takes ${card.input.channels}-channel images but dataset ${options.dataset} has ${dataset.inputChannels}`);
  }
  const sameData = options.dataset === card.dataset.name && (options.root === undefined || options.dataset !== FOLDER_DATASET_NAME || folderContentHash(options.root) === card.dataset.contentHash);
  let samples: Sample[] = dataset.samples;
  let part = 'all';
  if (!options.all && sameData) {
    if (options.fold === undefined && card.split.allData) throw new BenchError('evaluate: the model was trained on all the data (no test part); give --fold K or --all');
    const fold = options.fold ?? (card.split.fold as number);
    const ids = new Set(
      fold === card.split.fold
        ? card.split.test
        : prepareFold(dataset, { fold, folds: card.split.folds, splitSeed: card.split.seed, patchSize: card.input.size, scale: card.input.scale }).test.sourceIds,
    );
    samples = dataset.samples.filter((sample) => ids.has(sample.id));
    part = `test of fold ${fold}`;
  }
  if (samples.length === 0) throw new BenchError(`evaluate: no images to score in ${part} of ${options.dataset}`);
  await ensureBackend(options.backend, threadsPerProcess(options.threads, 1));
  const model = await loadModel(resolve(options.model));
  // Pixels of the class the loss ignored count nowhere, as in training's scores.
  const matrix = new ConfusionMatrix(names.length, { classNames: names, ...(card.loss.ignoreIndex === undefined ? {} : { ignoreIndex: card.loss.ignoreIndex }) });
  try {
    for (const sample of samples) {
      const { labels } = segmentImage(model, card.input, names.length, { height: sample.height, width: sample.width, channels: sample.channels, data: sample.image }, card.model.output);
      matrix.update(sample.mask, labels);
    }
  } finally {
    model.dispose();
  }
  if (card.model.output !== 'sigmoid') {
    return { dataset: options.dataset, part, images: samples.length, head: 'softmax', classes: names, classIoU: matrix.iou().map(finiteOrNull), classDice: matrix.dice().map(finiteOrNull), meanIoU: matrix.meanIoU(), meanDice: matrix.meanDice() };
  }
  // A sigmoid head's one channel is the foreground (class 1): its scores are the model's.
  const [iou, dice] = [matrix.iou()[1] as number, matrix.dice()[1] as number];
  return { dataset: options.dataset, part, images: samples.length, head: 'sigmoid', classes: names.slice(1), classIoU: [finiteOrNull(iou)], classDice: [finiteOrNull(dice)], meanIoU: iou, meanDice: dice };
}

/** The scores as an aligned table (percentages). */
export function formatEvaluation(evaluation: ModelEvaluation): string {
  const width = Math.max(5, ...evaluation.classes.map((name) => name.length));
  const percent = (value: number | null): string => (value === null ? '—' : (100 * value).toFixed(2)).padStart(7);
  return [
    `${evaluation.dataset}, ${evaluation.part}: ${evaluation.images} images${evaluation.head === 'sigmoid' ? ' (one-channel sigmoid model: the foreground alone, background not in the mean)' : ''}`,
    `  ${'class'.padEnd(width)}    IoU %  Dice %`,
    ...evaluation.classes.map((name, index) => `  ${name.padEnd(width)}  ${percent(evaluation.classIoU[index] ?? null)} ${percent(evaluation.classDice[index] ?? null)}`),
    `  ${'mean'.padEnd(width)}  ${percent(evaluation.meanIoU)} ${percent(evaluation.meanDice)}`,
  ].join('\n');
}
