import { agreementRuns, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { addConfig } from './Add';

describe('Add (wasm kernel: native bias adds, built-in otherwise)', () => {
  beforeAll(() => prepareBackends('Add'));

  itIsTheRegisteredKernel(addConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on bias adds (either order) and on other broadcasts and dtypes', () => {
      const addition = fc.record({
        shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        channels: fc.integer({ min: 1, max: 5 }).map((n) => (n === 5 ? 3 : 4 * n)),
        kind: fc.constantFrom('bias' as const, 'bias-first' as const, 'same-shape' as const, 'int32-bias' as const),
        seed: fc.nat(),
      });
      fc.assert(
        fc.property(addition, (c) => {
          const big = [...c.shape, c.channels];
          const small = c.kind === 'same-shape' ? big : [c.channels];
          const values = (shape: number[], seed: number) => {
            const floats = seededValues(sizeOf(shape), seed);
            return c.kind === 'int32-bias' ? { shape, values: Int32Array.from(floats, (v) => Math.round(v * 100)), dtype: 'int32' as const } : { shape, values: floats };
          };
          const [first, second] = c.kind === 'bias-first' ? [values(small, c.seed), values(big, c.seed + 1)] : [values(big, c.seed), values(small, c.seed + 1)];
          expectAgreement('Add', { a: first, b: second }, {});
        }),
        agreementRuns,
      );
    });
  });

  it('adds a per-channel bias by hand', () => {
    tf.setBackend('wasm');
    const y = tf.add(tf.zeros([2, 1, 1, 4]), tf.tensor1d([1, 2, 3, 4]));
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    tf.dispose(y);
  });
});
