import * as tf from '@tensorflow/tfjs';
import { createLoss, SOFTMAX_LOSS_GRAD, SOFTMAX_LOSS_SUMS, SOFTMAX_PROBABILITY_LOSS_GRAD, SOFTMAX_PROBABILITY_LOSS_SUMS, type LossSpec } from '@tfseg/losses';
import { agreementRuns, describeBothPaths, fc, prepareBackends } from './__fixtures__/agreement';
import {
  expectKernelBits,
  expectProbabilityKernelBits,
  softmaxLossCases,
  softmaxLossSpecs,
  softmaxProbabilityLossCases,
  withoutSoftmaxLossKernels,
} from './__fixtures__/softmax-loss';

beforeAll(async () => {
  await prepareBackends(SOFTMAX_PROBABILITY_LOSS_SUMS);
  await tf.setBackend('wasm');
});

describeBothPaths(() => {
  it('CE, Dice, additive, ML and CAML from logits: value and gradient are the composition’s bits (random P, C 2..8, scales to 1e30, ties, labels or one-hot)', () => {
    fc.assert(fc.property(softmaxLossCases(), expectKernelBits), agreementRuns);
  });

  it('at the training shape [4, 64, 64, C] and at P = 32k ± 1 (three levels of blocks) the bits are the composition’s', () => {
    fc.assert(
      fc.property(fc.constantFrom(4 * 64 * 64, 32 * 32 * 32 - 1, 32 * 32 * 32 + 1), fc.integer({ min: 2, max: 5 }), fc.nat(), (pixels, classes, seed) => {
        fc.assert(fc.property(softmaxLossSpecs(classes), (spec) => expectKernelBits({ pixels, classes, scale: 4, ties: false, oneHot: false, seed, spec })), { numRuns: 2 });
      }),
      { numRuns: 4 },
    );
  });

  it('with more than 64 classes (the forward kernel composes the registered kernels) the bits are the composition’s', () => {
    fc.assert(fc.property(fc.integer({ min: 65, max: 70 }), fc.integer({ min: 1, max: 100 }), fc.nat(), (classes, pixels, seed) => expectKernelBits({ pixels, classes, scale: 3, ties: false, oneHot: false, seed, spec: { name: 'ml', fromLogits: true, validateInputs: false } })), {
      numRuns: 3,
    });
  });

  it('on probabilities: CE, Dice, additive, ML and CAML value and gradient are the composition’s bits (random P, C 2..8, entries 0, −0, below and at ε, 1, NaN, ±∞; labels, one-hot or soft labels)', () => {
    fc.assert(fc.property(softmaxProbabilityLossCases(), expectProbabilityKernelBits), agreementRuns);
  });

  it('on probabilities at the training shape [4, 64, 64, C] and at P = 32k ± 1 the bits are the composition’s', () => {
    fc.assert(
      fc.property(fc.constantFrom(4 * 64 * 64, 32 * 32 * 32 - 1, 32 * 32 * 32 + 1), fc.integer({ min: 2, max: 5 }), fc.constantFrom('labels' as const, 'soft' as const), fc.nat(), (pixels, classes, target, seed) => {
        fc.assert(
          fc.property(softmaxLossSpecs(classes, false), (spec) => expectProbabilityKernelBits({ pixels, classes, specials: 0.01, nonFinite: false, target, seed, spec })),
          { numRuns: 2 },
        );
      }),
      { numRuns: 4 },
    );
  });

  it('on probabilities with more than 64 classes (the forward kernel composes the registered kernels) the bits are the composition’s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 70 }), fc.integer({ min: 1, max: 100 }), fc.nat(), (classes, pixels, seed) =>
        expectProbabilityKernelBits({ pixels, classes, specials: 0.05, nonFinite: true, target: 'labels', seed, spec: { name: 'ml', validateInputs: false } }),
      ),
      { numRuns: 3 },
    );
  });

  it('on probabilities with an all-zero target (no entry needs a log) the sums are hand-checkable and the composition’s', () => {
    const run = () =>
      tf.tidy(() => {
        const p = tf.tensor2d([0.5, 0.5, 0.2, 0.8, 0, 1], [3, 2]);
        const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => createLoss({ name: 'ml', validateInputs: false })(tf.zeros([3, 2]), x))(p);
        return [...value.dataSync(), ...grad.dataSync()];
      });
    const before = tf.memory().numTensors;
    const inputs = { probabilities: tf.tensor2d([0.5, 0.5, 0.2, 0.8, 0, 1], [3, 2]), target: tf.zeros([3, 2]) };
    const sums = tf.engine().runKernel(SOFTMAX_PROBABILITY_LOSS_SUMS, inputs, { blockRows: 32, epsilon: 1e-7 }) as tf.Tensor[];
    expect(sums.map((sum) => Array.from(sum.dataSync()))).toEqual([[0, 0], [0, 0], [Math.fround(0.7), Math.fround(2.3)], [0, 0]]);
    tf.dispose([...sums, ...Object.values(inputs)]);
    expect(tf.memory().numTensors).toBe(before);
    expect(run()).toEqual(withoutSoftmaxLossKernels(run));
  });

  it('logits with ±∞ and NaN give the composition’s values (NaN where it has NaN)', () => {
    for (const special of [Infinity, -Infinity, NaN]) {
      const spec: LossSpec = { name: 'ml', fromLogits: true, validateInputs: false };
      const run = () =>
        tf.tidy(() => {
          const logits = tf.tensor2d([0.5, special, 1, 2, -1, 3, special, special], [4, 2]);
          const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => createLoss(spec)(tf.tensor1d([0, 1, 1, 0], 'int32'), z))(logits);
          return [...value.dataSync(), ...grad.dataSync()].map((v) => (Number.isNaN(v) ? 'NaN' : v));
        });
      expect(run()).toEqual(withoutSoftmaxLossKernels(run));
    }
  });
});

describe('routing', () => {
  const profileNames = (spec: LossSpec, labels: number[]): string[] => {
    const names: string[] = [];
    tf.tidy(() => {
      const logits = tf.tensor2d([0.5, -1, 2, 0.25, 1, 1, -3, 0.75], [4, 2]);
      const yTrue = tf.tensor1d(labels, 'int32');
      const profile = () => tf.valueAndGrad((z: tf.Tensor) => createLoss(spec)(yTrue, z))(logits);
      // tf.profile is async; the kernels' names come from a synchronous engine hook instead.
      const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
      const original = engine.runKernel.bind(engine);
      engine.runKernel = (name: string, ...rest: unknown[]) => {
        names.push(name);
        return original(name, ...rest);
      };
      try {
        profile();
      } finally {
        engine.runKernel = original;
      }
    });
    return names;
  };

  it('softmax from logits runs the two kernels; ignoreIndex, sigmoid and probabilities inputs do not (and keep their bits)', () => {
    const used = (spec: LossSpec, labels = [0, 1, 1, 0]) => profileNames(spec, labels).filter((name) => name === SOFTMAX_LOSS_SUMS || name === SOFTMAX_LOSS_GRAD);
    expect(used({ name: 'ml', fromLogits: true })).toEqual([SOFTMAX_LOSS_SUMS, SOFTMAX_LOSS_GRAD]);
    expect(used({ name: 'ml', fromLogits: true, ignoreIndex: 255 }, [0, 255, 1, 0])).toEqual([]);
    expect(used({ name: 'ml', fromLogits: true, activation: 'sigmoid' })).toEqual([]);
    expect(used({ name: 'ml', fromLogits: false, validateInputs: false })).toEqual([]);
  });

  it('softmax probabilities run the two probability kernels; ignoreIndex, sigmoid, logits and per-image Dice’s gradient do not', () => {
    const probabilityKernels = [SOFTMAX_PROBABILITY_LOSS_SUMS, SOFTMAX_PROBABILITY_LOSS_GRAD];
    const used = (spec: LossSpec, labels = [0, 1, 1, 0]) => profileNames(spec, labels).filter((name) => probabilityKernels.includes(name));
    expect(used({ name: 'ml', fromLogits: false, validateInputs: false })).toEqual(probabilityKernels);
    expect(used({ name: 'dice', fromLogits: false, validateInputs: false })).toEqual(probabilityKernels);
    expect(used({ name: 'ml', fromLogits: false, validateInputs: false, ignoreIndex: 255 }, [0, 255, 1, 0])).toEqual([]);
    expect(used({ name: 'ml', fromLogits: false, validateInputs: false, activation: 'sigmoid' })).toEqual([]);
    expect(used({ name: 'ml', fromLogits: true })).toEqual([]);
    expect(used({ name: 'ml', fromLogits: false, validateInputs: false, diceReduction: 'image' })).toEqual([SOFTMAX_PROBABILITY_LOSS_SUMS]);
  });

  it('the probability kernels reject a bad epsilon and mismatched shapes with errors naming them', () => {
    const p = tf.tensor2d([0.5, 0.5], [1, 2]);
    const y = tf.tensor2d([1, 0], [1, 2]);
    expect(() => tf.engine().runKernel(SOFTMAX_PROBABILITY_LOSS_SUMS, { probabilities: p, target: y }, { blockRows: 32, epsilon: 0 })).toThrow(/TfsegSoftmaxProbabilityLossSums: epsilon must be a finite number > 0, but got 0/);
    expect(() => tf.engine().runKernel(SOFTMAX_PROBABILITY_LOSS_GRAD, { probabilities: p, target: tf.tensor2d([1, 0, 0], [1, 3]), kappa: tf.scalar(1) }, { epsilon: 1e-7 })).toThrow(
      /TfsegSoftmaxProbabilityLossGrad: target must have probabilities's shape \[1, 2\], but got \[1, 3\]/,
    );
    tf.dispose([p, y]);
  });

  it('the cases the kernels do not take (per-image Dice: only p and the CE sums from the forward one) give the same bits with them registered as without', () => {
    const specs: LossSpec[] = [
      { name: 'ml', fromLogits: true, ignoreIndex: 2, validateInputs: false },
      { name: 'caml', fromLogits: true, ignoreIndex: 2, validateInputs: false },
      { name: 'additive', fromLogits: true, activation: 'sigmoid', validateInputs: false },
      { name: 'ml', validateInputs: false },
      { name: 'dice', fromLogits: true, diceReduction: 'image', validateInputs: false },
    ];
    for (const spec of specs) {
      const run = () =>
        tf.tidy(() => {
          const logits = tf.tensor4d(Float32Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i * 1.7) * 3), [2, 5, 5, 3]);
          const z = spec.fromLogits === true ? logits : tf.softmax(logits);
          const labels = tf.tensor3d(Int32Array.from({ length: 50 }, (_, i) => (i * 7) % 3), [2, 5, 5], 'int32');
          const yTrue = spec.activation === 'sigmoid' ? tf.oneHot(labels, 3).asType('float32') : labels;
          const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => createLoss(spec)(yTrue, x))(z);
          return [...value.dataSync(), ...grad.dataSync()];
        });
      expect(run()).toEqual(withoutSoftmaxLossKernels(run));
    }
  });
});
