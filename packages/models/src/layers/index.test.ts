import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import fc from 'fast-check';
import { ChannelLayerNormalization, ChannelScale, GroupNormalization, MultiHeadSelfAttention, PositionEmbedding, StarRelu, registerCustomLayers } from '.';

type AnyLayer = InstanceType<typeof tf.layers.Layer>;

function output(layer: AnyLayer, input: tf.Tensor): tf.Tensor {
  return layer.apply(input) as tf.Tensor;
}

/**
 * Checks the gradients of `sum(layer(x) · r)` (r fixed and random) with respect to the input and every
 * weight against central finite differences at a few coordinates.
 */
function checkGradients(layer: AnyLayer, input: tf.Tensor, seed: number): void {
  const first = output(layer, input); // builds the layer
  const r = tf.randomNormal(first.shape, 0, 1, 'float32', seed);
  first.dispose();
  const objective = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(output(layer, x), r));
  const variables = layer.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const inputGradient = tf.grad(objective)(input);
  const { grads } = tf.variableGrads(() => objective(input), variables);
  const targets: Array<{ values: tf.Tensor; gradient: tf.Tensor; assign: (next: tf.Tensor) => tf.Tensor }> = [
    { values: input, gradient: inputGradient, assign: (next) => next },
    ...variables.map((variable) => ({ values: variable as tf.Tensor, gradient: grads[variable.name] as tf.Tensor, assign: (next: tf.Tensor) => (variable.assign(next), next) })),
  ];
  const step = 1e-2;
  for (const target of targets) {
    const flat = target.values.dataSync().slice();
    const gradient = target.gradient.dataSync();
    for (const index of [0, Math.floor(flat.length / 2), flat.length - 1]) {
      const at = (delta: number): number => {
        const shifted = flat.slice();
        shifted[index] = (shifted[index] as number) + delta;
        const next = tf.tensor(shifted, target.values.shape);
        const x = target.assign(next);
        const value = objective(target.values === input ? x : input).dataSync()[0] as number;
        next.dispose();
        return value;
      };
      const numeric = (at(step) - at(-step)) / (2 * step);
      target.assign(tf.tensor(flat, target.values.shape)).dispose();
      expectAllClose([gradient[index] as number], [numeric], 2e-2, 2e-2);
    }
  }
  inputGradient.dispose();
  r.dispose();
  Object.values(grads).forEach((g) => g.dispose());
}

function parameterCount(layer: AnyLayer): number {
  return layer.countParams();
}

describeOnBackends('custom layers', () => {
  it('StarReLU computes s·relu(x)² + b with 2 parameters', async () => {
    const layer = new StarRelu();
    const x = tf.tensor2d([[-1, 0, 0.5, 2]]);
    output(layer, x).dispose(); // builds the two weights
    await expectNoTensorLeak(() => {
      const y = output(layer, x);
      expectAllClose(y.dataSync(), [0, 0, 0.25, 4]);
      y.dispose();
    });
    layer.setWeights([tf.tensor1d([2]), tf.tensor1d([-1])]);
    const y = output(layer, x);
    expectAllClose(y.dataSync(), [-1, -1, -0.5, 7]);
    expect(parameterCount(layer)).toBe(2);
    checkGradients(layer, tf.tensor2d([[-1.3, 0.7, 0.4, 2.1]]), 1);
    tf.dispose([x, y]);
  });

  it('ChannelScale multiplies each channel by its own scale, C parameters', () => {
    const layer = new ChannelScale();
    const x = tf.tensor3d([[[1, 1], [2, -1]]]);
    output(layer, x).dispose();
    layer.setWeights([tf.tensor1d([2, 3])]);
    const y = output(layer, x);
    expectAllClose(y.dataSync(), [2, 3, 4, -3]);
    expect(parameterCount(layer)).toBe(2);
    checkGradients(layer, tf.tensor3d([[[0.5, -1], [2, 0.3]]]), 2);
    tf.dispose([x, y]);
  });

  it('GroupNormalization normalises each group over space and its channels, 2C parameters', () => {
    // One image 1×2 pixels, 2 channels: pixel 1 = (1, 2), pixel 2 = (3, 4).
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const perChannel = new GroupNormalization({ groups: 2 });
    // Channel 0 holds {1, 3}: mean 2, variance 1 → (-1, 1); channel 1 holds {2, 4} → (-1, 1).
    const scale = 1 / Math.sqrt(1 + 1e-5);
    const y1 = output(perChannel, x);
    expectAllClose(y1.dataSync(), [-scale, -scale, scale, scale], 1e-5, 1e-5);
    const oneGroup = new GroupNormalization({ groups: 1, epsilon: 0 });
    // All four values: mean 2.5, variance 1.25.
    const y2 = output(oneGroup, x);
    expectAllClose(y2.dataSync(), [1, 2, 3, 4].map((v) => (v - 2.5) / Math.sqrt(1.25)), 1e-5, 1e-5);
    expect(parameterCount(perChannel)).toBe(4);
    expect(() => output(new GroupNormalization({ groups: 3 }), x)).toThrow(/groups 3 must divide the 2 channels/);
    checkGradients(new GroupNormalization({ groups: 2 }), tf.randomNormal([2, 2, 3, 4], 0, 1, 'float32', 5), 3);
    tf.dispose([x, y1, y2]);
  });

  it('ChannelLayerNormalization normalises over the channels, C parameters without bias and 2C with', () => {
    // Pixel (1, 2, 3, 4): mean 2.5, variance 1.25; pixel (5, 5, 5, 5): zero after centring.
    const x = tf.tensor4d([1, 2, 3, 4, 5, 5, 5, 5], [1, 1, 2, 4]);
    const layer = new ChannelLayerNormalization({ epsilon: 0 });
    const y = output(layer, x);
    expectAllClose(y.dataSync().slice(0, 4), [1, 2, 3, 4].map((v) => (v - 2.5) / Math.sqrt(1.25)), 1e-5, 1e-5);
    expect(parameterCount(layer)).toBe(4);
    const centered = new ChannelLayerNormalization({ center: true });
    output(centered, x).dispose();
    expect(parameterCount(centered)).toBe(8);
    centered.setWeights([tf.fill([4], 2), tf.fill([4], 1)]);
    const z = output(centered, x);
    expectAllClose(z.dataSync().slice(4), [1, 1, 1, 1]);
    checkGradients(new ChannelLayerNormalization({ center: true }), tf.randomNormal([2, 2, 2, 5], 0, 1, 'float32', 8), 6);
    tf.dispose([x, y, z]);
  });

  it('PositionEmbedding adds one learned vector per token, N·D parameters', () => {
    const layer = new PositionEmbedding({ seed: 1 });
    const x = tf.tensor3d([[[1, 2], [3, 4], [5, 6]], [[0, 0], [0, 0], [0, 0]]]);
    output(layer, x).dispose();
    expect(parameterCount(layer)).toBe(3 * 2);
    layer.setWeights([tf.tensor2d([[10, 20], [30, 40], [50, 60]])]);
    const y = output(layer, x);
    expectAllClose(y.dataSync(), [11, 22, 33, 44, 55, 66, 10, 20, 30, 40, 50, 60]);
    checkGradients(layer, tf.randomNormal([2, 3, 2], 0, 1, 'float32', 6), 4);
    tf.dispose([x, y]);
  });

  it('MultiHeadSelfAttention matches hand-computed attention for 1 and 2 heads, 4(D²+D) parameters', () => {
    const x = tf.tensor3d([[[1, 0], [0, 1]]]);
    const identity = (): tf.Tensor[] => [...[0, 1, 2, 3].map(() => tf.eye(2)), ...[0, 1, 2, 3].map(() => tf.zeros([2]))];
    const oneHead = new MultiHeadSelfAttention({ heads: 1 });
    output(oneHead, x).dispose();
    oneHead.setWeights(identity());
    // Scores x·xᵀ/√2 = I/√2, so token 1 attends with a = σ(1/√2) to itself and 1 - a to token 2.
    const a = 1 / (1 + Math.exp(-1 / Math.SQRT2));
    const y1 = output(oneHead, x);
    expectAllClose(y1.dataSync(), [a, 1 - a, 1 - a, a], 1e-5, 1e-6);
    const twoHeads = new MultiHeadSelfAttention({ heads: 2 });
    output(twoHeads, x).dispose();
    twoHeads.setWeights(identity());
    // Head k sees only feature k: token k has score 1 on itself (weight e/(1+e)), the other token averages.
    const e = Math.E / (1 + Math.E);
    const y2 = output(twoHeads, x);
    expectAllClose(y2.dataSync(), [e, 0.5, 0.5, e], 1e-5, 1e-6);
    expect(parameterCount(oneHead)).toBe(4 * (2 * 2 + 2));
    expect(() => output(new MultiHeadSelfAttention({ heads: 3 }), x)).toThrow(/heads 3 must divide the feature size 2/);
    checkGradients(new MultiHeadSelfAttention({ heads: 2, seed: 3 }), tf.randomNormal([2, 3, 4], 0, 1, 'float32', 7), 5);
    tf.dispose([x, y1, y2]);
  });

  it('MultiHeadSelfAttention is equivariant to permuting the tokens (property)', () => {
    const layer = new MultiHeadSelfAttention({ heads: 2, seed: 11 });
    fc.assert(
      fc.property(fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: 12, maxLength: 12 }), fc.integer({ min: 1, max: 2 }), (values, shift) => {
        tf.tidy(() => {
          const x = tf.tensor3d(values, [1, 3, 4]);
          const order = [0, 1, 2].map((i) => (i + shift) % 3);
          const permutedInput = tf.gather(x, order, 1);
          const expected = tf.gather(output(layer, x), order, 1);
          expectAllClose(output(layer, permutedInput).dataSync(), expected.dataSync(), 1e-4, 1e-4);
        });
      }),
      { numRuns: 15 },
    );
  });
});

describe('registerCustomLayers', () => {
  it('lets tfjs rebuild every custom layer from its config', () => {
    registerCustomLayers();
    registerCustomLayers(); // idempotent
    const layers: AnyLayer[] = [new ChannelLayerNormalization({ center: true }), new StarRelu({ scaleInitialValue: 0.5 }), new ChannelScale(), new GroupNormalization({ groups: 4, epsilon: 1e-3 }), new PositionEmbedding({ seed: 2 }), new MultiHeadSelfAttention({ heads: 4, seed: 9 })];
    for (const layer of layers) {
      const config = layer.getConfig();
      const rebuilt = tf.layers.Layer.fromConfig(layer.constructor as never, config) as AnyLayer;
      expect(rebuilt.getConfig()).toEqual(config);
      const className = (layer.constructor as unknown as { className: string }).className;
      const restored = tf.serialization.SerializationMap.getMap().classNameMap[className];
      expect(restored?.[0]).toBe(layer.constructor);
    }
  });
});
