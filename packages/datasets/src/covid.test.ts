import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset, readNifti, writeNifti, writeSyntheticCovid, type NiftiDatatype } from '@tfseg/datasets';
import { expectAllClose } from '@tfseg-internal/testing';

/** tr_mask values as published by MedicalSegmentation.com, by name. */
const publishedMask: Record<number, string> = { 0: 'background', 1: 'ground glass', 2: 'consolidations', 3: 'pleural effusions' };

describe('covid19-ct from synthetic NIfTI files', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tfseg-covid-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const covid = getDataset('covid19-ct');

  const storages: Array<{ datatype: NiftiDatatype; littleEndian: boolean; gzip: boolean; slope?: number; intercept?: number }> = [
    { datatype: 'int16', littleEndian: true, gzip: true },
    { datatype: 'int32', littleEndian: false, gzip: false },
    { datatype: 'float32', littleEndian: true, gzip: false },
    { datatype: 'float64', littleEndian: false, gzip: true },
    { datatype: 'uint8', littleEndian: true, gzip: true, slope: 8, intercept: -1100 },
  ];
  it.each(storages)('reads slices, windows Hounsfield units and reorders mask values to Table 1 (%o)', async (image) => {
    const written = writeSyntheticCovid(root, { slices: 3, size: 24, image, mask: { datatype: image.datatype === 'uint8' ? 'uint8' : 'float32', littleEndian: image.littleEndian, gzip: image.gzip } });
    const dataset = await covid.load({ root });
    expect(dataset.classNames).toEqual(['background', 'consolidations', 'ground glass', 'pleural effusions']);
    expect(dataset.samples.map((sample) => sample.id)).toEqual(['slice-000', 'slice-001', 'slice-002']);
    const hounsfield = readNifti(readFileSync(written.files[0] as string)).data;
    const maskValues = readNifti(readFileSync(written.files[1] as string)).data;
    dataset.samples.forEach((sample, k) => {
      expect([sample.height, sample.width, sample.channels]).toEqual([24, 24, 1]);
      const expectedImage = Array.from(sample.image, (_, i) => Math.min(1, Math.max(0, ((hounsfield[k * 576 + i] as number) + 1250) / 1500)));
      expectAllClose(sample.image, expectedImage, 0, 1e-6);
      sample.mask.forEach((label, i) => expect(dataset.classNames[label]).toBe(publishedMask[maskValues[k * 576 + i] as number]));
    });
  });

  it('keeps the orientation: the marker block is at the top left, wider than tall', async () => {
    writeSyntheticCovid(root, { slices: 1, size: 32 });
    const [slice] = (await covid.load({ root })).samples;
    const at = (row: number, column: number): number => slice?.mask[row * 32 + column] as number;
    const consolidation = 1;
    expect([at(0, 0), at(3, 7), at(0, 7)]).toEqual([consolidation, consolidation, consolidation]);
    expect([at(0, 31), at(31, 0), at(7, 0)]).not.toContain(consolidation); // not mirrored, not flipped, not transposed
  });

  it('takes a custom Hounsfield window', async () => {
    writeSyntheticCovid(root, { slices: 1, size: 16 });
    const narrow = (await covid.load({ root, huWindow: [-100, 100] })).samples[0]?.image as Float32Array;
    expect(narrow[0]).toBeGreaterThan(0); // the marker (−50 HU) is inside [−100, 100]
    expect(narrow[12 * 16 + 5]).toBe(0); // lung, −850 HU, clamps to 0
    await expect(covid.load({ root, huWindow: [5, 5] })).rejects.toThrow(/options\.huWindow: huWindow must be \[low, high\] with high > low/);
  });

  it('names a missing mask, a wrong-size mask, a bad mask value and a non-3-D volume', async () => {
    writeSyntheticCovid(root, { slices: 2, size: 16, mask: { gzip: false } });
    rmSync(join(root, 'tr_mask.nii'));
    await expect(covid.load({ root })).rejects.toThrow(/tr_mask\.nii\.gz: file is missing \(or the \.nii variant\)/);
    writeFileSync(join(root, 'tr_mask.nii'), writeNifti([16, 16, 3], new Uint8Array(768)));
    await expect(covid.load({ root })).rejects.toThrow(/tr_mask\.nii: wrong size: mask is 16x16x3 but image .*tr_im\.nii\.gz is 16x16x2/);
    const values = new Float32Array(512);
    values[16 * 16 + 3 * 16 + 5] = 1.5;
    writeFileSync(join(root, 'tr_mask.nii'), writeNifti([16, 16, 2], values));
    await expect(covid.load({ root })).rejects.toThrow(/tr_mask\.nii: unexpected mask value 1\.5 at voxel \(x 5, y 3, z 1\)/);
    writeFileSync(join(root, 'tr_mask.nii'), writeNifti([16, 16, 1, 2], new Uint8Array(512)));
    await expect(covid.load({ root })).rejects.toThrow(/tr_mask\.nii: expected a 3-D volume \(x, y, slices\), but dims are 16x16x1x2/);
  });

  it('has no default location: loading without root says how to pass it', async () => {
    await expect(covid.load()).rejects.toThrow(/covid19-ct: no root given .*load\(\{ root/);
  });
});
