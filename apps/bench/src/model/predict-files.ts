/**
 * `predict`: segments image files with a model directory. Each input gives `OUT/<id>.png` (or
 * `OUT/<id>.nii[.gz]` for a NIfTI volume) at the input's native size, holding each class's first mask
 * value so it reads like the user's own masks; optionally an overlay and the class probabilities.
 */
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readImageFile, splitImageName, writeNifti, type ImageFile } from '@tfseg/datasets';
import { loadModel } from '@tfseg/models';
import { backendNameSchema, wasmThreadsSchema, writeFileAtomic } from '@tfseg/training';
import { encode } from 'fast-png';
import { z } from 'zod';
import { backgroundClasses, blendPrediction, legendEntries, withLegend } from '../report/blend';
import { classColors } from '../report/overlays';
import { ensureBackend } from '../sweep/execute-run';
import { threadsPerProcess } from '../sweep/run-sweep';
import { labelValues, readModelCard, type ModelCard } from './model-card';
import { segmentImage, type Segmentation } from './segment';
import { BenchError, CommandOptionsError } from '../errors';
import { parseWithSchema } from '../tfseg-error';

/** Options of `tfseg-bench predict`. */
export const predictFilesOptionsSchema = z.strictObject({
  /** A model directory written by `tfseg-bench train`. */
  model: z.string().min(1),
  /** Folder for the label images (created). */
  out: z.string().min(1),
  /** Image files: png, tif/tiff, jpg/jpeg, nii/nii.gz. */
  images: z.array(z.string().min(1)).min(1, 'give at least one image'),
  /** Also write `<id>.overlay.png`: the prediction blended over the image, with a legend. */
  overlay: z.boolean().default(false),
  /** Also write the class probabilities: `<id>.probability-<k>.png` (0..255) per class, or `<id>.probabilities.nii.gz` (float32, x·y·z·class) for volumes. */
  probabilities: z.boolean().default(false),
  backend: backendNameSchema.default('auto'),
  threads: wasmThreadsSchema.default('auto'),
});
/** Options of {@link predictFiles} as written. */
export type PredictFilesOptions = z.input<typeof predictFilesOptionsSchema>;

/** What was written for one input. */
export interface PredictedFile {
  input: string;
  id: string;
  /** The label image (or volume). */
  labels: string;
  /** Other files written for it (overlay, probabilities). */
  extra: string[];
  height: number;
  width: number;
  /** Pixels per class, in class order, over the whole image or volume. */
  pixelCounts: number[];
}

/** Label values as an image: 8-bit when every value fits, else 16-bit. */
function labelPng(segmentation: Segmentation, values: readonly number[]): Uint8Array {
  const wide = values.some((value) => value > 255);
  const data = wide ? new Uint16Array(segmentation.labels.length) : new Uint8Array(segmentation.labels.length);
  segmentation.labels.forEach((label, i) => (data[i] = values[label] as number));
  return encode({ width: segmentation.width, height: segmentation.height, data, channels: 1, depth: wide ? 16 : 8 });
}

/** The (first) slice as 8-bit for an overlay. */
function toBytes(image: Float32Array): Uint8Array {
  return Uint8Array.from(image, (value) => Math.round(Math.min(1, Math.max(0, value)) * 255));
}

function overlayPng(file: ImageFile, slice: number, segmentation: Segmentation, card: ModelCard): Uint8Array {
  const names = card.classes.map((entry) => entry.name);
  const colors = classColors(names);
  const canvas = blendPrediction({
    height: file.height,
    width: file.width,
    image: toBytes(file.slices[slice] as Float32Array),
    channels: file.channels,
    prediction: segmentation.labels,
    colors,
    transparent: backgroundClasses(names),
  });
  const legend = withLegend(canvas, legendEntries(names, colors, false));
  return encode({ width: legend.width, height: legend.height, data: legend.data, channels: 3, depth: 8 });
}

/** Segments every image with the model and writes the results; returns what it wrote, per input. */
export async function predictFiles(input: PredictFilesOptions, log: (line: string) => void = () => {}): Promise<PredictedFile[]> {
  const options = parseWithSchema(predictFilesOptionsSchema, input, 'predict', CommandOptionsError);
  const card = readModelCard(options.model);
  const ids = options.images.map((file) => {
    const parts = splitImageName(basename(file));
    if (parts === undefined) throw new BenchError(`${file}: unsupported image type (expected png, tif/tiff, jpg/jpeg, nii or nii.gz)`);
    return parts.id;
  });
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined) throw new BenchError(`predict: two inputs have the id "${duplicate}"; their outputs would overwrite each other`);
  await ensureBackend(options.backend, threadsPerProcess(options.threads, 1));
  const model = await loadModel(resolve(options.model));
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const values = labelValues(card);
  const numClasses = card.classes.length;
  try {
    return options.images.map((file, index) => {
      const id = ids[index] as string;
      const image = readImageFile(file, {
        channels: card.input.channels,
        ...(card.input.window ? { window: card.input.window } : {}),
        volumeWindow: card.input.volumeWindow,
      });
      const segmentations = image.slices.map((slice) => segmentImage(model, card.input, numClasses, { height: image.height, width: image.width, channels: image.channels, data: slice }, card.model.output));
      const pixelCounts = new Array<number>(numClasses).fill(0);
      for (const segmentation of segmentations) for (const label of segmentation.labels) pixelCounts[label] = (pixelCounts[label] as number) + 1;
      const extra: string[] = [];
      let labels: string;
      if (image.volume) {
        const gzip = file.toLowerCase().endsWith('.gz');
        labels = join(out, `${id}.nii${gzip ? '.gz' : ''}`);
        const stored = new Float32Array(image.height * image.width * segmentations.length);
        segmentations.forEach((segmentation, k) => segmentation.labels.forEach((label, i) => (stored[k * image.height * image.width + i] = values[label] as number)));
        const dims = [image.width, image.height, segmentations.length];
        writeFileAtomic(labels, writeNifti(dims, stored, { datatype: values.some((value) => value > 255) ? 'uint16' : 'uint8', gzip, spacing: image.volume.spacing.slice(0, 3), geometry: image.volume.geometry }));
        if (options.probabilities) {
          const probabilities = new Float32Array(stored.length * numClasses);
          const sliceSize = image.height * image.width;
          segmentations.forEach((segmentation, k) => {
            for (let i = 0; i < sliceSize; i++) for (let c = 0; c < numClasses; c++) probabilities[c * stored.length + k * sliceSize + i] = segmentation.probabilities[i * numClasses + c] as number;
          });
          const file = join(out, `${id}.probabilities.nii.gz`);
          writeFileAtomic(file, writeNifti([...dims, numClasses], probabilities, { datatype: 'float32', gzip: true, spacing: [...image.volume.spacing.slice(0, 3), 1], geometry: image.volume.geometry }));
          extra.push(file);
        }
      } else {
        const segmentation = segmentations[0] as Segmentation;
        labels = join(out, `${id}.png`);
        writeFileAtomic(labels, labelPng(segmentation, values));
        if (options.probabilities) {
          for (let c = 0; c < numClasses; c++) {
            const file = join(out, `${id}.probability-${c}.png`);
            const data = Uint8Array.from({ length: segmentation.labels.length }, (_, i) => Math.round((segmentation.probabilities[i * numClasses + c] as number) * 255));
            writeFileAtomic(file, encode({ width: image.width, height: image.height, data, channels: 1, depth: 8 }));
            extra.push(file);
          }
        }
      }
      if (options.overlay) {
        const slice = Math.floor(segmentations.length / 2);
        const file = join(out, `${id}.overlay.png`);
        writeFileAtomic(file, overlayPng(image, slice, segmentations[slice] as Segmentation, card));
        extra.push(file);
      }
      log(`${file} → ${labels} (${image.width}x${image.height}${image.volume ? `x${segmentations.length}` : ''})`);
      return { input: file, id, labels, extra, height: image.height, width: image.width, pixelCounts };
    });
  } finally {
    model.dispose();
  }
}
