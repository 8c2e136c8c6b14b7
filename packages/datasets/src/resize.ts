import { DatasetError } from './errors';

/** How image intensities are resampled: `bilinear` (half-pixel centres, as tf.image.resizeBilinear with halfPixelCenters) or `area` (box average over the covered source pixels, as OpenCV's INTER_AREA). */
export type ResizeMethod = 'bilinear' | 'area';

/** For each output coordinate: the source indices and weights (summing to 1) along one axis. */
interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

function bilinearTaps(source: number, target: number): AxisTaps {
  const ratio = source / target;
  const start = new Int32Array(target);
  const count = new Int32Array(target).fill(2);
  const index = new Int32Array(2 * target);
  const weight = new Float32Array(2 * target);
  for (let o = 0; o < target; o++) {
    const position = Math.min(Math.max((o + 0.5) * ratio - 0.5, 0), source - 1);
    const low = Math.floor(position);
    start[o] = 2 * o;
    index[2 * o] = low;
    index[2 * o + 1] = Math.min(low + 1, source - 1);
    weight[2 * o] = 1 - (position - low);
    weight[2 * o + 1] = position - low;
  }
  return { start, count, index, weight };
}

function areaTaps(source: number, target: number): AxisTaps {
  if (target > source) return bilinearTaps(source, target); // enlarging: area = bilinear (OpenCV does the same)
  const ratio = source / target;
  const start = new Int32Array(target);
  const count = new Int32Array(target);
  const indices: number[] = [];
  const weights: number[] = [];
  for (let o = 0; o < target; o++) {
    const from = o * ratio;
    const to = (o + 1) * ratio;
    start[o] = indices.length;
    for (let s = Math.floor(from); s < Math.min(Math.ceil(to), source); s++) {
      const overlap = Math.min(to, s + 1) - Math.max(from, s);
      if (overlap > 1e-9) {
        indices.push(s);
        weights.push(overlap / ratio);
      }
    }
    count[o] = indices.length - (start[o] as number);
  }
  return { start, count, index: Int32Array.from(indices), weight: Float32Array.from(weights) };
}

function checkSize(where: string, height: number, width: number, channels: number, length: number, targetHeight: number, targetWidth: number): void {
  if (length !== height * width * channels) {
    throw new DatasetError(`Error in ${where}: data must have height·width·channels = ${height * width * channels} values, but got ${length}`);
  }
  for (const [name, value] of [['targetHeight', targetHeight], ['targetWidth', targetWidth]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new DatasetError(`Error in ${where}: ${name} must be a positive integer, but got ${value}`);
  }
}

/**
 * Resizes an HWC float image to `targetHeight × targetWidth` with `method`, separably (rows, then
 * columns). Returns a new array; the input is untouched.
 */
export function resizeImage(data: Float32Array, height: number, width: number, channels: number, targetHeight: number, targetWidth: number, method: ResizeMethod = 'bilinear'): Float32Array {
  checkSize('resizeImage', height, width, channels, data.length, targetHeight, targetWidth);
  if (targetHeight === height && targetWidth === width) return data.slice();
  const taps = method === 'area' ? areaTaps : bilinearTaps;
  const rows = taps(height, targetHeight);
  const columns = taps(width, targetWidth);
  // Pass 1: resample columns of every source row → height × targetWidth.
  const half = new Float32Array(height * targetWidth * channels);
  for (let y = 0; y < height; y++) {
    for (let o = 0; o < targetWidth; o++) {
      const first = columns.start[o] as number;
      const end = first + (columns.count[o] as number);
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let t = first; t < end; t++) sum += (columns.weight[t] as number) * (data[(y * width + (columns.index[t] as number)) * channels + c] as number);
        half[(y * targetWidth + o) * channels + c] = sum;
      }
    }
  }
  // Pass 2: resample rows → targetHeight × targetWidth.
  const out = new Float32Array(targetHeight * targetWidth * channels);
  const rowLength = targetWidth * channels;
  for (let o = 0; o < targetHeight; o++) {
    const first = rows.start[o] as number;
    const end = first + (rows.count[o] as number);
    const base = o * rowLength;
    for (let t = first; t < end; t++) {
      const weight = rows.weight[t] as number;
      const source = (rows.index[t] as number) * rowLength;
      for (let i = 0; i < rowLength; i++) out[base + i] = (out[base + i] as number) + weight * (half[source + i] as number);
    }
  }
  return out;
}

/**
 * Resizes a label mask (HW class indices) by nearest neighbour with half-pixel centres (source index
 * `floor(source / target · (o + 0.5))`, as tf.image.resizeNearestNeighbor with halfPixelCenters), so no
 * new class values appear.
 */
export function resizeMask(mask: Uint8Array, height: number, width: number, targetHeight: number, targetWidth: number): Uint8Array {
  checkSize('resizeMask', height, width, 1, mask.length, targetHeight, targetWidth);
  const out = new Uint8Array(targetHeight * targetWidth);
  const columnIndex = new Int32Array(targetWidth);
  const columnRatio = width / targetWidth;
  const rowRatio = height / targetHeight;
  for (let x = 0; x < targetWidth; x++) columnIndex[x] = Math.min(width - 1, Math.floor(columnRatio * (x + 0.5)));
  for (let y = 0; y < targetHeight; y++) {
    const source = Math.min(height - 1, Math.floor(rowRatio * (y + 0.5))) * width;
    for (let x = 0; x < targetWidth; x++) out[y * targetWidth + x] = mask[source + (columnIndex[x] as number)] as number;
  }
  return out;
}
