import { expectAllClose } from '@tfseg-internal/testing';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, BatchNormalization, buildModel, FusingLayersModel, ReLU } from '@tfseg/models';
import { agreementRuns, describeBothPaths, fc, prepareBackends, seededValues, tf } from './__fixtures__/agreement';
import { batchNormTrainingConfig, batchNormTrainingGradConfig } from './BatchNormTraining';

type AnyLayer = InstanceType<typeof tf.layers.Layer>;

/** A built batch-norm layer for `shape` with seeded gamma, beta and moving statistics. */
function seededLayer(layer: AnyLayer, shape: number[], seed: number): AnyLayer {
  layer.apply(tf.input({ shape: shape.slice(1) }));
  return seeded(layer, shape, seed);
}

/** @tfseg/models' BatchNormalization → ReLU pair in a FusingLayersModel (one training operation), seeded as {@link seededLayer}. */
function seededPair(shape: number[], seed: number): AnyLayer {
  const input = tf.input({ shape: shape.slice(1) });
  const normalised = new BatchNormalization({ momentum: 0.9, epsilon: 1e-3 }).apply(input) as tf.SymbolicTensor;
  return seeded(new FusingLayersModel({ inputs: input, outputs: new ReLU().apply(normalised) as tf.SymbolicTensor }), shape, seed);
}

/** `layer` with seeded gamma, beta and moving statistics (its only weights). */
function seeded(layer: AnyLayer, shape: number[], seed: number): AnyLayer {
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

/** The forward kernel's inputs for a random case (seeded; x of `[...leading, channels]`), inside a tidy. */
function kernelInputs(c: { leading: number[]; channels: number; seed: number }): { shape: number[]; x: tf.Tensor; scale: tf.Tensor; offset: tf.Tensor; movingMean: tf.Tensor; movingVariance: tf.Tensor } {
  const shape = [...c.leading, c.channels];
  const size = shape.reduce((a, b) => a * b);
  return {
    shape,
    x: tf.tensor(seededValues(size, c.seed), shape),
    scale: tf.tensor1d(seededValues(c.channels, c.seed + 1)),
    offset: tf.tensor1d(seededValues(c.channels, c.seed + 2)),
    movingMean: tf.tensor1d(seededValues(c.channels, c.seed + 3)),
    movingVariance: tf.tensor1d(seededValues(c.channels, c.seed + 4).map((v) => v + 1.5)),
  };
}

/** Runs `body` on wasm, inside a tidy, with {@link kernelInputs} of random cases ({@link agreementRuns} of them). */
function onRandomKernelInputs(body: (inputs: ReturnType<typeof kernelInputs>, c: { leading: number[]; channels: number; seed: number }) => void): void {
  fc.assert(
    fc.property(shapes, (c) => {
      tf.setBackend('wasm');
      tf.tidy(() => body(kernelInputs(c), c));
    }),
    agreementRuns,
  );
}

/** The operands of a batch-norm gradient case, as arrays a {@link SpecialCase} may rewrite. */
interface GradientValues {
  xs: Float32Array;
  gs: Float32Array;
  m: Float32Array;
  v: Float32Array;
  s: Float32Array;
  o: Float32Array;
}

/**
 * A rewrite of a case's values with a non-finite value or a signed zero; rowWhere gives the index of an
 * element of channel 1 (late in the rows) whose y is kept or masked.
 */
type SpecialCase = (values: GradientValues, layout: { channels: number; rows: number; rowWhere: (kept: boolean) => number }) => void;

/**
 * Where a ReLU mask computed without dy·step(y)'s multiplication could differ from it: NaN and ±∞ in x
 * and dy (dy·0 is NaN for those), y at ±0, channels masked throughout, non-finite parameters — one at a
 * time, so no case hides behind another's fallback.
 */
const specialCases: [string, SpecialCase][] = [
  ['NaN in x where y would be kept', ({ xs }, { rowWhere }) => void (xs[rowWhere(true)] = Number.NaN)],
  ['NaN in x where y would be masked', ({ xs }, { rowWhere }) => void (xs[rowWhere(false)] = Number.NaN)],
  ['NaN in dy where y is masked', ({ gs }, { rowWhere }) => void (gs[rowWhere(false)] = Number.NaN)],
  ['NaN in dy where y is kept', ({ gs }, { rowWhere }) => void (gs[rowWhere(true)] = Number.NaN)],
  ['+∞ in dy where y is masked', ({ gs }, { rowWhere }) => void (gs[rowWhere(false)] = Number.POSITIVE_INFINITY)],
  ['−∞ in dy where y is kept', ({ gs }, { rowWhere }) => void (gs[rowWhere(true)] = Number.NEGATIVE_INFINITY)],
  ['−∞ in x (y −∞, masked)', ({ xs }, { rowWhere }) => void (xs[rowWhere(false)] = Number.NEGATIVE_INFINITY)],
  ['+∞ in x', ({ xs }, { rowWhere }) => void (xs[rowWhere(true)] = Number.POSITIVE_INFINITY)],
  [
    'y = +0 and −0 in a channel (x = ±0, mean 0, offset −0) with dy ±0 in places',
    ({ xs, gs, m, o }, { channels, rows }) => {
      m[1] = 0;
      o[1] = -0;
      for (let row = 0; row < rows; row++) {
        xs[row * channels + 1] = row % 2 === 0 ? 0 : -0;
        if (row % 3 === 0) gs[row * channels + 1] = row % 2 === 0 ? -0 : 0;
      }
    },
  ],
  ['a channel masked throughout (offset −100)', ({ o }) => void (o[1] = -100)],
  ['offset NaN in a channel', ({ o }) => void (o[1] = Number.NaN)],
  ['offset −∞ in a channel (y −∞ throughout)', ({ o }) => void (o[1] = Number.NEGATIVE_INFINITY)],
  [
    'scale +∞ in a channel, with x = mean in places (y = 0·∞, NaN)',
    ({ xs, m, s }, { channels, rows }) => {
      s[1] = Number.POSITIVE_INFINITY;
      for (let row = 0; row < rows; row += 5) xs[row * channels + 1] = m[1] as number;
    },
  ],
  ['variance −2 in a channel (√ of a negative: NaN)', ({ v }) => void (v[1] = -2)],
  ['mean +∞ in a channel', ({ m }) => void (m[1] = Number.POSITIVE_INFINITY)],
];

describe('TfsegBatchNormTraining and its gradient (training-mode batch norm on wasm)', () => {
  beforeAll(() => prepareBackends(BATCH_NORM_TRAINING));

  it('are registered for wasm only', () => {
    expect(tf.getKernel(BATCH_NORM_TRAINING, 'wasm')?.kernelFunc).toBe(batchNormTrainingConfig.kernelFunc);
    expect(tf.getKernel(BATCH_NORM_TRAINING_GRAD, 'wasm')?.kernelFunc).toBe(batchNormTrainingGradConfig.kernelFunc);
    expect(tf.getKernel(BATCH_NORM_TRAINING, 'cpu')).toBeUndefined();
  });

  describeBothPaths(() => {
    it.each([
      ['BatchNormalization', false],
      ['BatchNormalization → ReLU in a FusingLayersModel (against tfjs-layers’ BatchNormalization and ReLU layers)', true],
    ])('%s: train like tfjs-layers on cpu (output, gradients, moving statistics) on random shapes', (_name, relu) => {
      fc.assert(
        fc.property(shapes, (c) => {
          const shape = [...c.leading, c.channels];
          // At least 2 rows per channel: with one, the variance is 0 and the gradient ill-conditioned.
          fc.pre(c.leading.reduce((a, b) => a * b) >= 2);
          tf.setBackend('cpu');
          const batchNorm = seededLayer(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 }), shape, c.seed);
          const reference = relu ? (tf.sequential({ layers: [batchNorm, tf.layers.reLU()] }) as unknown as AnyLayer) : batchNorm;
          const expected = trainingResults(reference, shape, c.seed);
          tf.setBackend('wasm');
          const ours = relu ? seededPair(shape, c.seed) : seededLayer(new BatchNormalization({ momentum: 0.9, epsilon: 1e-3 }), shape, c.seed);
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

    it('with relu, give the same bits as without it followed by Relu, and a gradient with the same bits as ReLU’s gradient followed by the gradient without relu', () => {
      onRandomKernelInputs(({ shape, ...inputs }, c) => {
        const { x, scale, offset } = inputs;
        const dy = tf.tensor(seededValues(x.size, c.seed + 5), shape);
        const bits = (tensors: tf.Tensor[]): number[][] => tensors.map((t) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer)));
        const [y, mean, variance, ...moving] = tf.engine().runKernel(BATCH_NORM_TRAINING, inputs, { varianceEpsilon: 1e-5, momentum: 0.9 }) as tf.Tensor[];
        const rectified = tf.engine().runKernel(BATCH_NORM_TRAINING, inputs, { varianceEpsilon: 1e-5, momentum: 0.9, relu: true }) as tf.Tensor[];
        expect(bits(rectified)).toEqual(bits([tf.relu(y as tf.Tensor), mean as tf.Tensor, variance as tf.Tensor, ...moving]));
        // tfjs-core's ReLU gradient (TfsegReluGrad with the native kernels), then the plain gradient.
        const masked = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.relu(input), dy)))(y as tf.Tensor);
        const gradientInputs = { x, mean: mean as tf.Tensor, variance: variance as tf.Tensor, scale };
        const expected = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { ...gradientInputs, dy: masked }, { varianceEpsilon: 1e-5 }) as tf.Tensor[];
        const actual = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { ...gradientInputs, dy, offset }, { varianceEpsilon: 1e-5, relu: true }) as tf.Tensor[];
        expect(bits(actual)).toEqual(bits(expected));
      });
    });

    it.each(specialCases)('with relu, give the values of ReLU’s gradient followed by the gradient without relu: %s', (_name, special) => {
      tf.setBackend('wasm');
      const f = Math.fround;
      // ε a float32, so that the JS fallback (float64 ε) and the native kernels (float32 ε) normalise alike.
      const epsilon = 2 ** -10;
      // 512 rows of 160 channels: each of the 32 partitions of the sums two L1 row blocks (12 and 4 rows).
      for (const shape of [[2, 16, 16, 160], [3, 7, 5, 12], [2, 3, 4, 8], [1, 5, 6, 10], [40, 16]]) {
        tf.tidy(() => {
          const channels = shape.at(-1) as number;
          const size = shape.reduce((a, b) => a * b);
          const rows = size / channels;
          const values = {
            xs: seededValues(size, channels).map((v) => 2 * v),
            gs: seededValues(size, channels + 1),
            m: seededValues(channels, channels + 2).map((v) => v / 4),
            v: seededValues(channels, channels + 3).map((value) => value + 1.5),
            s: seededValues(channels, channels + 4).map((value) => value / 2 + 1),
            o: seededValues(channels, channels + 5).map((value) => value / 4),
          };
          const { xs, gs, m, v, s, o } = values;
          /** y of element i as the forward pass computes it (for the values as they are when called). */
          const yOf = (i: number): number => {
            const c = i % channels;
            const factor = f((s[c] as number) / f(Math.sqrt(f((v[c] as number) + epsilon))));
            return f(f(f((xs[i] as number) - (m[c] as number)) * factor) + (o[c] as number));
          };
          /** Channel 1's last row in the partitions' later rows whose y is kept (above 0) or masked. */
          const rowWhere = (kept: boolean): number => {
            for (let row = rows - 1; row >= 0; row--) if (yOf(row * channels + 1) > 0 === kept) return row * channels + 1;
            throw new Error(`no ${kept ? 'kept' : 'masked'} element in channel 1`);
          };
          special(values, { channels, rows, rowWhere });
          const x = tf.tensor(xs, shape);
          const dy = tf.tensor(gs, shape);
          const [mean, variance, scale, offset] = [m, v, s, o].map((vector) => tf.tensor1d(vector)) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
          const y = tf.tensor(Float32Array.from(xs, (_, i) => yOf(i)), shape);
          const masked = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.relu(input), dy)))(y);
          const inputs = { x, mean, variance, scale };
          const expected = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { ...inputs, dy: masked }, { varianceEpsilon: epsilon }) as tf.Tensor[];
          const actual = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { ...inputs, dy, offset }, { varianceEpsilon: epsilon, relu: true }) as tf.Tensor[];
          // Values, so NaN equals NaN (whatever its payload) and −0 differs from 0; only the first difference reported.
          const difference = expected.flatMap((t, output) => {
            const [want, got] = [t.dataSync(), (actual[output] as tf.Tensor).dataSync()];
            const index = want.findIndex((value, i) => !Object.is(value, got[i]));
            return index < 0 && want.length === got.length ? [] : [{ shape, output, index, expected: want[index], actual: got[index] }];
          });
          expect(difference).toEqual([]);
        });
      }
    });
  });

  it.each([false, true])('with the native kernels (relu: %s), compute the gradient with the same bits as a JS reference of its arithmetic (32 row partitions summed in order, then float64 operations rounded to float32)', (relu) => {
    const f = Math.fround;
    onRandomKernelInputs(({ shape, ...inputs }, c) => {
      const { x, scale, offset } = inputs;
      const dy = tf.tensor(seededValues(x.size, c.seed + 5), shape);
      const [, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING, inputs, { varianceEpsilon: 1e-3, momentum: 0.9 }) as tf.Tensor[];
      const gradientInputs = { x, dy, mean: mean as tf.Tensor, variance: variance as tf.Tensor, scale, ...(relu ? { offset } : {}) };
      const actual = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, gradientInputs, { varianceEpsilon: 1e-3, ...(relu ? { relu: true } : {}) }) as tf.Tensor[];
      // The reference, from the inputs' values: y as batch_norm_apply (float32 ε), dy·step(y) under relu.
      const [xs, gs, m, v, s, o] = [x, dy, mean, variance, scale, offset].map((t) => (t as tf.Tensor).dataSync() as Float32Array) as Float32Array[] as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      const channels = c.channels;
      const rows = x.size / channels;
      const factor = Float32Array.from(s, (value, i) => f(value / f(Math.sqrt(f((v[i] as number) + f(1e-3))))));
      const gradient = (i: number): number => {
        const ch = i % channels;
        const dyValue = gs[i] as number;
        if (!relu) return dyValue;
        const y = f(f(f((xs[i] as number) - (m[ch] as number)) * (factor[ch] as number)) + (o[ch] as number));
        return f(dyValue * (Number.isNaN(y) ? y : y > 0 ? 1 : 0));
      };
      const partitions = Math.max(1, Math.min(32, rows));
      const sumDy = new Float32Array(channels);
      const sumDyCentred = new Float32Array(channels);
      for (let p = 0; p < partitions; p++) {
        const first = Math.floor((rows * p) / partitions);
        const last = Math.floor((rows * (p + 1)) / partitions);
        for (let ch = 0; ch < channels; ch++) {
          let a = 0;
          let b = 0;
          for (let row = first; row < last; row++) {
            const i = row * channels + ch;
            const g = gradient(i);
            a = f(a + g);
            b = f(b + f(g * f((xs[i] as number) - (m[ch] as number))));
          }
          sumDy[ch] = f((sumDy[ch] as number) + a);
          sumDyCentred[ch] = f((sumDyCentred[ch] as number) + b);
        }
      }
      const r = Float32Array.from(v, (value) => f(1 / f(Math.sqrt(f(value + 1e-3)))));
      const dx = Float32Array.from(xs, (value, i) => {
        const ch = i % channels;
        const rc = r[ch] as number;
        const k1 = f((sumDy[ch] as number) / rows);
        const k2 = f(f(rc * rc) * f((sumDyCentred[ch] as number) / rows));
        return f(f(f(gradient(i) - k1) - f(f(value - (m[ch] as number)) * k2)) * f((s[ch] as number) * rc));
      });
      const expected = [dx, sumDyCentred.map((value, ch) => f(value * (r[ch] as number))), sumDy];
      const bits = (values: Float32Array): number[] => Array.from(new Uint32Array(Float32Array.from(values).buffer));
      expect(actual.map((t) => bits(t.dataSync() as Float32Array))).toEqual(expected.map(bits));
    });
  });

  it('with the native kernels, compute the batch statistics with the same bits as tf.moments on wasm, y as tf.batchNorm and the moving statistics as tfjs-layers', () => {
    onRandomKernelInputs(({ shape, ...inputs }) => {
      const { x, scale, offset, movingMean, movingVariance } = inputs;
      const outputs = tf.engine().runKernel(BATCH_NORM_TRAINING, inputs, { varianceEpsilon: 1e-5, momentum: 0.9 }) as tf.Tensor[];
      // The same as tfjs-layers' training pass: moments, batchNorm, then m − (m − value)·(1 − momentum).
      const moments = tf.moments(x, shape.slice(0, -1).map((_, axis) => axis));
      const update = (current: tf.Tensor, value: tf.Tensor): tf.Tensor => tf.sub(current, tf.mul(tf.sub(current, value), 1 - 0.9));
      const expected = [tf.batchNorm(x, moments.mean, moments.variance, offset, scale, 1e-5), moments.mean, moments.variance, update(movingMean, moments.mean), update(movingVariance, moments.variance)];
      expect(outputs.map((t) => Array.from(t.dataSync()))).toEqual(expected.map((t) => Array.from(t.dataSync())));
    });
  });

  it.each([
    ['BatchNormalization', () => seededLayer(new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 }), [2, 5, 5, 8], 3)],
    ['BatchNormalization → ReLU in a FusingLayersModel (no Relu or ReLU-gradient kernel either)', () => seededPair([2, 5, 5, 8], 3)],
  ])('%s: run once each per layer in a training step (one tape operation), and leave no tensor behind', async (_name, create) => {
    tf.setBackend('wasm');
    const layer = create();
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
    expect(names.filter((name) => name === 'FusedBatchNorm' || /Relu/.test(name))).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    layer.dispose();
  });

  it('train a batch-norm U-Net with the same bits fused (buildModel’s FusingLayersModel) as two layers per unit (the same layers in a tf.model)', async () => {
    tf.setBackend('wasm');
    const fused = buildModel({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: 16, seed: 4 });
    const plain = tf.model({ inputs: fused.inputs, outputs: fused.outputs });
    const start = fused.getWeights().map((weight) => weight.clone());
    /** Loss, every trainable weight's gradient and the moving statistics (as bits) after one training step of `model` from `start`, and the Relu kernels it ran. */
    const step = async (model: tf.LayersModel): Promise<{ bits: number[][]; relus: number }> => {
      fused.setWeights(start);
      let bits: number[][] = [];
      const profile = await tf.profile(() => {
        bits = tf.tidy(() => {
          const images = tf.tensor(seededValues(2 * 16 * 16, 1), [2, 16, 16, 1]);
          const variables = fused.trainableWeights.map((w) => w.read() as tf.Variable);
          const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.apply(images, { training: true }) as tf.Tensor)), variables);
          return [value, ...Object.values(grads), ...fused.getWeights()].map((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));
        });
      });
      return { bits, relus: profile.kernels.filter((kernel) => kernel.name === 'Relu').length };
    };
    const [a, b] = [await step(fused), await step(plain)];
    expect(a.bits).toEqual(b.bits);
    // 18 conv → BN → ReLU units: their ReLUs ran inside the batch-norm operation.
    expect(b.relus - a.relus).toBe(18);
    tf.dispose(start);
    fused.dispose();
  });

  it('reject the gradient with relu but no offset, naming the kernel', () => {
    tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.ones([2, 3, 4]);
      const inputs = { x, dy: x, mean: tf.zeros([4]), variance: tf.ones([4]), scale: tf.ones([4]) };
      expect(() => tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, inputs, { varianceEpsilon: 1e-5, relu: true })).toThrow(/TfsegBatchNormTrainingGrad.*offset/);
    });
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
