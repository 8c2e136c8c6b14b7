import * as tf from '@tensorflow/tfjs';
import { expectAllClose } from '@tfseg-internal/testing';
import { useFastCpuConv2dFilterGradient } from './__fixtures__/cpu-conv2d-filter-gradient';
import { OUTPUT_STRIDES, buildModel } from './build-model';
import { MODEL_NAMES } from './options';

let restoreKernel = (): void => {};

/** Gradient of Σ conv2d(x, w)·dy with respect to w: runs the Conv2DBackpropFilter kernel. */
function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, strides: number, pad: 'same' | 'valid'): Float32Array {
  return tf.tidy(() => tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, strides, pad), dy)))(tf.zeros([3, 3, 3, 5])).dataSync() as Float32Array);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const dySame = tf.randomNormal([2, 4, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
  const dyValid = tf.randomNormal([2, 3, 2, 5], 0, 1, 'float32', 3) as tf.Tensor4D;
  const references = [filterGradient(x, dySame, 2, 'same'), filterGradient(x, dyValid, 2, 'valid')];
  restoreKernel = useFastCpuConv2dFilterGradient();
  // The test-only fast kernel must agree with tfjs' own before the training tests rely on it.
  expectAllClose(filterGradient(x, dySame, 2, 'same'), references[0] as Float32Array, 1e-4, 1e-4);
  expectAllClose(filterGradient(x, dyValid, 2, 'valid'), references[1] as Float32Array, 1e-4, 1e-4);
  tf.dispose([x, dySame, dyValid]);
});

afterAll(() => restoreKernel());

/** Softmax cross-entropy of logits against one-hot labels, averaged over pixels (local: models depends only on tfjs). */
function crossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.mean(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1)));
}

describe('tiny presets train', () => {
  it.each(MODEL_NAMES)('%s tiny: 20 Adam steps on random data lower the loss, without leaking tensors', (name) => {
    // The smallest input each model accepts, one image: keeps the cpu backend's 20 steps to seconds.
    const size = OUTPUT_STRIDES[name];
    const model = buildModel({ name, preset: 'tiny', inChannels: 1, numClasses: 3, inputSize: size, output: 'logits', seed: 4 });
    const images = tf.randomUniform([1, size, size, 1], 0, 1, 'float32', 1);
    const labels = tf.oneHot(tf.randomUniform([1, size, size], 0, 3, 'int32', 2), 3);
    const optimizer = tf.train.adam(3e-3);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      const loss = optimizer.minimize(() => crossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor), true) as tf.Scalar;
      losses.push(loss.dataSync()[0] as number);
      loss.dispose();
      // Adam creates its moment variables on the first step only.
      if (step === 0) expect(tf.memory().numTensors).toBeGreaterThan(before);
    }
    const afterFirstStep = tf.memory().numTensors;
    const last = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(last).toBeLessThan(0.9 * (losses[0] as number));
    optimizer.dispose();
    expect(tf.memory().numTensors).toBeLessThan(afterFirstStep);
    tf.dispose([images, labels]);
    model.dispose();
  });
});
