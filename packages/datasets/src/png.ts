import { convertIndexedToRgb, decode, encode } from 'fast-png';
import { DatasetError, fileError } from './errors';
import { inflatePng } from './png-inflate';
import type { Raster } from './raster';

/**
 * Decodes a PNG (any bit depth; grey, grey+alpha, RGB, RGBA or palette) into a {@link Raster}. Palette
 * images are expanded to RGB(A). Corrupt or truncated files throw a DatasetError naming `file`. In Node,
 * non-interlaced images inflate with node:zlib (png-inflate.ts); elsewhere fast-png decodes, to the same
 * pixels.
 */
export function readPng(buffer: Uint8Array, file = 'PNG'): Raster & { depth: number } {
  let png: ReturnType<typeof decode>;
  try {
    png = inflatePng(buffer) ?? decode(buffer, { checkCrc: true });
  } catch (error) {
    throw fileError(file, 'corrupt or truncated PNG', error);
  }
  const { width, height } = png;
  const expanded = png.palette
    ? { data: convertIndexedToRgb(png), channels: png.palette[0]?.length ?? 3 }
    : png.depth < 8 ? { data: unpackBits(png.data as Uint8Array, width, height, png.depth), channels: 1 } : png;
  const channels = expanded.channels;
  // Both decoders return fresh arrays: only a Uint8ClampedArray needs copying into a Uint8Array.
  const data = expanded.data instanceof Uint16Array || expanded.data instanceof Uint8Array ? expanded.data : Uint8Array.from(expanded.data);
  if (data.length < width * height * channels) {
    throw fileError(file, `truncated PNG: ${data.length} samples for ${width}x${height}x${channels}`);
  }
  return { height, width, channels, depth: png.palette ? 8 : png.depth, data };
}

/** fast-png returns 1-, 2- and 4-bit grey rows packed (each row starts on a byte); one value per byte here. */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)] ?? 0;
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** Encodes an 8-bit grey (1 channel) or RGB (3 channels) raster as a PNG. */
export function writePng(raster: Raster<Uint8Array>): Uint8Array {
  const { width, height, channels, data } = raster;
  if (data.length !== width * height * channels) {
    throw new DatasetError(`Error in writePng: raster.data must have ${width * height * channels} values, but got ${data.length}`);
  }
  return encode({ width, height, data, channels, depth: 8 });
}

/**
 * The single channel of a label image: grey as is, grey+alpha without alpha, RGB(A) only when R = G = B
 * (a colour label image is an error naming the file and the first coloured pixel).
 */
export function greyChannel(raster: Raster, file: string): Uint8Array | Uint16Array {
  const { width, height, channels, data } = raster;
  const count = width * height;
  if (channels === 1) return data.length === count ? data : data.subarray(0, count);
  const out = data instanceof Uint16Array ? new Uint16Array(count) : new Uint8Array(count);
  const colour = channels >= 3;
  for (let i = 0; i < count; i++) {
    const value = data[i * channels] as number;
    if (colour && (data[i * channels + 1] !== value || data[i * channels + 2] !== value)) {
      throw fileError(file, `expected a greyscale label image, but pixel (row ${Math.floor(i / width)}, column ${i % width}) is coloured`);
    }
    out[i] = value;
  }
  return out;
}
