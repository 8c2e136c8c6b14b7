/**
 * A rough time estimate printed before a sweep starts, from each run's model FLOPs (@tfseg/models'
 * analytic count) and an assumed sustained throughput of the backend. It only sizes the job (minutes or
 * GPU-days?); the progress bar's ETA, measured on the real runs, replaces it once runs finish.
 */
import { getDataset } from '@tfseg/datasets';
import { estimateFlops } from '@tfseg/models';
import type { RunConfig } from '../results/record';

/**
 * Assumed sustained training throughput, FLOP/s: a CUDA GPU through tfjs-node-gpu (a fraction of an
 * A6000's 38 TFLOP/s fp32 peak), the wasm backend with the tfseg kernels on one core, the pure-JS backend.
 */
export const ASSUMED_FLOPS_PER_SECOND: Record<string, number> = { 'tensorflow-gpu': 5e12, tensorflow: 5e12, wasm: 1e10, cpu: 3e8, auto: 1e10 };

/** Training crops per fold when the config gives none (the paper's 48), and patches scored per epoch. */
const DEFAULT_TRAIN_PATCHES = 48;
const EVALUATION_PATCHES = 16;

/** Estimated seconds of one run: 3 × forward FLOPs per trained patch (forward + backward), 1 × per scored patch. */
export function estimateRunSeconds(config: RunConfig): number {
  const dataset = getDataset(config.dataset);
  const flops = estimateFlops({
    name: config.model,
    preset: config.modelPreset,
    inChannels: dataset.inputChannels,
    numClasses: dataset.classNames.length,
    inputSize: config.imageSize,
  });
  const trainPatches = Math.max(1, Math.round((config.data.trainPatches ?? DEFAULT_TRAIN_PATCHES) * config.fraction));
  const trained = config.epochs * (config.stepsPerEpoch === undefined ? trainPatches : Math.min(trainPatches, config.stepsPerEpoch * config.batchSize));
  const scored = (config.epochs + 1) * EVALUATION_PATCHES;
  return ((3 * trained + scored) * flops) / (ASSUMED_FLOPS_PER_SECOND[config.backend] ?? ASSUMED_FLOPS_PER_SECOND['auto']!);
}

/** Estimated wall time of `runs` on `workers` parallel workers, in milliseconds; undefined if a model or dataset is unknown. */
export function estimateSweepMilliseconds(runs: readonly RunConfig[], workers: number): number | undefined {
  try {
    return (runs.reduce((total, config) => total + estimateRunSeconds(config), 0) * 1000) / Math.max(1, workers);
  } catch {
    return undefined;
  }
}
