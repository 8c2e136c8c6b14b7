import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expectAllClose } from '@tfseg-internal/testing';
import { registerWasmTrainingKernels, wasmTrainingKernelConfigs } from './register';
import { seededValues } from './__fixtures__/agreement';

/** A small network touching every training kernel: conv, transposed conv, max-pool, concat, batch norm, depthwise conv. */
function smallNetworkLoss(image: tf.Tensor4D, weights: tf.Tensor[]): tf.Scalar {
  const [convFilter, transposeFilter, depthwiseFilter, denseWeights, gamma, beta] = weights as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  const features = tf.relu(tf.conv2d(image, convFilter, 1, 'same')); // [2, 8, 8, 4]
  const pooled = tf.maxPool(features, 2, 2, 'valid'); // [2, 4, 4, 4]
  const upsampled = tf.conv2dTranspose(pooled, transposeFilter, [2, 8, 8, 4], 2, 'valid');
  const concatenated = tf.concat([features, upsampled], 3); // [2, 8, 8, 8]
  // Training-time batch norm as tfjs-layers computes it (Mean, FusedBatchNorm and its gradient).
  const { mean, variance } = tf.moments(concatenated, [0, 1, 2]);
  const joined = tf.batchNorm4d(concatenated, mean as tf.Tensor1D, variance as tf.Tensor1D, beta, gamma, 1e-3);
  const mixed = tf.depthwiseConv2d(joined, depthwiseFilter, 1, 'same'); // [2, 8, 8, 8]
  const tokens = mixed.reshape([2, 64, 8]);
  const attention = tf.matMul(tokens, tokens, false, true); // [2, 64, 64]
  return tf.matMul(attention.reshape([128, 64]), tf.tile(denseWeights, [8, 1]), false, false).square().mean() as tf.Scalar;
}

function gradientsOn(backend: 'cpu' | 'wasm'): Float32Array[] {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const image = tf.tensor4d(seededValues(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]);
    const shapes = [
      [3, 3, 3, 4],
      [2, 2, 4, 4],
      [3, 3, 8, 1],
      [8, 8],
      [8],
      [8],
    ];
    const weights = shapes.map((shape, index) => tf.tensor(seededValues(shape.reduce((a, b) => a * b), 10 + index), shape));
    weights[4] = tf.add(weights[4] as tf.Tensor, 1.5); // gamma around 1
    const gradients = tf.grads((...ws: tf.Tensor[]) => smallNetworkLoss(image, ws))(weights);
    return gradients.map((gradient) => Float32Array.from(gradient.dataSync()));
  });
}

describe('registerWasmTrainingKernels', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    await tf.setBackend('cpu');
  });

  it('registers every kernel for wasm, returns their names, and is idempotent', () => {
    const names = registerWasmTrainingKernels();
    expect(names).toEqual(wasmTrainingKernelConfigs.map((config) => config.kernelName));
    expect(names).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']));
    expect(registerWasmTrainingKernels()).toEqual(names);
    for (const config of wasmTrainingKernelConfigs) expect(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc).toBe(config.kernelFunc);
  });

  it('lets wasm train a network the stock backend cannot (conv, transposed conv, pool, concat, batch norm, depthwise, attention): gradients agree with cpu', () => {
    registerWasmTrainingKernels();
    const expected = gradientsOn('cpu');
    const actual = gradientsOn('wasm');
    expected.forEach((reference, index) => {
      const scale = reference.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
      expect(scale).toBeGreaterThan(0);
      expectAllClose(actual[index] as Float32Array, reference, 1e-4, 1e-4 * scale);
    });
  });

  it('leaves no tensor and no backend buffer behind over training steps on wasm', () => {
    registerWasmTrainingKernels();
    gradientsOn('wasm');
    const tensors = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    gradientsOn('wasm');
    gradientsOn('wasm');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
  });
});
