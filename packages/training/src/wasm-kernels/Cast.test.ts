import { describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf, agreementRuns } from './__fixtures__/agreement';
import { castConfig } from './Cast';

describe('Cast (wasm kernel: a same-dtype cast shares the data)', () => {
  beforeAll(() => prepareBackends('Cast'));

  itIsTheRegisteredKernel(castConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, float32 and int32 to either dtype', () => {
      const cases = fc.record({
        shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 4 }),
        from: fc.constantFrom('float32' as const, 'int32' as const),
        to: fc.constantFrom('float32' as const, 'int32' as const),
        seed: fc.nat(),
      });
      fc.assert(
        fc.property(cases, (c) => {
          const values = seededValues(sizeOf(c.shape), c.seed).map((v) => v * 50);
          const x = c.from === 'int32' ? { shape: c.shape, values: Int32Array.from(values, Math.round), dtype: 'int32' as const } : { shape: c.shape, values };
          expectAgreement('Cast', { x }, { dtype: c.to });
        }),
        agreementRuns,
      );
    });
  });

  it('shares the data of a same-dtype cast (one more reference) and converts other casts', () => {
    tf.setBackend('wasm');
    const backend = tf.backend();
    const buffers = backend.numDataIds();
    const x = tf.tensor1d([1.5, -2.5, 3]);
    const same = tf.cast(x, 'float32');
    expect(same.dataId).toBe(x.dataId);
    expect(backend.numDataIds()).toBe(buffers + 1);
    const converted = tf.cast(x, 'int32');
    expect(converted.dataId).not.toBe(x.dataId);
    expect(Array.from(converted.dataSync())).toEqual([1, -2, 3]);
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.5, 3]);
    tf.dispose([same, converted]);
    expect(backend.numDataIds()).toBe(buffers);
  });
});
