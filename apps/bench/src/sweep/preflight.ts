/**
 * Checks made before a sweep writes anything: every dataset of the selected runs loads, and the backend
 * can be activated. Each failure is one Error line naming the dataset or backend.
 */
import { ensureBackend, loadDataset } from './execute-run';
import type { PlannedRun } from './plan';

/** Throws (nothing written yet) when a dataset folder is missing or the backend cannot be loaded. */
export async function preflightSweep(runs: readonly PlannedRun[]): Promise<void> {
  const datasets = new Map(runs.map((run) => [`${run.config.dataset}\0${run.datasetRoot ?? ''}`, run]));
  for (const run of datasets.values()) {
    try {
      await loadDataset(run.config.dataset, run.datasetRoot);
    } catch (error) {
      throw new Error(`dataset ${JSON.stringify(run.config.dataset)} cannot be loaded: ${firstLine(error)}`, { cause: error });
    }
  }
  for (const backend of new Set(runs.map((run) => run.config.backend))) {
    try {
      await ensureBackend(backend);
    } catch (error) {
      throw new Error(`backend ${JSON.stringify(backend)} cannot be used: ${firstLine(error)}`, { cause: error });
    }
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
