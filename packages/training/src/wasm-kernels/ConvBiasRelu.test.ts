import { expectAllClose } from '@tfseg-internal/testing';
import { Conv2D, CONV2D_BIAS_RELU, CONV2D_BIAS_RELU_GRAD, conv2dBiasRelu } from '@tfseg/models';
import { agreementRuns, describeBothPaths, fc, prepareBackends, seededValues, tf, wideConvGeometry } from './__fixtures__/agreement';
import { conv2dBiasReluConfig, conv2dBiasReluGradConfig } from './ConvBiasRelu';

/** A convolution geometry with 1–20 channels (out channels also not divisible by 4: XNNPACK's convolution then), 'same' or 'valid'. */
const geometries = wideConvGeometry.filter((g) => g.pad === 'same' || g.pad === 'valid');

type Geometry = typeof wideConvGeometry extends fc.Arbitrary<infer T> ? T & { pad: 'same' | 'valid' } : never;

/** The output length of a convolution along one axis. */
const outLength = (size: number, filter: number, stride: number, pad: 'same' | 'valid'): number => Math.ceil((pad === 'same' ? size : size - filter + 1) / stride);

/**
 * relu(conv(x, w) + b) and the gradients of Σ y·t with respect to x, w and b, by `op`, all under a
 * gradient tape (where tfjs does not fuse the ReLU).
 */
function results(g: Geometry, op: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(seededValues(g.batch * g.height * g.width * g.inChannels, g.seed), [g.batch, g.height, g.width, g.inChannels]);
    const w = tf.tensor4d(seededValues(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels, g.seed + 1), [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels]);
    // A bias around 0, so that about half the pre-activations are negative (and some exactly 0 with b = 0).
    const b = tf.tensor1d(seededValues(g.outChannels, g.seed + 2).map((v, c) => (c % 5 === 0 ? 0 : v)));
    const shape = [g.batch, outLength(g.height, g.filterHeight, g.strides[0], g.pad), outLength(g.width, g.filterWidth, g.strides[1], g.pad), g.outChannels];
    const target = tf.tensor(seededValues(shape.reduce((a, c) => a * c), g.seed + 3), shape);
    const { value, grads } = tf.valueAndGrads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => op(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D))([x, w, b], target);
    return [value, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

/** tfjs' own path: tfjs-core's fused conv2d, which under a gradient tape runs Conv2D, Add and Relu. */
const tfjsPath = (g: Geometry) => (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.fused.conv2d({ x, filter: w, bias: b, strides: g.strides, pad: g.pad, activation: 'relu' });
/** The one-op conv + bias + ReLU of @tfseg/models. */
const onePath = (g: Geometry) => (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => conv2dBiasRelu(x, w, b, { strides: g.strides, pad: g.pad });

const bits = (values: Float32Array): Buffer => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('TfsegConv2DBiasRelu and its gradient (one-op conv + bias + ReLU on wasm)', () => {
  beforeAll(() => prepareBackends(CONV2D_BIAS_RELU));

  it('are registered for wasm only', () => {
    expect(tf.getKernel(CONV2D_BIAS_RELU, 'wasm')?.kernelFunc).toBe(conv2dBiasReluConfig.kernelFunc);
    expect(tf.getKernel(CONV2D_BIAS_RELU_GRAD, 'wasm')?.kernelFunc).toBe(conv2dBiasReluGradConfig.kernelFunc);
    expect(tf.getKernel(CONV2D_BIAS_RELU, 'cpu')).toBeUndefined();
  });

  describeBothPaths(() => {
    it('give the same bits as tfjs’ Conv2D, Add and Relu on wasm (output and the gradients of x, filter and bias) on random shapes', () => {
      fc.assert(
        fc.property(geometries as fc.Arbitrary<Geometry>, (g) => {
          tf.setBackend('wasm');
          const expected = results(g, tfjsPath(g));
          const actual = results(g, onePath(g));
          actual.forEach((values, index) => expect(bits(values).equals(bits(expected[index] as Float32Array))).toBe(true));
        }),
        agreementRuns,
      );
    });

    it('agree with tfjs on cpu (output and gradients) on random shapes', () => {
      fc.assert(
        fc.property(geometries as fc.Arbitrary<Geometry>, (g) => {
          tf.setBackend('cpu');
          const expected = results(g, tfjsPath(g));
          tf.setBackend('wasm');
          const actual = results(g, onePath(g));
          expected.forEach((values, index) => {
            const scale = values.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
            expectAllClose(actual[index] as Float32Array, values, 1e-4, 1e-4 * scale + 1e-6);
          });
        }),
        agreementRuns,
      );
    });

    it('give the same bits as tfjs’ Conv2D, Add and Relu on wasm for a layer larger than the one-pass gradient’s limit', () => {
      tf.setBackend('wasm');
      const g = { batch: 2, height: 128, width: 128, inChannels: 4, outChannels: 8, filterHeight: 3, filterWidth: 3, strides: [1, 1], pad: 'same', channelsFirst: false, seed: 7 } as Geometry;
      const expected = results(g, tfjsPath(g));
      results(g, onePath(g)).forEach((values, index) => expect(bits(values).equals(bits(expected[index] as Float32Array))).toBe(true));
    });

    it('the gradient kernel keeps NaN in y as NaN and masks at and below 0, as tfjs’ Relu gradient', () => {
      tf.setBackend('wasm');
      tf.tidy(() => {
        const y = tf.tensor2d([Number.NaN, 0, 2, -0, 1, 3, 0, 5], [2, 4]);
        const dy = tf.tensor2d([1, 2, 3, 4, -5, 6, 7, 8], [2, 4]);
        const [dz, dbias] = tf.engine().runKernel(CONV2D_BIAS_RELU_GRAD, { y, dy }) as [tf.Tensor, tf.Tensor];
        expect(Array.from(dz.dataSync())).toEqual([Number.NaN, 0, 3, 0, -5, 6, 0, 8]);
        expect(Array.from(dbias.dataSync())).toEqual([Number.NaN, 6, 3, 8]);
      });
    });
  });

  it('run once each per layer in a training step, skip the input gradient nobody asked for, and leave no tensor behind', async () => {
    tf.setBackend('wasm');
    const layer = new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' });
    layer.apply(tf.input({ shape: [6, 6, 4] }));
    const x = tf.tensor4d(seededValues(2 * 6 * 6 * 4, 1), [2, 6, 6, 4]);
    const step = (): void => {
      tf.tidy(() => {
        tf.variableGrads(() => tf.sum(layer.apply(x, { training: true }) as tf.Tensor));
      });
    };
    step();
    const before = tf.memory().numTensors;
    const profile = await tf.profile(step);
    const names = profile.kernels.map((kernel) => kernel.name);
    expect(names.filter((name) => name === CONV2D_BIAS_RELU)).toHaveLength(1);
    expect(names.filter((name) => name === CONV2D_BIAS_RELU_GRAD)).toHaveLength(1);
    expect(names.filter((name) => name === 'Conv2DBackpropFilter')).toHaveLength(1);
    // x is no variable: its gradient is not computed.
    expect(names).not.toContain('Conv2DBackpropInput');
    expect(names).not.toContain('Relu');
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    layer.dispose();
  });

  it('a Conv2D without bias and activation (before a batch norm) trains with tfjs-layers’ bits, runs Conv2D, and skips the input gradient nobody asked for', async () => {
    tf.setBackend('wasm');
    // Direct kernel, Winograd, and a one-channel image as a U-Net's first layer.
    const shapes: [number, number, number, number, number][] = [
      [2, 6, 6, 4, 8],
      [2, 9, 9, 8, 12],
      [1, 16, 16, 1, 16],
    ];
    for (const [batch, height, width, channels, filters] of shapes) {
      const args = { filters, kernelSize: 3, padding: 'same' as const, activation: 'linear' as const, useBias: false };
      const ours = new Conv2D(args);
      const theirs = tf.layers.conv2d(args);
      for (const layer of [ours, theirs]) {
        layer.apply(tf.input({ shape: [height, width, channels] }));
        layer.setWeights([tf.tensor4d(seededValues(9 * channels * filters, filters), [3, 3, channels, filters])]);
      }
      const x = tf.tensor4d(seededValues(batch * height * width * channels, channels), [batch, height, width, channels]);
      const step = (layer: InstanceType<typeof tf.layers.Layer>): Float32Array[] =>
        tf.tidy(() => {
          const loss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.square(layer.apply(input, { training: true }) as tf.Tensor));
          const { value, grads } = tf.variableGrads(() => loss(x));
          return [value, tf.grad(loss)(x), ...Object.values(grads)].map((t) => Float32Array.from(t.dataSync()));
        });
      const expected = step(theirs);
      step(ours).forEach((values, index) => expect(bits(values).equals(bits(expected[index] as Float32Array))).toBe(true));
      const before = tf.memory().numTensors;
      const profile = await tf.profile(() => tf.tidy(() => void tf.variableGrads(() => tf.sum(ours.apply(x, { training: true }) as tf.Tensor))));
      const names = profile.kernels.map((kernel) => kernel.name);
      expect(names.filter((name) => name === 'Conv2D')).toHaveLength(1);
      expect(names.filter((name) => name === 'Conv2DBackpropFilter')).toHaveLength(1);
      // x is no variable: its gradient is not computed (tfjs-layers' fused.conv2d computes it).
      expect(names).not.toContain('Conv2DBackpropInput');
      expect(names).not.toContain('FusedConv2D');
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      ours.dispose();
      theirs.dispose();
    }
  });

  it('the gradient kernel rejects y and dy of different shapes, naming the kernel', () => {
    tf.setBackend('wasm');
    tf.tidy(() => {
      expect(() => tf.engine().runKernel(CONV2D_BIAS_RELU_GRAD, { y: tf.zeros([2, 4]), dy: tf.zeros([2, 3]) })).toThrow(/Error in TfsegConv2DBiasReluGrad: expected float32 y and dy of one shape/);
    });
  });
});
