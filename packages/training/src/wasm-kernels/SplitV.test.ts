import { agreementRuns, describeBothPaths, itIsTheRegisteredKernel, expectAgreement, fc, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { splitVConfig } from './SplitV';

describe('SplitV (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('SplitV'));

  itIsTheRegisteredKernel(splitVConfig);

  describeBothPaths(() => {
  it('agrees with the cpu backend on random ranks, axes and split sizes', () => {
    const split = fc.record({
      shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
      axisSeed: fc.nat(),
      sizes: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(split, (s) => {
        const axis = s.axisSeed % s.shape.length;
        const shape = s.shape.map((dimension, i) => (i === axis ? s.sizes.reduce((a, b) => a + b, 0) : dimension));
        expectAgreement('SplitV', { x: { shape, values: seededValues(sizeOf(shape), s.seed) } }, { numOrSizeSplits: s.sizes, axis });
      }),
      agreementRuns,
    );
  });
  });

  it('splits channels by hand', () => {
    tf.setBackend('wasm');
    const [left, right] = tf.split(tf.tensor2d([1, 3, 4, 2, 5, 6], [2, 3]), [1, 2], 1) as [tf.Tensor, tf.Tensor];
    expect(Array.from(left.dataSync())).toEqual([1, 2]);
    expect(Array.from(right.dataSync())).toEqual([3, 4, 5, 6]);
    tf.dispose([left, right]);
  });
});
