import { agreementRuns, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { fusedMatMulConfig } from './FusedMatMul';

/** A random fused product: batch 1–3 (B possibly broadcast), sizes 1–21 (N divisible by 4 or not), transposes, activation, bias. */
const fusedCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  broadcastB: fc.boolean(),
  rows: fc.integer({ min: 1, max: 21 }),
  inner: fc.integer({ min: 1, max: 21 }),
  columns: fc.oneof(fc.integer({ min: 1, max: 5 }).map((n) => 4 * n), fc.integer({ min: 1, max: 21 })),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  activation: fc.constantFrom('linear', 'relu', 'relu6', 'leakyrelu', 'elu', 'sigmoid'),
  withBias: fc.boolean(),
  leakyreluAlpha: fc.constantFrom(0.2, 0.01),
  seed: fc.nat(),
});

describe('_FusedMatMul (wasm kernel: native product + bias + activation where it applies, XNNPACK otherwise)', () => {
  beforeAll(() => prepareBackends('_FusedMatMul'));

  itIsTheRegisteredKernel(fusedMatMulConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random products, transposes, activations (native and built-in ones) and biases', () => {
      fc.assert(
        fc.property(fusedCase, (c) => {
          const aShape = [c.batch, ...(c.transposeA ? [c.inner, c.rows] : [c.rows, c.inner])];
          const bShape = [c.broadcastB ? 1 : c.batch, ...(c.transposeB ? [c.columns, c.inner] : [c.inner, c.columns])];
          const inputs: Record<string, { shape: number[]; values: Float32Array }> = {
            a: { shape: aShape, values: seededValues(sizeOf(aShape), c.seed) },
            b: { shape: bShape, values: seededValues(sizeOf(bShape), c.seed + 1) },
          };
          if (c.withBias) inputs['bias'] = { shape: [c.columns], values: seededValues(c.columns, c.seed + 2) };
          expectAgreement('_FusedMatMul', inputs, { transposeA: c.transposeA, transposeB: c.transposeB, activation: c.activation, leakyreluAlpha: c.leakyreluAlpha });
        }),
        agreementRuns,
      );
    });
  });

  it('adds the bias and rectifies, by hand', () => {
    tf.setBackend('wasm');
    // [1, 1, 1, 1] · I₄ + [−2, 0, 2, 4], relu6 → [0, 1, 3, 5].
    const y = tf.tidy(() => tf.fused.matMul({ a: tf.ones([1, 4]), b: tf.eye(4), bias: tf.tensor1d([-2, 0, 2, 4]), activation: 'relu6' }));
    expect(Array.from(y.dataSync())).toEqual([0, 1, 3, 5]);
    y.dispose();
  });
});
