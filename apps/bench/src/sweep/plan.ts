/**
 * Expands a sweep config into its runs (the cartesian product of the axes), each with its id, and takes
 * deterministic shards of that list for clusters.
 */
import { folderContentHash, FOLDER_DATASET_NAME } from '@tfseg/datasets';
import type { LossSpec } from '@tfseg/losses';
import type { SweepConfig, SweepLoss } from '../config/sweep-config';
import type { RunConfig } from '../results/record';
import { runId } from '../results/run-id';
import { BenchError } from '../errors';

/** One run of a sweep: its identity (`config`, hashed to `id`) and where its dataset lives. */
export interface PlannedRun {
  id: string;
  config: RunConfig;
  /** Folder of the dataset's files, when the config gives one; not part of the id. */
  datasetRoot?: string;
}

/** One loss entry of a config → the loss specs it stands for (one per λ or r), options kept. */
export function expandLoss(loss: SweepLoss): LossSpec[] {
  switch (loss.name) {
    case 'additive': {
      const { lambda, ...options } = loss;
      return (Array.isArray(lambda) ? lambda : [lambda]).map((value) => ({ ...options, lambda: value }));
    }
    case 'caml': {
      const { r, ...options } = loss;
      if (r === undefined) return [options];
      return (Array.isArray(r) ? r : [r]).map((value) => ({ ...options, r: value }));
    }
    default:
      return [loss];
  }
}

/**
 * Every run of the sweep, in a fixed order: dataset, model, fraction, seed, fold, loss — losses vary
 * fastest, so a partly finished sweep already compares losses on the same folds. Duplicate axis values
 * collapse to one run (same id).
 */
export function planSweep(config: SweepConfig): PlannedRun[] {
  const folds = config.foldIndices ?? Array.from({ length: config.folds }, (_, fold) => fold);
  const losses = config.losses.flatMap(expandLoss);
  const runs = new Map<string, PlannedRun>();
  for (const dataset of config.datasets) {
    const datasetName = typeof dataset === 'string' ? dataset : dataset.name;
    const datasetRoot = typeof dataset === 'string' ? undefined : dataset.root;
    const datasetHash = contentHash(datasetName, datasetRoot);
    for (const model of config.models)
      for (const fraction of config.fractions)
        for (const seed of config.seeds)
          for (const fold of folds)
            for (const loss of losses) {
              const runConfig: RunConfig = {
                dataset: datasetName,
                ...(datasetHash === undefined ? {} : { datasetHash }),
                model: model.name,
                modelPreset: model.preset,
                ...(model.baseWidth === undefined ? {} : { baseWidth: model.baseWidth }),
                ...(model.batchNorm === undefined ? {} : { batchNorm: model.batchNorm }),
                ...(model.init === undefined ? {} : { init: model.init }),
                loss,
                fraction,
                fold,
                folds: config.folds,
                splitSeed: config.splitSeed,
                seed,
                imageSize: config.imageSize,
                epochs: config.epochs,
                ...(config.stepsPerEpoch === undefined ? {} : { stepsPerEpoch: config.stepsPerEpoch, fullBatches: true as const }),
                batchSize: config.batchSize,
                learningRate: config.learningRate,
                ...(config.adamEpsilon === undefined ? {} : { adamEpsilon: config.adamEpsilon }),
                backend: config.backend,
                ...(config.fusedMultiplyAdd === true ? { fusedMultiplyAdd: true as const } : {}),
                data: { ...config.data },
              };
              const id = runId(runConfig);
              if (!runs.has(id)) runs.set(id, { id, config: runConfig, ...(datasetRoot === undefined ? {} : { datasetRoot }) });
            }
  }
  return [...runs.values()];
}

/**
 * The content hash identifying a dataset defined by its files (`folder`); undefined for the registered
 * datasets, whose name identifies them.
 */
function contentHash(name: string, root: string | undefined): string | undefined {
  if (name !== FOLDER_DATASET_NAME) return undefined;
  if (root === undefined) throw new BenchError(`datasets: { name: ${FOLDER_DATASET_NAME} } needs a root (the folder holding dataset.yaml, images/ and masks/)`);
  return folderContentHash(root);
}

/** A `--shard i/N` selection: shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Largest shard count accepted (a Slurm array of this many tasks is already unusual). */
export const MAX_SHARDS = 100_000;

/** Parses exactly `i/N` (0 ≤ i < N ≤ {@link MAX_SHARDS}, no spaces or signs); throws a BenchError naming the value and the rule. */
export function parseShard(text: string): Shard {
  const match = /^(0|[1-9]\d{0,5})\/([1-9]\d{0,5})$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > MAX_SHARDS || index >= count) {
    throw new BenchError(`--shard must be i/N with whole numbers 0 ≤ i < N ≤ ${MAX_SHARDS} and no spaces (e.g. 0/4), but got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/**
 * The runs of one shard: every N-th run of the plan starting at i. Round-robin (rather than contiguous
 * blocks) spreads expensive settings (big fractions, big models) evenly over the shards; the union of all N
 * shards is exactly the plan.
 */
export function selectShard(runs: readonly PlannedRun[], shard: Shard): PlannedRun[] {
  return runs.filter((_, position) => position % shard.count === shard.index);
}
