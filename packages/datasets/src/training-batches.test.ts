import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { resizeImage, resizeMask, toTensors, trainingBatches, type PatchSet, type PatchSource } from '@tfseg/datasets';

/** Patches whose intensity encodes (patch, row, column), so every output pixel tells where it came from. */
function codedPatches(count: number, height: number, width: number): PatchSet {
  const pixels = count * height * width;
  const images = Float32Array.from({ length: pixels }, (_, i) => i);
  const labels = Uint8Array.from({ length: pixels }, (_, i) => ((i % width) * 3 + Math.floor(i / width)) % 5);
  return { images, labels, count, height, width, channels: 1, sourceIds: Array.from({ length: count }, (_, i) => `p${i}`) };
}

describe('trainingBatches', () => {
  it('flips and crops image and mask identically; every patch once per epoch; windows are whole crops of one patch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 7 }), fc.boolean(), fc.integer(), fc.nat(5), (count, batchSize, side, crop, seed, epoch) => {
        const train = codedPatches(count, side, side + 1);
        const size = crop ? side - 1 : undefined;
        const batches = [...trainingBatches(train, { batchSize, seed, ...(size ? { crop: { size, minScale: 1 } } : {}) })(epoch)];
        expect(batches.map((batch) => batch.count)).toEqual(Array.from({ length: Math.ceil(count / batchSize) }, (_, b) => Math.min(batchSize, count - b * batchSize)));
        const seen: number[] = [];
        for (const batch of batches) {
          for (let p = 0; p < batch.count; p++) {
            const base = p * batch.height * batch.width;
            const origin = batch.images[base] as number;
            const source = Math.floor(origin / (side * (side + 1)));
            seen.push(source);
            expect(batch.sourceIds[p]).toBe(`p${source}`);
            const top = Math.floor((origin % (side * (side + 1))) / (side + 1));
            const firstColumn = origin % (side + 1);
            const next = batch.width > 1 ? (batch.images[base + 1] as number) - origin : 1;
            const flipped = next === -1;
            const left = flipped ? firstColumn - (batch.width - 1) : firstColumn;
            for (let y = 0; y < batch.height; y++) {
              for (let x = 0; x < batch.width; x++) {
                const sourceIndex = source * side * (side + 1) + (top + y) * (side + 1) + left + (flipped ? batch.width - 1 - x : x);
                expect(batch.images[base + y * batch.width + x]).toBe(sourceIndex);
                expect(batch.labels[base + y * batch.width + x]).toBe(train.labels[sourceIndex]);
              }
            }
          }
        }
        expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
      }),
      { numRuns: 60 },
    );
  });

  it('is deterministic for (seed, epoch), differs between epochs, and flips about half of the patches', () => {
    const train = codedPatches(64, 4, 4);
    const batches = trainingBatches(train, { batchSize: 4, seed: 9 });
    const firstPixels = (epoch: number): number[] => [...batches(epoch)].flatMap((batch) => Array.from({ length: batch.count }, (_, p) => batch.images[p * 16] as number));
    expect(firstPixels(3)).toEqual(firstPixels(3));
    expect(firstPixels(3)).not.toEqual(firstPixels(4));
    const flipped = firstPixels(0).filter((value) => value % 4 === 3).length; // a flipped patch starts at its last column
    expect(flipped).toBeGreaterThan(16);
    expect(flipped).toBeLessThan(48);
    const unflipped = [...trainingBatches(train, { batchSize: 4, seed: 9, flip: false })(0)].flatMap((batch) => Array.from({ length: batch.count }, (_, p) => batch.images[p * 16] as number));
    expect(unflipped.every((value) => value % 4 === 0)).toBe(true);
    expect(train.images[17]).toBe(17); // the training set itself is untouched
  });

  it('random cropping of an image no larger than the patch: a window of 50–100 % of its side at a random place, resized back, image and mask alike', () => {
    const side = 12;
    const train = codedPatches(3, side, side);
    const windows = new Set<number>();
    for (const batch of trainingBatches(train, { batchSize: 5, seed: 4, samplesPerEpoch: 30, crop: { size: side, minScale: 0.5 } })(0)) {
      for (let p = 0; p < batch.count; p++) {
        const source = Number((batch.sourceIds[p] as string).slice(1));
        const image = batch.images.subarray(p * side * side, (p + 1) * side * side);
        const mask = batch.labels.subarray(p * side * side, (p + 1) * side * side);
        let match: number | undefined;
        for (let w = 6; w <= side && match === undefined; w++) {
          for (let top = 0; top + w <= side && match === undefined; top++) {
            for (let left = 0; left + w <= side && match === undefined; left++) {
              const windowImage = new Float32Array(w * w);
              const windowMask = new Uint8Array(w * w);
              for (let y = 0; y < w; y++) {
                for (let x = 0; x < w; x++) {
                  const at = source * side * side + (top + y) * side + left + x;
                  windowImage[y * w + x] = train.images[at] as number;
                  windowMask[y * w + x] = train.labels[at] as number;
                }
              }
              const zoomedImage = resizeImage(windowImage, w, w, 1, side, side, 'bilinear');
              const zoomedMask = resizeMask(windowMask, w, w, side, side);
              for (const flipped of [false, true]) {
                const at = (q: number): number => (flipped ? side * Math.floor(q / side) + side - 1 - (q % side) : q);
                if (Array.from(zoomedImage).every((value, q) => Math.abs(value - (image[at(q)] as number)) < 1e-3)) {
                  expect(Array.from(zoomedMask)).toEqual(Array.from(mask, (_, q) => mask[at(q)]));
                  match = w;
                  break;
                }
              }
            }
          }
        }
        expect(match).toBeDefined();
        windows.add(match as number);
      }
    }
    expect(windows.size).toBeGreaterThan(3); // the window side varies
    expect(Math.min(...windows)).toBeLessThan(side); // some crops are zoomed back
  });

  it('samplesPerEpoch cycles the images evenly, each draw cropped afresh; the default minScale never resizes larger images', () => {
    const train = codedPatches(3, 10, 10);
    const batches = trainingBatches(train, { batchSize: 4, seed: 2, samplesPerEpoch: 10, crop: { size: 4 } });
    const counts = new Map<string, number>();
    const origins = new Set<number>();
    for (const batch of batches(0)) {
      batch.sourceIds.forEach((id) => counts.set(id, (counts.get(id) ?? 0) + 1));
      for (let p = 0; p < batch.count; p++) {
        const values = Array.from(batch.images.subarray(p * 16, (p + 1) * 16));
        expect(values.every(Number.isInteger)).toBe(true); // a plain window: no interpolation
        origins.add(Math.min(...values));
      }
    }
    expect([...counts.values()].sort()).toEqual([3, 3, 4]);
    expect(origins.size).toBeGreaterThan(5);
  });

  it('crops training images of different sizes into patches of one size, and needs crop to do so', () => {
    const images: PatchSource[] = [[6, 9], [12, 7]].map(([height, width], index) => ({
      id: `image${index}`, height: height!, width: width!, channels: 1,
      image: Float32Array.from({ length: height! * width! }, (_, i) => i), mask: new Uint8Array(height! * width!),
    }));
    const batches = [...trainingBatches(images, { batchSize: 4, seed: 1, samplesPerEpoch: 8, crop: { size: 5 } })(0)];
    expect(batches.map((batch) => [batch.count, batch.height, batch.width])).toEqual([[4, 5, 5], [4, 5, 5]]);
    expect(new Set(batches.flatMap((batch) => batch.sourceIds))).toEqual(new Set(['image0', 'image1']));
    expect(() => trainingBatches(images, { seed: 1 })).toThrow('Error in trainingBatches: images of different sizes (image0 9x6, image1 7x12) need options.crop');
    expect(() => trainingBatches(images, { seed: 1, crop: { size: 7 } })).toThrow('Error in trainingBatches: options.crop.size 7 is larger than the 9x6 image image0');
  });

  it('stepsPerEpoch: exactly that many full batches, the patches of passes e·k, e·k + 1, … in order (repeat, then batch)', () => {
    /** Every patch of `batches`, one entry per patch: its source and pixels. */
    const patches = (batches: Iterable<PatchSet>) => [...batches].flatMap((batch) => Array.from({ length: batch.count }, (_, p) => {
      const pixels = batch.height * batch.width;
      return [batch.sourceIds[p], Array.from(batch.images.subarray(p * pixels, (p + 1) * pixels)), Array.from(batch.labels.subarray(p * pixels, (p + 1) * pixels))];
    }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 }), fc.integer(), fc.nat(3), (count, samplesPerEpoch, batchSize, steps, seed, epoch) => {
        const train = codedPatches(count, 5, 6);
        const options = { batchSize, seed, samplesPerEpoch, crop: { size: 4, minScale: 1 } };
        const stepped = [...trainingBatches(train, { ...options, stepsPerEpoch: steps })(epoch)];
        expect(stepped.map((batch) => batch.count)).toEqual(Array.from({ length: steps }, () => batchSize));
        // The same draws as one pass per epoch, passes e·k, e·k + 1, … laid end to end.
        const onePass = trainingBatches(train, options);
        const passes = Math.ceil((steps * batchSize) / samplesPerEpoch);
        const chained = Array.from({ length: passes }, (_, p) => patches(onePass(epoch * steps + p))).flat();
        expect(patches(stepped)).toEqual(chained.slice(0, steps * batchSize));
      }),
      { numRuns: 60 },
    );
  });

  it('stepsPerEpoch with a pass of 6 draws in batches of 4 (Drosophila at 1/8) gives 4 patches every step, each draw in turn', () => {
    const train = codedPatches(3, 4, 4);
    const stepped = [...trainingBatches(train, { batchSize: 4, seed: 3, samplesPerEpoch: 6, stepsPerEpoch: 12 })(0)];
    expect(stepped.map((batch) => batch.count)).toEqual(Array.from({ length: 12 }, () => 4));
    // 48 draws = 8 passes of 6: each image twice a pass.
    const counts = new Map<string, number>();
    stepped.forEach((batch) => batch.sourceIds.forEach((id) => counts.set(id, (counts.get(id) ?? 0) + 1)));
    expect([...counts.values()]).toEqual([16, 16, 16]);
    expect(() => trainingBatches(train, { seed: 1, stepsPerEpoch: 3, dropLast: true })).toThrow(
      'Error in trainingBatches: options.dropLast: dropLast has no last, smaller batch to drop when stepsPerEpoch is set (every batch is full)',
    );
    expect(() => trainingBatches(train, { seed: 1, stepsPerEpoch: 0 })).toThrow(/Error in trainingBatches: options\.stepsPerEpoch: Too small/);
  });

  it('drops the last smaller batch on request and names bad arguments', () => {
    const train = codedPatches(5, 4, 4);
    expect([...trainingBatches(train, { batchSize: 2, seed: 1, dropLast: true })(0)].map((batch) => batch.count)).toEqual([2, 2]);
    expect(() => trainingBatches(train, { batchSize: 2, seed: 1, crop: { size: 5 } })).toThrow('Error in trainingBatches: options.crop.size 5 is larger than the 4x4 patches');
    expect(() => trainingBatches(train, { batchSize: 0, seed: 1 })).toThrow(/Error in trainingBatches: options\.batchSize: Too small/);
    expect(() => trainingBatches(train, { seed: 1 })(-1)).toThrow('Error in trainingBatches: epoch must be an integer ≥ 0, but got -1');
  });
});

describe('toTensors', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives x [B,H,W,Cin] and one-hot y [B,H,W,C] whose argmax is the mask, and leaks nothing', () => {
    const batch = codedPatches(2, 3, 4);
    const before = tf.memory().numTensors;
    const { x, y } = toTensors(batch, 5);
    expect(x.shape).toEqual([2, 3, 4, 1]);
    expect(y.shape).toEqual([2, 3, 4, 5]);
    expect(Array.from(x.dataSync())).toEqual(Array.from(batch.images));
    const labels = tf.tidy(() => y.argMax(-1).dataSync());
    expect(Array.from(labels)).toEqual(Array.from(batch.labels));
    expect(tf.tidy(() => y.sum(-1).min().dataSync()[0])).toBe(1);
    expect(tf.memory().numTensors).toBe(before + 2);
    x.dispose();
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a label outside the classes', () => {
    expect(() => toTensors(codedPatches(1, 2, 2), 3)).toThrow(/Error in toTensors: label 3 at pixel 1 is not below numClasses \(3\)/);
  });
});
