import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DatasetError, fileError } from './errors';
import { parseWithSchema } from './tfseg-error';
import {
  loadOptionsSchema,
  type CheckReport,
  type DatasetDescriptor,
  type DatasetStats,
  type LoadedDataset,
  type LoadOptions,
  type Protocol,
  type Sample,
} from './dataset';

/** One unit of reading: the files of one image (or one volume) and how to turn them into samples. */
export interface SourceEntry {
  files: string[];
  read(options: ReadOptions): Sample[];
}

/** Options the readers need (parsed once from {@link LoadOptions}). */
export interface ReadOptions {
  /** The caller's intensity window (`load({ huWindow })`); each source has its own default. */
  huWindow?: [number, number];
}

/** What a dataset module provides; {@link createDescriptor} turns it into a public descriptor. */
export interface DatasetSource extends Omit<DatasetDescriptor, 'load' | 'check' | 'stats' | 'defaultRoot'> {
  /** The root used when none is given (may throw, e.g. when the vendored data cannot be found). */
  defaultRoot?: () => string;
  /** Lists the expected files under `root`: the readable entries and one problem per missing file. Throws if `root` is not a folder. */
  list(root: string): { entries: SourceEntry[]; problems: string[] };
  /** The paper's protocol for the loaded samples. */
  protocol(samples: Sample[]): Protocol;
  /** Samples may differ in height and width (the user's own folders); channels must still agree. */
  mixedSizes?: boolean;
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
  const { defaultRoot, list, protocol, mixedSizes: _mixedSizes, ...info } = source;
  const rootOf = (root: string | undefined): string => resolve(root ?? (defaultRoot ? defaultRoot() : missingRoot(source.name)));
  const descriptor: DatasetDescriptor = {
    ...info,
    async load(options: LoadOptions = {}): Promise<LoadedDataset> {
      const parsed = parseWithSchema(loadOptionsSchema, options, `${source.name}.load`, DatasetError);
      const root = rootOf(parsed.root);
      requireFolder(root, source.name);
      const { entries, problems } = list(root);
      if (problems.length > 0) throw new DatasetError(problemSummary(source.name, root, problems));
      const readOptions: ReadOptions = parsed.huWindow === undefined ? {} : { huWindow: parsed.huWindow };
      const { samples, problems: readProblems } = readEntries(entries, readOptions);
      // Every unreadable file is named (five at most, then a count) before anything trains; one problem keeps its own error.
      if (readProblems.length === 1) throw readProblems[0];
      if (readProblems.length > 1) throw new DatasetError(problemSummary(source.name, root, readProblems.map((error) => error.message)), { cause: readProblems[0] });
      requireConsistentSamples(source.name, samples, source.inputChannels, source.mixedSizes ?? false);
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
      const { samples, problems: readProblems, filesChecked } = readEntries(entries, {});
      problems.push(...readProblems.map((error) => error.message));
      if (problems.length === 0) {
        try {
          requireConsistentSamples(source.name, samples, source.inputChannels, source.mixedSizes ?? false);
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

/** Reads every entry, collecting each failure instead of stopping at the first. */
function readEntries(entries: SourceEntry[], options: ReadOptions): { samples: Sample[]; problems: Error[]; filesChecked: number } {
  const samples: Sample[] = [];
  const problems: Error[] = [];
  let filesChecked = 0;
  for (const entry of entries) {
    try {
      samples.push(...entry.read(options));
      filesChecked += entry.files.length;
    } catch (error) {
      problems.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  return { samples, problems, filesChecked };
}

/** `name: N problem(s) in ROOT: a; b; c; d; e; … and K more (…)`: at most five problems, then a count. */
function problemSummary(name: string, root: string, problems: string[]): string {
  const shown = problems.slice(0, 5).join('; ');
  const more = problems.length > 5 ? `; … and ${problems.length - 5} more (check() or \`tfseg-bench datasets check\` lists them all)` : '';
  return `${name}: ${problems.length} problem(s) in ${root}: ${shown}${more}`;
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
function requireConsistentSamples(name: string, samples: Sample[], channels: number, mixedSizes: boolean): void {
  const first = samples[0];
  if (!first) throw new DatasetError(`${name}: the folder holds no images`);
  for (const sample of samples) {
    if (!mixedSizes && (sample.height !== first.height || sample.width !== first.width)) {
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
  const shared = dataset.samples.every((sample) => sample.height === first?.height && sample.width === first.width);
  return {
    name: dataset.name,
    images: dataset.samples.length,
    ...(first && shared ? { height: first.height, width: first.width } : {}),
    classes: [...dataset.classNames],
    pixelCounts,
  };
}
