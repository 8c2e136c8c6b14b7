import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { adamOptionsSchema } from './adam';
import { TrainingError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { resolveLoss, trainingLossSchema } from './resolve-loss';
import { createTrainingStep } from './training-step';
import { labelFormat, lossLabelsTensor } from './label-format';

/** Options of {@link measureTrainingStep}. */
export const measureTrainingStepOptionsSchema = z.object({
  /** Model with a fully defined input shape `[null, H, W, C]`; its weights are changed by the steps. */
  model: z.custom<LayersModel>((value) => typeof value === 'object' && value !== null && 'inputs' in value, 'must be a tf.LayersModel'),
  loss: trainingLossSchema,
  /** The model's output channels, as `train` takes it (softmax: classes ≥ 2; sigmoid: masks ≥ 1). */
  numClasses: z.number().int().min(1),
  batchSize: z.number().int().positive().default(4),
  /** Untimed steps first (kernel compilation, allocation). */
  warmupSteps: z.number().int().nonnegative().default(2),
  /** Timed steps; the median is reported. */
  steps: z.number().int().positive().default(10),
  optimizer: adamOptionsSchema.prefault({}),
  /** Seed of the synthetic batch. */
  seed: z.number().int().default(0),
});
/** Options of {@link measureTrainingStep}. */
export type MeasureTrainingStepOptions = z.input<typeof measureTrainingStepOptionsSchema>;

/** Timings of {@link measureTrainingStep}. */
export interface TrainingStepTiming {
  /** The tfjs backend that ran the steps. */
  backend: string;
  /** Wall time of each timed step (forward, loss, gradients, Adam update, loss read back). */
  stepTimesMs: number[];
  medianStepMs: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Deterministic uniform [0, 1) values (a 32-bit LCG): the timing must not depend on Math.random. */
function syntheticPixels(length: number, seed: number): Float32Array {
  const values = new Float32Array(length);
  let state = seed >>> 0;
  for (let index = 0; index < length; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[index] = state / 2 ** 32;
  }
  return values;
}

/** Options of {@link createTrainingStepTimer}: those of {@link measureTrainingStep} without the step counts. */
export type TrainingStepTimerOptions = Omit<MeasureTrainingStepOptions, 'warmupSteps' | 'steps'>;

/**
 * The training step of {@link measureTrainingStep}, kept ready between calls: `time(n)` runs and times
 * `n` more steps on the same batch, optimizer and weights. For a benchmark that interleaves short blocks
 * of steps with another program's (bench/unet-step.mjs against PyTorch), so that both sides see the
 * same machine speed; a fresh {@link measureTrainingStep} per block would re-create the batch and the
 * optimizer's slots each time. `dispose()` frees the batch and the optimizer (not the model).
 */
export interface TrainingStepTimer {
  /** Runs `steps` steps (0 allowed); returns the wall time of each, in ms. */
  time(steps: number): Promise<number[]>;
  readonly backend: string;
  dispose(): void;
}

/** Builds a {@link TrainingStepTimer} (same checks, batch and step as {@link measureTrainingStep}). */
export function createTrainingStepTimer(options: TrainingStepTimerOptions): TrainingStepTimer {
  const settings = parseWithSchema(measureTrainingStepOptionsSchema, { ...options, warmupSteps: 0, steps: 1 }, 'measureTrainingStep', TrainingError);
  const { model, numClasses, batchSize, seed } = settings;
  const shape = model.inputs[0]?.shape;
  if (!shape || shape.length !== 4 || shape.slice(1).some((size) => size === null)) {
    throw new TrainingError(`Error in measureTrainingStep: model input must have shape [null, height, width, channels], but got [${shape?.map(String).join(', ') ?? ''}]`);
  }
  const [height, width, channels] = shape.slice(1) as [number, number, number];
  const loss = resolveLoss(settings.loss);
  const spec = typeof settings.loss === 'function' ? undefined : settings.loss;
  const format = labelFormat(spec?.activation ?? 'softmax', numClasses, spec?.ignoreIndex, 'measureTrainingStep');
  const pixels = syntheticPixels(batchSize * height * width * channels, seed);
  const images = tf.tensor4d(pixels, [batchSize, height, width, channels]);
  const maskTensor = tf.tidy(() => tf.greater(tf.mean(images, -1), 0.5));
  const masks = Uint8Array.from(maskTensor.dataSync());
  maskTensor.dispose();
  const multiHot = format.kind === 'multi-hot';
  const set = {
    images: pixels,
    labels: multiHot ? Uint8Array.from({ length: masks.length * numClasses }, (_, i) => masks[Math.floor(i / numClasses)] as number) : masks,
    count: batchSize,
    height,
    width,
    channels,
    ...(multiHot ? { labelChannels: numClasses } : {}),
  };
  const labels = lossLabelsTensor(set, 0, batchSize, format);
  const step = createTrainingStep(model, loss, settings.optimizer);
  return {
    backend: tf.getBackend(),
    async time(steps) {
      const stepTimesMs: number[] = [];
      for (let index = 0; index < steps; index++) {
        const start = performance.now();
        await step.run(images, labels);
        stepTimesMs.push(performance.now() - start);
      }
      return stepTimesMs;
    },
    dispose() {
      step.dispose();
      tf.dispose([images, labels]);
    },
  };
}

/**
 * Times the training step `train` runs (same code path) on one synthetic batch: `warmupSteps` untimed,
 * then `steps` timed steps, each ending when the loss is read back (so queued GPU/WASM work is counted).
 * Labels are the thresholded image (every channel's mask for a multi-label head), passed to the loss as
 * `train` passes them (one-hot, integer labels or multi-hot: see its label formats), so the loss is
 * meaningful and the options of a sigmoid or ignoreIndex spec are timed as they train.
 */
export async function measureTrainingStep(options: MeasureTrainingStepOptions): Promise<TrainingStepTiming> {
  const { warmupSteps, steps } = parseWithSchema(measureTrainingStepOptionsSchema, options, 'measureTrainingStep', TrainingError);
  const timer = createTrainingStepTimer(options);
  try {
    await timer.time(warmupSteps);
    const stepTimesMs = await timer.time(steps);
    return { backend: timer.backend, stepTimesMs, medianStepMs: median(stepTimesMs) };
  } finally {
    timer.dispose();
  }
}
