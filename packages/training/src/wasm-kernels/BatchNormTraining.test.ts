import { expectAllClose } from '@tfseg-internal/testing';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, BatchNormalization } from '@tfseg/models';
import { agreementRuns, describeBothPaths, fc, prepareBackends, seededValues, tf } from './__fixtures__/agreement';
import { batchNormTrainingConfig, batchNormTrainingGradConfig } from './BatchNormTraining';

type AnyLayer = InstanceType<typeof tf.layers.Layer>;

/** A built batch-norm layer for `shape` with seeded gamma, beta and moving statistics. */
function seededLayer(layer: AnyLayer, shape: number[], seed: number): AnyLayer {
  layer.apply(tf.input({ shape: shape.slice(1) }));
  const channels = shape.at(-1) as number;
  layer.setWeights([
    tf.tensor1d(seededValues(channels, seed).map((v) => v + 1.5)),
    tf.tensor1d(seededValues(channels, seed + 1)),
    tf.tensor1d(seededValues(channels, seed + 2)),
    tf.tensor1d(seededValues(channels, seed + 3).map((v) => v + 1.5)),
  ]);
  return layer;
}

/** Training-mode output, gradients of Σ y·w with respect to x, gamma and beta, and the moving statistics. */
function trainingResults(layer: AnyLayer, shape: number[], seed: number): Float32Array[] {
  const size = shape.reduce((a, b) => a * b);
  return tf.tidy(() => {
    const x = tf.add(tf.mul(tf.tensor(seededValues(size, seed + 4), shape), 3), 0.5);
    const w = tf.tensor(seededValues(size, seed + 5), shape);
    const [gamma, beta] = layer.trainableWeights.map((weight) => weight.read() as tf.Variable) as [tf.Variable, tf.Variable];
    const loss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, w));
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const dx = tf.grad(loss)(x);
    const { grads } = tf.variableGrads(() => loss(x), [gamma, beta]);
    return [y, dx, grads[gamma.name] as tf.Tensor, grads[beta.name] as tf.Tensor, ...layer.getWeights().slice(2)].map((t) => Float32Array.from(t.dataSync()));
  });
}

const shapes = fc.record({
  leading: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
  channels: fc.integer({ min: 1, max: 21 }),
  seed: fc.nat(),
});

describe('TfsegBatchNormTraining and its gradient (training-mode batch norm on wasm)', () => {
  beforeAll(() => prepareBackends(BATCH_NORM_TRAINING));

  it('are registered for wasm only', () => {
    expect(tf.getKernel(BATCH_NORM_TRAINING, 'wasm')?.kernelFunc).toBe(batchNormTrainingConfig.kernelFunc);
    expect(tf.getKernel(BATCH_NORM_TRAINING_GRAD, 'wasm')?.kernelFunc).toBe(batchNormTrainingGradConfig.kernelFunc);
    expect(tf.getKernel(BATCH_NORM_TRAINING, 'cpu')).toBeUndefined();
  });

  describeBothPaths(() => {
    it('train like tfjs-layers’ BatchNormalization on cpu (output, gradients, moving statistics) on random shapes', () => {
      fc.assert(
        fc.property(shapes, (c) => {
          const shape = [...c.leading, c.channels];
          // At least 2 rows per channel: with one, the variance is 0 and the gradient ill-conditioned.
          fc.pre(c.leading.reduce((a, b) => a * b) >= 2);
          tf.setBackend('cpu');
          const reference = seededLayer(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 }), shape, c.seed);
          const expected = trainingResults(reference, shape, c.seed);
          tf.setBackend('wasm');
          const ours = seededLayer(new BatchNormalization({ momentum: 0.9, epsilon: 1e-3 }), shape, c.seed);
          const actual = trainingResults(ours, shape, c.seed);
          expected.forEach((values, index) => {
            const scale = values.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
            expectAllClose(actual[index] as Float32Array, values, 1e-3, 1e-3 * scale + 1e-6);
          });
          reference.dispose();
          ours.dispose();
        }),
        agreementRuns,
      );
    });
  });

  it('with the native kernels, compute the batch statistics with the same bits as tf.moments on wasm, y as tf.batchNorm and the moving statistics as tfjs-layers', () => {
    fc.assert(
      fc.property(shapes, (c) => {
        tf.setBackend('wasm');
        const shape = [...c.leading, c.channels];
        const size = shape.reduce((a, b) => a * b);
        tf.tidy(() => {
          const x = tf.tensor(seededValues(size, c.seed), shape);
          const scale = tf.tensor1d(seededValues(c.channels, c.seed + 1));
          const offset = tf.tensor1d(seededValues(c.channels, c.seed + 2));
          const movingMean = tf.tensor1d(seededValues(c.channels, c.seed + 3));
          const movingVariance = tf.tensor1d(seededValues(c.channels, c.seed + 4).map((v) => v + 1.5));
          const inputs = { x, scale, offset, movingMean, movingVariance };
          const outputs = tf.engine().runKernel(BATCH_NORM_TRAINING, inputs, { varianceEpsilon: 1e-5, momentum: 0.9 }) as tf.Tensor[];
          // The same as tfjs-layers' training pass: moments, batchNorm, then m − (m − value)·(1 − momentum).
          const moments = tf.moments(x, shape.slice(0, -1).map((_, axis) => axis));
          const update = (current: tf.Tensor, value: tf.Tensor): tf.Tensor => tf.sub(current, tf.mul(tf.sub(current, value), 1 - 0.9));
          const expected = [tf.batchNorm(x, moments.mean, moments.variance, offset, scale, 1e-5), moments.mean, moments.variance, update(movingMean, moments.mean), update(movingVariance, moments.variance)];
          expect(outputs.map((t) => Array.from(t.dataSync()))).toEqual(expected.map((t) => Array.from(t.dataSync())));
        });
      }),
      agreementRuns,
    );
  });

  it('run once each per layer in a training step (one tape operation), and leave no tensor behind', async () => {
    tf.setBackend('wasm');
    const layer = seededLayer(new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 }), [2, 5, 5, 8], 3);
    trainingResults(layer, [2, 5, 5, 8], 3);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      tf.tidy(() => {
        const x = tf.tensor(seededValues(400, 1), [2, 5, 5, 8]);
        tf.grad((input: tf.Tensor) => tf.sum(layer.apply(input, { training: true }) as tf.Tensor))(x);
      });
    });
    const names = profile.kernels.map((kernel) => kernel.name);
    expect(names.filter((name) => name === BATCH_NORM_TRAINING)).toHaveLength(1);
    expect(names.filter((name) => name === BATCH_NORM_TRAINING_GRAD)).toHaveLength(1);
    expect(names).not.toContain('FusedBatchNorm');
    expect(tf.memory().numTensors).toBe(before);
    layer.dispose();
  });

  it('reject a parameter that is not a channel vector, naming the kernel', () => {
    tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.zeros([2, 3, 4]);
      const inputs = { x, scale: tf.zeros([3]), offset: tf.zeros([4]), movingMean: tf.zeros([4]), movingVariance: tf.ones([4]) };
      expect(() => tf.engine().runKernel(BATCH_NORM_TRAINING, inputs, { varianceEpsilon: 1e-5, momentum: 0.9 })).toThrow(/Error in TfsegBatchNormTraining: expected float32 x \[\.\.\., C\]/);
    });
  });
});
