import { expectAllClose } from '@tfseg-internal/testing';
import { agreementRuns, describeBothPaths, fc, prepareBackends, seededValues, tf } from './__fixtures__/agreement';
import { BATCH_NORM_GRAD, batchNormGradConfig } from './BatchNormGrad';

/**
 * Gradients of a loss through tfjs-layers' training-time batch norm (moments over every axis but the
 * last, then tf.batchNorm) with respect to x, scale and offset, on the active backend.
 */
function batchNormGradients(shape: number[], seed: number, epsilon: number): Float32Array[] {
  return tf.tidy(() => {
    const channels = shape[shape.length - 1] as number;
    const x = tf.tensor(seededValues(shape.reduce((a, b) => a * b), seed), shape);
    const scale = tf.tensor1d(seededValues(channels, seed + 1).map((v) => v + 1.5));
    const offset = tf.tensor1d(seededValues(channels, seed + 2));
    const weights = tf.tensor(seededValues(shape.reduce((a, b) => a * b), seed + 3), shape);
    const axes = shape.slice(0, -1).map((_, axis) => axis);
    const loss = (input: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Scalar => {
      const { mean, variance } = tf.moments(input, axes);
      return tf.sum(tf.mul(tf.batchNorm(input, mean, variance, o, s, epsilon), weights)) as tf.Scalar;
    };
    return tf.grads(loss)([x, scale, offset]).map((gradient) => Float32Array.from(gradient.dataSync()));
  });
}

describe('TfsegBatchNormGrad (FusedBatchNorm gradient on wasm)', () => {
  beforeAll(() => prepareBackends(BATCH_NORM_GRAD));

  it('is registered for wasm only, and the FusedBatchNorm gradient is replaced', () => {
    expect(tf.getKernel(BATCH_NORM_GRAD, 'wasm')?.kernelFunc).toBe(batchNormGradConfig.kernelFunc);
    expect(tf.getKernel(BATCH_NORM_GRAD, 'cpu')).toBeUndefined();
    expect(tf.getGradient('FusedBatchNorm').inputsToSave).toEqual(['x', 'mean', 'variance', 'scale']);
  });

  describeBothPaths(() => {
    it('gives gradients through moments and batch norm that agree with cpu (tfjs-core’s gradient) on random shapes', () => {
      const cases = fc.record({
        leading: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
        channels: fc.integer({ min: 1, max: 13 }),
        epsilon: fc.constantFrom(1e-3, 1e-5),
        seed: fc.nat(),
      });
      fc.assert(
        fc.property(cases, (c) => {
          const shape = [...c.leading, c.channels];
          // At least 2 rows per channel: with one, the variance is 0 and the gradient ill-conditioned.
          fc.pre(c.leading.reduce((a, b) => a * b) >= 2);
          tf.setBackend('cpu');
          const expected = batchNormGradients(shape, c.seed, c.epsilon);
          tf.setBackend('wasm');
          const actual = batchNormGradients(shape, c.seed, c.epsilon);
          expected.forEach((reference, index) => {
            const scale = reference.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
            expectAllClose(actual[index] as Float32Array, reference, 1e-3, 1e-3 * scale + 1e-6);
          });
        }),
        agreementRuns,
      );
    });
  });

  it('runs the fused kernel on wasm (one call per batch norm) and leaves no tensor behind', async () => {
    tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      batchNormGradients([2, 5, 5, 8], 7, 1e-3);
    });
    expect(profile.kernels.filter((kernel) => kernel.name === BATCH_NORM_GRAD)).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
