/**
 * `tfseg.json`: everything needed to use a trained model beside its tfjs `model.json` + weights — the
 * classes and their mask values, how an image becomes model input (size, scale, resize or sliding
 * window, intensity window), the loss and model options it was trained with, the training curve, the
 * validation mIoU, the split, versions and device. `predict`, `evaluate` and the browser example read it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lossSpecSchema } from '@tfseg/losses';
import { modelOptionsSchema } from '@tfseg/models';
import { z } from 'zod';
import { BenchError, FileContentError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import { runEnvironmentSchema } from '../results/record';
import { writeFileAtomic } from '@tfseg/training';

/** File name of the card inside a model directory. */
export const MODEL_CARD_FILE = 'tfseg.json';
/** Layout version of tfseg.json; bump on an incompatible change. */
export const MODEL_CARD_VERSION = 1;

const windowSchema = z.tuple([z.number(), z.number()]);

/** How an image of any size becomes model input, and the model's output back a label image. */
export const inputSpecSchema = z.strictObject({
  /** Side of the square model input in pixels. */
  size: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  /** Downscale applied to every image first (area), as in training. */
  scale: z.number().gt(0).max(1),
  /** `resize`: the (scaled) image is resized to `resizeTo`² (bilinear) as the dataset's protocol does; `sliding-window`: tiles of `size`² with `overlap`. */
  mode: z.enum(['resize', 'sliding-window']),
  /** Side the dataset's protocol resizes every image to (COVID-19 CT, CHASE_DB1: 256); only with `resize`. */
  resizeTo: z.number().int().positive().optional(),
  /** Fraction of a tile shared with its neighbour in sliding-window mode. */
  overlap: z.number().min(0).lt(1),
  /** Raw intensities of 2-D images mapped to [0, 1] (clamped); absent: the sample type's full range (8-bit: 0..255). */
  window: windowSchema.optional(),
  /** Raw intensities of NIfTI volumes mapped to [0, 1] (clamped). */
  volumeWindow: windowSchema,
});
/** The input part of tfseg.json. */
export type InputSpec = z.infer<typeof inputSpecSchema>;

/** tfseg.json, parsed. */
export const modelCardSchema = z.strictObject({
  format: z.literal('tfseg-model'),
  version: z.literal(MODEL_CARD_VERSION),
  /** Class names in output-channel order, each with the mask values it stands for (the first is written by predict). */
  classes: z.array(z.strictObject({ name: z.string(), values: z.array(z.number().int().nonnegative()).min(1) })).min(2),
  input: inputSpecSchema,
  /** The loss, as @tfseg/losses' spec. */
  loss: lossSpecSchema,
  /** The model, as @tfseg/models' options (buildModel rebuilds the same architecture). */
  model: modelOptionsSchema,
  dataset: z.strictObject({ name: z.string(), title: z.string(), contentHash: z.string().optional() }),
  training: z.strictObject({
    epochs: z.number().int().positive(),
    stepsPerEpoch: z.number().int().positive().optional(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    seed: z.number().int().nonnegative(),
    wallTimeMs: z.number().nonnegative(),
  }),
  curve: z.strictObject({ trainLoss: z.array(z.number()), validationMeanIoU: z.array(z.number().nullable()) }),
  /** 0-based epoch whose weights were kept (best validation mIoU). */
  bestEpoch: z.number().int().nonnegative(),
  validationMeanIoU: z.number().nullable(),
  /** The split the model was trained on: sample ids of each part (`test` is empty with `allData`). */
  split: z.strictObject({
    fold: z.number().int().nonnegative().nullable(),
    folds: z.number().int().min(2),
    /** The split seed (@tfseg/datasets' PROTOCOL_SPLIT_SEED unless changed), not the training seed. */
    seed: z.number().int().nonnegative(),
    allData: z.boolean(),
    train: z.array(z.string()),
    validation: z.array(z.string()),
    test: z.array(z.string()),
  }),
  versions: z.strictObject({ tfseg: z.string(), tfjs: z.string(), node: z.string() }),
  device: runEnvironmentSchema,
  createdAt: z.string(),
});
/** A parsed tfseg.json. */
export type ModelCard = z.infer<typeof modelCardSchema>;

/** Reads and validates `directory/tfseg.json`; a missing or invalid card is an Error naming the file and field. */
export function readModelCard(directory: string): ModelCard {
  const file = join(directory, MODEL_CARD_FILE);
  if (!existsSync(file)) {
    throw new BenchError(`${file} is missing; --model must be a folder written by tfseg-bench train (model.json, weights.bin, ${MODEL_CARD_FILE})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BenchError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseWithSchema(modelCardSchema, raw, file, FileContentError);
}

/** Writes tfseg.json last and atomically (checked writes, fsync, rename): a folder with a card holds a complete model. */
export function writeModelCard(directory: string, card: ModelCard): void {
  writeFileAtomic(join(directory, MODEL_CARD_FILE), `${JSON.stringify(modelCardSchema.parse(card), null, 2)}\n`);
}

/** The value a predicted class is written as: its first mask value. */
export function labelValues(card: Pick<ModelCard, 'classes'>): number[] {
  return card.classes.map((entry) => entry.values[0] as number);
}
