import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DatasetError, fileError, parseOptions } from './errors.js';
import {
  loadOptionsSchema,
  type CheckReport,
  type DatasetDescriptor,
  type DatasetStats,
  type LoadedDataset,
  type LoadOptions,
  type Protocol,
  type Sample,
} from './dataset.js';

/** One unit of reading: the files of one image (or one volume) and how to turn them into samples. */
export interface SourceEntry {
  files: string[];
  read(options: ReadOptions): Sample[];
}

/** Options the readers need (parsed once from {@link LoadOptions}). */
export interface ReadOptions {
  huWindow: [number, number];
}

/** What a dataset module provides; {@link createDescriptor} turns it into a public descriptor. */
export interface DatasetSource extends Omit<DatasetDescriptor, 'load' | 'check' | 'stats' | 'defaultRoot'> {
  /** The root used when none is given (may throw, e.g. when the vendored data cannot be found). */
  defaultRoot?: () => string;
  /** Lists the expected files under `root`: the readable entries and one problem per missing file. Throws if `root` is not a folder. */
  list(root: string): { entries: SourceEntry[]; problems: string[] };
  /** The paper's protocol for the loaded samples. */
  protocol(samples: Sample[]): Protocol;
}

/** What every dataset source is configured with: its name, title, default location and protocol. */
export interface SourceOptions {
  name: string;
  title: string;
  defaultRoot?: () => string;
  protocol: (samples: Sample[]) => Protocol;
  /** Size of the published images; the synthetic stand-ins give their own. */
  nativeSize?: { height: number; width: number };
}

/** The fields of a {@link DatasetSource} that come straight from its {@link SourceOptions}. */
export function sourceIdentity(options: SourceOptions): Pick<DatasetSource, 'name' | 'title' | 'protocol' | 'defaultRoot'> {
  return { name: options.name, title: options.title, protocol: options.protocol, ...(options.defaultRoot ? { defaultRoot: options.defaultRoot } : {}) };
}

const defaultReadOptions: ReadOptions = { huWindow: [-1250, 250] };

/** Reads a whole file, turning a missing or unreadable file into a DatasetError that names it. */
export function readDataFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fileError(file, code === 'ENOENT' ? 'file is missing' : 'cannot read file', error);
  }
}

/** Throws a DatasetError naming `root` unless it is an existing folder. */
export function requireFolder(root: string, name: string): void {
  if (!existsSync(root)) throw new DatasetError(`${name}: folder ${root} does not exist`);
  if (!statSync(root).isDirectory()) throw new DatasetError(`${name}: ${root} is not a folder`);
}

/** Checks that an image and its mask have the same size. */
export function requireSameSize(imageFile: string, image: { height: number; width: number }, maskFile: string, mask: { height: number; width: number }): void {
  if (image.height !== mask.height || image.width !== mask.width) {
    throw fileError(maskFile, `wrong size: mask is ${mask.width}x${mask.height} but image ${imageFile} is ${image.width}x${image.height}`);
  }
}

/** Builds the public descriptor (load, check, stats) around a dataset source. */
export function createDescriptor(source: DatasetSource): DatasetDescriptor {
  const { defaultRoot, list, protocol, ...info } = source;
  const rootOf = (root: string | undefined): string => resolve(root ?? (defaultRoot ? defaultRoot() : missingRoot(source.name)));
  const descriptor: DatasetDescriptor = {
    ...info,
    async load(options: LoadOptions = {}): Promise<LoadedDataset> {
      const parsed = parseOptions(loadOptionsSchema, options, `${source.name}.load`);
      const root = rootOf(parsed.root);
      requireFolder(root, source.name);
      const { entries, problems } = list(root);
      if (problems.length > 0) {
        const shown = problems.slice(0, 5).join('; ');
        const more = problems.length > 5 ? `; … and ${problems.length - 5} more (check() or \`tfseg-bench datasets check\` lists them all)` : '';
        throw new DatasetError(`${source.name}: ${problems.length} problem(s) in ${root}: ${shown}${more}`);
      }
      const readOptions: ReadOptions = { huWindow: parsed.huWindow ?? defaultReadOptions.huWindow };
      const samples = entries.flatMap((entry) => entry.read(readOptions));
      requireConsistentSamples(source.name, samples, source.inputChannels);
      return { name: source.name, classNames: [...source.classNames], inputChannels: source.inputChannels, samples, protocol: protocol(samples) };
    },
    async check(root?: string): Promise<CheckReport> {
      let resolved = '';
      try {
        resolved = rootOf(root);
        requireFolder(resolved, source.name);
      } catch (error) {
        return { name: source.name, root: resolved || String(root ?? ''), filesChecked: 0, problems: [(error as Error).message] };
      }
      const { entries, problems } = list(resolved);
      let filesChecked = 0;
      const samples: Sample[] = [];
      for (const entry of entries) {
        try {
          samples.push(...entry.read(defaultReadOptions));
          filesChecked += entry.files.length;
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      if (problems.length === 0) {
        try {
          requireConsistentSamples(source.name, samples, source.inputChannels);
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      return { name: source.name, root: resolved, filesChecked, problems };
    },
    async stats(root?: string): Promise<DatasetStats> {
      const loaded = await descriptor.load(root === undefined ? {} : { root });
      return statsOf(loaded);
    },
  };
  if (defaultRoot) {
    Object.defineProperty(descriptor, 'defaultRoot', { enumerable: true, get: () => tryRoot(defaultRoot) });
  }
  return descriptor;
}

function tryRoot(defaultRoot: () => string): string | undefined {
  try {
    return defaultRoot();
  } catch {
    return undefined;
  }
}

function missingRoot(name: string): never {
  throw new DatasetError(`${name}: no root given and the dataset has no default location; pass load({ root: '/path/to/${name}' }) (tfseg-bench: --root DIR)`);
}

/** Every sample of a dataset has the same size and channels, so a batch can hold any of them. */
function requireConsistentSamples(name: string, samples: Sample[], channels: number): void {
  const first = samples[0];
  if (!first) throw new DatasetError(`${name}: the folder holds no images`);
  for (const sample of samples) {
    if (sample.height !== first.height || sample.width !== first.width) {
      throw new DatasetError(`${name}: wrong size: ${sample.id} is ${sample.width}x${sample.height} but ${first.id} is ${first.width}x${first.height}`);
    }
    if (sample.channels !== channels) throw new DatasetError(`${name}: ${sample.id} has ${sample.channels} channels, expected ${channels}`);
  }
}

/** Image count, size and per-class pixel counts of a loaded dataset (at the resolution it was loaded). */
export function statsOf(dataset: LoadedDataset): DatasetStats {
  const pixelCounts = new Array<number>(dataset.classNames.length).fill(0);
  for (const sample of dataset.samples) {
    const counts = new Float64Array(256);
    for (const value of sample.mask) counts[value] = (counts[value] as number) + 1;
    for (let c = 0; c < pixelCounts.length; c++) pixelCounts[c] = (pixelCounts[c] as number) + (counts[c] as number);
  }
  const first = dataset.samples[0];
  return {
    name: dataset.name,
    images: dataset.samples.length,
    height: first?.height ?? 0,
    width: first?.width ?? 0,
    classes: [...dataset.classNames],
    pixelCounts,
  };
}
