import { chase } from './chase';
import { covid } from './covid';
import { datasetDescriptorSchema, type DatasetDescriptor } from './dataset';
import { drosophila } from './drosophila';
import { FOLDER_DATASET_NAME, folderDataset } from './folder';
import { DatasetError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { createDescriptor } from './source';
import { syntheticSources } from './synthetic';

/** A dataset name used everywhere (config, CLI, reports). */
export type DatasetName = 'drosophila' | 'covid19-ct' | 'chase-db1' | 'folder' | `synthetic-${string}`;

const registry = new Map<string, DatasetDescriptor>();

/**
 * Adds a dataset to the registry (validated with `datasetDescriptorSchema`), so `getDataset(name)` finds it.
 * Registering an existing name is an error.
 */
export function registerDataset(descriptor: DatasetDescriptor): void {
  parseWithSchema(datasetDescriptorSchema, descriptor, 'registerDataset', DatasetError, 'descriptor');
  if (registry.has(descriptor.name) || descriptor.name === FOLDER_DATASET_NAME) throw new DatasetError(`Error in registerDataset: a dataset named "${descriptor.name}" is already registered`);
  registry.set(descriptor.name, descriptor);
}

for (const source of [drosophila, covid, chase, ...syntheticSources]) registerDataset(createDescriptor(source));

/** The names of every dataset: the paper's three, the synthetic ones, then `folder` (the user's own data). */
export function listDatasets(): string[] {
  return [...registry.keys(), FOLDER_DATASET_NAME];
}

/**
 * The descriptor of a dataset by name (any string: configs and flags pass theirs straight through); an
 * unknown name is an error listing the known ones. `folder` (the
 * user's own data, see {@link folderDataset}) takes its classes from `options.root`'s dataset.yaml, so it
 * needs `root`; the other datasets ignore it here (their `load({ root })` takes it).
 */
export function getDataset(name: string, options: { root?: string | undefined } = {}): DatasetDescriptor {
  if (name === FOLDER_DATASET_NAME) {
    if (options.root === undefined) throw new DatasetError('Error in getDataset: the folder dataset needs its root (getDataset("folder", { root }); tfseg-bench: --root DIR)');
    return folderDataset(options.root);
  }
  const descriptor = registry.get(name);
  if (!descriptor) throw new DatasetError(`Error in getDataset: unknown dataset "${name}"; expected one of ${listDatasets().join(', ')}`);
  return descriptor;
}
