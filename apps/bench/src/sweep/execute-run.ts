/**
 * One run, start to finish, in the current process: select the backend, load and split the dataset,
 * build the model and the loss, train, evaluate on the test fold, save a few qualitative samples, and
 * return the record. A run that throws becomes a `failed` record; it never stops the sweep.
 */
import { join } from 'node:path';
import { getDataset, prepareFold, trainingBatches, type LoadedDataset, type PreparedFold } from '@tfseg/datasets';
import { parseLossSpec } from '@tfseg/losses';
import { buildModel } from '@tfseg/models';
import { outputHead, type OutputHead } from '../model/head';
import { tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { FileWriteError, resolveLoss, selectBackend, train, writeFileAtomic, type ImageSet, type TrainingDevice, type TrainingEvent } from '@tfseg/training';
import { RECORD_VERSION, type RunConfig, type RunRecord, type RunSamples } from '../results/record';
import { BenchError } from '../errors';
import { runEnvironment } from './environment';
import { injectLossFault } from './fault-injection';
import type { PlannedRun } from './plan';

/** What a run reports while it trains (drives the progress bar). */
export interface RunProgress {
  /** Epochs finished so far (0 while the first one trains). */
  epoch: number;
  epochs: number;
  /** Latest training loss, when known. */
  loss?: number;
}

/** Where a run writes its side files and whom it tells about progress. */
export interface ExecuteRunOptions {
  /** Folder of the results file; `samplesFile` paths are relative to it. */
  resultsDirectory: string;
  /** Sub-folder (relative to `resultsDirectory`) for the per-run sample files. */
  samplesFolder: string;
  /** Test patches to save for qualitative overlays; 0 saves none. */
  samplesPerRun: number;
  /** Threads of the wasm backend in this process (fixed by the first run). Default 1. */
  threads?: number;
  onProgress?: (progress: RunProgress) => void;
  /**
   * Told when a side file could not be written (a full disk while saving samples): the run stays `ok`
   * without samples, and the sweep ends with exit code 3 naming the file.
   */
  onWriteFailure?: (error: FileWriteError) => void;
}

const datasets = new Map<string, Promise<LoadedDataset>>();
let activeBackend: { name: string; fusedMultiplyAdd: boolean; device: TrainingDevice } | undefined;

/** Loads a dataset once per process (every run of a sweep reuses it). Throws if its folder is missing. */
export function loadDataset(name: string, root?: string): Promise<LoadedDataset> {
  const key = `${name}\0${root ?? ''}`;
  const cached = datasets.get(key);
  if (cached) return cached;
  const loading = getDataset(name, { root }).load(root === undefined ? {} : { root });
  datasets.set(key, loading);
  // A failed load is not cached: the next run (or a rerun after fixing the folder) tries again.
  loading.catch(() => datasets.delete(key));
  return loading;
}

/**
 * Activates the run's backend once per process (wasm with `threads` threads, with fused multiply-adds when
 * `fusedMultiplyAdd`) and returns the device it trains on; throws when it cannot be loaded
 * (`tensorflow-gpu` without a usable GPU included). The arithmetic is fixed for the process, as tfseg's wasm
 * kernels are: a process serves one sweep, so asking for the other setting later is a BenchError.
 */
export async function ensureBackend(name: string, threads = 1, fusedMultiplyAdd = false): Promise<TrainingDevice> {
  if (activeBackend?.name === name) {
    if (activeBackend.fusedMultiplyAdd !== fusedMultiplyAdd) {
      const arithmetic = (fused: boolean): string => (fused ? 'fused multiply-adds (fusedMultiplyAdd: true)' : 'exact, unfused multiply-adds');
      throw new BenchError(
        `this process already trains on ${name} with ${arithmetic(activeBackend.fusedMultiplyAdd)}, but a run asks for ${arithmetic(fusedMultiplyAdd)}: ` +
          'the arithmetic is fixed once per process, so run FMA and exact runs as separate sweeps',
      );
    }
    return activeBackend.device;
  }
  const { device } = await selectBackend(name, { threads, fusedMultiplyAdd });
  activeBackend = { name, fusedMultiplyAdd, device };
  return device;
}

/** {@link ensureBackend} for a run: its backend and arithmetic come from its config, in every process. */
export function ensureRunBackend(config: RunConfig, threads?: number): Promise<TrainingDevice> {
  return ensureBackend(config.backend, threads, config.fusedMultiplyAdd === true);
}

/**
 * Does now what `run`'s execution would do first, and caches: activates the backend, loads the dataset
 * and resizes its images for the run's fold. A worker process calls it while it waits for its first run.
 */
export async function warmUpRun(run: PlannedRun, threads: number): Promise<void> {
  await ensureRunBackend(run.config, threads);
  runFold(run.config, await loadDataset(run.config.dataset, run.datasetRoot));
}

/** Executes one planned run and returns its record (`ok` or `failed`); never throws for a failing run. */
export async function executeRun(run: PlannedRun, options: ExecuteRunOptions): Promise<RunRecord> {
  const started = new Date();
  let classNames: string[] = [];
  let device: TrainingDevice | undefined;
  const finish = (outcome: Pick<RunRecord, 'status' | 'classIoU' | 'meanIoU' | 'validationMeanIoU' | 'curves' | 'samplesFile' | 'error'>): RunRecord => {
    const finished = new Date();
    return {
      version: RECORD_VERSION,
      id: run.id,
      config: run.config,
      environment: runEnvironment(device),
      classNames,
      ...outcome,
      wallTimeMs: finished.getTime() - started.getTime(),
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
    };
  };
  try {
    device = await ensureRunBackend(run.config, options.threads);
    const result = await trainAndTest(run, options, (names) => (classNames = names));
    return finish({ status: 'ok', ...result });
  } catch (error) {
    return finish({ status: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

async function trainAndTest(
  run: PlannedRun,
  options: ExecuteRunOptions,
  reportClassNames: (names: string[]) => void,
): Promise<Pick<RunRecord, 'classIoU' | 'meanIoU' | 'validationMeanIoU' | 'curves' | 'samplesFile'>> {
  const { config } = run;
  const dataset = await loadDataset(config.dataset, run.datasetRoot);
  const split = runFold(config, dataset);
  const head = runHead(config, split.classNames);
  reportClassNames(head.channelNames);
  const model = initialModel(config, split);
  const result = await train({
    model,
    // The record names the loss by its name and swept parameters; the losses package parses it into its spec.
    loss: resolveLoss(parseLossSpec(config.loss, 'tfseg-bench run'), { wrap: (loss) => injectLossFault(loss, config.loss.name) }),
    // The loss is a (wrapped) function, so train is told the head it reads.
    activation: head.output,
    trainBatches: runBatches(config, split),
    validation: split.validation,
    test: split.test,
    numClasses: head.channels,
    classNames: head.channelNames,
    epochs: config.epochs,
    seed: config.seed,
    batchSize: config.batchSize,
    optimizer: { learningRate: config.learningRate, ...(config.adamEpsilon === undefined ? {} : { epsilon: config.adamEpsilon }) },
    onProgress: (event: TrainingEvent) => {
      if (event.type !== 'step' && event.type !== 'epoch') return;
      const loss = event.type === 'step' ? event.loss : event.trainLoss;
      options.onProgress?.({ epoch: event.epoch + (event.type === 'epoch' ? 1 : 0), epochs: config.epochs, loss });
    },
  });
  if (!result.test) throw new Error('training returned no test scores');
  // A trained run keeps its scores even when its samples cannot be saved (a full disk): the caller is
  // told, and the record simply has no samples.
  let samplesFile: string | undefined;
  try {
    samplesFile = saveSamples(run, split.test, result.testPrediction, split.classNames, options);
  } catch (error) {
    if (!(error instanceof FileWriteError) || !options.onWriteFailure) throw error;
    options.onWriteFailure(error);
  }
  return {
    classIoU: result.test.classIoU.map(finiteOrNull),
    meanIoU: result.test.meanIoU,
    validationMeanIoU: finiteOrNull(result.history.validationMeanIoU[result.bestEpoch]),
    curves: {
      trainLoss: result.history.trainLoss,
      validationMeanIoU: result.history.validationMeanIoU.map(finiteOrNull),
      bestEpoch: result.bestEpoch,
    },
    ...(samplesFile === undefined ? {} : { samplesFile }),
  };
}

/**
 * The run's fold: the protocol's split (fixed by `splitSeed`, the same for every seed of a setting) at
 * the run's fraction, prepared at `imageSize`.
 */
export function runFold(config: RunConfig, dataset: LoadedDataset): PreparedFold {
  return prepareFold(dataset, {
    fold: config.fold,
    folds: config.folds,
    splitSeed: config.splitSeed,
    fraction: config.fraction,
    patchSize: config.imageSize,
    // Validated by the sweep config's `data` schema (dataProtocolSchema).
    ...config.data,
  });
}

/**
 * The run's model head: softmax over the dataset's classes, or one sigmoid channel (the foreground) for a
 * binary dataset when the loss says `activation: 'sigmoid'`; the record then holds that channel's IoU.
 */
export function runHead(config: RunConfig, classNames: readonly string[]): OutputHead {
  return outputHead(parseLossSpec(config.loss, 'tfseg-bench run'), classNames, config.dataset, 'run', { flags: false });
}

/**
 * The model of this process' latest run and the values its weights were initialised with: the next run of
 * the same network and seed (every run of the main job: only the loss, fold and fraction change) starts
 * from those values instead of building the model and drawing its initial weights again (~0.15 s a run).
 */
let latestModel: { key: string; model: LayersModel; initial: Float32Array[] } | undefined;

/**
 * {@link runModel}'s model with its initial weights: the latest run's model reset to the values it was
 * built with when the network and seed are the same (the same bits as a fresh build: the initialisers are
 * seeded, and batch norm's moving statistics are weights too), else a fresh build that replaces it.
 */
export function initialModel(config: RunConfig, split: PreparedFold): LayersModel {
  const options = modelOptions(config, split);
  const key = JSON.stringify([config.backend, options]);
  if (latestModel?.key === key) {
    const { model, initial } = latestModel;
    const values = model.getWeights().map((weight, index) => tensor(initial[index] as Float32Array, weight.shape, weight.dtype));
    model.setWeights(values);
    for (const value of values) value.dispose();
    return model;
  }
  latestModel?.model.dispose();
  latestModel = undefined;
  const model = buildModel(options);
  latestModel = { key, model, initial: model.getWeights().map((weight) => Float32Array.from(weight.dataSync() as Float32Array)) };
  return model;
}

/** The run's model, initialised from the run's seed. */
export function runModel(config: RunConfig, split: PreparedFold): LayersModel {
  return buildModel(modelOptions(config, split));
}

/** {@link buildModel}'s options for the run's network. */
function modelOptions(config: RunConfig, split: PreparedFold): Parameters<typeof buildModel>[0] {
  const head = runHead(config, split.classNames);
  return {
    // The sweep config validated these names; buildModel checks them again.
    name: config.model,
    preset: config.modelPreset,
    inChannels: split.test.channels,
    numClasses: head.channels,
    output: head.output,
    inputSize: config.imageSize,
    seed: config.seed,
    ...(config.baseWidth === undefined ? {} : { baseWidth: config.baseWidth }),
    ...(config.batchNorm === undefined ? {} : { batchNorm: config.batchNorm }),
    ...(config.init === undefined ? {} : { init: config.init }),
  };
}

/**
 * The run's training batches: every epoch a fresh shuffle, crops and flips from the run's seed; with
 * `stepsPerEpoch`, exactly that many full batches (passes run into each other), so every training
 * fraction gets as many steps of as many patches.
 */
export function runBatches(config: RunConfig, split: PreparedFold): (epoch: number) => Iterable<PreparedFold['test']> {
  return trainingBatches(split.train, {
    batchSize: config.batchSize,
    seed: config.seed,
    flip: true,
    ...split.trainSampling,
    ...(config.stepsPerEpoch === undefined ? {} : { stepsPerEpoch: config.stepsPerEpoch }),
  });
}

type PatchSet = ImageSet & { labels: Uint8Array };

/**
 * Saves the first few test patches (image, truth, prediction) as the run's samples file. `prediction` is
 * the test set's label map that training scored (a binary sigmoid head predicts the 0/1 foreground mask:
 * the dataset's class indices, as the truth), so the samples show what the scores counted.
 */
function saveSamples(run: PlannedRun, test: PatchSet, prediction: Uint8Array | undefined, classNames: string[], options: ExecuteRunOptions): string | undefined {
  const count = Math.min(options.samplesPerRun, test.count);
  if (count === 0) return undefined;
  const { height, width, channels } = test;
  const pixels = height * width;
  if (prediction === undefined || prediction.length < count * pixels) throw new Error(`training returned ${prediction?.length ?? 'no'} predicted test labels, fewer than the ${count * pixels} of ${count} sample(s)`);
  const images = test.images.subarray(0, count * pixels * channels);
  const samples: RunSamples = {
    height,
    width,
    channels,
    classNames,
    samples: Array.from({ length: count }, (_, index) => ({
      image: toBase64(quantize(images.subarray(index * pixels * channels, (index + 1) * pixels * channels))),
      truth: toBase64(test.labels.subarray(index * pixels, (index + 1) * pixels)),
      prediction: toBase64(prediction.subarray(index * pixels, (index + 1) * pixels)),
    })),
  };
  const relative = join(options.samplesFolder, `${run.id}.json`);
  writeFileAtomic(join(options.resultsDirectory, relative), JSON.stringify(samples));
  return relative;
}

/** NaN (a class absent everywhere) and missing values are stored as null. */
function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** Min-max stretches one image to 0..255 (the patches may be normalised to any range). */
function quantize(values: Float32Array): Uint8Array {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  const range = high - low || 1;
  return Uint8Array.from(values, (value) => Math.round(((value - low) / range) * 255));
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
