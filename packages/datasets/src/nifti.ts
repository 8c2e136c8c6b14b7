import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { DatasetError, fileError } from './errors';
import { readDataFile } from './source';
import { parseWithSchema } from './tfseg-error';

/** NIfTI-1 voxel datatypes this package reads and writes: code, bytes per voxel, DataView getter/setter. */
const datatypes = {
  uint8: { code: 2, bytes: 1 },
  int16: { code: 4, bytes: 2 },
  int32: { code: 8, bytes: 4 },
  float32: { code: 16, bytes: 4 },
  float64: { code: 64, bytes: 8 },
  int8: { code: 256, bytes: 1 },
  uint16: { code: 512, bytes: 2 },
  uint32: { code: 768, bytes: 4 },
} as const;

/** A NIfTI-1 voxel datatype name. */
export type NiftiDatatype = keyof typeof datatypes;
const datatypeNames = Object.keys(datatypes) as NiftiDatatype[];

const headerBytes = 348;

const finite = z.number().refine(Number.isFinite, 'must be finite');
/**
 * Where the voxels sit in the scanner's space: the header's qform (quaternion, offset and qfac, with its
 * code) and sform (the 3×4 affine `srow_x`, `srow_y`, `srow_z`, with its code) and the spatial/temporal
 * units, as NIfTI-1 defines them. {@link readNifti} returns it and {@link writeNifti} takes it, so a mask
 * predicted from a CT volume lies exactly on that volume in a viewer (ITK-SNAP, 3D Slicer, nibabel).
 */
export const niftiGeometrySchema = z.strictObject({
  /** qform_code: 0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI. */
  qformCode: z.number().int().min(0).max(32767),
  /** sform_code, with the same codes. */
  sformCode: z.number().int().min(0).max(32767),
  /** pixdim[0]: −1 flips the third axis of the qform, else 1. */
  qfac: finite,
  /** quatern_b, quatern_c, quatern_d. */
  quatern: z.tuple([finite, finite, finite]),
  /** qoffset_x, qoffset_y, qoffset_z. */
  qoffset: z.tuple([finite, finite, finite]),
  /** srow_x, srow_y, srow_z, row after row (12 numbers). */
  srow: z.array(finite).length(12),
  /** xyzt_units (e.g. 2 = millimetres). */
  xyztUnits: z.number().int().min(0).max(255),
});
/** The placement of a volume in space (qform, sform, units), as in its header. */
export type NiftiGeometry = z.infer<typeof niftiGeometrySchema>;

/** A NIfTI-1 volume after scaling: `data[i + j·nx + k·nx·ny] = scl_slope · stored + scl_inter`. */
export interface NiftiVolume {
  /** dim[1..dim[0]]: the size along each axis (x fastest). */
  dims: number[];
  /** Voxel spacing pixdim[1..dim[0]]. */
  spacing: number[];
  datatype: NiftiDatatype;
  littleEndian: boolean;
  /** Scaled voxel values, x fastest, then y, then z. */
  data: Float32Array;
  /** qform, sform and units from the header (pass it to {@link writeNifti} to keep the placement). */
  geometry: NiftiGeometry;
}

/**
 * Largest volume {@link readNifti} decodes: 2^28 voxels (1 GiB as float32; a 512×512×1024 CT fits). A
 * header claiming more is refused before anything is allocated.
 */
export const MAX_NIFTI_VOXELS = 2 ** 28;

/** The header fields that decide what is read, validated before any voxel is allocated. */
interface NiftiHeader {
  littleEndian: boolean;
  dims: number[];
  spacing: number[];
  datatype: NiftiDatatype;
  offset: number;
  count: number;
  /** vox_offset + voxels: the bytes the file must hold. */
  needed: number;
  slope: number;
  intercept: number;
  geometry: NiftiGeometry;
}

/**
 * The first bytes of a gzip stream, inflated without inflating the rest: enough for the 348-byte header,
 * so a small `.nii.gz` claiming a huge volume is refused before it is decompressed.
 */
function gunzipPrefix(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes.subarray(0, 4096), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return new Uint8Array(0);
  }
}

/** Reads and checks the header: every field that sizes or places the data is finite and in range. */
function readHeader(bytes: Uint8Array, file: string): NiftiHeader {
  if (bytes.length < headerBytes) throw fileError(file, `truncated NIfTI: ${bytes.length} bytes, shorter than the ${headerBytes}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = view.getInt32(0, true) === headerBytes;
  if (!littleEndian && view.getInt32(0, false) !== headerBytes) {
    const nifti2 = view.getInt32(0, true) === 540 || view.getInt32(0, false) === 540;
    throw fileError(file, nifti2 ? 'NIfTI-2 is not supported (expected NIfTI-1)' : 'not a NIfTI-1 file (sizeof_hdr is not 348)');
  }
  const magic = String.fromCharCode(bytes[344] ?? 0, bytes[345] ?? 0, bytes[346] ?? 0);
  if (magic !== 'n+1') throw fileError(file, magic === 'ni1' ? 'header-only NIfTI (.hdr/.img pair) is not supported; use a single .nii file' : `bad NIfTI magic "${magic}" (expected "n+1")`);
  const rank = view.getInt16(40, littleEndian);
  if (rank < 1 || rank > 7) throw fileError(file, `dim[0] must be in 1..7, but is ${rank}`);
  const dims: number[] = [];
  const spacing: number[] = [];
  for (let axis = 1; axis <= rank; axis++) {
    const size = view.getInt16(40 + 2 * axis, littleEndian);
    if (size < 1) throw fileError(file, `dim[${axis}] must be positive, but is ${size}`);
    dims.push(size);
    spacing.push(view.getFloat32(76 + 4 * axis, littleEndian));
  }
  const code = view.getInt16(70, littleEndian);
  const datatype = datatypeNames.find((name) => datatypes[name].code === code);
  if (datatype === undefined) throw fileError(file, `NIfTI datatype ${code} is not supported (expected one of ${datatypeNames.join(', ')})`);
  const count = dims.reduce((product, size) => product * size, 1);
  if (count > MAX_NIFTI_VOXELS) throw fileError(file, `dims ${dims.join('x')} claim ${count} voxels, more than the ${MAX_NIFTI_VOXELS} this reader accepts`);
  const rawOffset = view.getFloat32(108, littleEndian);
  if (!Number.isInteger(rawOffset) || rawOffset < headerBytes) {
    throw fileError(file, `vox_offset must be a whole number ≥ ${headerBytes} (where the voxels start), but is ${rawOffset}`);
  }
  const offset = rawOffset;
  const needed = offset + count * datatypes[datatype].bytes;
  const rawSlope = view.getFloat32(112, littleEndian);
  const rawIntercept = view.getFloat32(116, littleEndian);
  // The standard: a slope of 0 means unscaled; NaN too (as nibabel reads it). An infinite slope, or an
  // intercept that is not finite while scaling, would turn every voxel into ±Infinity or NaN.
  const scaled = rawSlope !== 0 && !Number.isNaN(rawSlope);
  if (scaled && !Number.isFinite(rawSlope)) throw fileError(file, `scl_slope must be finite (or 0 for unscaled data), but is ${rawSlope}`);
  if (scaled && !Number.isFinite(rawIntercept) && !Number.isNaN(rawIntercept)) throw fileError(file, `scl_inter must be finite, but is ${rawIntercept}`);
  return { littleEndian, dims, spacing, datatype, offset, count, needed, slope: scaled ? rawSlope : 1, intercept: scaled ? rawIntercept || 0 : 0, geometry: readGeometry(view, littleEndian) };
}

// Byte offsets of the NIfTI-1 header's spatial fields.
const QFAC = 76;
const XYZT_UNITS = 123;
const QFORM_CODE = 252;
const SFORM_CODE = 254;
const QUATERN_B = 256;
const QOFFSET_X = 268;
const SROW_X = 280;

/** The header's qform, sform and units (non-finite floats, which no valid header holds, read as 0). */
function readGeometry(view: DataView, littleEndian: boolean): NiftiGeometry {
  const float = (offset: number): number => {
    const value = view.getFloat32(offset, littleEndian);
    return Number.isFinite(value) ? value : 0;
  };
  const floats = (offset: number, count: number): number[] => Array.from({ length: count }, (_, i) => float(offset + 4 * i));
  const [b = 0, c = 0, d = 0] = floats(QUATERN_B, 3);
  const [x = 0, y = 0, z = 0] = floats(QOFFSET_X, 3);
  return {
    qformCode: Math.max(0, view.getInt16(QFORM_CODE, littleEndian)),
    sformCode: Math.max(0, view.getInt16(SFORM_CODE, littleEndian)),
    qfac: float(QFAC) === -1 ? -1 : 1,
    quatern: [b, c, d],
    qoffset: [x, y, z],
    srow: floats(SROW_X, 12),
    xyztUnits: view.getUint8(XYZT_UNITS),
  };
}

/** Writes `geometry` into a header (the inverse of {@link readGeometry}). */
function writeGeometry(view: DataView, geometry: NiftiGeometry, littleEndian: boolean): void {
  view.setFloat32(QFAC, geometry.qfac, littleEndian);
  view.setUint8(XYZT_UNITS, geometry.xyztUnits);
  view.setInt16(QFORM_CODE, geometry.qformCode, littleEndian);
  view.setInt16(SFORM_CODE, geometry.sformCode, littleEndian);
  geometry.quatern.forEach((value, i) => view.setFloat32(QUATERN_B + 4 * i, value, littleEndian));
  geometry.qoffset.forEach((value, i) => view.setFloat32(QOFFSET_X + 4 * i, value, littleEndian));
  geometry.srow.forEach((value, i) => view.setFloat32(SROW_X + 4 * i, value, littleEndian));
}

/**
 * Reads a single-file NIfTI-1 volume (`.nii`, or `.nii.gz` detected by its gzip magic): either byte order,
 * datatypes uint8/int8/int16/uint16/int32/uint32/float32/float64, `scl_slope`/`scl_inter` applied (a slope
 * of 0 or NaN means unscaled, as the standard says). The header is checked before anything is allocated:
 * vox_offset a whole number inside the file, at most {@link MAX_NIFTI_VOXELS} voxels, dims that fit the
 * file's size (a `.nii.gz` is inflated no further than its header says), a finite scl_slope/scl_inter;
 * voxels that are NaN or infinite after scaling are refused. Truncated data, a corrupt gzip stream,
 * NIfTI-2 and `.hdr/.img` pairs throw a DatasetError naming `file`.
 */
export function readNifti(buffer: Uint8Array, file = 'NIfTI'): NiftiVolume {
  let bytes = buffer;
  let header: NiftiHeader;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    header = readHeader(gunzipPrefix(bytes), file);
    try {
      // Inflate no more than the header says the file holds (plus room for trailing extensions).
      bytes = gunzipSync(bytes, { maxOutputLength: header.needed + 1024 * 1024 });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw fileError(file, `inflates to more than the ${header.needed} bytes its header describes (${header.dims.join('x')} ${header.datatype} from vox_offset ${header.offset})`);
      throw fileError(file, 'corrupt or truncated gzip stream', error);
    }
  } else {
    header = readHeader(bytes, file);
  }
  const { dims, spacing, datatype, littleEndian, offset, count, needed, slope, intercept, geometry } = header;
  if (bytes.length < needed) {
    throw fileError(file, `truncated NIfTI: ${dims.join('x')} ${datatype} voxels need ${needed} bytes from vox_offset ${offset}, but the data has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = decodeVoxels(view, offset, count, datatype, littleEndian);
  if (slope !== 1 || intercept !== 0) for (let i = 0; i < count; i++) data[i] = slope * (data[i] as number) + intercept;
  let nonFinite = 0;
  let first = -1;
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(data[i] as number)) {
      nonFinite += 1;
      if (first < 0) first = i;
    }
  }
  if (nonFinite > 0) throw fileError(file, `${nonFinite} of ${count} voxels are NaN or infinite after scaling (first at index ${first}: ${data[first]})`);
  return { dims, spacing, datatype, littleEndian, data, geometry };
}

function decodeVoxels(view: DataView, offset: number, count: number, datatype: NiftiDatatype, littleEndian: boolean): Float32Array {
  const out = new Float32Array(count);
  const bytes = datatypes[datatype].bytes;
  const read: (position: number) => number = {
    uint8: (p: number) => view.getUint8(p),
    int8: (p: number) => view.getInt8(p),
    int16: (p: number) => view.getInt16(p, littleEndian),
    uint16: (p: number) => view.getUint16(p, littleEndian),
    int32: (p: number) => view.getInt32(p, littleEndian),
    uint32: (p: number) => view.getUint32(p, littleEndian),
    float32: (p: number) => view.getFloat32(p, littleEndian),
    float64: (p: number) => view.getFloat64(p, littleEndian),
  }[datatype];
  for (let i = 0, position = offset; i < count; i++, position += bytes) out[i] = read(position);
  return out;
}

/** Options of {@link writeNifti}. */
export const writeNiftiOptionsSchema = z.object({
  /** Stored voxel type. */
  datatype: z.enum(datatypeNames as [NiftiDatatype, ...NiftiDatatype[]]).default('float32'),
  littleEndian: z.boolean().default(true),
  /** Gzip the file (`.nii.gz`). */
  gzip: z.boolean().default(false),
  /** scl_slope written to the header (readers compute slope · stored + intercept); 0 = unscaled. */
  slope: z.number().default(0),
  intercept: z.number().default(0),
  /** Voxel spacing per axis (pixdim); 1 when omitted. */
  spacing: z.array(z.number().positive()).optional(),
  /** qform, sform and units (e.g. the source volume's `geometry`); when omitted both codes are 0 (unknown placement). */
  geometry: niftiGeometrySchema.optional(),
});
/** Options accepted by {@link writeNifti}. */
export type WriteNiftiOptions = z.input<typeof writeNiftiOptionsSchema>;

/**
 * Writes a single-file NIfTI-1 volume. `stored` holds the values as stored (x fastest), before the header's
 * slope/intercept; integer datatypes round them and reject values out of range.
 */
export function writeNifti(dims: readonly number[], stored: ArrayLike<number>, options: WriteNiftiOptions = {}): Uint8Array {
  const { datatype, littleEndian, gzip, slope, intercept, spacing, geometry } = parseWithSchema(writeNiftiOptionsSchema, options, 'writeNifti', DatasetError);
  if (dims.length < 1 || dims.length > 7 || dims.some((size) => !Number.isInteger(size) || size < 1 || size > 32767)) {
    throw new DatasetError(`Error in writeNifti: dims must be 1 to 7 integers in 1..32767, but got [${dims.join(', ')}]`);
  }
  const count = dims.reduce((product, size) => product * size, 1);
  if (stored.length !== count) throw new DatasetError(`Error in writeNifti: stored must have ${count} values for dims [${dims.join(', ')}], but got ${stored.length}`);
  const { code, bytes } = datatypes[datatype];
  const offset = 352; // header + 4-byte empty extension flag
  const out = new Uint8Array(offset + count * bytes);
  const view = new DataView(out.buffer);
  view.setInt32(0, headerBytes, littleEndian);
  view.setInt16(40, dims.length, littleEndian);
  dims.forEach((size, axis) => {
    view.setInt16(42 + 2 * axis, size, littleEndian);
    view.setFloat32(80 + 4 * axis, spacing?.[axis] ?? 1, littleEndian);
  });
  for (let axis = dims.length; axis < 7; axis++) view.setInt16(42 + 2 * axis, 1, littleEndian);
  view.setInt16(70, code, littleEndian);
  view.setInt16(72, 8 * bytes, littleEndian);
  view.setFloat32(QFAC, 1, littleEndian);
  if (geometry) writeGeometry(view, geometry, littleEndian);
  view.setFloat32(108, offset, littleEndian);
  view.setFloat32(112, slope, littleEndian);
  view.setFloat32(116, intercept, littleEndian);
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  encodeVoxels(view, offset, stored, datatype, littleEndian);
  return gzip ? gzipSync(out) : out;
}

const integerRanges: Partial<Record<NiftiDatatype, [number, number]>> = {
  uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767], uint16: [0, 65535], int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1],
};

function encodeVoxels(view: DataView, offset: number, stored: ArrayLike<number>, datatype: NiftiDatatype, littleEndian: boolean): void {
  const bytes = datatypes[datatype].bytes;
  const range = integerRanges[datatype];
  const write: (position: number, value: number) => void = {
    uint8: (p: number, v: number) => view.setUint8(p, v),
    int8: (p: number, v: number) => view.setInt8(p, v),
    int16: (p: number, v: number) => view.setInt16(p, v, littleEndian),
    uint16: (p: number, v: number) => view.setUint16(p, v, littleEndian),
    int32: (p: number, v: number) => view.setInt32(p, v, littleEndian),
    uint32: (p: number, v: number) => view.setUint32(p, v, littleEndian),
    float32: (p: number, v: number) => view.setFloat32(p, v, littleEndian),
    float64: (p: number, v: number) => view.setFloat64(p, v, littleEndian),
  }[datatype];
  for (let i = 0; i < stored.length; i++) {
    let value = stored[i] as number;
    if (range) {
      value = Math.round(value);
      if (!(value >= range[0] && value <= range[1])) {
        throw new DatasetError(`Error in writeNifti: stored[${i}] = ${stored[i]} does not fit ${datatype} (${range[0]}..${range[1]})`);
      }
    }
    write(offset + i * bytes, value);
  }
}

/**
 * Reads an image volume and its label volume: both 3-D (x, y, slices; trailing axes of size 1 allowed) and
 * of the same size, else a DatasetError naming the file.
 */
export function readVolumePair(imageFile: string, maskFile: string): { image: NiftiVolume; mask: NiftiVolume } {
  const image = readNifti(readDataFile(imageFile), imageFile);
  const mask = readNifti(readDataFile(maskFile), maskFile);
  for (const [file, volume] of [[imageFile, image], [maskFile, mask]] as const) {
    const extra = volume.dims.slice(3);
    if (volume.dims.length < 3 || extra.some((size) => size !== 1)) {
      throw fileError(file, `expected a 3-D volume (x, y, slices), but dims are ${volume.dims.join('x')}`);
    }
  }
  if (image.dims.slice(0, 3).join('x') !== mask.dims.slice(0, 3).join('x')) {
    throw fileError(maskFile, `wrong size: mask is ${mask.dims.slice(0, 3).join('x')} but image ${imageFile} is ${image.dims.slice(0, 3).join('x')}`);
  }
  return { image, mask };
}
