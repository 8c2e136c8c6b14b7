import { describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf, agreementRuns } from './__fixtures__/agreement';
import { identityConfig } from './Identity';

describe('Identity (wasm kernel: shares the data instead of copying it)', () => {
  beforeAll(() => prepareBackends('Identity'));

  itIsTheRegisteredKernel(identityConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, float32 and int32', () => {
      const cases = fc.record({ shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 4 }), integer: fc.boolean(), seed: fc.nat() });
      fc.assert(
        fc.property(cases, (c) => {
          const values = seededValues(sizeOf(c.shape), c.seed);
          const x = c.integer ? { shape: c.shape, values: Int32Array.from(values, (v) => Math.round(v * 50)), dtype: 'int32' as const } : { shape: c.shape, values };
          expectAgreement('Identity', { x }, {});
        }),
        agreementRuns,
      );
    });
  });

  it('shares the data (no copy, one more reference), and each tensor frees its reference', () => {
    tf.setBackend('wasm');
    const backend = tf.backend();
    const buffers = backend.numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const copy = tf.clone(x);
    expect(copy.dataId).toBe(x.dataId);
    expect(backend.numDataIds()).toBe(buffers + 1);
    x.dispose();
    // The clone keeps the data alive after the original is gone.
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3, 4]);
    copy.dispose();
    expect(backend.numDataIds()).toBe(buffers);
  });

  it('keeps strings on the built-in kernel', () => {
    tf.setBackend('wasm');
    const x = tf.tensor1d(['a', 'bc']);
    const copy = tf.clone(x);
    expect(copy.dataSync()).toEqual(['a', 'bc']);
    tf.dispose([x, copy]);
  });
});
