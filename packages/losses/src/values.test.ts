import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import { createLoss, type LossSpec } from './index';

// Two pixels, two classes, small enough to check on paper:
// pixel 0 is class 0 predicted [0.8, 0.2]; pixel 1 is class 1 predicted [0.4, 0.6].
const oneHot = [[1, 0], [0, 1]];
const probabilities = [[0.8, 0.2], [0.4, 0.6]];
const crossEntropy = -(Math.log(0.8) + Math.log(0.6)) / 2; // eq. 2: mean over the 2 pixels
const dice0 = (2 * 0.8) / (1 + 1.2); // eq. 3: Σy = 1, Σp = 0.8 + 0.4
const dice1 = (2 * 0.6) / (1 + 0.8); // Σy = 1, Σp = 0.2 + 0.6
const diceLoss = 1 - (dice0 + dice1) / 2; // eq. 4
const meanDice = 1 - diceLoss;
const trueClassConfidence = (0.8 + 0.6) / 2; // p̄ = (1/N)·Σ y·p

const cases: Array<[string, LossSpec, number]> = [
  ['CE, eq. 2', { name: 'ce' }, crossEntropy],
  ['Dice, eqs. 3–4', { name: 'dice' }, diceLoss],
  ['additive λ=0.3, eq. 1', { name: 'additive', lambda: 0.3 }, 0.3 * diceLoss + 0.7 * crossEntropy],
  ['additive default λ=0.5', { name: 'additive' }, 0.5 * diceLoss + 0.5 * crossEntropy],
  ['ML, eq. 5', { name: 'ml' }, diceLoss * crossEntropy],
  ['CAML, eq. 13', { name: 'caml' }, diceLoss * crossEntropy ** ((1 - trueClassConfidence) ** meanDice)],
  ['CAML r=3 (Table 4)', { name: 'caml', r: 3 }, diceLoss * crossEntropy ** ((1 - trueClassConfidence) ** 3)],
  ['CAML mean-probability p̄ = 1/C', { name: 'caml', confidence: 'mean-probability' }, diceLoss * crossEntropy ** (0.5 ** meanDice)],
];

describeOnBackends('loss values on a hand-computed case', () => {
  it.each(cases)('%s', async (_, spec, expected) => {
    const loss = createLoss(spec);
    const yTrue = tf.tensor2d(oneHot);
    const yPred = tf.tensor2d(probabilities);
    const value = await expectNoTensorLeak(() => {
      const result = loss(yTrue, yPred);
      const data = result.dataSync()[0] as number;
      result.dispose();
      return data;
    });
    expectAllClose([value], [expected], 1e-5);
    tf.dispose([yTrue, yPred]);
  });

  it.each(cases)('%s: integer labels, logits and [N,H,W,C] give the same value', (_, spec, expected) => {
    const fromProbabilities = createLoss(spec);
    const fromLogits = createLoss({ ...spec, fromLogits: true });
    const values = tf.tidy(() => {
      const yPred = tf.tensor4d(probabilities.flat(), [1, 1, 2, 2]);
      const logits = tf.add(tf.log(yPred), 3); // softmax is shift-invariant
      return [
        fromProbabilities(tf.tensor3d([[[0, 1]]], [1, 1, 2], 'int32'), yPred),
        fromProbabilities(tf.tensor4d(oneHot.flat(), [1, 1, 2, 2]), yPred),
        fromLogits(tf.tensor3d([[[0, 1]]], [1, 1, 2], 'int32'), logits),
      ].map((scalar) => scalar.dataSync()[0] as number);
    });
    expectAllClose(values, [expected, expected, expected], 1e-5);
  });
});

// Hand-computed cases for the options of issue 16 (s = 1e-6 kept where it matters).
const smooth = 1e-6;
const diceOf = (intersection: number, denominator: number) => (2 * intersection + smooth) / (denominator + smooth);
// Binary sigmoid, C = 1: pixel 0 is foreground predicted 0.8, pixel 1 background predicted 0.3.
const binaryCrossEntropy = -(Math.log(0.8) + Math.log(0.7)) / 2;
const binaryDiceLoss = 1 - diceOf(0.8, 1 + 1.1);
const binaryConfidence = (0.8 + 0.7) / 2; // mean of y·p + (1 − y)(1 − p)
// classWeights [1, 3] on the two-pixel softmax case: CE = Σ w_y·(−log p_y) / Σ w_y, Dice = 1 − Σ w·Dice / Σ w.
const weightedCrossEntropy = (-Math.log(0.8) - 3 * Math.log(0.6)) / 4;
const weightedDiceLoss = 1 - (dice0 + 3 * dice1) / 4;
// diceReduction 'image' with each pixel its own image: image 0 has only class 0, image 1 only class 1.
const imageDiceLoss = 1 - ((diceOf(0.8, 1.8) + diceOf(0, 0.4)) / 2 + (diceOf(0, 0.2) + diceOf(0.6, 1.6)) / 2) / 2;

describeOnBackends('option values on hand-computed cases', () => {
  const binary = (spec: LossSpec) => tf.tidy(() => createLoss(spec)(tf.tensor2d([[1], [0]]), tf.tensor2d([[0.8], [0.3]])).dataSync()[0] as number);
  const twoPixels = (spec: LossSpec, shape: number[] = [2, 2]) =>
    tf.tidy(() => createLoss(spec)(tf.tensor(oneHot.flat(), shape), tf.tensor(probabilities.flat(), shape)).dataSync()[0] as number);

  it.each([
    ['CE', { name: 'ce', activation: 'sigmoid' }, binaryCrossEntropy],
    ['Dice', { name: 'dice', activation: 'sigmoid' }, binaryDiceLoss],
    ['ML', { name: 'ml', activation: 'sigmoid' }, binaryDiceLoss * binaryCrossEntropy],
    ['CAML', { name: 'caml', activation: 'sigmoid' }, binaryDiceLoss * binaryCrossEntropy ** ((1 - binaryConfidence) ** (1 - binaryDiceLoss))],
  ] as Array<[string, LossSpec, number]>)('sigmoid, one channel: %s', (_, spec, expected) => {
    expectAllClose([binary(spec)], [expected], 1e-5);
  });

  it('sigmoid from logits equals sigmoid from probabilities', () => {
    const logit = (p: number) => Math.log(p / (1 - p));
    const value = tf.tidy(() => createLoss({ name: 'caml', activation: 'sigmoid', fromLogits: true })(tf.tensor2d([[1], [0]]), tf.tensor2d([[logit(0.8)], [logit(0.3)]])).dataSync()[0] as number);
    expectAllClose([value], [binary({ name: 'caml', activation: 'sigmoid' })], 1e-5);
  });

  it.each([
    ['CE', { name: 'ce', classWeights: [1, 3] }, weightedCrossEntropy],
    ['Dice', { name: 'dice', classWeights: [1, 3] }, weightedDiceLoss],
    ['additive', { name: 'additive', lambda: 0.3, classWeights: [1, 3] }, 0.3 * weightedDiceLoss + 0.7 * weightedCrossEntropy],
  ] as Array<[string, LossSpec, number]>)('classWeights [1, 3]: %s', (_, spec, expected) => {
    expectAllClose([twoPixels(spec)], [expected], 1e-5);
  });

  it('includeBackground: false leaves class 0 out of Dice (and so of ML), not of CE', () => {
    expectAllClose([twoPixels({ name: 'dice', includeBackground: false })], [1 - dice1], 1e-5);
    expectAllClose([twoPixels({ name: 'ml', includeBackground: false })], [(1 - dice1) * crossEntropy], 1e-5);
  });

  it("diceReduction: 'image' averages each image's Dice", () => {
    expectAllClose([twoPixels({ name: 'dice', diceReduction: 'image' }, [2, 1, 1, 2])], [imageDiceLoss], 1e-5);
    // The batch reduction of the same tensors is the paper's eq. 4.
    expectAllClose([twoPixels({ name: 'dice' }, [2, 1, 1, 2])], [diceLoss], 1e-5);
  });

  it.each(cases)('ignoreIndex: a third, ignored pixel changes nothing (%s)', (_, spec, expected) => {
    const value = tf.tidy(() =>
      createLoss({ ...spec, ignoreIndex: 255 })(tf.tensor1d([0, 1, 255], 'int32'), tf.tensor2d([...probabilities, [0.1, 0.9]])).dataSync()[0] as number,
    );
    expectAllClose([value], [expected], 1e-5);
  });
});
