import { Conv2DTranspose, CONV2D_TRANSPOSE_BIAS } from '@tfseg/models';
import { agreementRuns, describeBothPaths, fc, prepareBackends, seededValues, tf, wideConvGeometry } from './__fixtures__/agreement';
import { conv2dTransposeBiasConfig } from './ConvTransposeBias';

/** A geometry with 1–20 channels (out channels also not divisible by 4), 'same' or 'valid' padding. */
const geometries = wideConvGeometry.filter((g) => g.pad === 'same' || g.pad === 'valid');

type Geometry = typeof wideConvGeometry extends fc.Arbitrary<infer T> ? T & { pad: 'same' | 'valid' } : never;

/** A built layer with seeded kernel and bias. */
function seededLayer(layer: InstanceType<typeof tf.layers.Layer>, g: Geometry): InstanceType<typeof tf.layers.Layer> {
  layer.apply(tf.input({ shape: [g.height, g.width, g.inChannels] }));
  layer.setWeights([tf.tensor4d(seededValues(g.filterHeight * g.filterWidth * g.outChannels * g.inChannels, g.seed + 1), [g.filterHeight, g.filterWidth, g.outChannels, g.inChannels]), tf.tensor1d(seededValues(g.outChannels, g.seed + 2))]);
  return layer;
}

/** Training-mode output and the gradients of Σ y·t with respect to x, the kernel and the bias. */
function results(layer: InstanceType<typeof tf.layers.Layer>, g: Geometry): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(seededValues(g.batch * g.height * g.width * g.inChannels, g.seed), [g.batch, g.height, g.width, g.inChannels]);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const target = tf.tensor(seededValues(y.size, g.seed + 3), y.shape);
    const [kernel, bias] = layer.trainableWeights.map((weight) => weight.read() as tf.Variable) as [tf.Variable, tf.Variable];
    const loss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, target));
    const dx = tf.grad(loss)(x);
    const { grads } = tf.variableGrads(() => loss(x), [kernel, bias]);
    return [y, dx, grads[kernel.name] as tf.Tensor, grads[bias.name] as tf.Tensor].map((t) => Float32Array.from(t.dataSync()));
  });
}

const args = (g: Geometry) => ({ filters: g.outChannels, kernelSize: [g.filterHeight, g.filterWidth], strides: g.strides, padding: g.pad });

describe('TfsegConv2DTransposeBias (one-op transposed convolution + bias on wasm)', () => {
  beforeAll(() => prepareBackends(CONV2D_TRANSPOSE_BIAS));

  it('is registered for wasm only', () => {
    expect(tf.getKernel(CONV2D_TRANSPOSE_BIAS, 'wasm')?.kernelFunc).toBe(conv2dTransposeBiasConfig.kernelFunc);
    expect(tf.getKernel(CONV2D_TRANSPOSE_BIAS, 'cpu')).toBeUndefined();
  });

  describeBothPaths(() => {
    it('trains with the same bits as tfjs-layers’ Conv2DTranspose on wasm (output, gradients of x, kernel and bias) on random shapes', () => {
      tf.setBackend('wasm');
      fc.assert(
        fc.property(geometries as fc.Arbitrary<Geometry>, (g) => {
          const ours = seededLayer(new Conv2DTranspose(args(g)), g);
          const theirs = seededLayer(tf.layers.conv2dTranspose(args(g)), g);
          const [a, b] = [ours, theirs].map((layer) => results(layer, g).map((values) => Array.from(values)));
          expect(a).toEqual(b);
          ours.dispose();
          theirs.dispose();
        }),
        agreementRuns,
      );
    });
  });

  describeBothPaths(() => {
    it('trains with the same bits as tfjs-layers’ Conv2DTranspose on the U-Net’s 2×2/2 up-sampling (the packed native product where KH·KW·C is divisible by 16), NaN and ±∞ included', () => {
      tf.setBackend('wasm');
      const upSampling = fc.record({
        batch: fc.integer({ min: 1, max: 4 }),
        height: fc.integer({ min: 1, max: 17 }),
        width: fc.integer({ min: 1, max: 17 }),
        inChannels: fc.integer({ min: 1, max: 12 }).map((n) => 4 * n),
        outChannels: fc.oneof(fc.integer({ min: 1, max: 8 }).map((n) => 4 * n), fc.integer({ min: 1, max: 20 })),
        seed: fc.nat(),
      });
      fc.assert(
        fc.property(upSampling, (u) => {
          const g = { ...u, filterHeight: 2, filterWidth: 2, strides: [2, 2], pad: 'same' } as unknown as Geometry;
          const ours = seededLayer(new Conv2DTranspose(args(g)), g);
          const theirs = seededLayer(tf.layers.conv2dTranspose(args(g)), g);
          const special = (layer: InstanceType<typeof tf.layers.Layer>): void => {
            const [kernel, bias] = layer.getWeights() as [tf.Tensor, tf.Tensor];
            const values = kernel.dataSync().slice();
            values[0] = Number.NaN;
            values[values.length - 1] = Number.POSITIVE_INFINITY;
            layer.setWeights([tf.tensor(values, kernel.shape), bias]);
          };
          if (u.seed % 2 === 1) [ours, theirs].forEach(special);
          const [a, b] = [ours, theirs].map((layer) => results(layer, g).map((values) => Buffer.from(values.buffer)));
          a?.forEach((bytes, index) => expect(bytes.equals(b?.[index] as Buffer)).toBe(true));
          ours.dispose();
          theirs.dispose();
        }),
        agreementRuns,
      );
    });
  });

  describeBothPaths(() => {
    it('predicts (inference, no training flag) with the same bits as tfjs-layers’ Conv2DTranspose on wasm on random shapes', () => {
      tf.setBackend('wasm');
      fc.assert(
        fc.property(geometries as fc.Arbitrary<Geometry>, (g) => {
          const ours = seededLayer(new Conv2DTranspose(args(g)), g);
          const theirs = seededLayer(tf.layers.conv2dTranspose(args(g)), g);
          const [a, b] = [ours, theirs].map((layer) =>
            tf.tidy(() => Array.from((layer.apply(tf.tensor4d(seededValues(g.batch * g.height * g.width * g.inChannels, g.seed), [g.batch, g.height, g.width, g.inChannels])) as tf.Tensor).dataSync())),
          );
          expect(a).toEqual(b);
          ours.dispose();
          theirs.dispose();
        }),
        agreementRuns,
      );
    });
  });

  it('runs as one kernel in inference too, with no Add, and leaves no tensor behind', async () => {
    tf.setBackend('wasm');
    const g: Geometry = { batch: 2, height: 4, width: 4, inChannels: 8, outChannels: 8, filterHeight: 2, filterWidth: 2, strides: [2, 2], pad: 'same', channelsFirst: false, seed: 1 };
    const layer = seededLayer(new Conv2DTranspose(args(g)), g);
    const x = tf.tensor4d(seededValues(2 * 4 * 4 * 8, 1), [2, 4, 4, 8]);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      tf.dispose(layer.apply(x, { training: false }) as tf.Tensor);
      tf.dispose(layer.apply(x) as tf.Tensor);
    });
    const names = profile.kernels.map((kernel) => kernel.name);
    expect(names.filter((name) => name === CONV2D_TRANSPOSE_BIAS)).toHaveLength(2);
    expect(names).not.toContain('Add');
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    layer.dispose();
  });

  it('runs once per layer in a training step, with no Add, and leaves no tensor behind', async () => {
    tf.setBackend('wasm');
    const g: Geometry = { batch: 2, height: 4, width: 4, inChannels: 8, outChannels: 8, filterHeight: 2, filterWidth: 2, strides: [2, 2], pad: 'same', channelsFirst: false, seed: 1 };
    const layer = seededLayer(new Conv2DTranspose(args(g)), g);
    results(layer, g);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      results(layer, g);
    });
    const names = profile.kernels.map((kernel) => kernel.name);
    expect(names.filter((name) => name === CONV2D_TRANSPOSE_BIAS)).toHaveLength(3);
    expect(names).not.toContain('Add');
    expect(tf.memory().numTensors).toBe(before);
    layer.dispose();
  });

  it('rejects a bias that does not match the output channels, naming the kernel', () => {
    tf.setBackend('wasm');
    tf.tidy(() => {
      const inputs = { x: tf.zeros([1, 2, 2, 3]), filter: tf.zeros([2, 2, 4, 3]), bias: tf.zeros([3]) };
      expect(() => tf.engine().runKernel(CONV2D_TRANSPOSE_BIAS, inputs, { inputShape: [1, 4, 4, 4], strides: [2, 2], pad: 'same' })).toThrow(/Error in TfsegConv2DTransposeBias: expected a float32 bias \[4\]/);
    });
  });
});
