import * as fc from 'fast-check';
import { expectAllClose } from '@tfseg-internal/testing';
import { ConfusionMatrix, MetricsError } from './index';

const labels = (...values: number[]) => Int32Array.from(values);

describe('ConfusionMatrix on a hand-computed 3-class example', () => {
  // truth 0 0 0 1 1 2 2 2 2 / prediction 0 0 1 1 2 2 2 2 0 → rows (truth) [2 1 0] [0 1 1] [1 0 3].
  // TP = [2, 1, 3], truth totals T = [3, 2, 4], predicted totals P = [3, 2, 4].
  const matrix = new ConfusionMatrix(3).update(labels(0, 0, 0, 1, 1, 2, 2, 2, 2), Uint8Array.from([0, 0, 1, 1, 2, 2, 2, 2, 0]));

  it('counts rows = truth, columns = prediction', () => {
    expect(matrix.counts).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 3],
    ]);
  });

  it('gives IoU = TP / (T + P − TP) and their mean', () => {
    expectAllClose(matrix.iou(), [2 / 4, 1 / 3, 3 / 5], 1e-12, 0);
    expect(matrix.meanIoU()).toBeCloseTo((1 / 2 + 1 / 3 + 3 / 5) / 3, 12);
  });

  it('gives Dice = 2TP / (T + P), precision TP / P, recall TP / T, pixel accuracy 6/9', () => {
    expectAllClose(matrix.dice(), [4 / 6, 2 / 4, 6 / 8], 1e-12, 0);
    expectAllClose(matrix.precision(), [2 / 3, 1 / 2, 3 / 4], 1e-12, 0);
    expectAllClose(matrix.recall(), [2 / 3, 1 / 2, 3 / 4], 1e-12, 0);
    expect(matrix.pixelAccuracy()).toBeCloseTo(6 / 9, 12);
  });
});

describe('absent-class convention', () => {
  // 4 classes; class 3 never appears; class 2 is in the truth but never predicted (IoU 0, not absent).
  const truth = labels(0, 0, 1, 1, 2);
  const prediction = labels(0, 1, 1, 1, 0);
  const present = [1 / 3, 2 / 3, 0]; // class 0: TP 1, T 2, P 2 → 1/3; class 1: TP 2, T 2, P 3 → 2/3

  it('scores an absent class NaN and leaves it out of the mean (tf.keras MeanIoU / torchmetrics)', () => {
    const matrix = new ConfusionMatrix(4).update(truth, prediction);
    expectAllClose(matrix.iou(), [...present, Number.NaN], 1e-12, 0);
    expect(matrix.meanIoU()).toBeCloseTo((1 / 3 + 2 / 3 + 0) / 3, 12);
    expect(matrix.precision()[2]).toBeNaN();
    expect(matrix.recall()[2]).toBe(0);
  });

  it.each([
    ['one', 1],
    ['zero', 0],
  ] as const)("absentClass '%s' counts it as %s", (absentClass, value) => {
    const matrix = new ConfusionMatrix(4, { absentClass }).update(truth, prediction);
    expectAllClose(matrix.iou(), [...present, value], 1e-12, 0);
    expect(matrix.meanIoU()).toBeCloseTo((1 / 3 + 2 / 3 + 0 + value) / 4, 12);
  });

  it('gives NaN means and accuracy before any update', () => {
    const matrix = new ConfusionMatrix(2);
    expect(matrix.meanIoU()).toBeNaN();
    expect(matrix.pixelAccuracy()).toBeNaN();
  });
});

describe('ignoreIndex', () => {
  it('skips truth pixels equal to an out-of-range ignoreIndex (VOC 255), whatever was predicted there', () => {
    const matrix = new ConfusionMatrix(2, { ignoreIndex: 255 }).update(Uint8Array.from([0, 255, 1, 255]), Uint8Array.from([0, 1, 1, 0]));
    expect(matrix.counts).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('removes an in-range ignored class from the scores and the mean', () => {
    const matrix = new ConfusionMatrix(3, { ignoreIndex: 0 }).update(labels(0, 1, 2, 2), labels(1, 1, 2, 1));
    // Pixel 0 is dropped. Class 1: TP 1, T 1, P 2 (pixel 3 has truth 2) → 1/2; class 2: TP 1, T 2, P 1 → 1/2.
    expectAllClose(matrix.iou(), [Number.NaN, 1 / 2, 1 / 2], 1e-12, 0);
    expect(matrix.meanIoU()).toBeCloseTo(1 / 2, 12);
  });
});

describe('per-image averaging', () => {
  const images: [Int32Array, Int32Array][] = [
    [labels(0, 0, 1, 1), labels(0, 0, 1, 1)], // IoU [1, 1]
    [labels(0, 0, 0, 0), labels(0, 0, 0, 1)], // IoU [3/4, 0]
    [labels(0, 0), labels(0, 0)], // IoU [1, NaN]: class 1 absent, left out of its average
  ];

  it('averages per-image IoU over the images where the class is defined', () => {
    const matrix = new ConfusionMatrix(2, { perImage: true });
    for (const [truth, prediction] of images) matrix.update(truth, prediction);
    expectAllClose(matrix.iou(), [(1 + 3 / 4 + 1) / 3, (1 + 0) / 2], 1e-12, 0);
    expect(matrix.pixelAccuracy()).toBeCloseTo((1 + 3 / 4 + 1) / 3, 12);
    expect(matrix.imageCount).toBe(3);
  });

  it('differs from the pooled (VOC) score, which uses the summed counts', () => {
    const matrix = new ConfusionMatrix(2);
    for (const [truth, prediction] of images) matrix.update(truth, prediction);
    expect(matrix.counts).toEqual([
      [7, 1],
      [0, 2],
    ]);
    expectAllClose(matrix.iou(), [7 / 8, 2 / 3], 1e-12, 0);
  });
});

describe('bad input', () => {
  it('names mismatched lengths', () => {
    expect(() => new ConfusionMatrix(2).update(labels(0, 1), labels(0))).toThrow('truth and prediction must have the same number of pixels, but got 2 and 1');
  });

  it.each([
    ['truth', labels(0, 3), labels(0, 0), 'truth[1] = 3'],
    ['truth', labels(0, -1), labels(0, 0), 'truth[1] = -1'],
    ['prediction', labels(0, 1), labels(2, 7), 'prediction[1] = 7'],
  ])('names a %s label outside [0, numClasses) and leaves the counts unchanged', (_, truth, prediction, message) => {
    const matrix = new ConfusionMatrix(3).update(labels(1), labels(2));
    expect(() => matrix.update(truth, prediction)).toThrow(`${message} is not a class label; expected an integer in [0, 3)`);
    expect(matrix.counts).toEqual([
      [0, 0, 0],
      [0, 0, 1],
      [0, 0, 0],
    ]);
  });

  it('rejects bad constructor arguments with a MetricsError naming the field', () => {
    expect(() => new ConfusionMatrix(0)).toThrow('numClasses must be a positive integer, but got 0');
    expect(() => new ConfusionMatrix(2, { classNames: ['a'] })).toThrow('classNames must have numClasses = 2 entries, but got 1');
    const error = (() => {
      try {
        new ConfusionMatrix(2, { absentClass: 'maybe' as 'nan' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(MetricsError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^Error in ConfusionMatrix: absentClass: .*, but got "maybe"$/);
  });

  it('rejects something that is neither a label map nor a tensor', () => {
    expect(() => new ConfusionMatrix(2).update([0, 1] as unknown as Int32Array, labels(0, 1))).toThrow('truth must be an Int32Array, a Uint8Array or a tf.Tensor, but got Array');
  });

  it('refuses to merge matrices with different class counts', () => {
    expect(() => new ConfusionMatrix(2).merge(new ConfusionMatrix(3))).toThrow('same numClasses, but got 2 and 3');
  });
});

describe('JSON round trip', () => {
  it.each([false, true])('restores counts and scores exactly (perImage %s)', (perImage) => {
    const matrix = new ConfusionMatrix(3, { perImage, classNames: ['a', 'b', 'c'], ignoreIndex: 9 });
    matrix.update(labels(0, 1, 2, 9), labels(0, 2, 2, 1)).update(labels(1, 1), labels(1, 0));
    const restored = ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(matrix)));
    expect(restored.report()).toEqual(matrix.report());
    expect(restored.counts).toEqual(matrix.counts);
    expect(restored.ignoreIndex).toBe(9);
  });

  it('names the bad field of a corrupt snapshot', () => {
    const json = { ...new ConfusionMatrix(2).toJSON(), counts: [[1, -1], [0, 0]] };
    expect(() => ConfusionMatrix.fromJSON(json)).toThrow(/^Error in ConfusionMatrix.fromJSON: counts\.0\.1: .*, but got -1$/);
  });
});

/** Random (numClasses, label-map pair) cases, the label maps cut into a few batches. */
const labelMaps = fc.integer({ min: 1, max: 6 }).chain((numClasses) =>
  fc.tuple(fc.constant(numClasses), fc.array(fc.tuple(fc.nat(numClasses - 1), fc.nat(numClasses - 1)), { maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 4 })),
);

function split(pairs: [number, number][], cuts: number[]): [Int32Array, Int32Array][] {
  const edges = [0, ...cuts.map((cut) => cut % (pairs.length + 1)).sort((a, b) => a - b), pairs.length];
  return edges.slice(1).map((end, i) => {
    const part = pairs.slice(edges[i], end);
    return [Int32Array.from(part, ([t]) => t), Int32Array.from(part, ([, p]) => p)];
  });
}

describe('properties on random label maps', () => {
  it('matches a brute-force per-pixel count of intersections and unions', () => {
    fc.assert(
      fc.property(labelMaps, ([numClasses, pairs]) => {
        const matrix = new ConfusionMatrix(numClasses).update(Int32Array.from(pairs, ([t]) => t), Int32Array.from(pairs, ([, p]) => p));
        const expected = Array.from({ length: numClasses }, (_, c) => {
          const intersection = pairs.filter(([t, p]) => t === c && p === c).length;
          const union = pairs.filter(([t, p]) => t === c || p === c).length;
          return union === 0 ? Number.NaN : intersection / union;
        });
        expectAllClose(matrix.iou(), expected, 1e-12, 0);
        const defined = expected.filter((value) => !Number.isNaN(value));
        const mean = defined.length === 0 ? Number.NaN : defined.reduce((a, b) => a + b, 0) / defined.length;
        expectAllClose([matrix.meanIoU()], [mean], 1e-12, 1e-15);
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same counts streamed over many batches as in one big batch, and merged as sequential', () => {
    fc.assert(
      fc.property(labelMaps, ([numClasses, pairs, cuts]) => {
        const batches = split(pairs, cuts);
        const whole = new ConfusionMatrix(numClasses).update(Int32Array.from(pairs, ([t]) => t), Int32Array.from(pairs, ([, p]) => p));
        const streamed = new ConfusionMatrix(numClasses);
        for (const [truth, prediction] of batches) streamed.update(truth, prediction);
        expect(streamed.counts).toEqual(whole.counts);

        for (const perImage of [false, true]) {
          const sequential = new ConfusionMatrix(numClasses, { perImage });
          const workers = [new ConfusionMatrix(numClasses, { perImage }), new ConfusionMatrix(numClasses, { perImage })];
          batches.forEach(([truth, prediction], i) => {
            sequential.update(truth, prediction);
            workers[i % 2]!.update(truth, prediction);
          });
          const merged = workers[0]!.merge(workers[1]!);
          expect(merged.counts).toEqual(sequential.counts);
          expectAllClose(merged.iou(), sequential.iou(), 1e-12, 1e-15);
          expect(merged.imageCount).toBe(sequential.imageCount);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('names the first bad label anywhere in a long map and leaves the counts unchanged', () => {
    fc.assert(
      fc.property(labelMaps, fc.nat(), fc.constantFrom(-1, 6, 255), fc.boolean(), ([numClasses, pairs], position, badLabel, inTruth) => {
        fc.pre(pairs.length > 0);
        const truth = Int32Array.from(pairs, ([t]) => t);
        const prediction = Int32Array.from(pairs, ([, p]) => p);
        const index = position % pairs.length;
        (inTruth ? truth : prediction)[index] = badLabel;
        const matrix = new ConfusionMatrix(numClasses).update(Int32Array.of(0), Int32Array.of(0));
        const before = matrix.counts;
        expect(() => matrix.update(truth, prediction)).toThrow(`${inTruth ? 'truth' : 'prediction'}[${index}] = ${badLabel} is not a class label`);
        expect(matrix.counts).toEqual(before);
        expect(matrix.imageCount).toBe(1);
      }),
      { numRuns: 100 },
    );
  });

  it('gives the same counts for Uint8Array and Int32Array inputs', () => {
    fc.assert(
      fc.property(labelMaps, ([numClasses, pairs]) => {
        const wide = new ConfusionMatrix(numClasses).update(Int32Array.from(pairs, ([t]) => t), Int32Array.from(pairs, ([, p]) => p));
        const narrow = new ConfusionMatrix(numClasses).update(Uint8Array.from(pairs, ([t]) => t), Uint8Array.from(pairs, ([, p]) => p));
        expect(narrow.counts).toEqual(wide.counts);
      }),
      { numRuns: 50 },
    );
  });
});
