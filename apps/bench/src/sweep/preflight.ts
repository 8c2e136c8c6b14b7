/**
 * Checks made before a sweep writes anything (also for `--dry-run`): every dataset of the selected runs
 * is known and loads, every data setting can be prepared (folds ≤ groups, a training fraction that keeps
 * at least one group, a patch that fits the scaled images), every model fits its input size, every loss
 * fits its dataset (a sigmoid loss needs a binary dataset, class weights one per channel), and the
 * backend can be activated with the sweep's arithmetic (fused multiply-adds or not). Each failure is one
 * BenchError naming the setting and the rule (exit 2); a backend missing its native library is an
 * environment failure (exit 3).
 */
import { prepareFold } from '@tfseg/datasets';
import { describeModel } from '@tfseg/models';
import { BackendUnavailableError } from '@tfseg/training';
import { BenchError } from '../errors';
import { ensureRunBackend, loadDataset, runHead } from './execute-run';
import type { PlannedRun } from './plan';

/** Throws (nothing written yet) when any run of the plan could not run: see the file comment. */
export async function preflightSweep(runs: readonly PlannedRun[], threads = 1): Promise<void> {
  const datasets = new Map(runs.map((run) => [`${run.config.dataset}\0${run.datasetRoot ?? ''}`, run]));
  for (const run of datasets.values()) {
    try {
      await loadDataset(run.config.dataset, run.datasetRoot);
    } catch (error) {
      throw new BenchError(`dataset ${JSON.stringify(run.config.dataset)} cannot be loaded: ${firstLine(error)}`, { cause: error });
    }
  }
  // One fold per data setting: the split and patch rules do not depend on the fold or seed.
  const settings = new Map(runs.map((run) => {
    const { dataset, folds, fraction, imageSize, data } = run.config;
    return [JSON.stringify([dataset, run.datasetRoot ?? '', folds, fraction, imageSize, data]), run] as const;
  }));
  for (const run of settings.values()) {
    const { config } = run;
    const dataset = await loadDataset(config.dataset, run.datasetRoot);
    try {
      prepareFold(dataset, { fold: 0, folds: config.folds, splitSeed: config.splitSeed, fraction: config.fraction, patchSize: config.imageSize, ...config.data });
    } catch (error) {
      throw new BenchError(
        `dataset ${config.dataset} with folds ${config.folds}, fraction ${config.fraction}, imageSize ${config.imageSize}${Object.keys(config.data).length > 0 ? `, data ${JSON.stringify(config.data)}` : ''} cannot be prepared: ${firstLine(error)}`,
        { cause: error },
      );
    }
  }
  for (const run of runs) {
    const { model, modelPreset, imageSize } = run.config;
    const dataset = await loadDataset(run.config.dataset, run.datasetRoot);
    // A sigmoid loss on a multi-class dataset, class weights of another length: a BenchError naming the loss field.
    runHead(run.config, dataset.classNames);
    try {
      // Analytic (no weights built): checks the input size against the model's stride.
      describeModel({ name: model, preset: modelPreset, inChannels: dataset.inputChannels, numClasses: dataset.classNames.length, inputSize: imageSize });
    } catch (error) {
      throw new BenchError(`model ${model}/${modelPreset} at imageSize ${imageSize}: ${firstLine(error)}`, { cause: error });
    }
  }
  // A sweep has one backend and one arithmetic (both in every run's config); each pair is activated once.
  const backends = new Map(runs.map((run) => [`${run.config.backend}\0${run.config.fusedMultiplyAdd === true}`, run.config]));
  for (const config of backends.values()) {
    const backend = config.backend;
    try {
      await ensureRunBackend(config, threads);
    } catch (error) {
      const message = `backend ${JSON.stringify(backend)}${config.fusedMultiplyAdd === true ? ' with fused multiply-adds' : ''} cannot be used: ${firstLine(error)}`;
      if (error instanceof BackendUnavailableError) throw new BackendUnavailableError(backend, message);
      throw new BenchError(message, { cause: error });
    }
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
