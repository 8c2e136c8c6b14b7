/**
 * Checks made before a sweep writes anything: every dataset of the selected runs loads, every model fits
 * its input size, and the backend can be activated. Each failure is one Error line naming what is wrong.
 */
import { describeModel, type ModelName, type PresetName } from '@tfseg/models';
import { ensureBackend, loadDataset } from './execute-run';
import type { PlannedRun } from './plan';

/** Throws (nothing written yet) when a dataset folder is missing, a model does not fit, or the backend cannot be loaded. */
export async function preflightSweep(runs: readonly PlannedRun[], threads = 1): Promise<void> {
  const datasets = new Map(runs.map((run) => [`${run.config.dataset}\0${run.datasetRoot ?? ''}`, run]));
  for (const run of datasets.values()) {
    try {
      await loadDataset(run.config.dataset, run.datasetRoot);
    } catch (error) {
      throw new Error(`dataset ${JSON.stringify(run.config.dataset)} cannot be loaded: ${firstLine(error)}`, { cause: error });
    }
  }
  for (const run of runs) {
    const { model, modelPreset, imageSize } = run.config;
    const dataset = await loadDataset(run.config.dataset, run.datasetRoot);
    try {
      // Analytic (no weights built): checks the input size against the model's stride.
      describeModel({ name: model as ModelName, preset: modelPreset as PresetName, inChannels: dataset.inputChannels, numClasses: dataset.classNames.length, inputSize: imageSize });
    } catch (error) {
      throw new Error(`model ${model}/${modelPreset} at imageSize ${imageSize}: ${firstLine(error)}`, { cause: error });
    }
  }
  for (const backend of new Set(runs.map((run) => run.config.backend))) {
    try {
      await ensureBackend(backend, threads);
    } catch (error) {
      throw new Error(`backend ${JSON.stringify(backend)} cannot be used: ${firstLine(error)}`, { cause: error });
    }
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
