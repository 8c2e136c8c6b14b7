import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
import { registerWasmTrainingKernels } from './register';
import { seededValues } from './__fixtures__/agreement';

/**
 * The loss and every weight gradient of one training-mode pass of a `tiny` @tfseg/models network on one
 * backend: end to end through every kernel the network trains with (on wasm: tfseg's native BatchMatMul,
 * depthwise convolutions, Tile gradient, … as tfjs-layers calls them).
 */
function lossAndGradients(backendName: 'cpu' | 'wasm', name: 'transunet' | 'convformer-unet'): Float32Array[] {
  tf.setBackend(backendName);
  const model = buildModel({ name, preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: 32, output: 'logits', seed: 7 });
  try {
    return tf.tidy(() => {
      const x = tf.tensor4d(seededValues(32 * 32, 11), [1, 32, 32, 1]);
      const target = tf.tensor4d(seededValues(32 * 32 * 2, 12), [1, 32, 32, 2]);
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(model.apply(x, { training: true }) as tf.Tensor, target))) as tf.Scalar);
      return [value, ...model.trainableWeights.map((weight) => grads[weight.name] as tf.Tensor)].map((tensor) => tensor.dataSync() as Float32Array);
    });
  } finally {
    model.dispose();
  }
}

describe('TransUNet and ConvFormer+U-Net gradients on wasm (tfseg training kernels) against cpu', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it.each(['transunet', 'convformer-unet'] as const)('%s tiny: the same loss and weight gradients as on cpu, leaking no tensor', (name) => {
    const expected = lossAndGradients('cpu', name);
    tf.setBackend('wasm');
    const numTensors = tf.memory().numTensors;
    const actual = lossAndGradients('wasm', name);
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(actual.map((values) => values.length)).toEqual(expected.map((values) => values.length));
    actual.forEach((values, index) => {
      const reference = expected[index] as Float32Array;
      // Different summation orders through a deep network: close relative to each tensor's largest value.
      const scale = reference.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
      const worst = values.reduce((max, value, i) => Math.max(max, Math.abs(value - (reference[i] as number))), 0);
      expect(worst).toBeLessThanOrEqual(2e-3 * scale + 1e-6);
    });
  });
});
