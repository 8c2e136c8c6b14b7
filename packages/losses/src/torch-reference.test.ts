import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import reference from './__fixtures__/torch-reference.json';
import { createLoss, type LossSpec } from './index';

/**
 * Values and gradients of every loss under every option against PyTorch autograd in float64
 * (scripts/torch-reference.py wrote the fixture; these tests never run Python). Gradients are w.r.t.
 * yPred: probabilities, or logits with `fromLogits`.
 */
interface ReferenceCase {
  label: string;
  spec: LossSpec;
  yTrue: { shape: number[]; dtype: 'int32' | 'float32'; values: number[] };
  yPred: { shape: number[]; values: number[] };
  value: number;
  gradient: number[];
}

const cases = (reference.cases as unknown as ReferenceCase[]).map((entry) => [entry.label, entry] as const);

describe('torch reference fixture', () => {
  it('covers every loss under every option of issue 16', () => {
    const specs = cases.map(([, entry]) => entry.spec);
    for (const name of ['ce', 'dice', 'additive', 'ml', 'caml'] as const) {
      const ofLoss = specs.filter((spec) => spec.name === name);
      expect(ofLoss.some((spec) => spec.activation === 'sigmoid')).toBe(true);
      expect(ofLoss.some((spec) => spec.ignoreIndex !== undefined)).toBe(true);
      expect(ofLoss.some((spec) => spec.classWeights !== undefined)).toBe(true);
      expect(ofLoss.some((spec) => spec.fromLogits === true)).toBe(true);
      if (name !== 'ce') {
        expect(ofLoss.some((spec) => spec.name !== 'ce' && spec.includeBackground === false)).toBe(true);
        expect(ofLoss.some((spec) => spec.name !== 'ce' && spec.diceReduction === 'image')).toBe(true);
      }
    }
    expect(specs.some((spec) => spec.name === 'caml' && spec.r !== undefined && spec.activation === 'sigmoid')).toBe(true);
  });
});

describeOnBackends('values and gradients against PyTorch (float64 autograd)', () => {
  it.each(cases)('%s', async (_, entry) => {
    const loss = createLoss(entry.spec);
    const [value, gradient] = await expectNoTensorLeak(() =>
      tf.tidy(() => {
        const yTrue = tf.tensor(entry.yTrue.values, entry.yTrue.shape, entry.yTrue.dtype);
        const { value, grad } = tf.valueAndGrad((yPred: tf.Tensor) => loss(yTrue, yPred))(tf.tensor(entry.yPred.values, entry.yPred.shape));
        return [value.dataSync()[0] as number, Array.from(grad.dataSync())] as const;
      }),
    );
    expectAllClose([value], [entry.value], 1e-5, 1e-7);
    const largest = Math.max(...entry.gradient.map(Math.abs));
    expectAllClose(gradient, entry.gradient, 1e-3, 1e-5 * largest);
  });
});
