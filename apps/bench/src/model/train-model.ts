/**
 * Trains one model on one dataset split and writes a model directory: tfjs `model.json` + `weights.bin`
 * and `tfseg.json`. Built only on the packages' public APIs (datasets → prepareFold → buildModel → train →
 * saveModel). Checkpoints go to `MODEL_DIR/checkpoint/` after every epoch; the same command resumes there.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  COVID_HU_WINDOW,
  FOLDER_DATASET_NAME,
  folderContentHash,
  folderDataset,
  getDataset,
  listDatasets,
  patchSources,
  prepareFold,
  prepareFoldOptionsSchema,
  PROTOCOL_SPLIT_SEED,
  splitFoldOptionsSchema,
  trainingBatches,
  type PatchSet,
  type PatchSource,
} from '@tfseg/datasets';
import { lossSpecSchema } from '@tfseg/losses';
import { buildModel, modelNameSchema, modelOptionsSchema, presetNameSchema, saveModel } from '@tfseg/models';
import { backendNameSchema, canonicalJson, selectBackendOptionsSchema, train, wasmThreadsSchema, writeFileAtomic, type TrainingEvent } from '@tfseg/training';
import { z } from 'zod';
import { benchDirectory } from '../config/package-paths';
import { refineFusedMultiplyAddBackend } from '../config/sweep-config';
import { runEnvironment } from '../sweep/environment';
import { ensureBackend } from '../sweep/execute-run';
import { threadsPerProcess } from '../sweep/run-sweep';
import { outputHead } from './head';
import { MODEL_CARD_FILE, MODEL_CARD_VERSION, writeModelCard, type InputSpec, type ModelCard } from './model-card';
import { BenchError, CommandOptionsError } from '../errors';
import { parseWithSchema } from '../tfseg-error';

/** A loss written as its name alone (`caml`) or as @tfseg/losses' spec (`{ name: additive, lambda: 0.3 }`). */
const lossInputSchema = z.preprocess((value) => (typeof value === 'string' ? { name: value } : value), lossSpecSchema);

/** Options of `tfseg-bench train` (flags or `--config FILE`, same fields). */
export const trainModelOptionsSchema = z
  .strictObject({
    /** A dataset name (`tfseg-bench datasets list`); `folder` for your own data with `root`. */
    dataset: z.string().refine((name) => listDatasets().includes(name), { message: `must be one of ${listDatasets().join(', ')}` }),
    /** The dataset's folder (required for `folder`). */
    root: z.string().min(1).optional(),
    model: modelNameSchema,
    preset: presetNameSchema.default('small'),
    baseWidth: modelOptionsSchema.shape.baseWidth,
    /** The loss: its name, or @tfseg/losses' full spec (`lambda`, `r`, and every option the losses accept). */
    loss: lossInputSchema,
    /** Side of the square model input (training patches and prediction tiles). */
    size: z.number().int().positive().default(256),
    /** Downscale of every image before patching (1 = native resolution). */
    scale: prepareFoldOptionsSchema.shape.scale,
    epochs: z.number().int().positive().default(20),
    /** Full batches per epoch (passes run into each other, or are cut: @tfseg/datasets' `stepsPerEpoch`); one pass over the training patches when omitted. */
    stepsPerEpoch: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().default(4),
    learningRate: z.number().positive().default(1e-3),
    /** Random training crops at native scale; default: the dataset's protocol. */
    trainPatches: prepareFoldOptionsSchema.shape.trainPatches,
    /** 0-based test fold of `folds`. */
    fold: splitFoldOptionsSchema.shape.fold.default(0),
    /** Folds of the cross-validation; default: the dataset's protocol (5). */
    folds: splitFoldOptionsSchema.shape.folds,
    /** Train on every group but the validation ones (no test part). */
    allData: z.boolean().default(false),
    seed: z.number().int().nonnegative().default(0),
    backend: backendNameSchema.default('auto'),
    threads: wasmThreadsSchema.default('auto'),
    /**
     * Train with fused multiply-adds (`--fma`; @tfseg/training's `fusedMultiplyAdd`): wasm only. Faster on
     * CPUs with FMA; the weights then differ from the default's in the last bits, and between machines.
     */
    fusedMultiplyAdd: selectBackendOptionsSchema.shape.fusedMultiplyAdd,
    /** Fraction of a tile shared with its neighbour when predicting images larger than `size`. */
    overlap: z.number().min(0).lt(1).default(0.5),
    /** The model directory to write. */
    out: z.string().min(1),
  })
  .refine((options) => options.folds === undefined || options.fold < options.folds, { message: 'must be less than folds', path: ['fold'] })
  .refine((options) => options.dataset !== FOLDER_DATASET_NAME || options.root !== undefined, { message: 'the folder dataset needs --root DIR (the folder holding dataset.yaml, images/ and masks/)', path: ['root'] })
  .superRefine((options, context) => refineFusedMultiplyAddBackend(context, options.fusedMultiplyAdd, options.backend, 'fusedMultiplyAdd', '--fma '));
/** Options of {@link trainModel} as written (defaults may be left out). */
export type TrainModelOptions = z.input<typeof trainModelOptionsSchema>;
type ParsedTrainModelOptions = z.output<typeof trainModelOptionsSchema>;

/** What {@link trainModel} reports while it runs. */
export interface TrainModelEvents {
  /** Events of @tfseg/training's `train` (steps, epochs, resumes). */
  onProgress?: (event: TrainingEvent) => void;
  /** One line of information (dataset, split sizes, where the model went). */
  log?: (line: string) => void;
}

const CHECKPOINT_FOLDER = 'checkpoint';
const SETTINGS_FILE = 'train-settings.json';

/** The unique sample ids of a patch set, in order of first appearance. */
function sampleIds(set: PatchSet | readonly PatchSource[]): string[] {
  return [...new Set('count' in set ? set.sourceIds : set.map((source) => source.id))];
}

/**
 * Refuses to mix two trainings in one folder: a finished model is never overwritten, and a checkpoint is
 * only resumed by the same settings (the file records them).
 */
function prepareOutput(out: string, settings: Record<string, unknown>): string {
  if (existsSync(join(out, MODEL_CARD_FILE))) {
    throw new BenchError(`${out} already holds a trained model (${MODEL_CARD_FILE}); remove it or choose another --out`);
  }
  const checkpoint = join(out, CHECKPOINT_FOLDER);
  const settingsFile = join(checkpoint, SETTINGS_FILE);
  const wanted = canonicalJson(settings);
  if (existsSync(settingsFile)) {
    const found = readFileSync(settingsFile, 'utf8').trim();
    if (found !== wanted) {
      throw new BenchError(`${checkpoint} was written by a train command with other settings (${settingsFile}); resume with the same flags, or remove the folder`);
    }
  } else {
    mkdirSync(checkpoint, { recursive: true });
    writeFileAtomic(settingsFile, `${wanted}\n`);
  }
  return checkpoint;
}

/** Version of this bench (tfseg), from its package.json. */
function tfsegVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(benchDirectory(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Trains one model as `options` say and writes `options.out`: `model.json`, `weights.bin`, `tfseg.json`.
 * Resumes from `out/checkpoint/` when the same command was interrupted. Returns the card it wrote.
 */
export async function trainModel(input: TrainModelOptions, events: TrainModelEvents = {}): Promise<ModelCard> {
  const options: ParsedTrainModelOptions = parseWithSchema(trainModelOptionsSchema, input, 'train', CommandOptionsError);
  const out = resolve(options.out);
  const log = events.log ?? (() => {});

  const folder = options.dataset === FOLDER_DATASET_NAME && options.root !== undefined ? folderDataset(options.root) : undefined;
  const descriptor = folder ?? getDataset(options.dataset, { root: options.root });
  // Checked before anything is written: a sigmoid loss on a multi-class dataset, wrong class weights.
  const head = outputHead(options.loss, descriptor.classNames, options.dataset, 'train');
  const contentHash = folder ? folderContentHash(folder.root) : undefined;
  const { out: _out, threads, backend: _backend, fusedMultiplyAdd, ...identity } = options;
  // The arithmetic is part of a checkpoint's settings only when fused (older checkpoints resume as before):
  // an exact training never resumes with fused multiply-adds, nor the other way round.
  const checkpointDir = prepareOutput(out, { ...identity, root: undefined, contentHash, ...(fusedMultiplyAdd === true ? { fusedMultiplyAdd } : {}) });

  const trainingDevice = await ensureBackend(options.backend, threadsPerProcess(threads, 1), fusedMultiplyAdd === true);
  const dataset = await descriptor.load(options.root === undefined ? {} : { root: options.root });
  const split = prepareFold(dataset, {
    fold: options.fold,
    ...(options.folds === undefined ? {} : { folds: options.folds }),
    // The protocol's split (PROTOCOL_SPLIT_SEED); the run seed drives initialisation and augmentation only.
    patchSize: options.size,
    scale: options.scale,
    ...(options.trainPatches === undefined ? {} : { trainPatches: options.trainPatches }),
  });
  // All data: the test part joins training (as tiles); the validation groups still choose the epoch.
  const trainSet = options.allData ? [...split.train, ...patchSources(split.test)] : split.train;
  const samplesPerEpoch = split.trainSampling.samplesPerEpoch + (options.allData ? split.test.count : 0);
  const split_ = { train: sampleIds(trainSet), validation: sampleIds(split.validation), test: options.allData ? [] : sampleIds(split.test) };
  log(`${descriptor.title}: ${dataset.samples.length} samples; ${split_.train.length} train / ${split_.validation.length} validation / ${split_.test.length} test (${samplesPerEpoch} training patches of ${options.size}² per epoch, cropped afresh)`);

  const modelOptions = modelOptionsSchema.parse({
    name: options.model,
    preset: options.preset,
    inChannels: dataset.inputChannels,
    numClasses: head.channels,
    output: head.output,
    inputSize: options.size,
    seed: options.seed,
    ...(options.baseWidth === undefined ? {} : { baseWidth: options.baseWidth }),
  });
  const model = buildModel(modelOptions);
  try {
    const batches = trainingBatches(trainSet, {
      batchSize: options.batchSize,
      seed: options.seed,
      flip: true,
      crop: split.trainSampling.crop,
      samplesPerEpoch,
      ...(options.stepsPerEpoch === undefined ? {} : { stepsPerEpoch: options.stepsPerEpoch }),
    });
    const result = await train({
      model,
      loss: options.loss,
      trainBatches: batches,
      ...(split.validation.count > 0 ? { validation: split.validation } : {}),
      numClasses: head.channels,
      classNames: head.channelNames,
      epochs: options.epochs,
      seed: options.seed,
      batchSize: options.batchSize,
      optimizer: { learningRate: options.learningRate },
      checkpointDir,
      ...(events.onProgress ? { onProgress: events.onProgress } : {}),
    });
    await saveModel(result.model, out);
    const validationMeanIoU = result.history.validationMeanIoU[result.bestEpoch];
    const input: InputSpec = {
      size: options.size,
      channels: dataset.inputChannels === 3 ? 3 : 1,
      scale: options.scale,
      mode: dataset.protocol.resizeTo === undefined ? 'sliding-window' : 'resize',
      ...(dataset.protocol.resizeTo === undefined ? {} : { resizeTo: dataset.protocol.resizeTo }),
      overlap: options.overlap,
      ...(folder?.config.window ? { window: folder.config.window } : {}),
      volumeWindow: folder?.config.window ?? [...COVID_HU_WINDOW],
    };
    const classValues = descriptor.classValues ?? split.classNames.map((_, index) => [index]);
    const card: ModelCard = {
      format: 'tfseg-model',
      version: MODEL_CARD_VERSION,
      classes: split.classNames.map((name, index) => ({ name, values: classValues[index] ?? [index] })),
      input,
      loss: options.loss,
      model: modelOptions,
      dataset: { name: options.dataset, title: descriptor.title, ...(contentHash === undefined ? {} : { contentHash }) },
      training: {
        epochs: options.epochs,
        ...(options.stepsPerEpoch === undefined ? {} : { stepsPerEpoch: options.stepsPerEpoch }),
        batchSize: options.batchSize,
        learningRate: options.learningRate,
        seed: options.seed,
        wallTimeMs: result.wallTimeMs,
      },
      curve: {
        trainLoss: result.history.trainLoss,
        validationMeanIoU: result.history.validationMeanIoU.map((iou) => (Number.isFinite(iou) ? iou : null)),
      },
      bestEpoch: result.bestEpoch,
      validationMeanIoU: validationMeanIoU !== undefined && Number.isFinite(validationMeanIoU) ? validationMeanIoU : null,
      split: { fold: options.allData ? null : options.fold, folds: options.folds ?? dataset.protocol.folds, seed: PROTOCOL_SPLIT_SEED, allData: options.allData, ...split_ },
      versions: { tfseg: tfsegVersion(), tfjs: tf.version.tfjs, node: process.version },
      device: runEnvironment(trainingDevice),
      createdAt: new Date().toISOString(),
    };
    writeModelCard(out, card);
    rmSync(checkpointDir, { recursive: true, force: true });
    return card;
  } finally {
    model.dispose();
  }
}
