/**
 * Forged and damaged headers: the NIfTI and TIFF readers either return what the file really holds or
 * throw a DatasetError naming the file — never garbage, never NaN pixels, never another exception, and
 * never a big allocation for a small file. The fuzz part mutates valid files (fast-check) and counts
 * outcomes; set TFSEG_FUZZ_REPORT=1 to print the counts (they are quoted in the package README).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { DatasetError, MAX_NIFTI_VOXELS, readNifti, readTiff, writeNifti, writeTiff } from '@tfseg/datasets';

/** Patches the value of TIFF tag `id` in the first directory of a big-endian TIFF written by writeTiff. */
function patchTiffTag(file: Uint8Array, id: number, value: number): Uint8Array {
  const bytes = Buffer.from(file);
  const directory = bytes.readUInt32BE(4);
  const entries = bytes.readUInt16BE(directory);
  for (let entry = directory + 2; entry < directory + 2 + 12 * entries; entry += 12) {
    if (bytes.readUInt16BE(entry) !== id) continue;
    const type = bytes.readUInt16BE(entry + 2);
    if (type === 3) bytes.writeUInt16BE(value, entry + 8);
    else bytes.writeUInt32BE(value, entry + 8);
    return new Uint8Array(bytes);
  }
  throw new Error(`tag ${id} not found`);
}

const TIFF_TAGS = { width: 256, height: 257, bitsPerSample: 258, compression: 259, samplesPerPixel: 277, stripByteCounts: 279 } as const;

/** A NIfTI header field, by its byte offset and type. */
const NIFTI_FIELDS = { voxOffset: [108, 'f32'], sclSlope: [112, 'f32'], sclInter: [116, 'f32'], dim1: [42, 'i16'], dim2: [44, 'i16'], dim3: [46, 'i16'], datatype: [70, 'i16'] } as const;

function patchNifti(file: Uint8Array, field: keyof typeof NIFTI_FIELDS, value: number): Uint8Array {
  const bytes = Uint8Array.from(file);
  const view = new DataView(bytes.buffer);
  const [offset, type] = NIFTI_FIELDS[field];
  if (type === 'f32') view.setFloat32(offset, value, true);
  else view.setInt16(offset, value, true);
  return bytes;
}

const volume = Float32Array.from({ length: 4 * 5 * 3 }, (_, i) => (i * 37) % 251);
const validNifti = writeNifti([4, 5, 3], volume, { datatype: 'int16' });

describe('NIfTI header validation (issue #17 items 4 and 6)', () => {
  it('refuses vox_offset NaN, fractional, below the header or beyond the file, naming the file', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, 351.5, 0, -352, 1e9]) {
      expect(() => readNifti(patchNifti(validNifti, 'voxOffset', value), 'v.nii')).toThrow(/^v\.nii: (vox_offset must be a whole number ≥ 348|truncated NIfTI)/);
    }
  });

  it('refuses an infinite scl_slope or scl_inter and voxels that are NaN or infinite; NaN or 0 slope means unscaled', () => {
    for (const value of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => readNifti(patchNifti(validNifti, 'sclSlope', value), 's.nii')).toThrow(`s.nii: scl_slope must be finite (or 0 for unscaled data), but is ${value}`);
    }
    expect(() => readNifti(patchNifti(patchNifti(validNifti, 'sclSlope', 2), 'sclInter', Number.POSITIVE_INFINITY), 's.nii')).toThrow('s.nii: scl_inter must be finite, but is Infinity');
    expect(Array.from(readNifti(patchNifti(validNifti, 'sclSlope', Number.NaN)).data)).toEqual(Array.from(volume));
    const withNaN = Float32Array.from(volume);
    withNaN[7] = Number.NaN;
    expect(() => readNifti(writeNifti([4, 5, 3], withNaN), 'n.nii')).toThrow('n.nii: 1 of 60 voxels are NaN or infinite after scaling (first at index 7: NaN)');
    // A finite slope that overflows float32 is caught the same way.
    expect(() => readNifti(patchNifti(validNifti, 'sclSlope', 3e38), 'o.nii')).toThrow(/o\.nii: \d+ of 60 voxels are NaN or infinite/);
  });

  it('refuses dims larger than the file or than the bound before allocating, also for a small .nii.gz', () => {
    const big = patchNifti(patchNifti(patchNifti(validNifti, 'dim1', 32767), 'dim2', 32767), 'dim3', 1);
    expect(() => readNifti(big, 'b.nii')).toThrow(/^b\.nii: dims 32767x32767x1 claim 1073676289 voxels, more than the 268435456/);
    const claimsMore = patchNifti(validNifti, 'dim3', 300);
    expect(() => readNifti(claimsMore, 'c.nii')).toThrow(/^c\.nii: truncated NIfTI: 4x5x300 int16 voxels need 12352 bytes/);
    // 2^28 zero voxels compress to about 250 KiB; the header says 4x5x3, so inflating stops early.
    const bomb = gzipSync(Buffer.concat([Buffer.from(validNifti.subarray(0, 352)), Buffer.alloc(MAX_NIFTI_VOXELS)]));
    const before = process.memoryUsage().rss;
    expect(() => readNifti(bomb, 'bomb.nii.gz')).toThrow(/^bomb\.nii\.gz: inflates to more than the 472 bytes its header describes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });
});

const grey = Uint8Array.from({ length: 6 * 5 }, (_, i) => (i * 29) % 256);
const validTiff = writeTiff({ height: 5, width: 6, channels: 1, data: grey });

describe('TIFF header validation (issue #17 items 5 and 6)', () => {
  it('refuses a 16-bit tag over 8-bit data instead of loading half the image as zeros', () => {
    expect(() => readTiff(patchTiffTag(validTiff, TIFF_TAGS.bitsPerSample, 16), 'x.tif')).toThrow(
      'x.tif: uncompressed 6x5x1 at 16 bits needs 60 bytes, but its strips hold 30 (wrong bits per sample or size?)',
    );
  });

  it('refuses a header claiming 60000² pixels at once, before allocating', () => {
    const huge = patchTiffTag(patchTiffTag(validTiff, TIFF_TAGS.width, 60000), TIFF_TAGS.height, 60000);
    const started = Date.now();
    expect(() => readTiff(huge, 'h.tif')).toThrow('h.tif: 60000x60000x1 at 8 bits is 3600000000 bytes, more than the 1073741824 this reader accepts');
    expect(Date.now() - started).toBeLessThan(5000);
    const compressed = patchTiffTag(patchTiffTag(patchTiffTag(validTiff, TIFF_TAGS.width, 20000), TIFF_TAGS.height, 20000), TIFF_TAGS.compression, 8);
    expect(() => readTiff(compressed, 'd.tif')).toThrow('d.tif: 20000x20000x1 at 8 bits (400000000 bytes) cannot come from 30 compressed bytes');
  });
});

interface FuzzCounts {
  cases: number;
  rejected: number;
  accepted: number;
  nanFound: number;
}

const report = (name: string, counts: FuzzCounts): void => {
  if (process.env.TFSEG_FUZZ_REPORT) console.log(`${name}: ${JSON.stringify(counts)}`);
};

/** Runs `read` on `bytes`: a DatasetError is a rejection; any other exception fails the property. */
function outcome<T>(read: () => T, counts: FuzzCounts): T | undefined {
  counts.cases += 1;
  try {
    const value = read();
    counts.accepted += 1;
    return value;
  } catch (error) {
    if (!DatasetError.isInstance(error)) throw error;
    expect((error as Error).message).toMatch(/^fuzz\.(nii|tif): /);
    counts.rejected += 1;
    return undefined;
  }
}

const interesting = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1, 1, 348, 352, 353, 2 ** 31, -(2 ** 31), 32767, -32768, 3e38),
  fc.double(),
  fc.integer({ min: -40000, max: 40000 }),
);

describe('fuzzing the readers (fast-check)', () => {
  it('NIfTI: a mutated header field or flipped bytes give the real data or a DatasetError, never NaN', () => {
    const counts: FuzzCounts = { cases: 0, rejected: 0, accepted: 0, nanFound: 0 };
    const mutation = fc.oneof(
      fc.record({ field: fc.constantFrom(...(Object.keys(NIFTI_FIELDS) as (keyof typeof NIFTI_FIELDS)[])), value: interesting }).map(({ field, value }) => (file: Uint8Array) => patchNifti(file, field, value)),
      fc.array(fc.record({ at: fc.nat({ max: 471 }), value: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 8 }).map((flips) => (file: Uint8Array) => {
        const bytes = Uint8Array.from(file);
        for (const { at, value } of flips) bytes[at] = value;
        return bytes;
      }),
      fc.nat({ max: 471 }).map((length) => (file: Uint8Array) => file.subarray(0, length)),
    );
    fc.assert(
      fc.property(fc.constantFrom('int16', 'float32', 'uint8', 'float64') as fc.Arbitrary<'int16' | 'float32' | 'uint8' | 'float64'>, fc.boolean(), mutation, (datatype, gzip, mutate) => {
        const mutated = mutate(writeNifti([4, 5, 3], volume, { datatype }));
        const result = outcome(() => readNifti(gzip ? gzipSync(mutated) : mutated, 'fuzz.nii'), counts);
        if (!result) return;
        if (result.data.some((value) => !Number.isFinite(value))) counts.nanFound += 1;
        expect(result.data.every(Number.isFinite)).toBe(true);
        expect(result.data.length).toBe(result.dims.reduce((product, size) => product * size, 1));
      }),
      { numRuns: 1500 },
    );
    report('nifti', counts);
    expect(counts.nanFound).toBe(0);
    expect(counts.rejected).toBeGreaterThan(0);
  });

  it('TIFF: a mutated tag or flipped bytes give an image whose size matches its data, or a DatasetError', () => {
    const counts: FuzzCounts = { cases: 0, rejected: 0, accepted: 0, nanFound: 0 };
    const tagValue = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 60000, 65535), fc.nat({ max: 2 ** 32 - 1 }));
    const mutation = fc.oneof(
      fc.record({ id: fc.constantFrom(...Object.values(TIFF_TAGS)), value: tagValue }).map(({ id, value }) => (file: Uint8Array) => patchTiffTag(file, id, id === TIFF_TAGS.stripByteCounts ? value : value % 65536)),
      fc.array(fc.record({ at: fc.nat({ max: validTiff.length - 1 }), value: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 8 }).map((flips) => (file: Uint8Array) => {
        const bytes = Uint8Array.from(file);
        for (const { at, value } of flips) bytes[at] = value;
        return bytes;
      }),
      fc.nat({ max: validTiff.length - 1 }).map((length) => (file: Uint8Array) => file.subarray(0, length)),
    );
    fc.assert(
      fc.property(mutation, (mutate) => {
        const result = outcome(() => readTiff(mutate(validTiff), 'fuzz.tif'), counts);
        if (!result) return;
        expect(result.data.length).toBe(result.width * result.height * result.channels);
      }),
      { numRuns: 1500 },
    );
    report('tiff', counts);
    expect(counts.rejected).toBeGreaterThan(0);
  });
});
