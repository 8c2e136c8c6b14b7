import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DatasetError,
  folderContentHash,
  folderDataset,
  getDataset,
  listDatasets,
  prepareFold,
  writeJpeg,
  writeNifti,
  writePng,
  writeTiff,
} from '@tfseg/datasets';
import { expectAllClose } from '@tfseg-internal/testing';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tfseg-folder-'));
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const grey = (height: number, width: number, value: (y: number, x: number) => number): { height: number; width: number; channels: number; data: Uint8Array } => ({
  height,
  width,
  channels: 1,
  data: Uint8Array.from({ length: height * width }, (_, i) => value(Math.floor(i / width), i % width)),
});

function writeYaml(text: string): void {
  writeFileSync(join(root, 'dataset.yaml'), text);
}

/** Three-class masks with two values for the second class: 0 background; 32/64 cell; 255 nucleus. */
const cellsYaml = `name: cells
classes:
  - { name: background, values: [0] }
  - { name: cell, values: [32, 64] }
  - { name: nucleus, values: [255] }
groups: "^(s\\\\d+)_"
`;

/** Mask value at (y, x): columns 0-3 background, 4-5 value 32, 6-7 value 64, row 0 columns 6-7 nucleus. */
const cellsMask = (y: number, x: number): number => (x < 4 ? 0 : x < 6 ? 32 : y === 0 ? 255 : 64);

describe('the folder dataset', () => {
  it('is listed and needs its root', () => {
    expect(listDatasets()).toContain('folder');
    expect(() => getDataset('folder')).toThrow(/needs its root/);
  });

  it('maps several mask values to one class, groups ids by the regex and windows 8-bit images to [0, 1]', async () => {
    writeYaml(cellsYaml);
    for (const id of ['s1_a', 's1_b', 's2_a', 's3_a']) {
      writeFileSync(join(root, 'images', `${id}.png`), writePng(grey(4, 8, (y, x) => 10 * y + x)));
      writeFileSync(join(root, 'masks', `${id}.png`), writePng(grey(4, 8, cellsMask)));
    }
    const descriptor = getDataset('folder', { root });
    expect(descriptor.classNames).toEqual(['background', 'cell', 'nucleus']);
    expect(descriptor.inputChannels).toBe(1);
    expect(descriptor.title).toMatch(/^cells/);
    const dataset = await descriptor.load();
    expect(dataset.samples.map((sample) => [sample.id, sample.group])).toEqual([['s1_a', 's1'], ['s1_b', 's1'], ['s2_a', 's2'], ['s3_a', 's3']]);
    const sample = dataset.samples[0]!;
    expectAllClose(sample.image, Array.from({ length: 32 }, (_, i) => (10 * Math.floor(i / 8) + (i % 8)) / 255), 0, 1e-6);
    expect(Array.from(sample.mask)).toEqual(Array.from({ length: 32 }, (_, i) => [0, 1, 2, 1][[0, 32, 255, 64].indexOf(cellsMask(Math.floor(i / 8), i % 8))]));
    const stats = await descriptor.stats();
    // Per image: 16 background, 8 + 6 cell (32s and 64s), 2 nucleus.
    expect(stats).toEqual({ name: 'folder', images: 4, height: 4, width: 8, classes: ['background', 'cell', 'nucleus'], pixelCounts: [64, 56, 8] });
  });

  it('keeps groups through cross-validation: no group is split between train and test', async () => {
    writeYaml(cellsYaml);
    for (let subject = 0; subject < 6; subject++) {
      for (const side of ['a', 'b']) {
        writeFileSync(join(root, 'images', `s${subject}_${side}.tif`), writeTiff(grey(8, 8, (y, x) => x + y + subject)));
        writeFileSync(join(root, 'masks', `s${subject}_${side}.tif`), writeTiff(grey(8, 8, (_, x) => (x < 4 ? 0 : 255))));
      }
    }
    const dataset = await getDataset('folder', { root }).load();
    expect(new Set(dataset.samples.map((sample) => sample.group)).size).toBe(6);
    const fold = prepareFold(dataset, { fold: 0, patchSize: 8, trainPatches: 10 });
    expect(fold.test.count + fold.validation.count).toBeGreaterThan(0);
    expect(fold.test.count % 2).toBe(0); // both images of a subject, or neither
  });

  it('reads RGB JPEGs as 3 channels and a grey JPEG as 1 channel', async () => {
    writeYaml('classes: [{ name: background, values: [0] }, { name: vessel, values: [255] }]\n');
    const rgb = { height: 16, width: 24, channels: 3, data: Uint8Array.from({ length: 16 * 24 * 3 }, (_, i) => (i % 3 === 0 ? 200 : 40)) };
    writeFileSync(join(root, 'images', 'eye.jpg'), writeJpeg(rgb, 100));
    writeFileSync(join(root, 'masks', 'eye.png'), writePng(grey(16, 24, (y) => (y < 8 ? 0 : 255))));
    const colour = await getDataset('folder', { root }).load();
    expect(colour.inputChannels).toBe(3);
    const red = colour.samples[0]!.image;
    expect(red[0]).toBeGreaterThan(0.7);
    expect(red[1]).toBeLessThan(0.3);

    const greyRgb = { height: 16, width: 24, channels: 3, data: new Uint8Array(16 * 24 * 3).fill(128) };
    writeFileSync(join(root, 'images', 'eye.jpg'), writeJpeg(greyRgb, 100));
    expect(getDataset('folder', { root }).inputChannels).toBe(1);
    writeYaml('classes: [{ name: background, values: [0] }, { name: vessel, values: [255] }]\nchannels: 3\n');
    const forced = await getDataset('folder', { root }).load();
    expect(forced.samples[0]!.channels).toBe(3);
    expect(forced.samples[0]!.image.length).toBe(16 * 24 * 3);
  });

  it('turns a NIfTI pair into one sample per axial slice, all in one group, windowed like COVID-19 CT or by `window`', async () => {
    writeYaml('classes: [{ name: background, values: [0] }, { name: lesion, values: [1, 2] }]\n');
    const [width, height, depth] = [6, 4, 3];
    const hounsfield = Float32Array.from({ length: width * height * depth }, (_, i) => -1250 + (i % 16) * 100);
    const labels = Uint8Array.from({ length: width * height * depth }, (_, i) => (i % width < 2 ? 0 : (i % 2) + 1));
    writeFileSync(join(root, 'images', 'ct.nii.gz'), writeNifti([width, height, depth], hounsfield, { datatype: 'int16', gzip: true }));
    writeFileSync(join(root, 'masks', 'ct.nii.gz'), writeNifti([width, height, depth], labels, { datatype: 'uint8', gzip: true }));
    const dataset = await getDataset('folder', { root }).load();
    expect(dataset.samples.map((sample) => [sample.id, sample.group, sample.height, sample.width])).toEqual([0, 1, 2].map((k) => [`ct-slice-00${k}`, 'ct', height, width]));
    const slice = dataset.samples[1]!;
    const offset = width * height;
    expectAllClose(slice.image, Array.from({ length: offset }, (_, i) => Math.min(1, Math.max(0, ((hounsfield[offset + i] as number) + 1250) / 1500))), 0, 1e-6);
    expect(Array.from(slice.mask)).toEqual(Array.from(labels.subarray(offset, 2 * offset), (value) => (value === 0 ? 0 : 1)));

    writeYaml('classes: [{ name: background, values: [0] }, { name: lesion, values: [1, 2] }]\nwindow: [-1000, 0]\n');
    const windowed = await getDataset('folder', { root }).load();
    expectAllClose(windowed.samples[0]!.image, Array.from({ length: offset }, (_, i) => Math.min(1, Math.max(0, ((hounsfield[i] as number) + 1000) / 1000))), 0, 1e-6);
    expect((await getDataset('folder', { root }).stats()).images).toBe(3);
  });

  it('names an unknown mask value, its pixel count and the file', async () => {
    writeYaml(cellsYaml);
    writeFileSync(join(root, 'images', 's1_a.png'), writePng(grey(4, 8, () => 0)));
    writeFileSync(join(root, 'masks', 's1_a.png'), writePng(grey(4, 8, (y, x) => (y === 0 && x < 3 ? 128 : 0))));
    await expect(getDataset('folder', { root }).load()).rejects.toThrow(`${join(root, 'masks', 's1_a.png')}: mask value(s) 128 (3 pixels) belong to no class`);
  });

  it('names images without masks, masks without images, size mismatches and unreadable files, five at most then a count', async () => {
    writeYaml(cellsYaml);
    for (let i = 0; i < 4; i++) writeFileSync(join(root, 'images', `s${i}_lonely.png`), writePng(grey(4, 4, () => 0)));
    writeFileSync(join(root, 'masks', 's9_orphan.png'), writePng(grey(4, 4, () => 0)));
    writeFileSync(join(root, 'images', 's5_small.png'), writePng(grey(4, 4, () => 0)));
    writeFileSync(join(root, 'masks', 's5_small.png'), writePng(grey(5, 4, () => 0)));
    writeFileSync(join(root, 'images', 's6_broken.png'), new Uint8Array([1, 2, 3]));
    writeFileSync(join(root, 'masks', 's6_broken.png'), writePng(grey(4, 4, () => 0)));
    const descriptor = getDataset('folder', { root });
    const report = await descriptor.check();
    expect(report.problems).toHaveLength(7);
    expect(report.problems.join('\n')).toContain(`${join(root, 'images', 's0_lonely.png')}: no mask`);
    expect(report.problems.join('\n')).toContain(`${join(root, 'masks', 's9_orphan.png')}: no image with id "s9_orphan"`);
    expect(report.problems.join('\n')).toContain(`${join(root, 'masks', 's5_small.png')}: wrong size: mask is 4x5 but image ${join(root, 'images', 's5_small.png')} is 4x4`);
    expect(report.problems.join('\n')).toContain(`${join(root, 'images', 's6_broken.png')}: corrupt or truncated PNG`);
    const error = await descriptor.load().catch((caught: unknown) => caught);
    expect(DatasetError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^folder: 5 problem\(s\) in .*s0_lonely.*s9_orphan/);
    // Pairing problems stop the load before any file is decoded (the two others are found by check()).
    expect((error as Error).message.match(/no mask|no image/g)).toHaveLength(5);

    rmSync(join(root, 'masks', 's9_orphan.png'));
    for (let i = 0; i < 4; i++) rmSync(join(root, 'images', `s${i}_lonely.png`));
    for (let i = 0; i < 6; i++) {
      writeFileSync(join(root, 'images', `s${i}_bad.png`), writePng(grey(4, 4, () => 0)));
      writeFileSync(join(root, 'masks', `s${i}_bad.png`), new Uint8Array([137, 80]));
    }
    const decoding = (await descriptor.load().catch((caught: unknown) => caught)) as Error;
    expect(decoding.message).toMatch(/^folder: 8 problem\(s\) in .*; … and 3 more/);
  });

  it('rejects a bad dataset.yaml naming the file and the field', () => {
    expect(() => getDataset('folder', { root })).toThrow(`${join(root, 'dataset.yaml')} is missing`);
    writeYaml('classes: [{ name: background, values: [0] }, { name: cell, values: [0, 1] }]\n');
    expect(() => getDataset('folder', { root })).toThrow(`Error in ${join(root, 'dataset.yaml')}: dataset.classes.1.values.0: mask value 0 already belongs to class "background"`);
    writeYaml('classes: [{ name: background, values: [0] }, { name: cell, values: [1] }]\ngroups: "(("\n');
    expect(() => getDataset('folder', { root })).toThrow(/dataset.groups: not a valid regular expression/);
    writeYaml('classes: [{ name: background, values: [0] }]\n');
    expect(() => getDataset('folder', { root })).toThrow(/dataset.classes: must list at least two classes/);
    writeYaml('classes: [ { name: ');
    expect(() => getDataset('folder', { root })).toThrow(/dataset.yaml: cannot parse YAML/);
    rmSync(join(root, 'dataset.yaml'));
    writeFileSync(join(root, 'dataset.json'), JSON.stringify({ classes: [{ name: 'a', values: [0] }, { name: 'b', values: [9] }], extra: 1 }));
    expect(() => getDataset('folder', { root })).toThrow(/dataset.json: dataset: Unrecognized key: "extra"/);
  });

  it('reports a group regex that does not match an id', async () => {
    writeYaml(cellsYaml);
    writeFileSync(join(root, 'images', 'nogroup.png'), writePng(grey(4, 8, () => 0)));
    writeFileSync(join(root, 'masks', 'nogroup.png'), writePng(grey(4, 8, () => 0)));
    await expect(getDataset('folder', { root }).load()).rejects.toThrow(/nogroup.png: id "nogroup" does not match groups/);
  });

  it('leaves height and width out of the stats when sizes differ', async () => {
    writeYaml(cellsYaml);
    writeFileSync(join(root, 'images', 's1_a.png'), writePng(grey(4, 8, () => 0)));
    writeFileSync(join(root, 'masks', 's1_a.png'), writePng(grey(4, 8, () => 0)));
    writeFileSync(join(root, 'images', 's2_a.png'), writePng(grey(6, 5, () => 0)));
    writeFileSync(join(root, 'masks', 's2_a.png'), writePng(grey(6, 5, () => 255)));
    expect(await folderDataset(root).stats()).toEqual({ name: 'folder', images: 2, classes: ['background', 'cell', 'nucleus'], pixelCounts: [32, 0, 30] });
  });

  it('hashes the content, not the path', () => {
    writeYaml(cellsYaml);
    writeFileSync(join(root, 'images', 's1_a.png'), writePng(grey(4, 8, () => 0)));
    writeFileSync(join(root, 'masks', 's1_a.png'), writePng(grey(4, 8, () => 0)));
    const copy = mkdtempSync(join(tmpdir(), 'tfseg-folder-copy-'));
    try {
      cpSync(root, copy, { recursive: true });
      expect(folderContentHash(copy)).toBe(folderContentHash(root));
      writeFileSync(join(copy, 'masks', 's1_a.png'), writePng(grey(4, 8, () => 255)));
      expect(folderContentHash(copy)).not.toBe(folderContentHash(root));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
