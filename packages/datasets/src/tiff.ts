import UTIF, { type IFD } from 'utif';
import { DatasetError, fileError } from './errors';
import type { Raster } from './raster';

const tag = {
  width: 't256',
  height: 't257',
  bitsPerSample: 't258',
  compression: 't259',
  photometric: 't262',
  stripOffsets: 't273',
  samplesPerPixel: 't277',
  stripByteCounts: 't279',
  planarConfiguration: 't284',
} as const;

/**
 * Largest decoded image {@link readTiff} accepts: 1 GiB (a 16-bit RGB of 18000² pixels). A header claiming
 * more is refused before anything is allocated.
 */
export const MAX_TIFF_BYTES = 2 ** 30;

/** Best compression ratio a strip can have: Deflate's limit is about 1032:1; LZW and PackBits are far below. */
const MAX_COMPRESSION_RATIO = 1100;

/**
 * Decodes the first image of a TIFF file (8- or 16-bit, grey or RGB; uncompressed, LZW, PackBits or
 * Deflate, either byte order) into a {@link Raster}. WhiteIsZero images are inverted so that larger is
 * always brighter. Before anything is decoded the header is checked against the file: width × height ×
 * samples × bits within {@link MAX_TIFF_BYTES}, strips inside the file, and the strips' byte counts adding
 * up to exactly the image for uncompressed data (a 16-bit tag over 8-bit data is refused, not half
 * zeros). Truncated strips, unsupported layouts and undecodable data throw a DatasetError naming `file`.
 */
export function readTiff(buffer: Uint8Array, file = 'TIFF'): Raster {
  if (buffer.length < 8 || !((buffer[0] === 0x49 && buffer[1] === 0x49) || (buffer[0] === 0x4d && buffer[1] === 0x4d))) {
    throw fileError(file, 'not a TIFF file (missing II/MM byte-order mark)');
  }
  let ifd: IFD;
  try {
    checkDirectoryChain(buffer, file);
    const ifds = UTIF.decode(buffer);
    if (!ifds[0]) throw new Error('no image directory');
    ifd = ifds[0];
    checkHeader(ifd, file);
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

/** Bytes per value of each TIFF field type (1 BYTE … 12 DOUBLE). */
const FIELD_TYPE_BYTES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];

/**
 * Walks the chain of image directories as UTIF will, before it does: every directory and every value
 * array inside the file, no directory visited twice (a cycle would make UTIF loop forever), at most 256.
 */
function checkDirectoryChain(buffer: Uint8Array, file: string): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const littleEndian = buffer[0] === 0x49;
  const seen = new Set<number>();
  for (let offset = view.getUint32(4, littleEndian); offset !== 0; ) {
    if (seen.has(offset) || seen.size >= 256) throw fileError(file, `corrupt TIFF: the image directory chain loops or is too long (directory at byte ${offset})`);
    seen.add(offset);
    if (offset + 2 > buffer.length) throw fileError(file, `corrupt TIFF: image directory at byte ${offset} is outside the ${buffer.length}-byte file`);
    const entries = view.getUint16(offset, littleEndian);
    const end = offset + 2 + 12 * entries;
    if (end + 4 > buffer.length) throw fileError(file, `corrupt TIFF: image directory at byte ${offset} with ${entries} entries runs past the end of the file`);
    for (let entry = offset + 2; entry < end; entry += 12) {
      const size = (FIELD_TYPE_BYTES[view.getUint16(entry + 2, littleEndian)] ?? 0) * view.getUint32(entry + 4, littleEndian);
      if (size > 4 && view.getUint32(entry + 8, littleEndian) + size > buffer.length) {
        throw fileError(file, `corrupt TIFF: tag ${view.getUint16(entry, littleEndian)} points past the end of the file`);
      }
      // Sub-directories (SubIFDs, EXIF) would be walked recursively by UTIF; a tfseg image never needs them.
      const tagId = view.getUint16(entry, littleEndian);
      if (tagId === 330 || tagId === 34665 || tagId === 34853 || tagId === 50740) throw fileError(file, `sub-directories (tag ${tagId}) are not supported`);
    }
    offset = view.getUint32(end, littleEndian);
  }
}

/** Sizes, sample layout and strip byte counts against each other, before UTIF allocates the image. */
function checkHeader(ifd: IFD, file: string): void {
  const width = numberTag(ifd, tag.width) ?? 0;
  const height = numberTag(ifd, tag.height) ?? 0;
  if (!(width >= 1 && height >= 1)) throw fileError(file, `corrupt TIFF: the image directory has no width or height (${width}x${height})`);
  const channels = numberTag(ifd, tag.samplesPerPixel) ?? 1;
  const bitsPerSample = (ifd[tag.bitsPerSample] ?? [1]).map(Number);
  const bits = bitsPerSample[0] ?? 1;
  if (bits !== 8 && bits !== 16) throw fileError(file, `${bits}-bit samples are not supported (expected 8 or 16)`);
  if (bitsPerSample.some((value) => value !== bits)) throw fileError(file, `mixed bits per sample (${bitsPerSample.join(', ')}) are not supported`);
  if (!(channels >= 1 && channels <= 4)) throw fileError(file, `${channels} samples per pixel are not supported (expected 1 to 4)`);
  const imageBytes = width * height * channels * (bits / 8);
  if (imageBytes > MAX_TIFF_BYTES) {
    throw fileError(file, `${width}x${height}x${channels} at ${bits} bits is ${imageBytes} bytes, more than the ${MAX_TIFF_BYTES} this reader accepts`);
  }
  const stripBytes = (ifd[tag.stripByteCounts] ?? []).reduce((sum: number, count) => sum + Number(count), 0);
  const compression = numberTag(ifd, tag.compression) ?? 1;
  if (compression === 1 && stripBytes !== imageBytes) {
    throw fileError(file, `uncompressed ${width}x${height}x${channels} at ${bits} bits needs ${imageBytes} bytes, but its strips hold ${stripBytes} (wrong bits per sample or size?)`);
  }
  if (compression !== 1 && imageBytes > stripBytes * MAX_COMPRESSION_RATIO) {
    throw fileError(file, `${width}x${height}x${channels} at ${bits} bits (${imageBytes} bytes) cannot come from ${stripBytes} compressed bytes`);
  }
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
