import { chase } from './chase.js';
import { covid } from './covid.js';
import { datasetDescriptorSchema, type DatasetDescriptor } from './dataset.js';
import { drosophila } from './drosophila.js';
import { DatasetError, parseOptions } from './errors.js';
import { createDescriptor } from './source.js';
import { syntheticSources } from './synthetic.js';

/** A dataset name used everywhere (config, CLI, reports). */
export type DatasetName = 'drosophila' | 'covid19-ct' | 'chase-db1' | `synthetic-${string}`;

const registry = new Map<string, DatasetDescriptor>();

/**
 * Adds a dataset to the registry (validated with `datasetDescriptorSchema`), so `getDataset(name)` finds it.
 * Registering an existing name is an error.
 */
export function registerDataset(descriptor: DatasetDescriptor): void {
  parseOptions(datasetDescriptorSchema, descriptor, 'registerDataset', 'descriptor');
  if (registry.has(descriptor.name)) throw new DatasetError(`Error in registerDataset: a dataset named "${descriptor.name}" is already registered`);
  registry.set(descriptor.name, descriptor);
}

for (const source of [drosophila, covid, chase, ...syntheticSources]) registerDataset(createDescriptor(source));

/** The names of every registered dataset: the paper's three, then the synthetic ones. */
export function listDatasets(): string[] {
  return [...registry.keys()];
}

/** The descriptor of a dataset by name; an unknown name is an error listing the known ones. */
export function getDataset(name: DatasetName): DatasetDescriptor {
  const descriptor = registry.get(name);
  if (!descriptor) throw new DatasetError(`Error in getDataset: unknown dataset "${name}"; expected one of ${listDatasets().join(', ')}`);
  return descriptor;
}
