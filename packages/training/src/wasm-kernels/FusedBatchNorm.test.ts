import { agreementRuns, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, tf } from './__fixtures__/agreement';
import { fusedBatchNormConfig } from './FusedBatchNorm';

/** A random batch norm: x of rank 2–4 (last axis = channels 1–20), parameters `[C]`, `[1, …, C]` or absent. */
const batchNormCase = fc.record({
  leading: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
  channels: fc.integer({ min: 1, max: 20 }),
  keptDims: fc.boolean(),
  withScale: fc.boolean(),
  withOffset: fc.boolean(),
  epsilon: fc.constantFrom(1e-3, 1e-5),
  seed: fc.nat(),
});

describe('FusedBatchNorm (wasm kernel: native per-channel batch norm, built-in otherwise)', () => {
  beforeAll(() => prepareBackends('FusedBatchNorm'));

  itIsTheRegisteredKernel(fusedBatchNormConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, parameter shapes and optional scale and offset', () => {
      fc.assert(
        fc.property(batchNormCase, (c) => {
          const xShape = [...c.leading, c.channels];
          const parameterShape = c.keptDims ? [...c.leading.map(() => 1), c.channels] : [c.channels];
          const parameter = (seed: number, positive = false) => ({ shape: parameterShape, values: seededValues(c.channels, c.seed + seed).map((v) => (positive ? v + 1.5 : v)) });
          const inputs = {
            x: { shape: xShape, values: seededValues(xShape.reduce((a, b) => a * b), c.seed) },
            mean: parameter(1),
            variance: parameter(2, true),
            ...(c.withScale ? { scale: parameter(3) } : {}),
            ...(c.withOffset ? { offset: parameter(4) } : {}),
          };
          expectAgreement('FusedBatchNorm', inputs, { varianceEpsilon: c.epsilon });
        }),
        agreementRuns,
      );
    });
  });

  it('normalises by hand: (x − mean)·scale/√(variance + ε) + offset per channel', () => {
    tf.setBackend('wasm');
    const out = tf.tidy(() => {
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
      return Array.from(tf.batchNorm(x, tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([4, 4, 1, 1]), tf.tensor1d([0, 1, 0, 1]), tf.tensor1d([2, 2, 1, 1]), 0).dataSync());
    });
    expect(out).toEqual([0, 1, 0, 1, 4, 5, 4, 5]);
  });
});
