/**
 * PNG decoding with Node's own zlib (native inflate and CRC-32), for {@link readPng} in Node: fast-png
 * inflates in JavaScript (fflate), which was ~40 % of decoding the Drosophila labels. Produces exactly
 * what fast-png's `decode` produces (rows unfiltered, samples of < 8 bits left packed, 16-bit samples in
 * a Uint16Array, the palette with tRNS alpha appended), so callers treat both the same. Where
 * `node:zlib` is not there (a browser) or the image is interlaced, it returns undefined and fast-png
 * decodes.
 */
import type { BitDepth, DecodedPng } from 'fast-png';

/** The parts of node:zlib used here (zlib.crc32 is Node ≥ 20.15). */
interface NodeZlib {
  inflateSync(data: Uint8Array): Uint8Array;
  crc32(data: Uint8Array): number;
}

const zlib: NodeZlib | undefined = (() => {
  // process.getBuiltinModule (Node ≥ 20.16) keeps node:zlib out of browser bundles.
  const loaded = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:zlib') as Partial<NodeZlib> | undefined;
  return typeof loaded?.inflateSync === 'function' && typeof loaded.crc32 === 'function' ? (loaded as NodeZlib) : undefined;
})();

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS = new Set([1, 2, 4, 8, 16]);

/** Whether {@link inflatePng} can decode here (Node's zlib is available). */
export const nativeInflateAvailable = zlib !== undefined;

/**
 * Decodes a non-interlaced PNG with node:zlib; undefined when that cannot be done here (no node:zlib, or
 * an interlaced image), so the caller falls back to fast-png. Throws an Error for a corrupt or truncated
 * file (bad signature, chunk past the end, CRC mismatch, missing IEND, undecodable or short image data).
 */
export function inflatePng(buffer: Uint8Array): DecodedPng | undefined {
  if (!zlib) return undefined;
  if (buffer.length < 8 || SIGNATURE.some((byte, index) => buffer[index] !== byte)) throw new Error('wrong PNG signature');
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let width = -1;
  let height = -1;
  let depth: BitDepth = 8;
  let colourType = -1;
  let interlace = 0;
  let palette: number[][] | undefined;
  const idat: Uint8Array[] = [];
  let offset = 8;
  for (let ended = false; !ended; ) {
    if (offset + 12 > buffer.length) throw new Error('truncated PNG: no IEND chunk');
    const length = view.getUint32(offset);
    const type = String.fromCharCode(buffer[offset + 4]!, buffer[offset + 5]!, buffer[offset + 6]!, buffer[offset + 7]!);
    const start = offset + 8;
    const end = start + length;
    if (end + 4 > buffer.length) throw new Error(`truncated PNG: chunk ${type} runs past the end of the file`);
    const crc = zlib.crc32(buffer.subarray(offset + 4, end));
    if (crc !== view.getUint32(end)) throw new Error(`CRC mismatch for chunk ${type}. Expected ${view.getUint32(end)}, found ${crc}`);
    const body = buffer.subarray(start, end);
    switch (type) {
      case 'IHDR': {
        if (length !== 13) throw new Error(`IHDR has ${length} bytes, expected 13`);
        width = view.getUint32(start);
        height = view.getUint32(start + 4);
        const bits = body[8]!;
        if (!DEPTHS.has(bits)) throw new Error(`invalid bit depth ${bits}`);
        depth = bits as BitDepth;
        colourType = body[9]!;
        if (CHANNELS[colourType] === undefined) throw new Error(`Unknown color type: ${colourType}`);
        if (body[10] !== 0) throw new Error(`Unsupported compression method: ${body[10]}`);
        if (body[11] !== 0) throw new Error(`Filter method ${body[11]} not supported`);
        interlace = body[12]!;
        if (interlace > 1) throw new Error(`Interlace method ${interlace} not supported`);
        break;
      }
      case 'PLTE':
        if (length % 3 !== 0) throw new Error(`PLTE field length must be a multiple of 3. Got ${length}`);
        palette = Array.from({ length: length / 3 }, (_, index) => [body[3 * index]!, body[3 * index + 1]!, body[3 * index + 2]!]);
        break;
      case 'tRNS':
        // Grey and RGB transparency is not used by readPng (fast-png keeps it aside); palette alpha is.
        if (colourType === 3) {
          if (!palette || length > palette.length) throw new Error(`tRNS chunk contains more alpha values than there are palette colors (${length} vs ${palette?.length ?? 0})`);
          palette.forEach((entry, index) => entry.push(index < length ? body[index]! : 255));
        } else if (colourType === 4 || colourType === 6) {
          throw new Error(`tRNS chunk is not supported for color type ${colourType}`);
        }
        break;
      case 'IDAT':
        idat.push(body);
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        break;
    }
    offset = end + 4;
  }
  if (width < 0) throw new Error('no IHDR chunk');
  if (interlace === 1) return undefined;
  const channels = CHANNELS[colourType]!;
  const bytesPerPixel = Math.ceil(depth / 8) * channels;
  const bytesPerLine = Math.ceil((depth / 8) * channels * width);
  const filtered = zlib.inflateSync(idat.length === 1 ? idat[0]! : concat(idat));
  if (filtered.length < height * (bytesPerLine + 1)) {
    throw new Error(`truncated PNG: ${filtered.length} bytes of image data for ${height} rows of ${bytesPerLine + 1}`);
  }
  const rows = unfilter(filtered, height, bytesPerLine, bytesPerPixel);
  const data = depth === 16 ? bigEndian16(rows) : rows;
  return { width, height, depth, channels, data, text: {}, ...(palette && colourType === 3 ? { palette } : {}) };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Reverses the PNG row filters (None, Sub, Up, Average, Paeth; PNG spec 9.2) into packed rows. The first
 * `bpp` bytes of a row (no left neighbour) and the first row (no row above: fast-png and the spec treat it
 * as zeros) are handled apart, so the inner loops have no branches.
 */
function unfilter(filtered: Uint8Array, height: number, bytesPerLine: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * bytesPerLine);
  const zeros = new Uint8Array(bytesPerLine);
  const head = Math.min(bpp, bytesPerLine);
  for (let row = 0; row < height; row++) {
    const source = row * (bytesPerLine + 1) + 1;
    const filter = filtered[source - 1];
    const line = filtered.subarray(source, source + bytesPerLine);
    const current = out.subarray(row * bytesPerLine, (row + 1) * bytesPerLine);
    const above = row === 0 ? zeros : out.subarray((row - 1) * bytesPerLine, row * bytesPerLine);
    switch (filter) {
      case 0:
        current.set(line);
        break;
      case 1:
        for (let i = 0; i < head; i++) current[i] = line[i]!;
        for (let i = bpp; i < bytesPerLine; i++) current[i] = line[i]! + current[i - bpp]!;
        break;
      case 2:
        for (let i = 0; i < bytesPerLine; i++) current[i] = line[i]! + above[i]!;
        break;
      case 3:
        for (let i = 0; i < head; i++) current[i] = line[i]! + (above[i]! >> 1);
        for (let i = bpp; i < bytesPerLine; i++) current[i] = line[i]! + ((current[i - bpp]! + above[i]!) >> 1);
        break;
      case 4:
        // Paeth with no left neighbour predicts from the byte above.
        for (let i = 0; i < head; i++) current[i] = line[i]! + above[i]!;
        for (let i = bpp; i < bytesPerLine; i++) current[i] = line[i]! + paeth(current[i - bpp]!, above[i]!, above[i - bpp]!);
        break;
      default:
        throw new Error(`Unsupported filter: ${filter}`);
    }
  }
  return out;
}

/** The Paeth predictor (PNG spec 9.4): whichever of left, above, upper-left is nearest left + above − upper-left. */
function paeth(left: number, above: number, upperLeft: number): number {
  const estimate = left + above - upperLeft;
  const toLeft = Math.abs(estimate - left);
  const toAbove = Math.abs(estimate - above);
  const toUpperLeft = Math.abs(estimate - upperLeft);
  return toLeft <= toAbove && toLeft <= toUpperLeft ? left : toAbove <= toUpperLeft ? above : upperLeft;
}

function bigEndian16(bytes: Uint8Array): Uint16Array {
  const out = new Uint16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;
  return out;
}
