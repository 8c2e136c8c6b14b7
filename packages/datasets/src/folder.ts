import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { DatasetDescriptor, Sample } from './dataset';
import { DatasetError, fileError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { COVID_HU_WINDOW } from './covid';
import { readJpeg } from './jpeg';
import { readNifti, readVolumePair, type NiftiVolume } from './nifti';
import { greyChannel, readPng } from './png';
import type { Raster } from './raster';
import { createDescriptor, readDataFile, requireFolder, requireSameSize, type ReadOptions, type SourceEntry } from './source';
import { readTiff } from './tiff';

/** The registered name of the user's own data in the folder layout. */
export const FOLDER_DATASET_NAME = 'folder';

/** Where the description of a folder dataset is looked for, in this order. */
export const FOLDER_CONFIG_FILES = ['dataset.yaml', 'dataset.yml', 'dataset.json'] as const;

/** Hounsfield window of NIfTI volumes when `window` is not given: the COVID-19 CT loader's. */
export const DEFAULT_VOLUME_WINDOW: readonly [number, number] = COVID_HU_WINDOW;

const windowSchema = z
  .tuple([z.number(), z.number()])
  .refine(([low, high]) => high > low, { message: 'must be [low, high] with high > low' });

/** One class of a folder dataset: its name and the mask values that mean it. */
export const folderClassSchema = z.strictObject({
  /** Display name (tables, legends). */
  name: z.string().min(1),
  /** Mask values of this class (0..65535); the first is what `predict` writes for it. */
  values: z.array(z.number().int().min(0).max(65535)).min(1, 'must list at least one mask value'),
});

/** `dataset.yaml` / `dataset.json` of a folder dataset: its classes, groups and intensity window. */
export const folderDatasetConfigSchema = z
  .strictObject({
    /** Display name; default: the folder's name. */
    name: z.string().min(1).optional(),
    /** Classes in class-index order; the first is the background. */
    classes: z.array(folderClassSchema).min(2, 'must list at least two classes (the first is the background)').max(255),
    /**
     * Regular expression on an image id; images whose first capture group (the whole match without one) is
     * equal stay in one fold. Default: one group per image (per volume for NIfTI).
     */
    groups: z.string().min(1).optional(),
    /** Raw intensities mapped to [0, 1] (clamped). Default: NIfTI [-1250, 250] (HU, as COVID-19 CT); images their type's range. */
    window: windowSchema.optional(),
    /** Input channels, 1 (grey) or 3 (RGB; grey images are repeated). Default: the first image's. */
    channels: z.union([z.literal(1), z.literal(3)]).optional(),
  })
  .superRefine((config, context) => {
    const owner = new Map<number, string>();
    config.classes.forEach((entry, index) => {
      if (config.classes.findIndex((other) => other.name === entry.name) !== index) {
        context.addIssue({ code: 'custom', path: ['classes', index, 'name'], message: `duplicate class name "${entry.name}"` });
      }
      entry.values.forEach((value, position) => {
        const previous = owner.get(value);
        if (previous !== undefined) {
          context.addIssue({ code: 'custom', path: ['classes', index, 'values', position], message: `mask value ${value} already belongs to class "${previous}"` });
        }
        owner.set(value, entry.name);
      });
    });
    if (config.groups !== undefined) {
      try {
        new RegExp(config.groups);
      } catch (error) {
        context.addIssue({ code: 'custom', path: ['groups'], message: `not a valid regular expression: ${(error as Error).message}` });
      }
    }
  });
/** A parsed `dataset.yaml`. */
export type FolderDatasetConfig = z.infer<typeof folderDatasetConfigSchema>;

const imageExtensions = ['.nii.gz', '.nii', '.png', '.tif', '.tiff', '.jpg', '.jpeg'] as const;
const maskExtensions = ['.nii.gz', '.nii', '.png', '.tif', '.tiff'] as const;

/** The id and extension of a file name (`scan.nii.gz` → `scan`, `.nii.gz`); undefined for an unsupported type. */
export function splitImageName(file: string, extensions: readonly string[] = imageExtensions): { id: string; extension: string } | undefined {
  const lower = file.toLowerCase();
  const extension = extensions.find((candidate) => lower.endsWith(candidate) && lower.length > candidate.length);
  return extension === undefined ? undefined : { id: file.slice(0, -extension.length), extension };
}

/** True for a NIfTI file name (`.nii` or `.nii.gz`). */
export function isNiftiFile(file: string): boolean {
  return /\.nii(\.gz)?$/i.test(file);
}

/** Reads and validates `DIR/dataset.yaml` (or `.yml`, `.json`); every problem names the file. */
export function readFolderDatasetConfig(root: string): FolderDatasetConfig & { file: string } {
  requireFolder(root, FOLDER_DATASET_NAME);
  const name = FOLDER_CONFIG_FILES.find((candidate) => existsSync(join(root, candidate)));
  if (name === undefined) {
    throw new DatasetError(`${FOLDER_DATASET_NAME}: ${join(root, FOLDER_CONFIG_FILES[0])} is missing (or ${FOLDER_CONFIG_FILES.slice(1).join(', ')}); it lists the classes, e.g. "classes: [{ name: background, values: [0] }, { name: vessel, values: [255] }]"`);
  }
  const file = join(root, name);
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw fileError(file, `cannot parse ${name.endsWith('.json') ? 'JSON' : 'YAML'}`, error);
  }
  return { ...parseWithSchema(folderDatasetConfigSchema, raw, file, DatasetError, 'dataset'), file };
}

/** The files of one folder: `images/<id>.<ext>` paired with `masks/<id>.<ext>`, and every pairing problem. */
function pairFiles(root: string): { pairs: Array<{ id: string; image: string; mask: string }>; problems: string[] } {
  const problems: string[] = [];
  const list = (folder: string, extensions: readonly string[]): Map<string, string> => {
    const directory = join(root, folder);
    const byId = new Map<string, string>();
    if (!existsSync(directory) || !statSync(directory).isDirectory()) {
      problems.push(`${directory}: folder is missing`);
      return byId;
    }
    for (const file of readdirSync(directory).sort()) {
      if (file.startsWith('.')) continue;
      const path = join(directory, file);
      const parts = splitImageName(file, extensions);
      if (parts === undefined) {
        problems.push(`${path}: unsupported file type (expected ${extensions.join(', ')})`);
      } else if (byId.has(parts.id)) {
        problems.push(`${path}: two files for id "${parts.id}" (also ${byId.get(parts.id)})`);
      } else {
        byId.set(parts.id, path);
      }
    }
    return byId;
  };
  const images = list('images', imageExtensions);
  const masks = list('masks', maskExtensions);
  const pairs: Array<{ id: string; image: string; mask: string }> = [];
  for (const [id, image] of images) {
    const mask = masks.get(id);
    if (mask === undefined) problems.push(`${image}: no mask (expected ${join(root, 'masks', id)}.png, .tif or .nii.gz)`);
    else if (isNiftiFile(image) !== isNiftiFile(mask)) problems.push(`${mask}: a NIfTI image needs a NIfTI mask and a 2-D image a 2-D mask (image: ${image})`);
    else pairs.push({ id, image, mask });
  }
  for (const [id, mask] of masks) if (!images.has(id)) problems.push(`${mask}: no image with id "${id}" in ${join(root, 'images')}`);
  if (images.size === 0 && masks.size === 0 && problems.length === 0) problems.push(`${join(root, 'images')}: no images`);
  return { pairs, problems };
}

/** Maps mask values to class indices; an unknown value is an error naming the file, the value and its pixel count. */
function classIndices(values: ArrayLike<number>, lookup: Int16Array, file: string, config: FolderDatasetConfig): Uint8Array {
  const mask = new Uint8Array(values.length);
  const unknown = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    const index = Number.isInteger(value) && value >= 0 && value < lookup.length ? (lookup[value] as number) : -1;
    if (index < 0) unknown.set(value, (unknown.get(value) ?? 0) + 1);
    else mask[i] = index;
  }
  if (unknown.size > 0) {
    const listed = [...unknown].sort((a, b) => a[0] - b[0]);
    const shown = listed.slice(0, 5).map(([value, count]) => `${value} (${count} pixels)`).join(', ');
    const more = listed.length > 5 ? ` and ${listed.length - 5} more values` : '';
    const known = config.classes.map((entry) => `${entry.name} ${entry.values.join('/')}`).join(', ');
    throw fileError(file, `mask value(s) ${shown}${more} belong to no class; dataset.yaml's classes own: ${known}`);
  }
  return mask;
}

/** Intensities of a raster windowed to [0, 1], as 1 or 3 channels (alpha dropped; grey repeated for RGB). */
function windowedImage(raster: Raster<ArrayLike<number>>, window: readonly [number, number], channels: 1 | 3, file: string): Float32Array {
  const { width, height, data } = raster;
  const sourceChannels = raster.channels;
  const colour = sourceChannels >= 3;
  if (colour && channels === 1 && !isGreyRgb(raster)) {
    throw fileError(file, 'is a colour image but the dataset is grey (channels: 1: set in dataset.yaml or taken from its first image); set "channels: 3" in dataset.yaml');
  }
  const [low, high] = window;
  const out = new Float32Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < channels; c++) {
      const raw = data[i * sourceChannels + (colour ? c : 0)] as number;
      out[i * channels + c] = Math.min(1, Math.max(0, (raw - low) / (high - low)));
    }
  }
  return out;
}

/** An RGB(A) raster whose every pixel has R = G = B (a grey JPEG decodes this way). */
function isGreyRgb(raster: Raster<ArrayLike<number>>): boolean {
  const { data, channels } = raster;
  if (channels < 3) return true;
  for (let i = 0; i < data.length; i += channels) if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
  return true;
}

/** Decodes a 2-D image or mask file by its extension. */
function readRaster(file: string): Raster & { depth?: number } {
  const bytes = readDataFile(file);
  const lower = file.toLowerCase();
  if (lower.endsWith('.png')) return readPng(bytes, file);
  if (lower.endsWith('.jpg') || lower.endsWith('.jpeg')) return readJpeg(bytes, file);
  return readTiff(bytes, file);
}

/**
 * Channels and size of a folder's first image: channels from dataset.yaml, else 1 for a grey first image
 * (NIfTI, 1-channel, or RGB with R = G = B), else 3. An unreadable first image is reported when it is read.
 */
function firstImageInfo(config: FolderDatasetConfig, firstImage: string | undefined): { channels: 1 | 3; height: number; width: number } {
  let grey = true;
  let size = { height: 0, width: 0 };
  try {
    if (firstImage !== undefined && isNiftiFile(firstImage)) {
      const [width = 0, height = 0] = readNifti(readDataFile(firstImage), firstImage).dims;
      size = { height, width };
    } else if (firstImage !== undefined) {
      const raster = readRaster(firstImage);
      grey = isGreyRgb(raster);
      size = { height: raster.height, width: raster.width };
    }
  } catch {
    // reported with the file's name by check() and load()
  }
  return { channels: config.channels ?? (grey ? 1 : 3), ...size };
}

/** The group of an id under the `groups` regex: its first capture group, or the whole match. */
function groupOf(id: string, pattern: RegExp | undefined, file: string): string {
  if (pattern === undefined) return id;
  const match = pattern.exec(id);
  if (!match) throw fileError(file, `id "${id}" does not match groups: ${pattern.source} (from dataset.yaml)`);
  return match[1] ?? match[0];
}

/** A 2-D image/mask pair as one sample. */
function readImagePair(pair: { id: string; image: string; mask: string }, context: FolderContext, options: ReadOptions): Sample {
  const raster = readRaster(pair.image);
  const maskRaster = readRaster(pair.mask);
  requireSameSize(pair.image, raster, pair.mask, maskRaster);
  const window = options.huWindow ?? context.config.window ?? typeRange(raster);
  return {
    id: pair.id,
    group: groupOf(pair.id, context.groups, pair.image),
    height: raster.height,
    width: raster.width,
    channels: context.channels,
    image: windowedImage(raster, window, context.channels, pair.image),
    mask: classIndices(greyChannel(maskRaster, pair.mask), context.lookup, pair.mask, context.config),
  };
}

/** The full range of a raster's sample type: [0, 255] for 8-bit, [0, 65535] for 16-bit, [0, 1] for 1-bit PNGs. */
function typeRange(raster: Raster & { depth?: number }): [number, number] {
  const depth = typeof raster.depth === 'number' ? raster.depth : raster.data instanceof Uint16Array ? 16 : 8;
  return [0, 2 ** depth - 1];
}

/** Options of {@link readImageFile}: how a folder dataset turns a file into model input. */
export const readImageFileOptionsSchema = z.strictObject({
  /** Channels of the result: 1 (a colour image is an error) or 3 (grey is repeated). */
  channels: z.union([z.literal(1), z.literal(3)]),
  /** Raw intensities of 2-D images mapped to [0, 1]; default: the sample type's range. */
  window: windowSchema.optional(),
  /** Raw intensities of NIfTI volumes mapped to [0, 1]; default: the COVID-19 CT window. */
  volumeWindow: windowSchema.optional(),
});
/** Options accepted by {@link readImageFile}. */
export type ReadImageFileOptions = z.input<typeof readImageFileOptionsSchema>;

/** An image file read as model input: one slice for a 2-D image, every axial slice of a NIfTI volume. */
export interface ImageFile {
  height: number;
  width: number;
  channels: 1 | 3;
  /** HWC intensities in [0, 1], one per slice (a 2-D image has one). */
  slices: Float32Array[];
  /** The volume's dims, spacing and placement, for NIfTI files (so a prediction is written back onto the volume). */
  volume?: Pick<NiftiVolume, 'dims' | 'spacing' | 'geometry'>;
}

/**
 * Reads an image (png, tif/tiff, jpg/jpeg) or a NIfTI volume exactly as the folder dataset reads its
 * images: intensities windowed to [0, 1], channels as asked. Errors name the file.
 */
export function readImageFile(file: string, options: ReadImageFileOptions): ImageFile {
  const parsed = parseWithSchema(readImageFileOptionsSchema, options, 'readImageFile', DatasetError);
  if (splitImageName(basename(file)) === undefined) throw fileError(file, `unsupported file type (expected ${imageExtensions.join(', ')})`);
  if (isNiftiFile(file)) {
    const volume = readNifti(readDataFile(file), file);
    if (volume.dims.length < 2 || volume.dims.slice(3).some((size) => size !== 1)) {
      throw fileError(file, `expected a 2-D or 3-D volume (x, y[, slices]), but dims are ${volume.dims.join('x')}`);
    }
    const [width, height, depth = 1] = volume.dims as [number, number, number?];
    const window = parsed.volumeWindow ?? DEFAULT_VOLUME_WINDOW;
    const slices = Array.from({ length: depth }, (_, k) => {
      const windowed = windowedImage({ height, width, channels: 1, data: sliceOf(volume, k, width * height) }, window, 1, file);
      return parsed.channels === 3 ? repeatChannels(windowed) : windowed;
    });
    return { height, width, channels: parsed.channels, slices, volume: { dims: [...volume.dims], spacing: [...volume.spacing], geometry: volume.geometry } };
  }
  const raster = readRaster(file);
  return { height: raster.height, width: raster.width, channels: parsed.channels, slices: [windowedImage(raster, parsed.window ?? typeRange(raster), parsed.channels, file)] };
}

/** A NIfTI pair as one sample per axial slice (pixel (r, c) of slice k is voxel (x c, y r, z k)), all in one group. */
function readVolume(pair: { id: string; image: string; mask: string }, context: FolderContext, options: ReadOptions): Sample[] {
  const { image, mask } = readVolumePair(pair.image, pair.mask);
  const [width, height, depth] = image.dims as [number, number, number];
  const window = options.huWindow ?? context.config.window ?? DEFAULT_VOLUME_WINDOW;
  const labels = classIndices(mask.data, context.lookup, pair.mask, context.config);
  const group = groupOf(pair.id, context.groups, pair.image);
  const sliceSize = width * height;
  return Array.from({ length: depth }, (_, k) => {
    const pixels = sliceOf(image, k, sliceSize);
    const windowed = windowedImage({ height, width, channels: 1, data: pixels }, window, 1, pair.image);
    return {
      id: volumeSliceId(pair.id, k),
      group,
      height,
      width,
      channels: 1,
      image: context.channels === 3 ? repeatChannels(windowed) : windowed,
      mask: labels.slice(k * sliceSize, (k + 1) * sliceSize),
    };
  });
}

/** The id of slice `k` of volume `id`: `scan-slice-007`. */
export function volumeSliceId(id: string, k: number): string {
  return `${id}-slice-${String(k).padStart(3, '0')}`;
}

function sliceOf(volume: NiftiVolume, k: number, sliceSize: number): Float32Array {
  return volume.data.subarray(k * sliceSize, (k + 1) * sliceSize);
}

function repeatChannels(grey: Float32Array): Float32Array {
  const out = new Float32Array(grey.length * 3);
  for (let i = 0; i < grey.length; i++) out.fill(grey[i] as number, 3 * i, 3 * i + 3);
  return out;
}

interface FolderContext {
  config: FolderDatasetConfig;
  lookup: Int16Array;
  groups: RegExp | undefined;
  channels: 1 | 3;
}

/** Mask value → class index (-1: no class). */
function valueLookup(config: FolderDatasetConfig): Int16Array {
  const lookup = new Int16Array(65536).fill(-1);
  config.classes.forEach((entry, index) => entry.values.forEach((value) => (lookup[value] = index)));
  return lookup;
}

/**
 * A sha256 of everything that defines a folder dataset's content: `dataset.yaml` and every file under
 * `images/` and `masks/` (relative path and bytes), independent of where the folder lives. Runs are
 * identified by it, so shards computed on machines with different paths merge.
 */
export function folderContentHash(root: string): string {
  const hash = createHash('sha256');
  const absolute = resolve(root);
  const files = [
    ...FOLDER_CONFIG_FILES.filter((name) => existsSync(join(absolute, name))),
    ...['images', 'masks'].flatMap((folder) => {
      const directory = join(absolute, folder);
      return existsSync(directory) ? readdirSync(directory).filter((file) => !file.startsWith('.')).sort().map((file) => `${folder}/${file}`) : [];
    }),
  ];
  for (const relative of files) {
    const bytes = readDataFile(join(absolute, relative));
    hash.update(`${relative}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/**
 * The user's own data as a dataset (name `folder`): `root/dataset.yaml` (classes with their mask values,
 * optional `groups` regex, `window`, `channels`), `root/images/<id>.<ext>` (png, tif/tiff, jpg/jpeg, or
 * nii/nii.gz volumes whose axial slices are samples) and `root/masks/<id>.<ext>` (png, tif/tiff, nii/nii.gz).
 * Reading `dataset.yaml` happens here (its problems throw); pairing and file problems are reported by
 * `check()` and, five at most plus a count, by `load()` before anything trains.
 */
export function folderDataset(root: string): DatasetDescriptor & { root: string; config: FolderDatasetConfig } {
  const absolute = resolve(root);
  const config = readFolderDatasetConfig(absolute);
  const groups = config.groups === undefined ? undefined : new RegExp(config.groups);
  const listing = pairFiles(absolute);
  const first = firstImageInfo(config, listing.pairs[0]?.image);
  const context: FolderContext = { config, lookup: valueLookup(config), groups, channels: first.channels };
  const descriptor = createDescriptor({
    name: FOLDER_DATASET_NAME,
    title: `${config.name ?? basename(absolute)} (folder ${absolute})`,
    classNames: config.classes.map((entry) => entry.name),
    inputChannels: context.channels,
    classValues: config.classes.map((entry) => [...entry.values]),
    nativeSize: { height: first.height, width: first.width },
    mixedSizes: true,
    defaultRoot: () => absolute,
    list(listRoot) {
      if (resolve(listRoot) !== absolute) {
        return { entries: [], problems: [`${listRoot}: this folder dataset was opened at ${absolute}; open another folder with folderDataset(root)`] };
      }
      const { pairs, problems } = pairFiles(absolute);
      const entries: SourceEntry[] = pairs.map((pair) => ({
        files: [pair.image, pair.mask],
        read: (options) => (isNiftiFile(pair.image) ? readVolume(pair, context, options) : [readImagePair(pair, context, options)]),
      }));
      return { entries, problems };
    },
    protocol: (samples) => {
      const groupCount = new Set(samples.map((sample) => sample.group)).size;
      // Five folds where there are five groups; a validation group wherever a fold's training part keeps two.
      const folds = Math.min(5, Math.max(2, groupCount));
      const smallestTrainingPart = groupCount - Math.ceil(groupCount / folds);
      return {
        patchSize: 256,
        // Random crops at native size (four per sample), so any image size trains; `predict` slides a window.
        trainPatches: 4 * samples.length,
        validationGroups: smallestTrainingPart >= 2 ? Math.max(1, Math.round(groupCount / 10)) : 0,
        folds,
      };
    },
  });
  return { ...descriptor, root: absolute, config };
}

/** Re-exported for callers that check a name: true for the folder dataset. */
export function isFolderDataset(name: string): boolean {
  return name === FOLDER_DATASET_NAME;
}
