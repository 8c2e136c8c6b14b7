import * as tf from '@tensorflow/tfjs';
import { describeOnBackends } from '@tfseg-internal/testing';
import { additiveLoss, camlLoss, createLoss, LossArgumentError, lossDisplayName, multiplicativeLoss, type LossSpec } from './index';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('bad specs', () => {
  it.each([
    [{ name: 'focal' }, 'Error in createLoss: name must be one of "ce", "dice", "additive", "ml", "caml", but got "focal"'],
    [{ name: 'additive', lambda: 1.5 }, 'Error in createLoss: lambda must be a number in [0, 1], but got 1.5'],
    [{ name: 'additive', lambda: -0.1 }, 'Error in createLoss: lambda must be a number in [0, 1], but got -0.1'],
    [{ name: 'caml', r: 0 }, 'Error in createLoss: r must be a number > 0, but got 0'],
    [{ name: 'caml', r: -2 }, 'Error in createLoss: r must be a number > 0, but got -2'],
    [{ name: 'caml', confidence: 'pixel' }, 'Error in createLoss: confidence must be "true-class" or "mean-probability", but got "pixel"'],
    [{ name: 'additive', lamda: 0.3 }, 'Error in createLoss: unknown option "lamda" for loss "additive"'],
    [{ name: 'ml', epsilon: 0 }, 'Error in createLoss: epsilon must be in (0, 0.5), but got 0'],
    [{ name: 'dice', smooth: 0 }, 'Error in createLoss: smooth must be a number > 0 (0 would make an absent class 0/0), but got 0'],
    [{ name: 'ml', activation: 'relu' }, 'Error in createLoss: activation must be "softmax" or "sigmoid", but got "relu"'],
    [{ name: 'ml', ignoreIndex: 1.5 }, 'Error in createLoss: ignoreIndex must be an integer, but got 1.5'],
    [{ name: 'ml', classWeights: [0, 0] }, 'Error in createLoss: classWeights must not be all zero, but got [0,0]'],
    [{ name: 'ml', classWeights: [1, -1] }, 'Error in createLoss: classWeights.1 must be a finite number >= 0, but got -1'],
    [{ name: 'ml', classWeights: [] }, 'Error in createLoss: classWeights must list one weight per class, but got []'],
    [{ name: 'dice', diceReduction: 'pixel' }, 'Error in createLoss: diceReduction must be "batch" or "image", but got "pixel"'],
    [{ name: 'additive', includeBackground: 'no' }, 'Error in createLoss: includeBackground must be a boolean, but got "no"'],
    [{ name: 'ce', includeBackground: false }, 'Error in createLoss: unknown option "includeBackground" for loss "ce"'],
    [undefined, "Error in createLoss: spec must be an object like { name: 'ml' }, but got undefined"],
  ])('%j', (spec, message) => {
    const error = thrown(() => createLoss(spec as LossSpec));
    expect(error.message).toBe(message);
    expect(LossArgumentError.isInstance(error)).toBe(true);
    expect(error.cause).toBeDefined();
  });

  it('named factories name themselves', () => {
    expect(thrown(() => additiveLoss({ lambda: 2 })).message).toBe('Error in additiveLoss: lambda must be a number in [0, 1], but got 2');
    expect(thrown(() => camlLoss({ r: 0 })).message).toBe('Error in camlLoss: r must be a number > 0, but got 0');
  });
});

describe('lossDisplayName', () => {
  it.each([
    [{ name: 'ce' }, 'CE'],
    [{ name: 'dice' }, 'Dice'],
    [{ name: 'additive', lambda: 0.3 }, 'λ·Dice + (1−λ)·CE (λ=0.3)'],
    [{ name: 'additive' }, 'λ·Dice + (1−λ)·CE (λ=0.5)'],
    [{ name: 'ml' }, 'ML'],
    [{ name: 'caml' }, 'CAML'],
    [{ name: 'caml', r: 3 }, 'CAML (r=3)'],
    [{ name: 'caml', confidence: 'mean-probability' }, 'CAML (p̄=mean probability)'],
    [{ name: 'caml', r: 3, activation: 'sigmoid', diceReduction: 'image' }, 'CAML (r=3, sigmoid, image Dice)'],
    [{ name: 'additive', lambda: 0.3, ignoreIndex: 255, classWeights: [0.2, 1, 3], includeBackground: false }, 'λ·Dice + (1−λ)·CE (λ=0.3, ignoreIndex=255, weights=[0.2,1,3], no background)'],
    [{ name: 'ce', activation: 'sigmoid', fromLogits: true }, 'CE (sigmoid)'],
  ] as Array<[LossSpec, string]>)('%j → %s', (spec, name) => {
    expect(lossDisplayName(spec)).toBe(name);
  });
});

describeOnBackends('bad tensors', () => {
  const loss = multiplicativeLoss();
  const cases: Array<[string, () => [tf.Tensor, tf.Tensor], string]> = [
    ['rank-1 yPred', () => [tf.tensor1d([0, 1]), tf.tensor1d([0.5, 0.5])], 'yPred must have rank >= 2 ([..., C], e.g. [N,H,W,C]), but got rank 1 with shape [2]'],
    ['C < 2', () => [tf.zeros([1, 2, 2, 1]), tf.ones([1, 2, 2, 1])], "yPred must have C >= 2 classes in its last axis for activation 'softmax' (use activation: 'sigmoid' for a one-channel binary output), but got shape [1,2,2,1]"],
    // Issue 17, item 10: yTrue that is not one-hot and yPred outside [0, 1] are rejected, not turned into numbers.
    ['one-hot value 2', () => [tf.tensor2d([[2, 0], [0, 1]]), tf.fill([2, 2], 0.5)], 'yTrue must be one-hot (every value 0 or 1), but it contains values in [0, 2]'],
    ['one-hot value −1', () => [tf.tensor2d([[1, -1], [0, 1]]), tf.fill([2, 2], 0.5)], 'yTrue must be one-hot (every value 0 or 1), but it contains values in [-1, 1]'],
    ['soft labels', () => [tf.tensor2d([[0.7, 0.3], [0, 1]]), tf.fill([2, 2], 0.5)], 'yTrue must be one-hot (every value 0 or 1), but it contains a fractional value (soft label)'],
    ['all-zero row', () => [tf.tensor2d([[0, 0], [0, 1]]), tf.fill([2, 2], 0.5)], "yTrue must be one-hot with exactly one 1 per pixel for activation 'softmax', but a pixel has 0 (an all-zero row or several classes; use activation: 'sigmoid' for multi-label)"],
    ['two ones in a row', () => [tf.tensor2d([[1, 1], [0, 1]]), tf.fill([2, 2], 0.5)], "yTrue must be one-hot with exactly one 1 per pixel for activation 'softmax', but a pixel has 2 (an all-zero row or several classes; use activation: 'sigmoid' for multi-label)"],
    ['negative probability', () => [tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1.5, -0.5], [0.5, 0.5]])], 'yPred must hold probabilities in [0, 1] (softmax outputs; pass fromLogits: true for logits), but got values in [-0.5, 1.5]'],
    ['probability 1e38', () => [tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1e38, 0], [0.5, 0.5]])], 'yPred must hold probabilities in [0, 1] (softmax outputs; pass fromLogits: true for logits), but got values in [0, 1e+38]'],
    ['shape mismatch', () => [tf.zeros([1, 2, 3, 2]), tf.fill([1, 2, 2, 2], 0.5)], 'yTrue must have shape [1,2,2,2] (one-hot) or [1,2,2] (integer labels) to match yPred [1,2,2,2], but got [1,2,3,2]'],
    ['NaN in yPred', () => [tf.tensor2d([[1, 0]]), tf.tensor2d([[NaN, 0.5]])], 'yPred must contain only finite numbers, but it contains NaN or ±Infinity'],
    ['NaN in yTrue', () => [tf.tensor2d([[NaN, 0]]), tf.tensor2d([[0.5, 0.5]])], 'yTrue must contain only finite numbers, but it contains NaN or ±Infinity'],
    ['label ≥ C', () => [tf.tensor1d([0, 2], 'int32'), tf.fill([2, 2], 0.5)], 'yTrue labels must be integers in [0, 1] (C = 2), but got values in [0, 2]'],
    ['negative label', () => [tf.tensor1d([-1, 1], 'int32'), tf.fill([2, 2], 0.5)], 'yTrue labels must be integers in [0, 1] (C = 2), but got values in [-1, 1]'],
    ['fractional label', () => [tf.tensor1d([0, 0.5]), tf.fill([2, 2], 0.5)], 'yTrue integer labels must be whole numbers, but it contains a fractional value or NaN'],
  ];
  it.each(cases)('%s', (_, make, message) => {
    const [yTrue, yPred] = make();
    const before = tf.memory().numTensors;
    const error = thrown(() => loss(yTrue, yPred));
    expect(error.message).toBe(`Error in multiplicativeLoss: ${message}`);
    expect(LossArgumentError.isInstance(error)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([yTrue, yPred]);
  });

  it.each([
    ['CAML r=3, negative p', createLoss({ name: 'caml', r: 3 }), () => [tf.tensor1d([0, 1], 'int32'), tf.tensor2d([[-0.2, 1.2], [0.5, 0.5]])], /yPred must hold probabilities in \[0, 1\]/],
    ['Dice, p = 1e38', createLoss({ name: 'dice' }), () => [tf.tensor1d([0, 1], 'int32'), tf.tensor2d([[1e38, 0], [0.5, 0.5]])], /yPred must hold probabilities in \[0, 1\]/],
    ['sigmoid multi-hot value 2', createLoss({ name: 'ml', activation: 'sigmoid' }), () => [tf.tensor2d([[2], [0]]), tf.fill([2, 1], 0.5)], /yTrue must be multi-hot \(every value 0 or 1\), but it contains values in \[0, 2\]/],
    ['sigmoid binary labels 0/1 only', createLoss({ name: 'ml', activation: 'sigmoid' }), () => [tf.tensor1d([0, 2], 'int32'), tf.fill([2, 1], 0.5)], /yTrue labels must be integers in \[0, 1\] \(C = 1\), but got values in \[0, 2\]/],
    ['label outside [0, C) that is not ignoreIndex', createLoss({ name: 'ml', ignoreIndex: 255 }), () => [tf.tensor1d([0, 255, 7], 'int32'), tf.fill([3, 2], 0.5)], /yTrue labels must be integers in \[0, 1\] \(C = 2\) or ignoreIndex 255, but got values in \[0, 7\]/],
    ['ignoreIndex with one-hot yTrue', createLoss({ name: 'ml', ignoreIndex: 255 }), () => [tf.tensor2d([[1, 0]]), tf.fill([1, 2], 0.5)], /ignoreIndex needs integer labels yTrue of shape \[1\], but got yTrue \[1,2\]/],
    ['classWeights length ≠ C', createLoss({ name: 'ce', classWeights: [1, 2, 3] }), () => [tf.tensor1d([0, 1], 'int32'), tf.fill([2, 2], 0.5)], /classWeights must have one weight per class \(C = 2 from yPred \[2,2\]\), but got 3/],
    ['includeBackground: false with C = 1', createLoss({ name: 'dice', activation: 'sigmoid', includeBackground: false }), () => [tf.tensor2d([[1], [0]]), tf.fill([2, 1], 0.5)], /includeBackground: false needs C >= 2 channels/],
    ['only the background weighted, background excluded', createLoss({ name: 'dice', includeBackground: false, classWeights: [1, 0] }), () => [tf.tensor1d([0, 1], 'int32'), tf.fill([2, 2], 0.5)], /classWeights must give some included class a weight > 0/],
  ] as Array<[string, (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar, () => [tf.Tensor, tf.Tensor], RegExp]>)('%s', (_, loss, make, message) => {
    const [yTrue, yPred] = make();
    const before = tf.memory().numTensors;
    const error = thrown(() => loss(yTrue, yPred));
    expect(error.message).toMatch(message);
    expect(LossArgumentError.isInstance(error)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([yTrue, yPred]);
  });

  it('multi-hot rows (several ones, or none) are valid for sigmoid', () => {
    const value = tf.tidy(() => createLoss({ name: 'ml', activation: 'sigmoid' })(tf.tensor2d([[1, 1], [0, 0]]), tf.fill([2, 2], 0.5)).dataSync()[0]);
    expect(Number.isFinite(value)).toBe(true);
  });

  it('finite logits whose sum overflows float32 are not mistaken for ±Infinity', () => {
    const loss = createLoss({ name: 'ce', fromLogits: true });
    const value = tf.tidy(() => loss(tf.tensor1d([0, 1], 'int32'), tf.tensor2d([[3e38, 3e38], [3e38, 3e38]])).dataSync()[0]);
    expect(value).toBeCloseTo(Math.log(2), 5);
  });

  it('validateInputs: false skips the value checks (shapes are still checked)', () => {
    const unchecked = createLoss({ name: 'ml', validateInputs: false });
    const value = tf.tidy(() => unchecked(tf.tensor2d([[1, 0]]), tf.tensor2d([[NaN, 0.5]])).dataSync()[0]);
    expect(value).toBeNaN();
    expect(() => unchecked(tf.zeros([2, 3]), tf.fill([2, 2], 0.5))).toThrow(/yTrue must have shape \[2,2\]/);
  });
});
