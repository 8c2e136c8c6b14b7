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
  ] as Array<[LossSpec, string]>)('%j → %s', (spec, name) => {
    expect(lossDisplayName(spec)).toBe(name);
  });
});

describeOnBackends('bad tensors', () => {
  const loss = multiplicativeLoss();
  const cases: Array<[string, () => [tf.Tensor, tf.Tensor], string]> = [
    ['rank-1 yPred', () => [tf.tensor1d([0, 1]), tf.tensor1d([0.5, 0.5])], 'yPred must have rank >= 2 ([..., C], e.g. [N,H,W,C]), but got rank 1 with shape [2]'],
    ['C < 2', () => [tf.zeros([1, 2, 2, 1]), tf.ones([1, 2, 2, 1])], 'yPred must have C >= 2 classes in its last axis, but got shape [1,2,2,1]'],
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
