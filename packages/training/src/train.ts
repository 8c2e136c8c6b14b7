import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { createLoss, lossSpecSchema } from '@tfseg/losses';
import { z } from 'zod';
import { adamOptionsSchema } from './adam';
import { readCheckpoint, writeCheckpoint, type TrainingCheckpoint } from './checkpoint';
import { NonFiniteLossError, TrainingAbortedError, TrainingError, optionsError } from './errors';
import { evaluate, type Evaluation } from './evaluate';
import { checkPatchSet, imagesTensor, oneHotLabelsTensor, patchSetSchema, type PatchSet } from './patch-set';
import { createTrainingStep, type LossFunction } from './training-step';

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** What `train` reports while it runs. Epochs and steps count from 0 (`epoch` is the `trainBatches` argument). */
export type TrainingEvent =
  | {
      type: 'step';
      epoch: number;
      /** Optimisation steps before this one, over all epochs. */
      step: number;
      stepInEpoch: number;
      loss: number;
      /** Training images per second over the epoch so far. */
      imagesPerSecond: number;
      /** Estimated time to the end of training; undefined until the number of steps per epoch is known. */
      etaMs: number | undefined;
    }
  | {
      type: 'epoch';
      epoch: number;
      /** Mean training loss of the epoch. */
      trainLoss: number;
      validationMeanIoU: number | undefined;
      /** True when this epoch has the best validation mIoU so far (its weights are kept). */
      isBest: boolean;
      elapsedMs: number;
      etaMs: number | undefined;
    }
  | { type: 'resumed'; epoch: number; step: number; checkpointDir: string }
  | { type: 'early-stopped'; epoch: number; bestEpoch: number };

/** Options of {@link train}; the defaults are the paper's (Adam, lr 1e-3, batch 4; section 4). */
export const trainOptionsSchema = z
  .object({
    /** The model to train in place (e.g. `buildModel` of @tfseg/models); its output must match the loss. */
    model: z.custom<LayersModel>((value) => typeof value === 'object' && value !== null && isFunction((value as LayersModel).apply) && isFunction((value as LayersModel).getWeights), 'must be a tf.LayersModel'),
    /** A loss spec of @tfseg/losses (`{ name: 'ml' }`, ...) or a ready loss function. */
    loss: z.union([lossSpecSchema, z.custom<LossFunction>(isFunction, 'must be a loss spec or a function')]),
    /** The training data of epoch `e` (seeded, shuffled and augmented by the caller); each set is split into batches of `batchSize`. */
    trainBatches: z.custom<(epoch: number) => Iterable<PatchSet>>(isFunction, 'must be a function (epoch) => Iterable<PatchSet>'),
    /** Scored every epoch (mIoU); the best epoch's weights are restored at the end. */
    validation: patchSetSchema.optional(),
    /** Scored once at the end with the restored best weights. */
    test: patchSetSchema.optional(),
    numClasses: z.number().int().min(2),
    classNames: z.array(z.string()).optional(),
    /** Number of epochs (give this or `steps`). */
    epochs: z.number().int().positive().optional(),
    /** Number of optimisation steps over all epochs (give this or `epochs`). */
    steps: z.number().int().positive().optional(),
    optimizer: adamOptionsSchema.prefault({}),
    batchSize: z.number().int().positive().default(4),
    /** Patches per forward pass when scoring validation and test sets. */
    evaluationBatchSize: z.number().int().positive().default(8),
    /** Recorded in checkpoints: a checkpoint of another seed is refused rather than silently mixed. */
    seed: z.number().int(),
    /** Stop when validation mIoU has not improved by more than `minDelta` for `patience` epochs. */
    earlyStopping: z.object({ patience: z.number().int().positive(), minDelta: z.number().nonnegative().default(0) }).optional(),
    /** Written after every epoch; a run started with a directory holding a checkpoint resumes from it. */
    checkpointDir: z.string().min(1).optional(),
    onProgress: z.custom<(event: TrainingEvent) => void>(isFunction, 'must be a function').optional(),
    signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal, 'must be an AbortSignal').optional(),
  })
  .refine((options) => (options.epochs === undefined) !== (options.steps === undefined), { message: 'give exactly one of epochs and steps', path: ['epochs'] })
  .refine((options) => options.earlyStopping === undefined || options.validation !== undefined, { message: 'needs a validation set', path: ['earlyStopping'] });
/** Options of {@link train} (see {@link trainOptionsSchema}). */
export type TrainOptions = z.input<typeof trainOptionsSchema>;

/** The outcome of {@link train}. */
export interface TrainResult {
  history: { trainLoss: number[]; validationMeanIoU: number[] };
  /** Epoch whose weights the model holds now: best validation mIoU, or the last epoch without validation. */
  bestEpoch: number;
  /** Scores on the test set with the restored weights. */
  test: Evaluation | undefined;
  /** The trained model (the same object that was passed in). */
  model: LayersModel;
  /** Training time in milliseconds, including earlier runs this one resumed. */
  wallTimeMs: number;
  /** Largest resident set size seen during this run. */
  peakRssBytes: number;
}

type ParsedTrainOptions = z.output<typeof trainOptionsSchema>;

async function readWeights(model: LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (weight) => Float32Array.from(await weight.data())));
}

function writeWeights(model: LayersModel, values: readonly Float32Array[]): void {
  const current = model.getWeights();
  if (values.length !== current.length) throw new TrainingError(`Error in train: checkpoint holds ${values.length} weights, but the model has ${current.length}`);
  const tensors = current.map((weight, index) => {
    const value = values[index] as Float32Array;
    if (value.length !== weight.size) throw new TrainingError(`Error in train: checkpoint weight ${index} has ${value.length} values, but model weight of shape [${weight.shape.join(',')}] has ${weight.size}`);
    return tf.tensor(value, weight.shape, weight.dtype);
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
}

function freshState(options: ParsedTrainOptions, weightShapes: number[][]): Omit<TrainingCheckpoint, 'weights' | 'optimizer'> {
  return {
    seed: options.seed,
    completedEpochs: 0,
    globalStep: 0,
    history: { trainLoss: [], validationMeanIoU: [] },
    bestEpoch: -1,
    bestValidationMeanIoU: -1,
    epochsWithoutImprovement: 0,
    elapsedMs: 0,
    weightShapes,
    bestWeights: undefined,
  };
}

function sameShapes(a: number[][], b: number[][]): boolean {
  return a.length === b.length && a.every((shape, index) => shape.join(',') === b[index]?.join(','));
}

/**
 * Trains `model` with Adam on `trainBatches`, scoring validation mIoU every epoch, keeping and finally
 * restoring the best epoch's weights, then scoring the test set — what Keras' `fit` with
 * EarlyStopping(restore_best_weights) and ModelCheckpoint would do, plus resumable checkpoints.
 * Deterministic: the loop itself draws no random numbers, so a seeded model and seeded data give the same
 * result twice, and a resumed run gives the result of an uninterrupted one.
 * Throws {@link NonFiniteLossError} when a step's loss is NaN or infinite (before applying that step).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const parsed = trainOptionsSchema.safeParse(options);
  if (!parsed.success) throw optionsError('train', parsed.error);
  const settings = parsed.data;
  const { model, numClasses, batchSize, checkpointDir, signal } = settings;
  if (settings.validation) checkPatchSet(settings.validation, numClasses, 'train', 'validation');
  if (settings.test) checkPatchSet(settings.test, numClasses, 'train', 'test');
  if (!tf.getGradient('Conv2D')) {
    throw new TrainingError("Error in train: no gradient functions are registered; import '@tensorflow/tfjs' (or @tensorflow/tfjs-node) once in your program, @tensorflow/tfjs-core alone cannot train");
  }
  // The loop checks label ranges and the loss' finiteness itself, so the loss' own per-call value check
  // (one extra GPU/WASM read per step) is off unless the spec asks for it.
  const loss: LossFunction = typeof settings.loss === 'function' ? (settings.loss as LossFunction) : createLoss({ ...settings.loss, validateInputs: settings.loss.validateInputs ?? false });
  const emit = (event: TrainingEvent): void => settings.onProgress?.(event);
  const weightShapes = model.getWeights().map((weight) => [...weight.shape]);
  const step = createTrainingStep(model, loss, settings.optimizer);
  const startTime = Date.now();
  let peakRssBytes = process.memoryUsage.rss();

  try {
    let state = freshState(settings, weightShapes);
    const checkpoint = checkpointDir ? await readCheckpoint(checkpointDir) : undefined;
    if (checkpoint && checkpointDir) {
      if (checkpoint.seed !== settings.seed) throw new TrainingError(`Error in train: checkpoint in ${checkpointDir} was written with seed ${checkpoint.seed}, but seed is ${settings.seed}; use another checkpointDir or the same seed`);
      if (!sameShapes(checkpoint.weightShapes, weightShapes)) throw new TrainingError(`Error in train: checkpoint in ${checkpointDir} belongs to a model with other weight shapes`);
      writeWeights(model, checkpoint.weights);
      step.optimizer.setState(checkpoint.optimizer);
      state = checkpoint;
      emit({ type: 'resumed', epoch: state.completedEpochs, step: state.globalStep, checkpointDir });
    }
    const evaluationOptions = { batchSize: settings.evaluationBatchSize, ...(settings.classNames ? { classNames: settings.classNames } : {}) };
    let stepsPerEpoch: number | undefined;
    let stopEarly = false;

    for (let epoch = state.completedEpochs; !stopEarly; epoch++) {
      if (settings.epochs !== undefined && epoch >= settings.epochs) break;
      if (settings.steps !== undefined && state.globalStep >= settings.steps) break;
      const epochStart = Date.now();
      let lossSum = 0;
      let stepInEpoch = 0;
      let images = 0;
      const totalSteps = (): number | undefined => settings.steps ?? (stepsPerEpoch === undefined ? undefined : stepsPerEpoch * (settings.epochs as number));
      const eta = (): number | undefined => {
        const total = totalSteps();
        return total === undefined || stepInEpoch === 0 ? undefined : ((Date.now() - epochStart) / stepInEpoch) * (total - state.globalStep);
      };

      const sets = settings.trainBatches(epoch);
      // An array tells the steps per epoch up front, so the ETA is known from the first step.
      if (Array.isArray(sets)) stepsPerEpoch ??= sets.reduce((sum: number, set: PatchSet) => sum + Math.ceil(set.count / batchSize), 0);
      batches: for (const set of sets) {
        checkPatchSet(set, numClasses, 'train', `trainBatches(${epoch})`);
        for (let start = 0; start < set.count; start += batchSize) {
          if (signal?.aborted) throw new TrainingAbortedError(epoch);
          if (settings.steps !== undefined && state.globalStep >= settings.steps) break batches;
          const end = Math.min(set.count, start + batchSize);
          const x = imagesTensor(set, start, end);
          const y = oneHotLabelsTensor(set, start, end, numClasses);
          const lossValue = await step.run(x, y).finally(() => tf.dispose([x, y]));
          if (!Number.isFinite(lossValue)) throw new NonFiniteLossError(epoch, state.globalStep, lossValue);
          lossSum += lossValue;
          stepInEpoch += 1;
          images += end - start;
          state.globalStep += 1;
          peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
          emit({ type: 'step', epoch, step: state.globalStep - 1, stepInEpoch: stepInEpoch - 1, loss: lossValue, imagesPerSecond: (images * 1000) / Math.max(1, Date.now() - epochStart), etaMs: eta() });
        }
      }
      if (stepInEpoch === 0) throw new TrainingError(`Error in train: trainBatches(${epoch}) yielded no patches`);
      stepsPerEpoch ??= stepInEpoch;

      state.history.trainLoss.push(lossSum / stepInEpoch);
      let validationMeanIoU: number | undefined;
      let isBest = false;
      if (settings.validation) {
        validationMeanIoU = evaluate(model, settings.validation, numClasses, evaluationOptions).meanIoU;
        state.history.validationMeanIoU.push(validationMeanIoU);
        isBest = validationMeanIoU > state.bestValidationMeanIoU;
        const improved = validationMeanIoU > state.bestValidationMeanIoU + (settings.earlyStopping?.minDelta ?? 0);
        state.epochsWithoutImprovement = improved ? 0 : state.epochsWithoutImprovement + 1;
        if (isBest) {
          state.bestValidationMeanIoU = validationMeanIoU;
          state.bestEpoch = epoch;
          state.bestWeights = await readWeights(model);
        }
        stopEarly = settings.earlyStopping !== undefined && state.epochsWithoutImprovement >= settings.earlyStopping.patience;
      } else {
        state.bestEpoch = epoch;
      }
      state.completedEpochs = epoch + 1;
      const elapsedMs = state.elapsedMs + (Date.now() - startTime);
      if (checkpointDir) {
        await writeCheckpoint(checkpointDir, { ...state, elapsedMs, weights: await readWeights(model), optimizer: await step.optimizer.getState() });
      }
      emit({ type: 'epoch', epoch, trainLoss: lossSum / stepInEpoch, validationMeanIoU, isBest, elapsedMs, etaMs: eta() });
      if (stopEarly) emit({ type: 'early-stopped', epoch, bestEpoch: state.bestEpoch });
    }

    if (state.bestWeights) writeWeights(model, state.bestWeights);
    const test = settings.test ? evaluate(model, settings.test, numClasses, evaluationOptions) : undefined;
    return {
      history: state.history,
      bestEpoch: state.bestEpoch,
      test,
      model,
      wallTimeMs: state.elapsedMs + (Date.now() - startTime),
      peakRssBytes,
    };
  } finally {
    step.dispose();
  }
}
