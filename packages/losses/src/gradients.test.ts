import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import { finiteDifferenceGradient, referenceLoss, referenceTerms, type Matrix } from './__fixtures__/reference-losses';
import { everyLossCase } from './__fixtures__/specs';
import { createLoss, stopGradient, type LossSpec } from './index';

// Six pixels, three classes, every class present; probabilities are a fixed softmax of these logits.
const labels = [0, 1, 2, 0, 2, 1];
const logits: Matrix = [[1.2, -0.3, 0.1], [0.2, 0.9, -1.1], [-0.5, 0.3, 0.7], [2.0, 0.1, -0.4], [0.0, -0.2, 0.4], [-1.0, 1.5, 0.2]];
const oneHot: Matrix = labels.map((label) => [0, 1, 2].map((c) => (c === label ? 1 : 0)));
const softmax = (rows: Matrix): Matrix =>
  rows.map((row) => {
    const exps = row.map(Math.exp);
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  });
const probabilities = softmax(logits);
const pixels = oneHot.length;
const classes = 3;


function autogradAt(spec: LossSpec, input: Matrix): Matrix {
  const loss = createLoss(spec);
  return tf.tidy(() => {
    const yTrue = tf.tensor2d(oneHot);
    const gradient = tf.grad((yPred: tf.Tensor) => loss(yTrue, yPred))(tf.tensor2d(input));
    return gradient.arraySync() as Matrix;
  });
}

/** D as CAML sees it: the mean Dice coefficient at `p`, constant under differentiation. */
const meanDiceAt = (p: Matrix) => 1 - referenceTerms(oneHot, p).diceLoss;

describeOnBackends('gradients', () => {
  it('stopGradient: identity forward, no gradient backward (d/dx of x·stop(x) is x)', () => {
    const [value, gradient] = tf.tidy(() => {
      const x = tf.tensor1d([2, -3]);
      const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(t, stopGradient(t))))(x);
      return [value.dataSync()[0] as number, Array.from(grad.dataSync())];
    });
    expect(value).toBe(13);
    expectAllClose(gradient, [2, -3]);
  });

  it.each(everyLossCase())('%s: tf.grad w.r.t. probabilities matches finite differences', async (_, spec) => {
    const frozenDice = meanDiceAt(probabilities);
    const expected = finiteDifferenceGradient((p) => referenceLoss(spec, oneHot, p, frozenDice), probabilities);
    const actual = await expectNoTensorLeak(() => autogradAt(spec, probabilities));
    expectAllClose(actual.flat(), expected.flat(), 2e-3, 2e-5);
  });

  it.each(everyLossCase())('%s: tf.grad w.r.t. logits (fromLogits) matches finite differences', (_, spec) => {
    const frozenDice = meanDiceAt(probabilities);
    const expected = finiteDifferenceGradient((z) => referenceLoss(spec, oneHot, softmax(z), frozenDice), logits);
    const actual = autogradAt({ ...spec, fromLogits: true }, logits);
    expectAllClose(actual.flat(), expected.flat(), 2e-3, 2e-5);
  });

  // Eq. 6 is the product rule; eq. 7 spells out its two terms. Read w.r.t. p (as eq. 6 is written):
  //   ∂L_CE/∂p_ic   = −y_ic / (N·p_ic)                                 (N = number of pixels)
  //   ∂L_Dice/∂p_ic = −(1/C)·2·(y_ic·(Σy_c + Σp_c) − Σ(y·p)_c) / (Σp_c + Σy_c)²
  // The printed eq. 7 writes (p − y) for the CE term, which is the derivative of per-pixel CE w.r.t.
  // the logits (checked below, with the 1/N of the mean), and y·Σp instead of y·(Σy + Σp) in the Dice
  // numerator, i.e. it drops a −(2/C)·y·Σy/S² term (also checked below).
  it('ML gradient = eq. 6 with the exact terms of eq. 7 (w.r.t. p)', () => {
    const { crossEntropy, diceLoss, intersections, denominators } = referenceTerms(oneHot, probabilities);
    const crossEntropyTerm = (i: number, c: number) => -(oneHot[i]![c]! / (pixels * probabilities[i]![c]!));
    const diceTerm = (i: number, c: number) => -(2 / classes) * (oneHot[i]![c]! * denominators[c]! - intersections[c]!) / denominators[c]! ** 2;
    const expected = probabilities.map((row, i) => row.map((_, c) => diceLoss * crossEntropyTerm(i, c) + crossEntropy * diceTerm(i, c)));
    expectAllClose(autogradAt({ name: 'ml' }, probabilities).flat(), expected.flat(), 1e-4, 1e-6);
    // Each term on its own, as the two component losses' gradients:
    expectAllClose(autogradAt({ name: 'ce' }, probabilities).flat(), probabilities.flatMap((row, i) => row.map((_, c) => crossEntropyTerm(i, c))), 1e-4, 1e-6);
    const diceGradient = autogradAt({ name: 'dice' }, probabilities);
    expectAllClose(diceGradient.flat(), probabilities.flatMap((row, i) => row.map((_, c) => diceTerm(i, c))), 1e-4, 1e-6);
    // The printed Dice numerator y·Σp − Σyp misses −y·Σy: autograd = printed − (2/C)·y·Σy/S².
    const trueSums = [0, 1, 2].map((c) => oneHot.reduce((sum, row) => sum + row[c]!, 0));
    const printed = probabilities.flatMap((row, i) =>
      row.map((_, c) => {
        const predictedSum = denominators[c]! - trueSums[c]!;
        const printedTerm = -(2 / classes) * (oneHot[i]![c]! * predictedSum - intersections[c]!) / denominators[c]! ** 2;
        return printedTerm - (2 / classes) * oneHot[i]![c]! * trueSums[c]! / denominators[c]! ** 2;
      }),
    );
    expectAllClose(diceGradient.flat(), printed, 1e-4, 1e-6);
  });

  it("eq. 7's (p − y) is the CE gradient w.r.t. logits (divided by N for the mean)", () => {
    const expected = probabilities.flatMap((row, i) => row.map((p, c) => (p - oneHot[i]![c]!) / pixels));
    expectAllClose(autogradAt({ name: 'ce', fromLogits: true }, logits).flat(), expected, 1e-4, 1e-6);
  });

  it.each([
    ['true-class', 'true-class' as const],
    ['mean-probability', 'mean-probability' as const],
  ])('CAML gradient (%s p̄) = eqs. 14–15 with D held constant', (_, confidence) => {
    const { crossEntropy, diceLoss, intersections, denominators, trueClassConfidence, meanProbability } = referenceTerms(oneHot, probabilities);
    const meanDice = 1 - diceLoss;
    const pBar = confidence === 'true-class' ? trueClassConfidence : meanProbability;
    const alpha = (1 - pBar) ** meanDice;
    const expected = probabilities.map((row, i) =>
      row.map((p, c) => {
        const y = oneHot[i]![c]!;
        const dDice = -(2 / classes) * (y * denominators[c]! - intersections[c]!) / denominators[c]! ** 2;
        const dCrossEntropy = -y / (pixels * p);
        // Eq. 15: ∂α/∂p = ∂α/∂p̄ · ∂p̄/∂p; ∂p̄/∂p_ic is y_ic/N for the true-class p̄ (the printed 1/N at
        // the true class, 0 elsewhere) and 1/(N·C) for the mean of every output.
        const dPBar = confidence === 'true-class' ? y / pixels : 1 / (pixels * classes);
        const dAlpha = -meanDice * (1 - pBar) ** (meanDice - 1) * dPBar;
        // Eq. 14.
        return crossEntropy ** alpha * (dDice + diceLoss * (dAlpha * Math.log(crossEntropy) + (alpha / crossEntropy) * dCrossEntropy));
      }),
    );
    expectAllClose(autogradAt({ name: 'caml', confidence }, probabilities).flat(), expected.flat(), 1e-4, 1e-6);
  });
});
