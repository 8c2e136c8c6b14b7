import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync, truncateSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { getDataset, prepareFold, statsOf, writePng, writeSyntheticDrosophila, type LoadedDataset } from '@tfseg/datasets';

const vendored = join(__dirname, '..', '..', '..', 'data', 'drosophila-sstem', 'stack1');

/** Table 3 class of each merged label value, written out here from the dataset's README. */
const readmeClasses: Record<number, string> = {
  0: 'membrane', 32: 'membrane', 64: 'membrane', 96: 'membrane', 128: 'membrane',
  159: 'glia/extracellular', 191: 'mitochondria', 223: 'synapse', 255: 'intracellular',
};

/**
 * The pixel values of an 8-bit grey, non-interlaced PNG, decoded here with node:zlib and the five PNG row
 * filters (PNG spec, section 9) — independently of the package's decoder.
 */
function greyPngValues(file: Buffer): Uint8Array {
  const width = file.readUInt32BE(16);
  const height = file.readUInt32BE(20);
  expect([file[24], file[25], file[28]]).toEqual([8, 0, 0]); // bit depth 8, grey, not interlaced
  const chunks: Buffer[] = [];
  for (let at = 8; at < file.length; ) {
    const length = file.readUInt32BE(at);
    if (file.toString('latin1', at + 4, at + 8) === 'IDAT') chunks.push(file.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)] as number;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const byte = raw[y * (width + 1) + 1 + x] as number;
      const left = x > 0 ? (out[row + x - 1] as number) : 0;
      const up = y > 0 ? (out[row - width + x] as number) : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const upLeft = x > 0 && y > 0 ? (out[row - width + x - 1] as number) : 0;
        const estimate = left + up - upLeft;
        const a = Math.abs(estimate - left);
        const b = Math.abs(estimate - up);
        const c = Math.abs(estimate - upLeft);
        predictor = a <= b && a <= c ? left : b <= c ? up : upLeft;
      }
      out[row + x] = (byte + predictor) & 0xff;
    }
  }
  return out;
}

describe('drosophila (the real vendored stack 1)', () => {
  let dataset: LoadedDataset;
  beforeAll(async () => {
    dataset = await getDataset('drosophila').load(); // no root: found by walking up to data/
  });

  it('loads 20 grey 1024² images in Table 3 class order', () => {
    expect(dataset.samples).toHaveLength(20);
    expect(dataset.classNames).toEqual(['membrane', 'mitochondria', 'synapse', 'glia/extracellular', 'intracellular']);
    expect(dataset.samples.map((sample) => sample.id)).toEqual(Array.from({ length: 20 }, (_, i) => String(i).padStart(2, '0')));
    for (const sample of dataset.samples) expect([sample.height, sample.width, sample.channels]).toEqual([1024, 1024, 1]);
  });

  it('counts every class exactly as a direct histogram of the label PNGs', () => {
    const histogram = new Float64Array(256);
    for (let i = 0; i < 20; i++) {
      const values = greyPngValues(readFileSync(join(vendored, 'labels', `labels${String(i).padStart(8, '0')}.png`)));
      for (let p = 0; p < values.length; p++) histogram[values[p] as number] = (histogram[values[p] as number] as number) + 1;
    }
    const expected: Record<string, number> = {};
    histogram.forEach((count, value) => {
      if (count > 0) expected[readmeClasses[value] as string] = (expected[readmeClasses[value] as string] ?? 0) + count;
    });
    const stats = statsOf(dataset); // what stats() returns, without loading the stack a second time
    expect(stats).toMatchObject({ name: 'drosophila', images: 20, height: 1024, width: 1024 });
    expect(Object.fromEntries(stats.classes.map((name, i) => [name, stats.pixelCounts[i]]))).toEqual(expected);
    expect(stats.pixelCounts.reduce((a, b) => a + b, 0)).toBe(20 * 1024 * 1024);
  });

  it('keeps images and labels aligned: membranes are dark and intracellular space is bright in the EM image', () => {
    for (const sample of dataset.samples.slice(0, 3)) {
      const sum = [0, 0, 0, 0, 0];
      const count = [0, 0, 0, 0, 0];
      sample.mask.forEach((label, i) => {
        sum[label] = (sum[label] as number) + (sample.image[i] as number);
        count[label] = (count[label] as number) + 1;
      });
      const membrane = (sum[0] as number) / (count[0] as number);
      const intracellular = (sum[4] as number) / (count[4] as number);
      expect(intracellular - membrane).toBeGreaterThan(0.1);
    }
  });

  it('follows the paper: per fold 48 training crops of 256² per epoch from 15 images, 16 validation tiles (1 image) and 64 test tiles (4 images); every image is tested once', () => {
    const tested: string[] = [];
    for (let fold = 0; fold < 5; fold++) {
      const prepared = prepareFold(dataset, { fold });
      expect([prepared.train.length, prepared.validation.count, prepared.test.count]).toEqual([15, 16, 64]);
      expect(prepared.trainSampling).toEqual({ crop: { size: 256 }, samplesPerEpoch: 48 });
      expect([prepared.train[0]!.height, prepared.train[0]!.width, prepared.train[0]!.channels, prepared.test.height]).toEqual([1024, 1024, 1, 256]);
      const testImages = new Set(prepared.test.sourceIds);
      expect(testImages.size).toBe(4);
      for (const { id } of prepared.train) expect(testImages.has(id)).toBe(false);
      tested.push(...testImages);
    }
    expect(tested.sort()).toEqual(dataset.samples.map((sample) => sample.id));
  });

  it('scale 0.25 turns the 1024² images into 256² with 64² patches, keeping 16 tiles per image', () => {
    const prepared = prepareFold(dataset, { fold: 2, scale: 0.25 });
    expect([prepared.test.count, prepared.test.height, prepared.train[0]!.height, prepared.trainSampling.crop.size, prepared.trainSampling.samplesPerEpoch]).toEqual([64, 64, 256, 64, 48]);
  });
});

describe('drosophila folder errors', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tfseg-drosophila-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const synthetic = getDataset('synthetic-drosophila');

  it('a missing folder names it', async () => {
    await expect(getDataset('drosophila').load({ root: join(root, 'nope') })).rejects.toThrow(/folder .*nope does not exist/);
  });

  it('check names every missing file of the real layout', async () => {
    writeSyntheticDrosophila(root, { images: 20, size: 16 }); // the published layout, small
    rmSync(join(root, 'stack1', 'raw', '03.tif'));
    rmSync(join(root, 'stack1', 'labels', 'labels00000011.png'));
    const report = await getDataset('drosophila').check(root);
    expect(report.problems).toHaveLength(2);
    expect(report.problems[0]).toMatch(/raw\/03\.tif: file is missing/);
    expect(report.problems[1]).toMatch(/labels00000011\.png: file is missing \(labels of raw\/11\.tif\)/);
    expect(report.filesChecked).toBe(36);
    await expect(getDataset('drosophila').load({ root })).rejects.toThrow(/2 problem\(s\).*03\.tif.*labels00000011\.png/);
  });

  it('a load error shows the first five problems and points to check() for the rest', async () => {
    writeSyntheticDrosophila(root, { images: 2, size: 16 });
    await expect(getDataset('drosophila').load({ root })).rejects.toThrow(/drosophila: 36 problem\(s\) in .*02\.tif: file is missing.*; … and 31 more \(check\(\) or `tfseg-bench datasets check` lists them all\)$/);
  });

  it('an image without its label file is an error, never a smaller dataset', async () => {
    writeSyntheticDrosophila(root, { images: 3, size: 32 });
    rmSync(join(root, 'stack1', 'labels', 'labels00000001.png'));
    await expect(synthetic.load({ root })).rejects.toThrow(/labels00000001\.png: file is missing/);
  });

  it('an unexpected label value names the file, the value and the pixel', async () => {
    writeSyntheticDrosophila(root, { images: 2, size: 32 });
    const labels = new Uint8Array(32 * 32).fill(255);
    labels[5 * 32 + 7] = 100;
    writeFileSync(join(root, 'stack1', 'labels', 'labels00000001.png'), writePng({ height: 32, width: 32, channels: 1, data: labels }));
    await expect(synthetic.load({ root })).rejects.toThrow(/labels00000001\.png: unexpected label value 100 at \(row 5, column 7\)/);
  });

  it('a label image of the wrong size names both files', async () => {
    writeSyntheticDrosophila(root, { images: 2, size: 32 });
    writeFileSync(join(root, 'stack1', 'labels', 'labels00000000.png'), writePng({ height: 16, width: 32, channels: 1, data: new Uint8Array(512).fill(255) }));
    await expect(synthetic.load({ root })).rejects.toThrow(/labels00000000\.png: wrong size: mask is 32x16 but image .*00\.tif is 32x32/);
  });

  it('images of different sizes are an error', async () => {
    writeSyntheticDrosophila(root, { images: 2, size: 32 });
    const other = join(root, 'other');
    writeSyntheticDrosophila(other, { images: 2, size: 48 });
    cpSync(join(other, 'stack1', 'raw', '01.tif'), join(root, 'stack1', 'raw', '01.tif'));
    cpSync(join(other, 'stack1', 'labels', 'labels00000001.png'), join(root, 'stack1', 'labels', 'labels00000001.png'));
    await expect(synthetic.load({ root })).rejects.toThrow(/wrong size: 01 is 48x48 but 00 is 32x32/);
  });

  it('truncated and corrupt files name the file; check reports each of them', async () => {
    writeSyntheticDrosophila(root, { images: 3, size: 32 });
    truncateSync(join(root, 'stack1', 'raw', '01.tif'), 400);
    writeFileSync(join(root, 'stack1', 'labels', 'labels00000002.png'), readFileSync(join(root, 'stack1', 'labels', 'labels00000002.png')).subarray(0, 60));
    await expect(synthetic.load({ root })).rejects.toThrow(/01\.tif: truncated TIFF/);
    const report = await synthetic.check(root);
    expect(report.problems).toEqual([expect.stringMatching(/01\.tif: truncated TIFF/), expect.stringMatching(/labels00000002\.png: corrupt or truncated PNG/)]);
  });

  it('an empty raw folder is an error', async () => {
    mkdirSync(join(root, 'raw'));
    await expect(synthetic.load({ root })).rejects.toThrow(/no images \(expected raw\/00\.tif/);
  });
});

describe('finding the data folder', () => {
  const saved = process.env.TFSEG_DATA_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.TFSEG_DATA_DIR;
    else process.env.TFSEG_DATA_DIR = saved;
  });

  it('uses TFSEG_DATA_DIR first', async () => {
    const data = mkdtempSync(join(tmpdir(), 'tfseg-data-'));
    writeSyntheticDrosophila(join(data, 'drosophila-sstem'), { images: 1, size: 16 });
    process.env.TFSEG_DATA_DIR = data;
    expect(getDataset('drosophila').defaultRoot).toBe(join(data, 'drosophila-sstem'));
    await expect(getDataset('drosophila').load()).rejects.toThrow(/raw\/01\.tif: file is missing/); // the real layout wants 20 images
    rmSync(data, { recursive: true, force: true });
  });
});
