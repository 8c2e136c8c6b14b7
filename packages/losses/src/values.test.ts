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
