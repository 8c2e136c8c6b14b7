/**
 * The Node PNG path (node:zlib inflate + our unfiltering) against fast-png, the decoder it replaces in
 * Node: the same pixels, palette and shape on the vendored Drosophila labels and on PNGs of every colour
 * type and bit depth, every row filter and split image data; damaged files still fail, naming the file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { decode } from 'fast-png';
import { DatasetError, getDataset, readPng } from '@tfseg/datasets';
import { inflatePng, nativeInflateAvailable } from './png-inflate';

/** Channels of each PNG colour type: grey, RGB, palette, grey+alpha, RGBA. */
const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;
type ColourType = keyof typeof CHANNELS;
const DEPTHS: Record<ColourType, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, tail]);
}

/** The PNG filter `type` applied to `row` given the row above (zeros for the first), PNG spec 9.2. */
function filterRow(type: number, row: Uint8Array, above: Uint8Array, bpp: number): Uint8Array {
  const out = new Uint8Array(row.length);
  for (let i = 0; i < row.length; i++) {
    const left = i >= bpp ? (row[i - bpp] as number) : 0;
    const up = above[i] as number;
    const upperLeft = i >= bpp ? (above[i - bpp] as number) : 0;
    const p = left + up - upperLeft;
    const paeth = Math.abs(p - left) <= Math.abs(p - up) && Math.abs(p - left) <= Math.abs(p - upperLeft) ? left : Math.abs(p - up) <= Math.abs(p - upperLeft) ? up : upperLeft;
    const predictor = [0, left, up, (left + up) >> 1, paeth][type] as number;
    out[i] = ((row[i] as number) - predictor) & 0xff;
  }
  return out;
}

interface PngSpec {
  width: number;
  height: number;
  colourType: ColourType;
  depth: number;
  /** Packed rows as stored in the PNG (big-endian 16-bit samples), before filtering. */
  rows: Uint8Array[];
  filters: number[];
  palette?: number[][];
  alphas?: number[];
  /** Image data split into this many IDAT chunks. */
  parts: number;
}

/** Writes a PNG from raw rows with the given per-row filters: no encoder's choices in the way. */
function encodePng(spec: PngSpec): Uint8Array {
  const { width, height, colourType, depth, rows, filters } = spec;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([depth, colourType, 0, 0, 0], 8);
  const bpp = Math.ceil(depth / 8) * CHANNELS[colourType];
  const filtered = rows.flatMap((row, y) => [Uint8Array.of(filters[y] as number), filterRow(filters[y] as number, row, rows[y - 1] ?? new Uint8Array(row.length), bpp)]);
  const compressed = deflateSync(Buffer.concat(filtered));
  const size = Math.ceil(compressed.length / spec.parts);
  const idat = Array.from({ length: spec.parts }, (_, index) => chunk('IDAT', compressed.subarray(index * size, (index + 1) * size)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    ...(spec.palette ? [chunk('PLTE', Uint8Array.from(spec.palette.flat()))] : []),
    ...(spec.alphas ? [chunk('tRNS', Uint8Array.from(spec.alphas))] : []),
    ...idat,
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const pngSpec: fc.Arbitrary<PngSpec> = fc
  .record({ width: fc.integer({ min: 1, max: 19 }), height: fc.integer({ min: 1, max: 9 }), colourType: fc.constantFrom<ColourType>(0, 2, 3, 4, 6), pick: fc.nat(), parts: fc.integer({ min: 1, max: 3 }), seed: fc.nat() })
  .chain(({ width, height, colourType, pick, parts }) => {
    const depths = DEPTHS[colourType];
    const depth = depths[pick % depths.length] as number;
    const rowBytes = Math.ceil((depth * CHANNELS[colourType] * width) / 8);
    const paletteSize = colourType === 3 ? 2 ** Math.min(depth, 4) : 0;
    return fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      colourType: fc.constant(colourType),
      depth: fc.constant(depth),
      // Palette indices stay inside the palette; other samples take any value.
      rows: fc.array(fc.uint8Array({ minLength: rowBytes, maxLength: rowBytes }), { minLength: height, maxLength: height }).map((rows) =>
        colourType === 3 && depth === 8 ? rows.map((row) => row.map((value) => value % paletteSize)) : rows),
      filters: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: height, maxLength: height }),
      palette: colourType === 3 ? fc.array(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 3, maxLength: 3 }), { minLength: paletteSize, maxLength: paletteSize }) : fc.constant(undefined),
      alphas: colourType === 3 ? fc.option(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: paletteSize }), { nil: undefined }) : fc.constant(undefined),
      parts: fc.constant(parts),
    });
  })
  .map((spec) => Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined)) as unknown as PngSpec);

type Decoded = { width: number; height: number; depth: number; channels: number; data: Uint8Array | Uint8ClampedArray | Uint16Array; palette?: number[][] | undefined };

/** What readPng reads from a decoder's result; the samples as bytes (a deep toEqual of 1M values is slow). */
function essentials(png: Decoded): unknown {
  const { width, height, depth, channels, data, palette } = png;
  return { width, height, depth, channels, type: data.constructor.name, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), palette };
}

describe('PNG decoding with node:zlib', () => {
  it('is what Node uses', () => {
    expect(nativeInflateAvailable).toBe(true);
  });

  it('decodes the vendored Drosophila labels to exactly fast-png\'s pixels', () => {
    const folder = join(getDataset('drosophila').defaultRoot as string, 'stack1', 'labels');
    const files = readdirSync(folder).filter((file) => file.endsWith('.png'));
    expect(files).toHaveLength(20);
    for (const file of files) {
      const bytes = readFileSync(join(folder, file));
      const ours = inflatePng(bytes);
      expect(ours).toBeDefined();
      expect(essentials(ours!)).toEqual(essentials(decode(bytes, { checkCrc: true })));
    }
  });

  it('agrees with fast-png for every colour type, bit depth and row filter, and gives back the encoded rows', () => {
    fc.assert(
      fc.property(pngSpec, (spec) => {
        const bytes = encodePng(spec);
        const ours = inflatePng(bytes);
        expect(ours).toBeDefined();
        const theirs = decode(bytes, { checkCrc: true });
        expect(essentials(ours!)).toEqual(essentials(theirs));
        const packed = Buffer.concat(spec.rows);
        const expected = spec.depth === 16 ? Array.from({ length: packed.length / 2 }, (_, i) => packed.readUInt16BE(2 * i)) : Array.from(packed);
        expect(Array.from(ours!.data)).toEqual(expected);
        // readPng expands palettes and unpacks small depths from exactly these fields, as before.
        expect(readPng(bytes).height).toBe(spec.height);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves interlaced images to fast-png', () => {
    const bytes = Buffer.from(encodePng({ width: 3, height: 2, colourType: 0, depth: 8, rows: [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6)], filters: [0, 0], parts: 1 }));
    // Interlace method 1 (Adam7) in IHDR (byte 12 of its body), with the chunk's CRC redone.
    bytes[8 + 8 + 12] = 1;
    bytes.writeUInt32BE(crc32(bytes.subarray(12, 12 + 4 + 13)), 8 + 8 + 13);
    expect(inflatePng(bytes)).toBeUndefined();
  });

  it('throws for any truncation or changed byte, and readPng names the file', () => {
    const bytes = encodePng({ width: 7, height: 5, colourType: 2, depth: 8, rows: Array.from({ length: 5 }, (_, y) => Uint8Array.from({ length: 21 }, (_, x) => x * 11 + y)), filters: [0, 1, 2, 3, 4], parts: 2 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, flip, truncate) => {
        const damaged = truncate ? bytes.subarray(0, at) : Uint8Array.from(bytes, (value, index) => (index === at ? value ^ flip : value));
        expect(() => inflatePng(damaged)).toThrow();
        expect(() => readPng(damaged, 'broken.png')).toThrow(DatasetError);
        expect(() => readPng(damaged, 'broken.png')).toThrow(/broken\.png: corrupt or truncated PNG/);
      }),
      { numRuns: 300 },
    );
  });
});
