import * as tf from '@tensorflow/tfjs';
import { createLoss, LossArgumentError, type LossFunction } from '@tfseg/losses';
import { describeOnBackends, expectNoTensorLeak } from '@tfseg-internal/testing';
import { resolveLoss } from './resolve-loss';

const yTrue = () => tf.tensor4d([1, 0, 0, 1, 1, 0, 0, 1], [1, 2, 2, 2]);
const yPred = () => tf.tensor4d([0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7], [1, 2, 2, 2]);

describeOnBackends('resolveLoss', () => {
  it('builds a spec with createLoss: the same value', () => {
    tf.tidy(() => {
      const expected = createLoss({ name: 'ml' })(yTrue(), yPred()).dataSync()[0]!;
      expect(resolveLoss({ name: 'ml' })(yTrue(), yPred()).dataSync()[0]).toBeCloseTo(expected, 6);
    });
  });

  it('turns the per-call value check off unless the spec asks for it', () => {
    tf.tidy(() => {
      const withNaN = tf.tensor4d([NaN, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7], [1, 2, 2, 2]);
      expect(Number.isNaN(resolveLoss({ name: 'ce' })(yTrue(), withNaN).dataSync()[0])).toBe(true);
      let error: unknown;
      try {
        resolveLoss({ name: 'ce', validateInputs: true })(yTrue(), withNaN);
      } catch (caught) {
        error = caught;
      }
      expect(LossArgumentError.isInstance(error)).toBe(true);
    });
  });

  it('uses a function as given and applies wrap to what it built', () => {
    const constant: LossFunction = () => tf.scalar(3);
    expect(resolveLoss(constant)).toBe(constant);
    const seen: LossFunction[] = [];
    const doubled = resolveLoss({ name: 'dice' }, {
      wrap: (loss) => {
        seen.push(loss);
        return (a, b) => tf.tidy(() => tf.mul(loss(a, b), 2));
      },
    });
    expect(seen).toHaveLength(1);
    tf.tidy(() => {
      const plain = createLoss({ name: 'dice' })(yTrue(), yPred()).dataSync()[0]!;
      expect(doubled(yTrue(), yPred()).dataSync()[0]).toBeCloseTo(2 * plain, 6);
    });
  });

  it('leaks no tensor', async () => {
    const loss = resolveLoss({ name: 'caml' });
    await expectNoTensorLeak(() => tf.tidy(() => loss(yTrue(), yPred())).dispose());
  });
});
