import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedStream, type Random } from '@tfseg/cross-validation';
import { z } from 'zod';
import { chaseImageIds, chaseSource } from './chase';
import { covidSource } from './covid';
import { drosophilaFileNames, drosophilaSource } from './drosophila';
import { DatasetError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { writeJpeg } from './jpeg';
import { writeNifti, writeNiftiOptionsSchema } from './nifti';
import { writePng } from './png';
import type { DatasetSource } from './source';
import { writeTiff } from './tiff';

/** What a synthetic writer wrote. */
export interface SyntheticFiles {
  root: string;
  files: string[];
}

/** A label canvas: values drawn as shapes, later turned into the file's pixel values. */
class Canvas {
  readonly values: Uint8Array;
  constructor(readonly height: number, readonly width: number, fill: number) {
    this.values = new Uint8Array(height * width).fill(fill);
  }
  rectangle(top: number, left: number, bottom: number, right: number, value: number): void {
    for (let y = Math.max(0, Math.floor(top)); y < Math.min(this.height, Math.ceil(bottom)); y++) {
      for (let x = Math.max(0, Math.floor(left)); x < Math.min(this.width, Math.ceil(right)); x++) this.values[y * this.width + x] = value;
    }
  }
  ellipse(centreY: number, centreX: number, radiusY: number, radiusX: number, value: number): void {
    for (let y = Math.max(0, Math.floor(centreY - radiusY)); y < Math.min(this.height, Math.ceil(centreY + radiusY)); y++) {
      for (let x = Math.max(0, Math.floor(centreX - radiusX)); x < Math.min(this.width, Math.ceil(centreX + radiusX)); x++) {
        if (((y - centreY) / radiusY) ** 2 + ((x - centreX) / radiusX) ** 2 <= 1) this.values[y * this.width + x] = value;
      }
    }
  }
  /** A straight band of `thickness` pixels from (y0, x0) towards (y1, x1). */
  line(y0: number, x0: number, y1: number, x1: number, thickness: number, value: number): void {
    const steps = Math.ceil(Math.hypot(y1 - y0, x1 - x0)) + 1;
    for (let s = 0; s <= steps; s++) {
      const y = y0 + ((y1 - y0) * s) / steps;
      const x = x0 + ((x1 - x0) * s) / steps;
      this.rectangle(y - thickness / 2, x - thickness / 2, y + thickness / 2, x + thickness / 2, value);
    }
  }
  /**
   * The orientation marker every synthetic image carries: a block in the top-left corner, twice as wide as
   * tall (rows [0, h/8), columns [0, w/4)), so a flipped or mirrored reader is caught by tests.
   */
  marker(value: number): void {
    this.rectangle(0, 0, Math.max(2, this.height / 8), Math.max(4, this.width / 4), value);
  }
}

function noise(random: Random, amplitude: number): number {
  return (random.next() * 2 - 1) * amplitude;
}

const toByte = (unit: number): number => Math.round(Math.min(1, Math.max(0, unit)) * 255);

/** Options of {@link writeSyntheticDrosophila}. */
export const syntheticDrosophilaOptionsSchema = z.object({
  images: z.number().int().min(1).max(100).default(20),
  /** Side of the square images (the real ones are 1024). */
  size: z.number().int().min(16).max(4096).default(128),
  seed: z.number().int().default(0),
}).strict();
/** Options accepted by {@link writeSyntheticDrosophila}. */
export type SyntheticDrosophilaOptions = z.input<typeof syntheticDrosophilaOptionsSchema>;

/** Grey level of each merged label value in the synthetic EM images (membranes dark, glia bright). */
const drosophilaGrey: Record<number, number> = { 0: 0.15, 32: 0.2, 64: 0.15, 96: 0.2, 128: 0.1, 159: 0.9, 191: 0.4, 223: 0.3, 255: 0.7 };

/**
 * Writes a Drosophila-like stack in the published layout (`stack1/raw/NN.tif` 8-bit grey TIFF,
 * `stack1/labels/labels000000NN.png` merged labels with the real label values): membranes of the four
 * orientations and junctions, mitochondria, synapses, glia and intracellular space, plus the orientation
 * marker (a mitochondrion block at the top left).
 */
export function writeSyntheticDrosophila(directory: string, options: SyntheticDrosophilaOptions = {}): SyntheticFiles {
  const { images, size, seed } = parseWithSchema(syntheticDrosophilaOptionsSchema, options, 'writeSyntheticDrosophila', DatasetError);
  const stack = join(directory, 'stack1');
  mkdirSync(join(stack, 'raw'), { recursive: true });
  mkdirSync(join(stack, 'labels'), { recursive: true });
  const files: string[] = [];
  for (let index = 0; index < images; index++) {
    const random = seedStream(seed, 'synthetic-drosophila', index);
    const at = (): number => random.next() * size;
    const labels = new Canvas(size, size, 255);
    labels.rectangle(at(), at(), at() + size / 4, at() + size / 3, 159);
    for (let i = 0; i < 3; i++) labels.ellipse(at(), at(), size / 16 + random.next() * size / 16, size / 10, 191);
    for (let i = 0; i < 2; i++) labels.ellipse(at(), at(), size / 40 + 1, size / 40 + 1, 223);
    const thickness = Math.max(2, size / 64);
    for (let i = 0; i < 2; i++) {
      const offset = at();
      labels.line(offset, 0, offset, size, thickness, 0); // 0°
      labels.line(0, offset, size, offset, thickness, 64); // 90°
      labels.line(offset, 0, offset + size / 2, size / 2, thickness, 32); // 45°
      labels.line(offset, size, offset + size / 2, size / 2, thickness, 96); // 135°
    }
    labels.rectangle(size / 2 - thickness, size / 2 - thickness, size / 2 + thickness, size / 2 + thickness, 128);
    labels.marker(191);
    const grey = new Uint8Array(size * size);
    for (let i = 0; i < grey.length; i++) grey[i] = toByte((drosophilaGrey[labels.values[i] as number] as number) + noise(random, 0.08));
    const names = drosophilaFileNames(index);
    const imageFile = join(stack, names.image);
    const labelFile = join(stack, names.labels);
    writeFileSync(imageFile, writeTiff({ height: size, width: size, channels: 1, data: grey }));
    writeFileSync(labelFile, writePng({ height: size, width: size, channels: 1, data: labels.values }));
    files.push(imageFile, labelFile);
  }
  return { root: directory, files };
}

/** Options of {@link writeSyntheticCovid}: the volume and how it is stored. */
export const syntheticCovidOptionsSchema = z.object({
  slices: z.number().int().min(1).max(1000).default(20),
  /** Side of the square slices (the real ones are 512). */
  size: z.number().int().min(16).max(2048).default(96),
  seed: z.number().int().default(0),
  /** How `tr_im` stores Hounsfield units; with an integer type too narrow for HU, give slope/intercept. */
  image: writeNiftiOptionsSchema.prefault({ datatype: 'int16', gzip: true }),
  /** How `tr_mask` stores the mask values 0..3. */
  mask: writeNiftiOptionsSchema.prefault({ datatype: 'uint8', gzip: true }),
}).strict();
/** Options accepted by {@link writeSyntheticCovid}. */
export type SyntheticCovidOptions = z.input<typeof syntheticCovidOptionsSchema>;

/** Hounsfield units and `tr_mask` value of each synthetic tissue. */
const covidTissues = {
  air: { hounsfield: -1000, mask: 0 },
  body: { hounsfield: 40, mask: 0 },
  lung: { hounsfield: -850, mask: 0 },
  groundGlass: { hounsfield: -500, mask: 1 },
  consolidation: { hounsfield: -50, mask: 2 },
  effusion: { hounsfield: 15, mask: 3 },
} as const;
const covidTissueList = Object.values(covidTissues);

/**
 * Writes a COVID-like CT volume as `tr_im.nii[.gz]` (Hounsfield units) and `tr_mask.nii[.gz]` (0
 * background, 1 ground glass, 2 consolidation, 3 pleural effusion), slices along the third axis, pixel
 * (row r, column c) of slice k at voxel (x = c, y = r, z = k). Any datatype, byte order, gzip and
 * slope/intercept can be chosen, to exercise every path of the reader.
 */
export function writeSyntheticCovid(directory: string, options: SyntheticCovidOptions = {}): SyntheticFiles {
  const { slices, size, seed, image, mask } = parseWithSchema(syntheticCovidOptionsSchema, options, 'writeSyntheticCovid', DatasetError);
  mkdirSync(directory, { recursive: true });
  const count = size * size * slices;
  const hounsfield = new Float64Array(count);
  const maskValues = new Uint8Array(count);
  for (let k = 0; k < slices; k++) {
    const random = seedStream(seed, 'synthetic-covid', k);
    const tissue = new Canvas(size, size, 0);
    tissue.ellipse(size / 2, size / 2, size * 0.4, size * 0.45, 1);
    tissue.ellipse(size / 2, size * 0.3, size * 0.3, size * 0.13, 2);
    tissue.ellipse(size / 2, size * 0.7, size * 0.3, size * 0.13, 2);
    tissue.ellipse(size * (0.35 + 0.2 * random.next()), size * 0.3, size * 0.06, size * 0.05, 3);
    tissue.ellipse(size * (0.35 + 0.2 * random.next()), size * 0.7, size * 0.05, size * 0.04, 4);
    tissue.rectangle(size * 0.74, size * 0.62, size * 0.8, size * 0.78, 5);
    tissue.marker(4);
    for (let i = 0; i < size * size; i++) {
      const kind = covidTissueList[tissue.values[i] as number] as (typeof covidTissueList)[number];
      hounsfield[k * size * size + i] = kind.hounsfield + noise(random, 20);
      maskValues[k * size * size + i] = kind.mask;
    }
  }
  const stored = image.slope === 0 ? hounsfield : hounsfield.map((value) => (value - image.intercept) / image.slope);
  const imageFile = join(directory, image.gzip ? 'tr_im.nii.gz' : 'tr_im.nii');
  const maskFile = join(directory, mask.gzip ? 'tr_mask.nii.gz' : 'tr_mask.nii');
  const maskStored = mask.slope === 0 ? maskValues : Float64Array.from(maskValues, (value) => (value - mask.intercept) / mask.slope);
  writeFileSync(imageFile, writeNifti([size, size, slices], stored, image));
  writeFileSync(maskFile, writeNifti([size, size, slices], maskStored, mask));
  return { root: directory, files: [imageFile, maskFile] };
}

/** Options of {@link writeSyntheticChase}. */
export const syntheticChaseOptionsSchema = z.object({
  /** Children (each gives a left and a right image; the real dataset has 14). */
  children: z.number().int().min(1).max(99).default(14),
  height: z.number().int().min(16).max(4096).default(96),
  width: z.number().int().min(16).max(4096).default(100),
  seed: z.number().int().default(0),
  /** JPEG quality 1–100. */
  quality: z.number().int().min(1).max(100).default(95),
}).strict();
/** Options accepted by {@link writeSyntheticChase}. */
export type SyntheticChaseOptions = z.input<typeof syntheticChaseOptionsSchema>;

/**
 * Writes a CHASE_DB1-like folder: `Image_NNX.jpg` RGB fundus images with dark branching vessels,
 * `Image_NNX_1stHO.png` and `Image_NNX_2ndHO.png` vessel masks (0/255), plus the orientation marker
 * (a vessel block at the top left).
 */
export function writeSyntheticChase(directory: string, options: SyntheticChaseOptions = {}): SyntheticFiles {
  const { children, height, width, seed, quality } = parseWithSchema(syntheticChaseOptionsSchema, options, 'writeSyntheticChase', DatasetError);
  mkdirSync(directory, { recursive: true });
  const files: string[] = [];
  const colours = [[0.05, 0.03, 0.02], [0.85, 0.4, 0.2], [0.45, 0.08, 0.05]] as const; // outside, fundus, vessel
  for (const id of chaseImageIds(children)) {
    const random = seedStream(seed, 'synthetic-chase', id);
    const kind = new Canvas(height, width, 0);
    kind.ellipse(height / 2, width / 2, height * 0.48, width * 0.48, 1);
    const discY = height * (0.4 + 0.2 * random.next());
    const discX = id.endsWith('L') ? width * 0.3 : width * 0.7;
    for (let v = 0; v < 6; v++) {
      const angle = random.next() * 2 * Math.PI;
      kind.line(discY, discX, discY + Math.sin(angle) * height * 0.45, discX + Math.cos(angle) * width * 0.45, 1 + random.int(2), 2);
    }
    kind.marker(2);
    const rgb = new Uint8Array(height * width * 3);
    const vessels = new Uint8Array(height * width);
    for (let i = 0; i < height * width; i++) {
      const colour = colours[kind.values[i] as 0 | 1 | 2];
      for (let c = 0; c < 3; c++) rgb[3 * i + c] = toByte(colour[c] as number + noise(random, 0.03));
      vessels[i] = kind.values[i] === 2 ? 255 : 0;
    }
    const imageFile = join(directory, `${id}.jpg`);
    writeFileSync(imageFile, writeJpeg({ height, width, channels: 3, data: rgb }, quality));
    files.push(imageFile);
    for (const observer of ['1stHO', '2ndHO']) {
      const maskFile = join(directory, `${id}_${observer}.png`);
      writeFileSync(maskFile, writePng({ height, width, channels: 1, data: vessels }));
      files.push(maskFile);
    }
  }
  return { root: directory, files };
}

/**
 * The cached default folder of a synthetic dataset (`<tmp>/tfseg-synthetic/<name>-v1`), written once with
 * default options; written to a private folder and renamed, so concurrent processes never see half of it.
 */
function cachedSyntheticRoot(name: string, write: (directory: string) => unknown): string {
  const root = join(tmpdir(), 'tfseg-synthetic', `${name}-v1`);
  if (existsSync(join(root, '.complete'))) return root;
  const staging = `${root}.staging-${process.pid}-${Date.now()}`;
  write(staging);
  writeFileSync(join(staging, '.complete'), '');
  try {
    renameSync(staging, root);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another process won the race; its copy is identical
  }
  return root;
}

/** The registered synthetic datasets: real formats, small sizes, the same protocol shape as the real ones. */
export const syntheticSources: DatasetSource[] = [
  drosophilaSource({
    name: 'synthetic-drosophila',
    title: 'Synthetic Drosophila-like stack (20 images of 128², TIFF + merged label PNG)',
    nativeSize: { height: 128, width: 128 },
    defaultRoot: () => cachedSyntheticRoot('synthetic-drosophila', (directory) => writeSyntheticDrosophila(directory)),
    // The real protocol at the image's scale: patches of a quarter side, so 16 tiles per image.
    protocol: (samples) => ({ patchSize: Math.max(4, Math.floor((samples[0]?.height ?? 16) / 4)), trainPatches: 48, validationGroups: 1, folds: 5 }),
  }),
  covidSource({
    name: 'synthetic-covid19-ct',
    title: 'Synthetic COVID-like CT volume (20 slices of 96², NIfTI)',
    nativeSize: { height: 96, width: 96 },
    defaultRoot: () => cachedSyntheticRoot('synthetic-covid19-ct', (directory) => writeSyntheticCovid(directory)),
    protocol: (samples) => {
      const side = Math.max(8, Math.round(((samples[0]?.height ?? 12) * 2) / 3));
      return { resizeTo: side, patchSize: side, validationGroups: Math.max(1, Math.round(samples.length / 10)), folds: 5 };
    },
  }),
  chaseSource({
    name: 'synthetic-chase-db1',
    title: 'Synthetic CHASE-like fundus images (14 children × 2 eyes, 100×96, JPEG + 1stHO PNG)',
    nativeSize: { height: 96, width: 100 },
    defaultRoot: () => cachedSyntheticRoot('synthetic-chase-db1', (directory) => writeSyntheticChase(directory)),
    protocol: (samples) => {
      const side = Math.max(8, Math.round((Math.min(samples[0]?.height ?? 12, samples[0]?.width ?? 12) * 2) / 3));
      const children = new Set(samples.map((sample) => sample.group)).size;
      return { resizeTo: side, patchSize: side, validationGroups: Math.max(1, Math.round((children * 3) / 14)), folds: 5 };
    },
  }),
];
