import { agreementRuns, describeBothPaths, itIsTheRegisteredKernel, expectAgreement, fc, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { concatConfig } from './Concat';

describe('Concat (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('Concat'));

  itIsTheRegisteredKernel(concatConfig);

  describeBothPaths(() => {
  it('agrees with the cpu backend on random ranks, axes and part sizes, float32 and int32', () => {
    const concatenation = fc.record({
      shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
      axisSeed: fc.nat(),
      partSizes: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
      integer: fc.boolean(),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(concatenation, (c) => {
        const axis = c.axisSeed % c.shape.length;
        const inputs: Record<string, { shape: number[]; values: Float32Array | Int32Array; dtype: 'float32' | 'int32' }> = {};
        c.partSizes.forEach((size, index) => {
          const shape = c.shape.map((dimension, i) => (i === axis ? size : dimension));
          const values = seededValues(sizeOf(shape), c.seed + index);
          inputs[String(index)] = c.integer ? { shape, values: Int32Array.from(values, (v) => Math.round(v * 100)), dtype: 'int32' } : { shape, values, dtype: 'float32' };
        });
        expectAgreement('Concat', inputs, { axis });
      }),
      agreementRuns,
    );
  });
  });

  it('concatenates channels by hand', () => {
    tf.setBackend('wasm');
    const joined = tf.concat([tf.tensor2d([1, 2], [2, 1]), tf.tensor2d([3, 4, 5, 6], [2, 2])], 1);
    expect(Array.from(joined.dataSync())).toEqual([1, 3, 4, 2, 5, 6]);
    tf.dispose(joined);
  });
});
