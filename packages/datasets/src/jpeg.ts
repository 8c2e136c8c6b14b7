import * as jpeg from 'jpeg-js';
import { DatasetError, fileError } from './errors';
import type { Raster } from './raster';

/** Decodes a baseline or progressive JPEG into an 8-bit RGB {@link Raster}; corrupt files throw naming `file`. */
export function readJpeg(buffer: Uint8Array, file = 'JPEG'): Raster<Uint8Array> {
  if (buffer.length < 4 || buffer[0] !== 0xff || buffer[1] !== 0xd8) throw fileError(file, 'not a JPEG file (missing SOI marker)');
  // jpeg-js fills the missing part of a cut-off scan with grey; a JPEG must end with its EOI marker.
  if (buffer[buffer.length - 2] !== 0xff || buffer[buffer.length - 1] !== 0xd9) throw fileError(file, 'truncated JPEG (missing EOI marker at the end)');
  try {
    const image = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxMemoryUsageInMB: 1024 });
    return { height: image.height, width: image.width, channels: 3, data: image.data };
  } catch (error) {
    throw fileError(file, 'corrupt JPEG', error);
  }
}

/** Encodes an 8-bit RGB raster as a JPEG of the given quality (1–100). */
export function writeJpeg(raster: Raster<Uint8Array>, quality = 95): Uint8Array {
  const { width, height, channels, data } = raster;
  if (channels !== 3 || data.length !== width * height * 3) {
    throw new DatasetError(`Error in writeJpeg: raster must be RGB with ${width * height * 3} values, but got ${channels} channels and ${data.length} values`);
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    rgba[j] = data[i] as number;
    rgba[j + 1] = data[i + 1] as number;
    rgba[j + 2] = data[i + 2] as number;
    rgba[j + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ width, height, data: rgba }, quality).data);
}
