import { gunzipSync, gzipSync } from 'node:zlib';

const readNiftiBytes = (file: Uint8Array): Uint8Array => new Uint8Array(gunzipSync(file));
import fc from 'fast-check';
import { readNifti, writeNifti, type NiftiDatatype } from '@tfseg/datasets';
import { expectAllClose } from '@tfseg-internal/testing';

const ranges: Record<NiftiDatatype, [number, number]> = {
  uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767], uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1], float32: [-1e6, 1e6], float64: [-1e6, 1e6],
};
const integerTypes = new Set<NiftiDatatype>(['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32']);

/** A NIfTI-1 file built byte by byte here (independently of writeNifti): 3x2x2 int16, big-endian. */
function handBuiltBigEndian(): Uint8Array {
  const bytes = new Uint8Array(352 + 12 * 2);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 348, false);
  [3, 3, 2, 2, 1, 1, 1, 1].forEach((size, i) => view.setInt16(40 + 2 * i, size, false));
  view.setInt16(70, 4, false); // int16
  view.setInt16(72, 16, false);
  view.setFloat32(108, 352, false);
  view.setFloat32(112, 2, false); // slope
  view.setFloat32(116, -1, false); // intercept
  bytes.set([0x6e, 0x2b, 0x31, 0], 344);
  for (let i = 0; i < 12; i++) view.setInt16(352 + 2 * i, 10 * i - 50, false); // voxel i (x fastest) stores 10i - 50
  return bytes;
}

describe('readNifti', () => {
  it('reads a hand-built big-endian int16 file with slope and intercept, x fastest', () => {
    const volume = readNifti(handBuiltBigEndian());
    expect(volume.dims).toEqual([3, 2, 2]);
    expect(volume.datatype).toBe('int16');
    expect(volume.littleEndian).toBe(false);
    // value = 2 · stored − 1; voxel (x, y, z) is element x + 3y + 6z.
    expect(Array.from(volume.data)).toEqual(Array.from({ length: 12 }, (_, i) => 2 * (10 * i - 50) - 1));
  });

  it('reads the same file gzipped', () => {
    expect(Array.from(readNifti(gzipSync(handBuiltBigEndian())).data)).toEqual(Array.from(readNifti(handBuiltBigEndian()).data));
  });

  it('round-trips every datatype, byte order and compression', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<NiftiDatatype>('uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'),
        fc.boolean(),
        fc.boolean(),
        fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 })),
        fc.integer(),
        (datatype, littleEndian, gzip, dims, seed) => {
          const [low, high] = ranges[datatype];
          const count = dims[0] * dims[1] * dims[2];
          const values = Array.from({ length: count }, (_, i) => {
            const unit = Math.abs(Math.sin(seed + i * 12.9898)) % 1;
            const value = low + unit * (high - low);
            return integerTypes.has(datatype) ? Math.round(value) : value;
          });
          const volume = readNifti(writeNifti(dims, values, { datatype, littleEndian, gzip }));
          expect(volume.dims).toEqual(dims);
          expect(volume.datatype).toBe(datatype);
          expect(volume.littleEndian).toBe(littleEndian);
          // float32 storage and Float32Array output round to 24 bits.
          expectAllClose(volume.data, values, 1e-6, 0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('applies scl_slope/scl_inter, and treats slope 0 as unscaled', () => {
    expect(Array.from(readNifti(writeNifti([2], [3, 4], { datatype: 'uint8', slope: 8, intercept: -1100 })).data)).toEqual([-1076, -1068]);
    expect(Array.from(readNifti(writeNifti([2], [3, 4], { datatype: 'uint8', slope: 0, intercept: 5 })).data)).toEqual([3, 4]);
  });

  it('names the file and the problem for truncated, corrupt and unsupported files', () => {
    const good = writeNifti([4, 4, 2], new Array(32).fill(1), { datatype: 'int16' });
    expect(() => readNifti(good.subarray(0, good.length - 1), 'tr_im.nii')).toThrow(/tr_im\.nii: truncated NIfTI: 4x4x2 int16 voxels need 416 bytes/);
    expect(() => readNifti(good.subarray(0, 100), 'tr_im.nii')).toThrow(/tr_im\.nii: truncated NIfTI: 100 bytes, shorter than the 348-byte header/);
    const zipped = gzipSync(good);
    expect(() => readNifti(zipped.subarray(0, zipped.length - 10), 'tr_im.nii.gz')).toThrow(/tr_im\.nii\.gz: corrupt or truncated gzip stream/);
    const nifti2 = new Uint8Array(600);
    new DataView(nifti2.buffer).setInt32(0, 540, true);
    expect(() => readNifti(nifti2, 'x.nii')).toThrow(/x\.nii: NIfTI-2 is not supported/);
    expect(() => readNifti(new Uint8Array(400), 'x.nii')).toThrow(/x\.nii: not a NIfTI-1 file/);
    const pair = good.slice();
    pair.set([0x6e, 0x69, 0x31], 344);
    expect(() => readNifti(pair, 'x.hdr')).toThrow(/header-only NIfTI/);
    const complex = good.slice();
    new DataView(complex.buffer).setInt16(70, 32, true);
    expect(() => readNifti(complex, 'x.nii')).toThrow(/x\.nii: NIfTI datatype 32 is not supported/);
  });
});

describe('writeNifti', () => {
  it('keeps qform, sform and units through a read/write round trip, and writes unknown placement by default', () => {
    const geometry = { qformCode: 1, sformCode: 2, qfac: -1, quatern: [0, 0, 1] as [number, number, number], qoffset: [-120.5, 98.25, -40] as [number, number, number], srow: [-0.5, 0, 0, 120.5, 0, -0.5, 0, 98.25, 0, 0, 2.5, -40], xyztUnits: 10 };
    for (const littleEndian of [true, false]) {
      const file = writeNifti([2, 2, 1], [0, 1, 2, 3], { datatype: 'uint8', littleEndian, gzip: true, spacing: [0.5, 0.5, 2.5], geometry });
      const volume = readNifti(file);
      expect(volume.geometry).toEqual(geometry);
      // Bytes where NIfTI-1 puts them, read independently of readNifti: qform_code at 252, srow_z[3] at 324.
      const view = new DataView(readNiftiBytes(file).buffer);
      expect([view.getInt16(252, littleEndian), view.getInt16(254, littleEndian), view.getFloat32(76, littleEndian), view.getFloat32(324, littleEndian), view.getUint8(123)]).toEqual([1, 2, -1, -40, 10]);
      // Written again from what was read, the header is byte-identical.
      expect(writeNifti(volume.dims, [0, 1, 2, 3], { datatype: 'uint8', littleEndian, spacing: volume.spacing, geometry: volume.geometry })).toEqual(readNiftiBytes(file));
    }
    expect(readNifti(writeNifti([1], [0])).geometry).toMatchObject({ qformCode: 0, sformCode: 0, qfac: 1 });
    expect(() => writeNifti([1], [0], { geometry: { ...geometry, srow: [1, 2] } })).toThrow(/Error in writeNifti: options\.geometry\.srow: /);
  });

  it('rejects values that do not fit the datatype and wrong lengths, naming them', () => {
    expect(() => writeNifti([2], [1, 300], { datatype: 'uint8' })).toThrow('Error in writeNifti: stored[1] = 300 does not fit uint8 (0..255)');
    expect(() => writeNifti([2, 2], [1, 2, 3])).toThrow('Error in writeNifti: stored must have 4 values for dims [2, 2], but got 3');
    expect(() => writeNifti([2], [1, 2], { datatype: 'complex64' as NiftiDatatype })).toThrow(/Error in writeNifti: options\.datatype: Invalid option/);
  });
});
