import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset, readJpeg, writePng, writeSyntheticChase } from '@tfseg/datasets';
import { decode, encode } from 'fast-png';

describe('chase-db1 from synthetic JPEG + 1stHO PNG files', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tfseg-chase-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const chase = getDataset('synthetic-chase-db1');

  it('reads RGB images and first-observer masks, grouped by child', async () => {
    writeSyntheticChase(root, { children: 2, height: 20, width: 24 });
    const dataset = await chase.load({ root });
    expect(dataset.classNames).toEqual(['background', 'retinal vessel']);
    expect(dataset.samples.map((sample) => [sample.id, sample.group])).toEqual([['Image_01L', '01'], ['Image_01R', '01'], ['Image_02L', '02'], ['Image_02R', '02']]);
    for (const sample of dataset.samples) {
      expect([sample.height, sample.width, sample.channels]).toEqual([20, 24, 3]);
      const truth = decode(readFileSync(join(root, `${sample.id}_1stHO.png`))).data;
      expect(Array.from(sample.mask)).toEqual(Array.from(truth, (value) => (value === 255 ? 1 : 0)));
      const rgb = readJpeg(readFileSync(join(root, `${sample.id}.jpg`))).data;
      expect(sample.image).toEqual(Float32Array.from(rgb, (value) => value / 255));
    }
  });

  it('reads 1-bit masks (packed rows) as well as 8-bit ones', async () => {
    writeSyntheticChase(root, { children: 1, height: 16, width: 17 });
    // Row 0: vessel at columns 0, 2 and 16; row 1: vessel at column 9; rows 2–15 empty. Each row is 3 bytes, MSB first.
    const packed = new Uint8Array(16 * 3);
    packed.set([0b10100000, 0, 0b10000000, 0, 0b01000000, 0]);
    writeFileSync(join(root, 'Image_01L_1stHO.png'), encode({ width: 17, height: 16, data: packed, depth: 1, channels: 1 }));
    const mask = (await chase.load({ root })).samples[0]?.mask as Uint8Array;
    expect([...mask.keys()].filter((i) => mask[i] === 1)).toEqual([0, 2, 16, 17 + 9]);
  });

  it('keeps the orientation: the vessel marker is at the top left, wider than tall', async () => {
    writeSyntheticChase(root, { children: 1, height: 32, width: 32 });
    const mask = (await chase.load({ root })).samples[0]?.mask as Uint8Array;
    expect([mask[0], mask[3 * 32 + 7], mask[7]]).toEqual([1, 1, 1]);
    expect(mask[31]).toBe(0);
    expect(mask[31 * 32]).toBe(0);
  });

  it('names a missing 1stHO file, a bad mask value, a wrong-size mask and a truncated JPEG', async () => {
    writeSyntheticChase(root, { children: 2, height: 16, width: 16 });
    rmSync(join(root, 'Image_02L_1stHO.png'));
    await expect(chase.load({ root })).rejects.toThrow(/Image_02L_1stHO\.png: file is missing/);
    const mask = new Uint8Array(256);
    mask[17] = 128;
    writeFileSync(join(root, 'Image_02L_1stHO.png'), writePng({ height: 16, width: 16, channels: 1, data: mask }));
    await expect(chase.load({ root })).rejects.toThrow(/Image_02L_1stHO\.png: unexpected mask value 128 at \(row 1, column 1\); expected 0 or 255/);
    writeFileSync(join(root, 'Image_02L_1stHO.png'), writePng({ height: 8, width: 16, channels: 1, data: new Uint8Array(128) }));
    await expect(chase.load({ root })).rejects.toThrow(/Image_02L_1stHO\.png: wrong size: mask is 16x8 but image .*Image_02L\.jpg is 16x16/);
    writeSyntheticChase(root, { children: 2, height: 16, width: 16 });
    const jpeg = readFileSync(join(root, 'Image_01R.jpg'));
    writeFileSync(join(root, 'Image_01R.jpg'), jpeg.subarray(0, jpeg.length / 2));
    await expect(chase.load({ root })).rejects.toThrow(/Image_01R\.jpg: truncated JPEG/);
  });

  it('the real layout expects all 28 images and names each missing one', async () => {
    writeSyntheticChase(root, { children: 13, height: 16, width: 16 });
    const report = await getDataset('chase-db1').check(root);
    expect(report.problems).toEqual([expect.stringMatching(/Image_14L\.jpg: file is missing/), expect.stringMatching(/Image_14L_1stHO\.png/), expect.stringMatching(/Image_14R\.jpg/), expect.stringMatching(/Image_14R_1stHO\.png/)]);
    expect(report.filesChecked).toBe(52);
  });
});
