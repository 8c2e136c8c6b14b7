import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describeOnBackends, expectNoTensorLeak } from '@tfseg-internal/testing';
import { mulberry32 } from './__fixtures__/random';
import { createLossWithGradient } from './create-loss';
import type { LossFunction } from './loss-function';
import type { LossSpec } from './spec';

/**
 * Agreement bound of the closed-form gradient with tfjs' autodiff of the same forward operations: per
 * element |closed − autodiff| ≤ 1e-4·|autodiff| + 1e-5·max|autodiff|. Both are float32 evaluations of the
 * same derivative in a different order (e.g. ω/(S + s) then ·2 against 2·(1/(S + s))·ω); the observed
 * difference is a few float32 units in the last place relative to the largest entry.
 */
const RELATIVE = 1e-4;
const OF_LARGEST = 1e-5;

interface Case {
  spec: LossSpec;
  images: number;
  height: number;
  width: number;
  classes: number;
  labels: boolean;
  seed: number;
}

const lossSpecs = fc.oneof(
  fc.constant({ name: 'ce' as const }),
  fc.constant({ name: 'dice' as const }),
  fc.double({ min: 0, max: 1, noNaN: true }).map((lambda) => ({ name: 'additive' as const, lambda })),
  fc.constant({ name: 'ml' as const }),
  fc.record({ name: fc.constant('caml' as const), r: fc.option(fc.double({ min: 0.1, max: 5, noNaN: true }), { nil: undefined }), confidence: fc.constantFrom('true-class' as const, 'mean-probability' as const) }),
);

const cases: fc.Arbitrary<Case> = fc
  .record({
    loss: lossSpecs,
    activation: fc.constantFrom('softmax' as const, 'sigmoid' as const),
    fromLogits: fc.boolean(),
    images: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 5 }),
    width: fc.integer({ min: 1, max: 5 }),
    classes: fc.integer({ min: 1, max: 5 }),
    labels: fc.boolean(),
    ignore: fc.boolean(),
    weighted: fc.boolean(),
    includeBackground: fc.boolean(),
    imageDice: fc.boolean(),
    seed: fc.nat(),
  })
  .map(({ loss, activation, fromLogits, classes, labels, ignore, weighted, includeBackground, imageDice, seed, ...shape }) => {
    const classCount = activation === 'softmax' || !includeBackground ? Math.max(classes, 2) : classes;
    const random = mulberry32(seed ^ 0x5bd1e995);
    const withLabels = labels || ignore;
    const spec: LossSpec = {
      ...loss,
      activation,
      fromLogits,
      validateInputs: false,
      ...(ignore ? { ignoreIndex: 255 } : {}),
      // Weights in [0, 2) with the first class at least 0.5, so some included class is weighted.
      ...(weighted ? { classWeights: Array.from({ length: classCount }, (_, c) => (c === classCount - 1 ? 0.5 : 0) + 2 * random()) } : {}),
      ...(loss.name === 'ce' ? {} : { includeBackground, diceReduction: imageDice ? ('image' as const) : ('batch' as const) }),
    } as LossSpec;
    return { spec, ...shape, classes: classCount, labels: withLabels, seed };
  });

/** yTrue (labels with some 255s when ignoring, or one-/multi-hot) and yPred (logits, or their softmax/sigmoid). */
function inputsOf(testCase: Case): { yTrue: tf.Tensor; yPred: tf.Tensor } {
  const { spec, images, height, width, classes, labels, seed } = testCase;
  const random = mulberry32(seed);
  const pixels = images * height * width;
  const sigmoid = spec.activation === 'sigmoid';
  const logits = tf.tensor4d(Float32Array.from({ length: pixels * classes }, () => 6 * random() - 3), [images, height, width, classes]);
  const yPred = spec.fromLogits ? logits : tf.tidy(() => (sigmoid ? tf.sigmoid(logits) : tf.softmax(logits)));
  if (!spec.fromLogits) logits.dispose();
  let yTrue: tf.Tensor;
  if (labels) {
    const largest = sigmoid && classes === 1 ? 1 : classes - 1;
    const values = Int32Array.from({ length: pixels }, () => (spec.ignoreIndex !== undefined && random() < 0.3 ? 255 : Math.floor(random() * (largest + 1))));
    yTrue = tf.tensor3d(values, [images, height, width], 'int32');
  } else if (sigmoid) {
    yTrue = tf.tensor4d(Float32Array.from({ length: pixels * classes }, () => (random() < 0.4 ? 1 : 0)), [images, height, width, classes]);
  } else {
    yTrue = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: pixels }, () => Math.floor(random() * classes)), 'int32'), classes).reshape([images, height, width, classes]).toFloat());
  }
  return { yTrue, yPred };
}

function valueAndGradient(loss: LossFunction, yTrue: tf.Tensor, yPred: tf.Tensor): { value: Float32Array; gradient: Float32Array } {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((prediction: tf.Tensor) => loss(yTrue, prediction))(yPred);
    return { value: value.dataSync() as Float32Array, gradient: grad.dataSync() as Float32Array };
  });
}

function bits(values: Float32Array): number[] {
  return Array.from(new Int32Array(values.buffer, values.byteOffset, values.length));
}

describeOnBackends('closed-form loss gradients', () => {
  it('agree with tfjs autodiff of the same forward (same value bits) over losses, options, shapes and λ', async () => {
    await expectNoTensorLeak(() =>
      fc.assert(
        fc.property(cases, (testCase) => {
          const { yTrue, yPred } = inputsOf(testCase);
          const closed = valueAndGradient(createLossWithGradient(testCase.spec, 'closed-form'), yTrue, yPred);
          const reference = valueAndGradient(createLossWithGradient(testCase.spec, 'autodiff'), yTrue, yPred);
          tf.dispose([yTrue, yPred]);
          expect(bits(closed.value)).toEqual(bits(reference.value));
          const largest = reference.gradient.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
          closed.gradient.forEach((value, index) => {
            const expected = reference.gradient[index] as number;
            expect(Number.isFinite(value)).toBe(true);
            expect(Math.abs(value - expected)).toBeLessThanOrEqual(RELATIVE * Math.abs(expected) + OF_LARGEST * largest);
          });
        }),
        { numRuns: 150 },
      ),
    );
  });

  it('keeps no tensor across value-and-gradient calls (and none when called without a gradient)', async () => {
    const loss = createLossWithGradient({ name: 'caml', fromLogits: true, ignoreIndex: 255, diceReduction: 'image' }, 'closed-form');
    const { yTrue, yPred } = tf.tidy(() => ({ yTrue: tf.tensor3d([[[0, 1], [255, 2]], [[2, 2], [1, 0]]], [2, 2, 2], 'int32'), yPred: tf.randomNormal([2, 2, 2, 3]) }));
    valueAndGradient(loss, yTrue, yPred); // first call: tfjs' own one-time allocations
    const before = tf.memory().numTensors;
    for (let call = 0; call < 3; call++) {
      valueAndGradient(loss, yTrue, yPred);
      loss(yTrue, yPred).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([yTrue, yPred]);
  });

  /**
   * Kernel bound for one value + gradient of ML on logits (the training benchmark's loss), [N,H,W,C]:
   * forward F kernels (the loss's own operations, counted without a gradient) plus at most 6 saved copies,
   * 8 [C]-sized kernels (α, β, κ), 13 element-wise ones (α and β reshaped and tiled to [P, C], A = α⊙y + β,
   * g = p⊙A − κ⊙y, Σ_c g, p·Σ_c g, g − p·Σ_c g, the reshape) and the tape's identity: F + 28. Autodiff replays every recorded
   * operation, at least F more kernels (each forward kernel has a gradient of at least one kernel).
   */
  it.each([2, 5])('one value + gradient of ML on logits costs at most the forward + 28 kernels, C = %i (autodiff: at least twice the forward)', async (classes) => {
    const labels = tf.randomUniform([4, 16, 16], 0, classes, 'int32');
    const logits = tf.randomNormal([4, 16, 16, classes]);
    const spec: LossSpec = { name: 'ml', fromLogits: true, validateInputs: false };
    const kernelsOf = async (fn: () => void) => (await tf.profile(fn)).kernels.length;
    const forward = await kernelsOf(() => createLossWithGradient(spec, 'closed-form')(labels, logits).dispose());
    const closed = await kernelsOf(() => {
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => createLossWithGradient(spec, 'closed-form')(labels, x))(logits);
      tf.dispose([value, grad]);
    });
    const autodiff = await kernelsOf(() => {
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => createLossWithGradient(spec, 'autodiff')(labels, x))(logits);
      tf.dispose([value, grad]);
    });
    expect(closed).toBeLessThanOrEqual(forward + 28);
    expect(autodiff).toBeGreaterThanOrEqual(2 * forward - 4);
    tf.dispose([labels, logits]);
  });
});
