import { agreementRuns, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { sumConfig } from './Sum';

describe('Sum (wasm kernel: native over leading axes, built-in otherwise)', () => {
  beforeAll(() => prepareBackends('Sum'));

  itIsTheRegisteredKernel(sumConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, axis sets and keepDims, float32 and int32', () => {
      const reduction = fc.record({
        shape: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }),
        axes: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 4 }),
        leadingOnly: fc.boolean(),
        keepDims: fc.boolean(),
        integer: fc.boolean(),
        seed: fc.nat(),
      });
      fc.assert(
        fc.property(reduction, (r) => {
          const rank = r.shape.length;
          // Half the cases reduce exactly the leading axes (the native path), half any set of axes.
          const axes = r.leadingOnly ? Array.from({ length: Math.max(1, r.axes.length % rank) }, (_, axis) => axis) : [...new Set(r.axes.map((axis) => axis % rank))];
          const values = seededValues(sizeOf(r.shape), r.seed);
          const x = r.integer ? { shape: r.shape, values: Int32Array.from(values, (v) => Math.round(v * 50)), dtype: 'int32' as const } : { shape: r.shape, values };
          expectAgreement('Sum', { x }, { axis: axes, keepDims: r.keepDims });
        }),
        agreementRuns,
      );
    });
  });

  it('sums the bias gradient of a convolution by hand: over batch, height and width', () => {
    tf.setBackend('wasm');
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [2, 2, 1, 2]);
    const kept = tf.sum(x, [0, 1, 2], true);
    expect(kept.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(kept.dataSync())).toEqual([10, 100]);
    tf.dispose([x, kept]);
  });
});
