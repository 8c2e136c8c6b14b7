import { agreementRuns, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf, wasmOutputBytes } from './__fixtures__/agreement';
import { softmaxConfig } from './Softmax';

/** Random softmax inputs: rows (leading axes), classes on the last axis (past the native bound of 64 too), logits of small and large spread. */
const softmaxCases = fc.record({
  leading: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 0, maxLength: 2 }),
  classes: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 70 })),
  scale: fc.constantFrom(1, 8, 90),
  seed: fc.nat(),
});

describe('Softmax (wasm kernel: native over the last axis up to 64 classes, built-in otherwise)', () => {
  beforeAll(() => prepareBackends('Softmax'));

  itIsTheRegisteredKernel(softmaxConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes and spreads', () => {
      fc.assert(
        fc.property(softmaxCases, (c) => {
          const shape = [...c.leading, c.classes];
          const values = seededValues(sizeOf(shape), c.seed).map((v) => v * c.scale);
          // tf.softmax passes the last axis as a non-negative dim (the built-in kernel indexes the shape with it).
          expectAgreement('Softmax', { logits: { shape, values } }, { dim: shape.length - 1 });
        }),
        agreementRuns,
      );
    });
  });

  it('gives the built-in kernel’s bits (XNNPACK’s exp, summation order and scaling), below the exp cutoff too', () => {
    tf.setBackend('wasm');
    const numTensors = tf.memory().numTensors;
    fc.assert(
      fc.property(softmaxCases, (c) => {
        const shape = [...c.leading, c.classes];
        const x = tf.tensor(seededValues(sizeOf(shape), c.seed).map((v) => v * c.scale), shape);
        expect(wasmOutputBytes(() => tf.softmax(x), true).equals(wasmOutputBytes(() => tf.softmax(x), false))).toBe(true);
        x.dispose();
      }),
      { numRuns: 200 },
    );
    // A U-Net head's batch: [4, 64, 64, 5] (4 rows per SIMD group, 16384 rows).
    const head = tf.tidy(() => tf.mul(tf.randomNormal([4, 64, 64, 5], 0, 1, 'float32', 3), 6));
    expect(wasmOutputBytes(() => tf.softmax(head), true).equals(wasmOutputBytes(() => tf.softmax(head), false))).toBe(true);
    head.dispose();
    expect(tf.memory().numTensors).toBe(numTensors);
  });
});
