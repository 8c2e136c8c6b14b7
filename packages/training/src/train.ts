import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { adamOptionsSchema } from './adam';
import { configurationDifference, readCheckpoint, writeCheckpoint, type TrainingCheckpoint, type TrainingConfiguration } from './checkpoint';
import { NonFiniteLossError, TrainingAbortedError, TrainingError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { evaluate, evaluateWithPrediction, type EvaluateOptions, type Evaluation } from './evaluate';
import { activationSchema, checkPatchSet, labelFormat, lossLabelsTensor, type Activation, type LabelFormat } from './label-format';
import { imagesTensor, patchSetSchema, type PatchSet } from './patch-set';
import type { LossFunction } from '@tfseg/losses';
import { resolveLoss, trainingLossSchema } from './resolve-loss';
import { createTrainingStep, type TrainingStep } from './training-step';

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
    /**
     * A loss spec of @tfseg/losses (`{ name: 'ml' }`, `{ name: 'caml', activation: 'sigmoid' }`, ...) or
     * a ready loss function. The spec's `activation` decides the labels the loss gets and how validation
     * and test are scored (softmax: argmax; sigmoid: each channel > 0.5).
     */
    loss: trainingLossSchema,
    /**
     * The head a loss given as a function expects (a spec says it itself; giving both, they must agree).
     * Default `'softmax'`.
     */
    activation: activationSchema.optional(),
    /** The training data of epoch `e` (seeded, shuffled and augmented by the caller); each set is split into batches of `batchSize`. */
    trainBatches: z.custom<(epoch: number) => Iterable<PatchSet>>(isFunction, 'must be a function (epoch) => Iterable<PatchSet>'),
    /** Scored every epoch (mIoU); the best epoch's weights are restored at the end. */
    validation: patchSetSchema.optional(),
    /** Scored once at the end with the restored best weights. */
    test: patchSetSchema.optional(),
    /**
     * The model's output channels C: classes for softmax (≥ 2, labels are class indices), independent
     * masks for sigmoid (≥ 1; C = 1 is binary and the labels are the 0/1 foreground mask; C > 1 is
     * multi-label and the patch sets hold multi-hot labels with `labelChannels: C`).
     */
    numClasses: z.number().int().min(1),
    /** One display name per class (softmax) or channel (sigmoid). */
    classNames: z.array(z.string()).optional(),
    /** Number of epochs (give this or `steps`). */
    epochs: z.number().int().positive().optional(),
    /** Number of optimisation steps over all epochs (give this or `epochs`). */
    steps: z.number().int().positive().optional(),
    optimizer: adamOptionsSchema.prefault({}),
    batchSize: z.number().int().positive().default(4),
    /**
     * Patches per forward pass when scoring validation and test sets (does not change the scores). Default:
     * as many as make 2¹⁹ pixels, at most 32 (8 patches of 256², 32 of 64²): larger passes spread the
     * per-kernel cost, and memory stays that of 8 patches of 256².
     */
    evaluationBatchSize: z.number().int().positive().optional(),
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
  .refine((options) => options.earlyStopping === undefined || options.validation !== undefined, { message: 'needs a validation set', path: ['earlyStopping'] })
  .refine((options) => typeof options.loss === 'function' || options.activation === undefined || options.activation === (options.loss.activation ?? 'softmax'), {
    message: "must match loss.activation (or leave it out: a loss spec names its own activation)",
    path: ['activation'],
  })
  .refine((options) => options.classNames === undefined || options.classNames.length === options.numClasses, { message: 'must have one name per class (channel): numClasses entries', path: ['classNames'] });
/** Options of {@link train} (see {@link trainOptionsSchema}). */
export type TrainOptions = z.input<typeof trainOptionsSchema>;

/** The outcome of {@link train}. */
export interface TrainResult {
  history: { trainLoss: number[]; validationMeanIoU: number[] };
  /** Epoch whose weights the model holds now: best validation mIoU, or the last epoch without validation. */
  bestEpoch: number;
  /** Scores on the test set with the restored weights. */
  test: Evaluation | undefined;
  /**
   * The label map those scores were computed from: {@link predict}'s output for the test set with the
   * restored weights (class indices, or 0/1 per channel with a sigmoid head); undefined without a test set.
   */
  testPrediction: Uint8Array | undefined;
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

function sameShapes(a: number[][], b: number[][]): boolean {
  return a.length === b.length && a.every((shape, index) => shape.join(',') === b[index]?.join(','));
}

/**
 * Resolves after the event loop has had a turn: a step's `await` resolves as a microtask, which would let
 * a long training starve signal handlers, IPC and timers. Costs microseconds per step.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

type State = Omit<TrainingCheckpoint, 'weights' | 'optimizer'>;

/**
 * The settings that shape the weights, stored in checkpoints and compared on resume. A loss given as a
 * function is known only by its name (its code cannot be compared).
 */
function trainingConfiguration(settings: ParsedTrainOptions): TrainingConfiguration {
  const sigmoid = settings.activation === 'sigmoid' ? ' (sigmoid)' : '';
  const loss = typeof settings.loss === 'function' ? `function ${(settings.loss as LossFunction).name || '(anonymous)'}${sigmoid}` : settings.loss;
  return { loss, optimizer: settings.optimizer, batchSize: settings.batchSize, numClasses: settings.numClasses, earlyStopping: settings.earlyStopping ?? null };
}

/** One call of {@link train}: its settings, the mutable run state, and one method per phase. */
class TrainingRun {
  private readonly model: LayersModel;
  private readonly step: TrainingStep;
  private readonly weightShapes: number[][];
  private readonly evaluationOptions: { batchSize?: number; activation: Activation; classNames?: string[]; ignoreIndex?: number };
  private readonly startTime = Date.now();
  private state: State;
  private stepsPerEpoch: number | undefined;
  private peakRssBytes = process.memoryUsage.rss();

  constructor(
    private readonly settings: ParsedTrainOptions,
    loss: LossFunction,
    private readonly labels: LabelFormat,
    activation: Activation,
  ) {
    this.model = settings.model;
    this.step = createTrainingStep(this.model, loss, settings.optimizer);
    this.weightShapes = this.model.getWeights().map((weight) => [...weight.shape]);
    const ignoreIndex = labels.kind === 'multi-hot' ? undefined : labels.ignoreIndex;
    this.evaluationOptions = {
      ...(settings.evaluationBatchSize === undefined ? {} : { batchSize: settings.evaluationBatchSize }),
      activation,
      ...(settings.classNames ? { classNames: settings.classNames } : {}),
      ...(ignoreIndex === undefined ? {} : { ignoreIndex }),
    };
    this.state = {
      seed: settings.seed,
      configuration: trainingConfiguration(settings),
      completedEpochs: 0,
      globalStep: 0,
      history: { trainLoss: [], validationMeanIoU: [] },
      bestEpoch: -1,
      bestValidationMeanIoU: -1,
      epochsWithoutImprovement: 0,
      elapsedMs: 0,
      weightShapes: this.weightShapes,
      bestWeights: undefined,
    };
  }

  private emit(event: TrainingEvent): void {
    this.settings.onProgress?.(event);
  }

  /** Loads the checkpoint in `checkpointDir`, if any: weights, Adam state, history and counters. */
  async resume(): Promise<void> {
    const directory = this.settings.checkpointDir;
    const checkpoint = directory ? await readCheckpoint(directory) : undefined;
    if (!checkpoint || !directory) return;
    if (checkpoint.seed !== this.settings.seed) throw new TrainingError(`Error in train: checkpoint in ${directory} was written with seed ${checkpoint.seed}, but seed is ${this.settings.seed}; use another checkpointDir or the same seed`);
    if (!sameShapes(checkpoint.weightShapes, this.weightShapes)) throw new TrainingError(`Error in train: checkpoint in ${directory} belongs to a model with other weight shapes`);
    const difference = configurationDifference(checkpoint.configuration, this.state.configuration);
    if (difference !== undefined) throw new TrainingError(`Error in train: checkpoint in ${directory} was written by a run with other settings (${difference}); use another checkpointDir or the same settings`);
    writeWeights(this.model, checkpoint.weights);
    this.step.optimizer.setState(checkpoint.optimizer);
    const { weights: _weights, optimizer: _optimizer, ...state } = checkpoint;
    this.state = state;
    this.emit({ type: 'resumed', epoch: state.completedEpochs, step: state.globalStep, checkpointDir: directory });
  }

  private finished(epoch: number): boolean {
    const { epochs, steps } = this.settings;
    return (epochs !== undefined && epoch >= epochs) || (steps !== undefined && this.state.globalStep >= steps);
  }

  /** Estimated time left, from the mean step time so far; undefined while the total is unknown. */
  private eta(msPerStep: number): number | undefined {
    const { epochs, steps } = this.settings;
    const total = steps ?? (this.stepsPerEpoch === undefined ? undefined : this.stepsPerEpoch * (epochs as number));
    return total === undefined ? undefined : msPerStep * (total - this.state.globalStep);
  }

  /** Runs the optimisation steps of one epoch; returns the mean loss and the steps' mean time. */
  private async trainEpoch(epoch: number): Promise<{ meanLoss: number; msPerStep: number }> {
    const { settings, state } = this;
    const { batchSize, signal } = settings;
    const epochStart = Date.now();
    let lossSum = 0;
    let stepInEpoch = 0;
    let images = 0;
    const sets = settings.trainBatches(epoch);
    // An array tells the steps per epoch up front, so the ETA is known from the first step.
    if (Array.isArray(sets)) this.stepsPerEpoch ??= sets.reduce((sum: number, set: PatchSet) => sum + Math.ceil(set.count / batchSize), 0);
    batches: for (const set of sets) {
      checkPatchSet(set, this.labels, 'train', `trainBatches(${epoch})`);
      for (let start = 0; start < set.count; start += batchSize) {
        if (signal?.aborted) throw new TrainingAbortedError(epoch);
        if (this.finished(epoch)) break batches;
        const end = Math.min(set.count, start + batchSize);
        const x = imagesTensor(set, start, end);
        const y = lossLabelsTensor(set, start, end, this.labels);
        const loss = await this.step.run(x, y).finally(() => tf.dispose([x, y]));
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(epoch, state.globalStep, loss);
        lossSum += loss;
        stepInEpoch += 1;
        images += end - start;
        state.globalStep += 1;
        this.peakRssBytes = Math.max(this.peakRssBytes, process.memoryUsage.rss());
        const elapsed = Math.max(1, Date.now() - epochStart);
        this.emit({ type: 'step', epoch, step: state.globalStep - 1, stepInEpoch: stepInEpoch - 1, loss, imagesPerSecond: (images * 1000) / elapsed, etaMs: this.eta(elapsed / stepInEpoch) });
        // Let timers, I/O and signal handlers run (Ctrl-C while training in the only process).
        await yieldToEventLoop();
      }
    }
    if (stepInEpoch === 0) throw new TrainingError(`Error in train: trainBatches(${epoch}) yielded no patches`);
    this.stepsPerEpoch ??= stepInEpoch;
    return { meanLoss: lossSum / stepInEpoch, msPerStep: (Date.now() - epochStart) / stepInEpoch };
  }

  /** The evaluation options for `set`: the given batch size, or one of 2¹⁹ pixels (at most 32 patches). */
  private evaluationOptionsFor(set: PatchSet): EvaluateOptions {
    return { batchSize: defaultEvaluationBatchSize(set), ...this.evaluationOptions };
  }

  /** Scores validation, keeps the best weights, updates the early-stopping count; true when it says stop. */
  private async validate(epoch: number): Promise<{ validationMeanIoU: number | undefined; isBest: boolean; stop: boolean }> {
    const { settings, state } = this;
    if (!settings.validation) {
      state.bestEpoch = epoch;
      return { validationMeanIoU: undefined, isBest: false, stop: false };
    }
    const validationMeanIoU = evaluate(this.model, settings.validation, settings.numClasses, this.evaluationOptionsFor(settings.validation)).meanIoU;
    state.history.validationMeanIoU.push(validationMeanIoU);
    const isBest = validationMeanIoU > state.bestValidationMeanIoU;
    const improved = validationMeanIoU > state.bestValidationMeanIoU + (settings.earlyStopping?.minDelta ?? 0);
    state.epochsWithoutImprovement = improved ? 0 : state.epochsWithoutImprovement + 1;
    if (isBest) {
      state.bestValidationMeanIoU = validationMeanIoU;
      state.bestEpoch = epoch;
      state.bestWeights = await readWeights(this.model);
    }
    const stop = settings.earlyStopping !== undefined && state.epochsWithoutImprovement >= settings.earlyStopping.patience;
    return { validationMeanIoU, isBest, stop };
  }

  /** Trains epoch after epoch until `epochs`/`steps` or early stopping, checkpointing after each. */
  async run(): Promise<void> {
    const { state } = this;
    for (let epoch = state.completedEpochs; !this.finished(epoch); epoch++) {
      const { meanLoss, msPerStep } = await this.trainEpoch(epoch);
      state.history.trainLoss.push(meanLoss);
      const { validationMeanIoU, isBest, stop } = await this.validate(epoch);
      state.completedEpochs = epoch + 1;
      const elapsedMs = state.elapsedMs + (Date.now() - this.startTime);
      if (this.settings.checkpointDir) {
        await writeCheckpoint(this.settings.checkpointDir, { ...state, elapsedMs, weights: await readWeights(this.model), optimizer: await this.step.optimizer.getState() });
      }
      this.emit({ type: 'epoch', epoch, trainLoss: meanLoss, validationMeanIoU, isBest, elapsedMs, etaMs: this.eta(msPerStep) });
      if (stop) {
        this.emit({ type: 'early-stopped', epoch, bestEpoch: state.bestEpoch });
        break;
      }
    }
  }

  /** Restores the best weights, scores the test set and assembles the result. */
  finish(): TrainResult {
    const { state, settings } = this;
    if (state.bestWeights) writeWeights(this.model, state.bestWeights);
    const test = settings.test ? evaluateWithPrediction(this.model, settings.test, settings.numClasses, this.evaluationOptionsFor(settings.test)) : undefined;
    return {
      history: state.history,
      bestEpoch: state.bestEpoch,
      test: test?.evaluation,
      testPrediction: test?.prediction,
      model: this.model,
      wallTimeMs: state.elapsedMs + (Date.now() - this.startTime),
      peakRssBytes: this.peakRssBytes,
    };
  }

  dispose(): void {
    this.step.dispose();
  }
}

/** Patches of `set` in 2¹⁹ pixels, between 1 and 32: the default evaluation batch of {@link train}. */
function defaultEvaluationBatchSize(set: PatchSet): number {
  return Math.max(1, Math.min(32, Math.floor(2 ** 19 / (set.height * set.width))));
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
  const settings = parseWithSchema(trainOptionsSchema, options, 'train', TrainingError);
  const spec = typeof settings.loss === 'function' ? undefined : settings.loss;
  const activation = spec?.activation ?? settings.activation ?? 'softmax';
  const labels = labelFormat(activation, settings.numClasses, spec?.ignoreIndex, 'train');
  if (spec?.classWeights !== undefined && spec.classWeights.length !== settings.numClasses) {
    throw new TrainingError(`Error in train: loss.classWeights must have one weight per output channel (numClasses = ${settings.numClasses}), but got ${spec.classWeights.length}`);
  }
  if (spec !== undefined && spec.name !== 'ce' && spec.includeBackground === false && settings.numClasses < 2) {
    throw new TrainingError('Error in train: loss.includeBackground false leaves channel 0 out of the Dice term, which needs numClasses ≥ 2, but the model has one output channel (a sigmoid mask has no background channel: leave includeBackground out)');
  }
  if (settings.validation) checkPatchSet(settings.validation, labels, 'train', 'validation');
  if (settings.test) checkPatchSet(settings.test, labels, 'train', 'test');
  if (!tf.getGradient('Conv2D')) {
    throw new TrainingError("Error in train: no gradient functions are registered; import '@tensorflow/tfjs' (or @tensorflow/tfjs-node) once in your program, @tensorflow/tfjs-core alone cannot train");
  }
  // The loop checks label ranges and the loss' finiteness itself, so the loss' own per-call value check
  // (one extra GPU/WASM read per step) is off unless the spec asks for it.
  const loss = resolveLoss(settings.loss);
  const run = new TrainingRun(settings, loss, labels, activation);
  try {
    await run.resume();
    await run.run();
    return run.finish();
  } finally {
    run.dispose();
  }
}
