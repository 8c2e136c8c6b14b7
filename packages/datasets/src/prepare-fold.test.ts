import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset, prepareFold, writeSyntheticCovid, writeSyntheticDrosophila, type LoadedDataset, type PatchSet, type Sample } from '@tfseg/datasets';

let root: string;
let dataset: LoadedDataset;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tfseg-prepare-'));
  writeSyntheticDrosophila(join(root, 'drosophila'), { images: 10, size: 32 });
  dataset = await getDataset('synthetic-drosophila').load({ root: join(root, 'drosophila') });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sampleById = (id: string): Sample => dataset.samples.find((sample) => sample.id === id) as Sample;

/** Patch i of a set as {image, mask} arrays. */
function patchAt(set: PatchSet, i: number): { image: Float32Array; mask: Uint8Array } {
  const pixels = set.height * set.width;
  return { image: set.images.subarray(i * pixels * set.channels, (i + 1) * pixels * set.channels), mask: set.labels.subarray(i * pixels, (i + 1) * pixels) };
}

/** The `size²` window of a sample at (top, left). */
function windowOf(sample: Sample, top: number, left: number, size: number): { image: number[]; mask: number[] } {
  const image: number[] = [];
  const mask: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      image.push(sample.image[(top + y) * sample.width + left + x] as number);
      mask.push(sample.mask[(top + y) * sample.width + left + x] as number);
    }
  }
  return { image, mask };
}

describe('prepareFold', () => {
  it('tiles validation and test images into 16 non-overlapping patches each, row by row, exact copies', () => {
    const { validation, test } = prepareFold(dataset, { fold: 0, seed: 3 });
    expect([validation.count, test.count, test.height]).toEqual([16, 32, 8]); // 1 validation image, 2 test images, patch 32/4
    for (let i = 0; i < test.count; i++) {
      const tile = i % 16;
      const expected = windowOf(sampleById(test.sourceIds[i] as string), 8 * Math.floor(tile / 4), 8 * (tile % 4), 8);
      const patch = patchAt(test, i);
      expect(Array.from(patch.image)).toEqual(expected.image);
      expect(Array.from(patch.mask)).toEqual(expected.mask);
    }
  });

  it('cuts 48 random training crops from the training images only, image and mask from the same place', () => {
    const { train, validation, test } = prepareFold(dataset, { fold: 1, seed: 3 });
    expect(train.count).toBe(48);
    const heldOut = new Set([...validation.sourceIds, ...test.sourceIds]);
    const perImage = new Map<string, number>();
    for (let i = 0; i < train.count; i++) {
      const id = train.sourceIds[i] as string;
      expect(heldOut.has(id)).toBe(false);
      perImage.set(id, (perImage.get(id) ?? 0) + 1);
      const sample = sampleById(id);
      const patch = patchAt(train, i);
      // Find where the crop came from by its (noisy, so unique) image content; the mask must come from there too.
      let found = false;
      for (let top = 0; top <= 24 && !found; top++) {
        for (let left = 0; left <= 24 && !found; left++) {
          const window = windowOf(sample, top, left, 8);
          if (window.image.every((value, p) => value === patch.image[p])) {
            expect(Array.from(patch.mask)).toEqual(window.mask);
            found = true;
          }
        }
      }
      expect(found).toBe(true);
    }
    expect(perImage.size).toBe(7); // 10 images − 2 test − 1 validation
    expect(Math.max(...perImage.values()) - Math.min(...perImage.values())).toBeLessThanOrEqual(1);
  });

  it('is deterministic, and reduced training sets are nested and shrink the number of crops', () => {
    const full = prepareFold(dataset, { fold: 2, seed: 5 });
    expect(prepareFold(dataset, { fold: 2, seed: 5 }).train.images).toEqual(full.train.images);
    expect(prepareFold(dataset, { fold: 2, seed: 6 }).train.images).not.toEqual(full.train.images);
    const half = prepareFold(dataset, { fold: 2, seed: 5, fraction: 0.5 });
    const quarter = prepareFold(dataset, { fold: 2, seed: 5, fraction: 0.25 });
    expect([half.train.count, quarter.train.count]).toEqual([24, 12]);
    const images = (set: PatchSet): Set<string> => new Set(set.sourceIds);
    for (const id of images(quarter.train)) expect(images(half.train).has(id)).toBe(true);
    for (const id of images(half.train)) expect(images(full.train).has(id)).toBe(true);
    expect(images(quarter.train).size).toBeLessThan(images(full.train).size);
    expect(half.test.sourceIds).toEqual(full.test.sourceIds); // only training shrinks
  });

  it('scale downsizes images before patching (area for images, nearest for masks)', () => {
    const scaled = prepareFold(dataset, { fold: 0, seed: 3, scale: 0.5 });
    expect([scaled.test.height, scaled.test.count]).toEqual([4, 32]); // 16² images, 4² patches: still 16 per image
    const sample = sampleById(scaled.test.sourceIds[0] as string);
    const expectedTopLeft = ((sample.image[0] as number) + (sample.image[1] as number) + (sample.image[32] as number) + (sample.image[33] as number)) / 4;
    expect(scaled.test.images[0]).toBeCloseTo(expectedTopLeft, 6);
    expect(scaled.test.labels[0]).toBe(sample.mask[33]); // nearest with half-pixel centres picks source (1, 1)
  });

  it('resize-mode datasets (COVID, CHASE) use whole resized images as patches', async () => {
    writeSyntheticCovid(join(root, 'covid'), { slices: 10, size: 24 });
    const covid = await getDataset('synthetic-covid19-ct').load({ root: join(root, 'covid') });
    expect(covid.protocol).toMatchObject({ resizeTo: 16, patchSize: 16, validationGroups: 1 });
    const prepared = prepareFold(covid, { fold: 0, seed: 1 });
    expect([prepared.train.count, prepared.validation.count, prepared.test.count, prepared.test.height]).toEqual([7, 1, 2, 16]);
    expect(prepared.classNames).toEqual(covid.classNames);
  });

  it('names bad options', () => {
    expect(() => prepareFold(dataset, { fold: 5, seed: 1 })).toThrow('Error in prepareFold: options.fold must be less than folds (5), but got 5');
    expect(() => prepareFold(dataset, { fold: 0, seed: 1, patchSize: 64 })).toThrow(/patchSize 64 is larger than the prepared images \(32x32\)/);
    expect(() => prepareFold(dataset, { fold: 0, seed: 1, fraction: 0 })).toThrow(/Error in prepareFold: options\.fraction: Too small/);
    expect(() => prepareFold(dataset, { fold: 0, seed: 1, folds: 11 })).toThrow(/k = 11 is more than the 10 distinct groups/);
    expect(() => prepareFold(dataset, { fold: 0, seed: 1, colour: true } as never)).toThrow(/options: Unrecognized key: "colour"/);
  });
});
