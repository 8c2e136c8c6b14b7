import { agreementRuns, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, tf } from './__fixtures__/agreement';
import { expectAllClose } from '@tfseg-internal/testing';
import { BATCH_NORM_RELU, BatchNormalization, FusingLayersModel, ReLU } from '@tfseg/models';
import { batchNormReluConfig, fusedBatchNormConfig } from './FusedBatchNorm';

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

/** A random inference batch norm + ReLU: x `[...leading, C]`, parameters `[C]` (the moving statistics, gamma, beta). */
const batchNormReluCase = fc.record({
  leading: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
  channels: fc.integer({ min: 1, max: 21 }),
  epsilon: fc.constantFrom(1e-3, 1e-5),
  seed: fc.nat(),
});

/**
 * relu(batchNorm) by tfjs-core's ops (FusedBatchNorm then Relu) on the active backend and, on wasm, the
 * kernel's output and how many intermediates it left behind; as bit patterns.
 */
function batchNormReluBits(c: { leading: number[]; channels: number; epsilon: number; seed: number }): { fused: Uint32Array; composed: Uint32Array; leaked: number } {
  const shape = [...c.leading, c.channels];
  let result: { fused: Uint32Array; composed: Uint32Array; leaked: number } = { fused: new Uint32Array(0), composed: new Uint32Array(0), leaked: 0 };
  tf.tidy(() => {
    const x = tf.tensor(seededValues(shape.reduce((a, b) => a * b), c.seed), shape);
    const parameter = (seed: number, shift = 0): tf.Tensor1D => tf.tensor1d(seededValues(c.channels, c.seed + seed).map((v) => v + shift));
    const inputs = { x, mean: parameter(1), variance: parameter(2, 1.5), scale: parameter(3, 0.5), offset: parameter(4) };
    const bits = (tensor: tf.Tensor): Uint32Array => new Uint32Array(Float32Array.from(tensor.dataSync()).buffer);
    const composed = bits(tf.relu(tf.batchNorm(x, inputs.mean, inputs.variance, inputs.offset, inputs.scale, c.epsilon)));
    result = { ...result, composed };
    if (tf.getBackend() !== 'wasm') return;
    const dataIds = tf.backend().numDataIds();
    const fused = tf.engine().runKernel(BATCH_NORM_RELU, inputs as unknown as tf.NamedTensorMap, { varianceEpsilon: c.epsilon }) as tf.Tensor;
    const leaked = tf.backend().numDataIds() - dataIds - 1;
    result = { fused: bits(fused), composed, leaked };
  });
  return result;
}

/** input → BatchNormalization → ReLU → dense, seeded (moving statistics too), as a FusingLayersModel. */
function pairNet(): tf.LayersModel {
  const input = tf.input({ shape: [5, 7, 12] });
  const batchNorm = new BatchNormalization({ momentum: 0.9, epsilon: 1e-3 });
  const normalised = batchNorm.apply(input) as tf.SymbolicTensor;
  const rectified = new ReLU().apply(normalised) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(rectified) as tf.SymbolicTensor;
  const model = new FusingLayersModel({ inputs: input, outputs: output });
  // gamma, beta, moving mean, moving variance
  const values = [tf.tensor1d(seededValues(12, 1).map((v) => v + 1.5)), tf.tensor1d(seededValues(12, 2)), tf.tensor1d(seededValues(12, 3)), tf.tensor1d(seededValues(12, 4).map((v) => v + 1.5))];
  batchNorm.setWeights(values);
  tf.dispose(values);
  return model;
}

describe('TfsegBatchNormRelu (wasm kernel: inference batch norm + ReLU in one native pass)', () => {
  beforeAll(() => prepareBackends(BATCH_NORM_RELU));

  itIsTheRegisteredKernel(batchNormReluConfig);

  describeBothPaths(() => {
    it('gives the same bits as FusedBatchNorm then Relu on random shapes, and frees every intermediate', () => {
      fc.assert(
        fc.property(batchNormReluCase, (c) => {
          tf.setBackend('wasm');
          const { fused, composed, leaked } = batchNormReluBits(c);
          expect(Buffer.from(fused.buffer).equals(Buffer.from(composed.buffer))).toBe(true);
          expect(leaked).toBe(0);
        }),
        agreementRuns,
      );
    });

    it('gives the same bits as FusedBatchNorm then Relu for NaN, ±∞ and y at +0 and −0', () => {
      tf.setBackend('wasm');
      tf.tidy(() => {
        const [inf, nan] = [Number.POSITIVE_INFINITY, Number.NaN];
        // 8 channels (two SIMD columns) and 3 more (the scalar tail); channel 0: x = mean with scale −1 and
        // offset −0, so y = +0·(−1) + (−0) = −0; channel 1: offset −0 and x = mean, y = +0.
        const channels = 11;
        const rows = [
          [0.25, 0.5, nan, inf, -inf, 2, -2, 0, nan, -inf, 3],
          [0.25, 0.5, -0, 1, -1, nan, inf, -0, 1, 0, -3],
          [0.25, 0.5, 1e-30, -1e-30, 0, -0, 5, -5, -0, inf, nan],
        ];
        const x = tf.tensor2d(rows);
        const mean = tf.tensor1d([0.25, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        const variance = tf.fill([channels], 1) as tf.Tensor1D;
        const scale = tf.tensor1d([-1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        const offset = tf.tensor1d([-0, -0, 0, 0, 0, 0, 0, 0, 0, -0, 0]);
        const bits = (tensor: tf.Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(tensor.dataSync()).buffer));
        const composed = tf.relu(tf.batchNorm(x, mean, variance, offset, scale, 0));
        const fused = tf.engine().runKernel(BATCH_NORM_RELU, { x, mean, variance, scale, offset } as unknown as tf.NamedTensorMap, { varianceEpsilon: 0 }) as tf.Tensor;
        expect(bits(fused)).toEqual(bits(composed));
        expect(Array.from(fused.dataSync()).slice(0, 3)).toEqual([0, 0, Number.NaN]);
      });
    });

    it('agrees with relu(batchNorm) on the cpu backend', () => {
      const seen = { zeros: 0, positives: 0 };
      fc.assert(
        fc.property(batchNormReluCase, (c) => {
          tf.setBackend('wasm');
          const { fused } = batchNormReluBits(c);
          tf.setBackend('cpu');
          const { composed } = batchNormReluBits(c);
          expectAllClose(new Float32Array(fused.buffer), new Float32Array(composed.buffer), 1e-5, 1e-6);
          const values = Array.from(new Float32Array(fused.buffer));
          seen.zeros += values.filter((v) => v === 0).length;
          seen.positives += values.filter((v) => v > 0).length;
        }),
        agreementRuns,
      );
      // Both sides of the ReLU were exercised.
      expect(seen.zeros).toBeGreaterThan(0);
      expect(seen.positives).toBeGreaterThan(0);
    });

    it('runs a FusingLayersModel’s BatchNormalization → ReLU pairs in inference as this kernel, with the same bits as the two layers and no leaked tensor', async () => {
      tf.setBackend('wasm');
      const model = pairNet();
      const plain = tf.model({ inputs: model.inputs, outputs: model.outputs });
      const x = tf.tensor4d(seededValues(2 * 5 * 7 * 12, 9).map((v) => 3 * v), [2, 5, 7, 12]);
      const inference = async (layers: tf.LayersModel): Promise<{ bits: Buffer; kernelNames: string[] }> => {
        const before = tf.memory().numTensors;
        let bits = Buffer.alloc(0);
        const { kernelNames } = await tf.profile(() => {
          const output = layers.apply(x) as tf.Tensor;
          bits = Buffer.from(Float32Array.from(output.dataSync()).buffer);
          output.dispose();
        });
        expect(tf.memory().numTensors).toBe(before);
        return { bits, kernelNames };
      };
      const fused = await inference(model);
      const twoLayers = await inference(plain);
      expect(fused.bits.equals(twoLayers.bits)).toBe(true);
      expect(fused.kernelNames).toContain(BATCH_NORM_RELU);
      expect(fused.kernelNames).not.toContain('Relu');
      expect(twoLayers.kernelNames).toEqual(expect.arrayContaining(['FusedBatchNorm', 'Relu']));
      tf.dispose(x);
      model.dispose();
    });
  });
});
