import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getDataset,
  prepareFold,
  PROTOCOL_SPLIT_SEED,
  splitFold,
  trainingBatches,
  writeSyntheticChase,
  writeSyntheticCovid,
  writeSyntheticDrosophila,
  type LoadedDataset,
  type PatchSet,
  type PatchSource,
  type Sample,
} from '@tfseg/datasets';

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
    const { validation, test } = prepareFold(dataset, { fold: 0 });
    expect([validation.count, test.count, test.height]).toEqual([16, 32, 8]); // 1 validation image, 2 test images, patch 32/4
    for (let i = 0; i < test.count; i++) {
      const tile = i % 16;
      const expected = windowOf(sampleById(test.sourceIds[i] as string), 8 * Math.floor(tile / 4), 8 * (tile % 4), 8);
      const patch = patchAt(test, i);
      expect(Array.from(patch.image)).toEqual(expected.image);
      expect(Array.from(patch.mask)).toEqual(expected.mask);
    }
  });

  it('keeps the training images whole; trainingBatches cuts 48 random crops per epoch from them, image and mask from the same place, afresh each epoch', () => {
    const { train, trainSampling, validation, test, split } = prepareFold(dataset, { fold: 1 });
    expect([train.length, train[0]!.height, train[0]!.width]).toEqual([7, 32, 32]); // 10 images − 2 test − 1 validation
    expect(trainSampling).toEqual({ crop: { size: 8 }, samplesPerEpoch: 48 });
    expect(new Set(train.map((image) => image.id))).toEqual(new Set(split.groups.train));
    const heldOut = new Set([...validation.sourceIds, ...test.sourceIds]);
    const batches = trainingBatches(train, { batchSize: 4, seed: 3, ...trainSampling });
    const origins = (epoch: number): string[] => {
      const found: string[] = [];
      const perImage = new Map<string, number>();
      for (const batch of batches(epoch)) {
        for (let i = 0; i < batch.count; i++) {
          const id = batch.sourceIds[i] as string;
          expect(heldOut.has(id)).toBe(false);
          perImage.set(id, (perImage.get(id) ?? 0) + 1);
          const sample = sampleById(id);
          const patch = patchAt(batch, i);
          // Find where the crop came from by its (noisy, so unique) image content, flipped or not; the mask must come from there too.
          let origin: string | undefined;
          for (let top = 0; top <= 24 && origin === undefined; top++) {
            for (let left = 0; left <= 24 && origin === undefined; left++) {
              const window = windowOf(sample, top, left, 8);
              for (const flipped of [false, true]) {
                const at = (p: number): number => (flipped ? 8 * Math.floor(p / 8) + 7 - (p % 8) : p);
                if (window.image.every((value, p) => value === patch.image[at(p)])) {
                  expect(Array.from(patch.mask, (_, p) => patch.mask[at(p)])).toEqual(window.mask);
                  origin = `${id}@${top},${left}${flipped ? 'f' : ''}`;
                  break;
                }
              }
            }
          }
          expect(origin).toBeDefined();
          found.push(origin as string);
        }
      }
      expect(found).toHaveLength(48);
      expect(perImage.size).toBe(7);
      expect(Math.max(...perImage.values()) - Math.min(...perImage.values())).toBeLessThanOrEqual(1);
      return found;
    };
    const first = origins(0);
    const second = origins(1);
    expect(new Set(second)).not.toEqual(new Set(first)); // new crops and flips every epoch
    expect(first.some((origin) => origin.endsWith('f'))).toBe(true);
  });

  it('depends on no run seed: the split is fixed by the protocol seed; reduced training sets are nested and shrink the crops per epoch', () => {
    const full = prepareFold(dataset, { fold: 2 });
    expect(prepareFold(dataset, { fold: 2 }).train).toEqual(full.train);
    expect(prepareFold(dataset, { fold: 2, splitSeed: PROTOCOL_SPLIT_SEED }).split).toEqual(full.split);
    expect(() => prepareFold(dataset, { fold: 2, seed: 5 } as never)).toThrow(/options: Unrecognized key: "seed"/);
    const half = prepareFold(dataset, { fold: 2, fraction: 0.5 });
    const quarter = prepareFold(dataset, { fold: 2, fraction: 0.25 });
    expect([half.trainSampling.samplesPerEpoch, quarter.trainSampling.samplesPerEpoch]).toEqual([24, 12]);
    const images = (train: PatchSource[]): Set<string> => new Set(train.map((image) => image.id));
    for (const id of images(quarter.train)) expect(images(half.train).has(id)).toBe(true);
    for (const id of images(half.train)) expect(images(full.train).has(id)).toBe(true);
    expect(images(quarter.train).size).toBeLessThan(images(full.train).size);
    expect(half.test.sourceIds).toEqual(full.test.sourceIds); // only training shrinks
    expect(half.validation.sourceIds).toEqual(full.validation.sourceIds);
    // Another split seed is another experiment: some fold's test part changes.
    const other = Array.from({ length: 5 }, (_, fold) => splitFold(dataset, { fold, splitSeed: 11 }).groups.test);
    const protocol = Array.from({ length: 5 }, (_, fold) => splitFold(dataset, { fold }).groups.test);
    expect(other).not.toEqual(protocol);
  });

  it('scale downsizes images before patching (area for images, nearest for masks)', () => {
    const scaled = prepareFold(dataset, { fold: 0, scale: 0.5 });
    expect([scaled.test.height, scaled.test.count, scaled.train[0]!.height, scaled.trainSampling.crop.size]).toEqual([4, 32, 16, 4]); // 16² images, 4² patches: still 16 per image
    const sample = sampleById(scaled.test.sourceIds[0] as string);
    const expectedTopLeft = ((sample.image[0] as number) + (sample.image[1] as number) + (sample.image[32] as number) + (sample.image[33] as number)) / 4;
    expect(scaled.test.images[0]).toBeCloseTo(expectedTopLeft, 6);
    expect(scaled.test.labels[0]).toBe(sample.mask[33]); // nearest with half-pixel centres picks source (1, 1)
  });

  it('resizes each sample once per scale: later folds reuse the same images, bit for bit what a fresh resize gives', () => {
    const first = prepareFold(dataset, { fold: 0, scale: 0.5 });
    const again = prepareFold(dataset, { fold: 0, scale: 0.5 });
    // Another fold and another scale of the same dataset object.
    const otherFold = prepareFold(dataset, { fold: 1, scale: 0.5 });
    const otherScale = prepareFold(dataset, { fold: 0, scale: 0.25 });
    expect(again.train).toEqual(first.train);
    again.train.forEach((source, index) => expect(source).toBe(first.train[index])); // reused, not recomputed
    const shared = otherFold.train.filter((source) => first.train.some((seen) => seen.id === source.id));
    expect(shared.length).toBeGreaterThan(0);
    for (const source of shared) expect(source).toBe(first.train.find((seen) => seen.id === source.id));
    expect(otherScale.train[0]!.height).toBe(8);
    // A copy of the dataset (new sample objects: nothing cached) gives the same bits.
    const copy: LoadedDataset = { ...dataset, samples: dataset.samples.map((sample) => ({ ...sample, image: sample.image.slice(), mask: sample.mask.slice() })) };
    const fresh = prepareFold(copy, { fold: 0, scale: 0.5 });
    fresh.train.forEach((source, index) => expect(source).not.toBe(first.train[index]));
    expect(fresh.train).toEqual(first.train);
    for (const part of ['validation', 'test'] as const) {
      expect(Buffer.from(fresh[part].images.buffer).equals(Buffer.from(again[part].images.buffer))).toBe(true);
      expect(fresh[part].labels).toEqual(again[part].labels);
    }
  });

  it('resize-mode datasets (COVID, CHASE) use every whole resized training image once per epoch', async () => {
    writeSyntheticCovid(join(root, 'covid'), { slices: 10, size: 24 });
    const covid = await getDataset('synthetic-covid19-ct').load({ root: join(root, 'covid') });
    expect(covid.protocol).toMatchObject({ resizeTo: 16, patchSize: 16, validationGroups: 1 });
    const prepared = prepareFold(covid, { fold: 0 });
    expect([prepared.train.length, prepared.validation.count, prepared.test.count, prepared.test.height]).toEqual([7, 1, 2, 16]);
    expect(prepared.trainSampling).toEqual({ crop: { size: 16 }, samplesPerEpoch: 7 });
    expect(prepared.classNames).toEqual(covid.classNames);
    const seen = [...trainingBatches(prepared.train, { batchSize: 4, seed: 1, ...prepared.trainSampling })(0)].flatMap((batch) => batch.sourceIds);
    expect(seen.sort()).toEqual(prepared.train.map((image) => image.id).sort());
  });

  it('names bad options', () => {
    expect(() => prepareFold(dataset, { fold: 5 })).toThrow('Error in prepareFold: options.fold must be less than folds (5), but got 5');
    expect(() => splitFold(dataset, { fold: 5 })).toThrow('Error in splitFold: options.fold must be less than folds (5), but got 5');
    expect(() => prepareFold(dataset, { fold: 0, patchSize: 64 })).toThrow(/patchSize 64 is larger than the prepared images \(32x32\)/);
    expect(() => prepareFold(dataset, { fold: 0, fraction: 0 })).toThrow(/Error in prepareFold: options\.fraction: Too small/);
    expect(() => prepareFold(dataset, { fold: 0, folds: 11 })).toThrow(/k = 11 is more than the 10 distinct groups/);
    expect(() => prepareFold(dataset, { fold: 0, colour: true } as never)).toThrow(/options: Unrecognized key: "colour"/);
  });
});

describe('splitFold on the three datasets in their real formats', () => {
  /** Every fold at fractions 1, 1/2, 1/4, 1/8: sizes, nesting, and validation/test independent of the fraction. */
  function checkProtocol(data: LoadedDataset, expected: { train: number; validation: number; test: number }[]): void {
    const tested: string[] = [];
    expected.forEach((sizes, fold) => {
      const full = splitFold(data, { fold });
      expect({ train: full.groups.train.length, validation: full.groups.validation.length, test: full.groups.test.length }).toEqual(sizes);
      const all = [...full.groups.train, ...full.groups.validation, ...full.groups.test];
      expect(new Set(all).size).toBe(all.length); // disjoint
      tested.push(...full.groups.test);
      let larger = full;
      for (const fraction of [0.5, 0.25, 0.125]) {
        const reduced = splitFold(data, { fold, fraction });
        expect(reduced.groups.train.length).toBe(Math.max(1, Math.ceil(fraction * full.groups.train.length)));
        for (const group of reduced.groups.train) expect(larger.groups.train).toContain(group);
        expect([reduced.groups.validation, reduced.groups.test]).toEqual([full.groups.validation, full.groups.test]);
        larger = reduced;
      }
    });
    expect(new Set(tested).size).toBe(new Set(data.samples.map((sample) => sample.group)).size); // each group tested once
  }

  it('COVID-19 CT (tr_im/tr_mask NIfTI), 100 slices: 70/10/20 slices in every fold', async () => {
    writeSyntheticCovid(join(root, 'covid-real'), { slices: 100, size: 16 });
    const covid = await getDataset('covid19-ct').load({ root: join(root, 'covid-real') });
    checkProtocol(covid, Array.from({ length: 5 }, () => ({ train: 70, validation: 10, test: 20 })));
  });

  it('CHASE_DB1 (JPEG + PNG), 14 children: grouped by child, 8–9 / 3 / 2–3 children', async () => {
    writeSyntheticChase(join(root, 'chase-real'), { children: 14, height: 16, width: 17 });
    const chase = await getDataset('chase-db1').load({ root: join(root, 'chase-real') });
    const tests = Array.from({ length: 5 }, (_, fold) => splitFold(chase, { fold }).groups.test.length);
    expect(tests.reduce((a, b) => a + b, 0)).toBe(14);
    checkProtocol(chase, tests.map((test) => ({ train: 14 - 3 - test, validation: 3, test })));
    // Groups are children: both eyes of a child land in the same part.
    const { items, groups } = splitFold(chase, { fold: 0 });
    for (const item of items.test) expect(groups.test).toContain(chase.samples[item]?.group);
  });

  it('Drosophila ssTEM (TIFF + PNG stacks), 20 images: 15/1/4 images', async () => {
    writeSyntheticDrosophila(join(root, 'drosophila-real'), { images: 20, size: 16 });
    const drosophila = await getDataset('drosophila').load({ root: join(root, 'drosophila-real') });
    checkProtocol(drosophila, Array.from({ length: 5 }, () => ({ train: 15, validation: 1, test: 4 })));
  });
});
