/**
 * Qualitative overlays like the paper's Fig. 3/4: for a few test patches, the image, the truth and the
 * predictions of the best additive loss and of ML/CAML side by side, as PNG. Each prediction is blended
 * over its image with false positives, false negatives and wrong classes marked; a legend is below.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { RunRecord, RunSamples } from '../results/record';
import { runSamplesSchema } from '../results/record';
import { backgroundClasses, blendPrediction, legendEntries, withLegend } from './blend';
import { classKey } from './labels';
import { BenchError, FileContentError } from '../errors';
import { parseWithSchema } from '../tfseg-error';

type Rgb = readonly [number, number, number];

/** Colours of the paper's figures where it names them (Sec. 4.3); other classes take the fallback palette. */
const NAMED_COLORS: Record<string, Rgb> = {
  background: [0, 0, 0],
  membrane: [255, 255, 255],
  mitochondria: [230, 40, 40],
  synapse: [40, 200, 60],
  gliaextracellular: [50, 90, 230],
  intracellular: [70, 70, 70],
  consolidation: [50, 90, 230],
  groundglass: [40, 200, 60],
  pleuraleffusion: [230, 40, 40],
  lungsother: [120, 120, 120],
  retinalvessel: [255, 255, 255],
  vessel: [255, 255, 255],
};
const FALLBACK: Rgb[] = [[230, 160, 30], [160, 60, 200], [30, 200, 200], [200, 200, 40], [240, 120, 160]];
const GAP = 4;
const MIN_TILE = 128;

/** The colour of each class, by its name where the paper names one. */
export function classColors(classNames: readonly string[]): Rgb[] {
  let fallback = 0;
  return classNames.map((name) => {
    return NAMED_COLORS[classKey(name)] ?? FALLBACK[fallback++ % FALLBACK.length]!;
  });
}

/** One column of the overlay grid: a label map per sample row. */
export interface OverlayColumn {
  title: string;
  labelMaps: Uint8Array[];
  /** The truth of each row: the column is drawn over the image with its errors marked (a prediction). Without it, flat class colours (the truth itself). */
  truths?: Uint8Array[];
}

/**
 * Encodes a grid as PNG: one row per sample, columns image | truth | each prediction; tiles are
 * enlarged (nearest neighbour) to at least 128 px and separated by white gaps; the legend is below.
 */
export function overlayPng(samples: RunSamples, images: Uint8Array[], columns: readonly OverlayColumn[]): Uint8Array {
  const { height, width, channels } = samples;
  const scale = Math.max(1, Math.ceil(MIN_TILE / Math.max(height, width)));
  const tileHeight = height * scale;
  const tileWidth = width * scale;
  const columnCount = 1 + columns.length;
  const outWidth = columnCount * tileWidth + (columnCount - 1) * GAP;
  const outHeight = images.length * tileHeight + (images.length - 1) * GAP;
  const data = new Uint8Array(outWidth * outHeight * 3).fill(255);
  const colors = classColors(samples.classNames);
  const transparent = backgroundClasses(samples.classNames);
  const paint = (row: number, column: number, pixel: (index: number) => Rgb): void => {
    for (let y = 0; y < tileHeight; y++) {
      for (let x = 0; x < tileWidth; x++) {
        const source = Math.floor(y / scale) * width + Math.floor(x / scale);
        const target = ((row * (tileHeight + GAP) + y) * outWidth + column * (tileWidth + GAP) + x) * 3;
        data.set(pixel(source), target);
      }
    }
  };
  images.forEach((image, row) => {
    paint(row, 0, (index) => {
      const base = index * channels;
      return channels >= 3 ? [image[base]!, image[base + 1]!, image[base + 2]!] : [image[base]!, image[base]!, image[base]!];
    });
    columns.forEach((column, columnIndex) => {
      const labels = column.labelMaps[row]!;
      const truth = column.truths?.[row];
      if (truth === undefined) {
        paint(row, columnIndex + 1, (index) => colors[labels[index]!] ?? [255, 0, 255]);
        return;
      }
      const blended = blendPrediction({ height, width, image, channels, prediction: labels, truth, colors, transparent }).data;
      paint(row, columnIndex + 1, (index) => [blended[3 * index]!, blended[3 * index + 1]!, blended[3 * index + 2]!]);
    });
  });
  const grid = withLegend({ height: outHeight, width: outWidth, data }, legendEntries(samples.classNames, colors, columns.some((column) => column.truths !== undefined)));
  return encode({ width: grid.width, height: grid.height, data: grid.data, channels: 3, depth: 8 });
}

/** Reads and validates a run's samples file (path relative to the results folder). */
export async function readSamples(run: RunRecord, resultsDir: string): Promise<RunSamples> {
  if (!run.samplesFile) throw new BenchError(`run ${run.id} has no samplesFile`);
  const path = join(resultsDir, run.samplesFile);
  return parseWithSchema(runSamplesSchema, JSON.parse(await readFile(path, 'utf8')), `samples file ${path} is not a valid samples file`, FileContentError);
}

/** Decodes one base64 pixel array and checks its length against the samples' shape. */
export function decodePixels(base64: string, expectedLength: number, what: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  if (bytes.length !== expectedLength) throw new BenchError(`${what} has ${bytes.length} values, expected ${expectedLength}`);
  return bytes;
}
