import UTIF, { type IFD } from 'utif';
import { DatasetError, fileError } from './errors';
import type { Raster } from './raster';

const tag = {
  bitsPerSample: 't258',
  compression: 't259',
  photometric: 't262',
  stripOffsets: 't273',
  samplesPerPixel: 't277',
  stripByteCounts: 't279',
  planarConfiguration: 't284',
} as const;

/**
 * Decodes the first image of a TIFF file (8- or 16-bit, grey or RGB; uncompressed, LZW, PackBits or
 * Deflate, either byte order) into a {@link Raster}. WhiteIsZero images are inverted so that larger is
 * always brighter. Truncated strips, unsupported layouts and undecodable data throw a DatasetError naming
 * `file`.
 */
export function readTiff(buffer: Uint8Array, file = 'TIFF'): Raster {
  if (buffer.length < 8 || !((buffer[0] === 0x49 && buffer[1] === 0x49) || (buffer[0] === 0x4d && buffer[1] === 0x4d))) {
    throw fileError(file, 'not a TIFF file (missing II/MM byte-order mark)');
  }
  let ifd: IFD;
  try {
    const ifds = UTIF.decode(buffer);
    if (!ifds[0]) throw new Error('no image directory');
    ifd = ifds[0];
    checkStrips(ifd, buffer.length, file);
    UTIF.decodeImage(buffer, ifd, ifds);
  } catch (error) {
    if (DatasetError.isInstance(error)) throw error;
    throw fileError(file, 'corrupt or unsupported TIFF', error);
  }
  const width = ifd.width ?? 0;
  const height = ifd.height ?? 0;
  if (width < 1 || height < 1) throw fileError(file, 'corrupt TIFF: the image directory has no width or height');
  const channels = numberTag(ifd, tag.samplesPerPixel) ?? 1;
  const bits = numberTag(ifd, tag.bitsPerSample) ?? 1;
  if (bits !== 8 && bits !== 16) throw fileError(file, `${bits}-bit samples are not supported (expected 8 or 16)`);
  if (channels > 1 && (numberTag(ifd, tag.planarConfiguration) ?? 1) !== 1) {
    throw fileError(file, 'planar (non-interleaved) channels are not supported');
  }
  const bytes = ifd.data;
  const expected = width * height * channels * (bits / 8);
  if (!bytes || bytes.length < expected) {
    throw fileError(file, `truncated TIFF: image data has ${bytes?.length ?? 0} bytes, expected ${expected} for ${width}x${height}x${channels} at ${bits} bits`);
  }
  const data = bits === 8 ? bytes.slice(0, expected) : readUint16(bytes, expected / 2, ifd.isLE ?? false);
  if (numberTag(ifd, tag.photometric) === 0) {
    const max = bits === 8 ? 0xff : 0xffff;
    for (let i = 0; i < data.length; i++) data[i] = max - (data[i] as number);
  }
  return { height, width, channels, data };
}

function numberTag(ifd: IFD, name: `t${number}`): number | undefined {
  const value = ifd[name]?.[0];
  return typeof value === 'number' ? value : undefined;
}

/** UTIF silently decodes short strips; a strip that runs past the end of the file is a truncated file. */
function checkStrips(ifd: IFD, fileLength: number, file: string): void {
  const offsets = ifd[tag.stripOffsets] ?? [];
  const counts = ifd[tag.stripByteCounts] ?? [];
  for (let i = 0; i < offsets.length; i++) {
    const end = Number(offsets[i]) + Number(counts[i] ?? 0);
    if (end > fileLength) {
      throw fileError(file, `truncated TIFF: strip ${i} ends at byte ${end} but the file has ${fileLength} bytes`);
    }
  }
}

function readUint16(bytes: Uint8Array, count: number, littleEndian: boolean): Uint16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, littleEndian);
  return out;
}

/** Encodes an 8-bit grey (1 channel) or RGB (3 channels) raster as one uncompressed big-endian TIFF strip. */
export function writeTiff(raster: Raster<Uint8Array>): Uint8Array {
  const { width, height, channels, data } = raster;
  if (channels !== 1 && channels !== 3) {
    throw new DatasetError(`Error in writeTiff: raster.channels must be 1 or 3, but got ${channels}`);
  }
  if (data.length !== width * height * channels) {
    throw new DatasetError(`Error in writeTiff: raster.data must have ${width * height * channels} values, but got ${data.length}`);
  }
  const directory = (offset: number): Record<string, number[]> => ({
    t256: [width], t257: [height], t258: new Array<number>(channels).fill(8), t259: [1],
    t262: [channels === 1 ? 1 : 2], t273: [offset], t277: [channels], t278: [height], t279: [data.length], t284: [1],
  });
  // The header length does not depend on the offset value, so encode once to learn where the pixels go.
  const offset = UTIF.encode([directory(0)]).byteLength;
  const header = new Uint8Array(UTIF.encode([directory(offset)]));
  const out = new Uint8Array(offset + data.length);
  out.set(header);
  out.set(data, offset);
  return out;
}
