import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import { Adam, adamOptionsSchema } from './adam';

/** A variable holding `values`, without leaving the initial tensor behind. */
function variableOf(values: number[]): tf.Variable {
  const initial = tf.tensor1d(values);
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

/** Runs `steps` updates of a quadratic loss Σ (w − target)² with both optimisers from the same start. */
function compareWithTfjsAdam(initial: number[], target: number[], steps: number, learningRate: number): { ours: Float32Array; reference: Float32Array } {
  const ours = variableOf(initial);
  const reference = variableOf(initial);
  const targetTensor = tf.tensor1d(target);
  const adam = new Adam([ours], adamOptionsSchema.parse({ learningRate }));
  const tfjsAdam = tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
  const lossOf = (variable: tf.Variable) => () => tf.sum(tf.square(tf.sub(variable, targetTensor))) as tf.Scalar;
  for (let step = 0; step < steps; step++) {
    const { grads, value } = tf.variableGrads(lossOf(ours), [ours]);
    adam.applyGradients([grads[ours.name] as tf.Tensor]);
    tf.dispose([value, grads]);
    tfjsAdam.minimize(lossOf(reference), false, [reference]);
  }
  const result = { ours: ours.dataSync() as Float32Array, reference: reference.dataSync() as Float32Array };
  adam.dispose();
  tfjsAdam.dispose();
  tf.dispose([ours, reference, targetTensor]);
  return result;
}

describeOnBackends('Adam', () => {
  it('follows tf.train.adam step for step (same update rule, Keras ε)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.float({ min: -10, max: 10, noNaN: true }), fc.float({ min: -10, max: 10, noNaN: true })), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(1e-3, 0.05),
        (pairs, steps, learningRate) => {
          const { ours, reference } = compareWithTfjsAdam(pairs.map((pair) => pair[0]), pairs.map((pair) => pair[1]), steps, learningRate);
          // tf.train.adam computes the bias correction 1 − β₂ᵗ in float32, where it cancels (1 − 0.999 keeps
          // ~4 digits), so its steps carry a relative error up to ~3e-5 that ours (in double) does not: the
          // weights may differ by that share of each step (≤ lr), not of their value, which can cross 0 —
          // e.g. [−0.3057 → 0], 7 steps at 0.05: 2.5e-6 apart at 0.0147. A missing or wrong correction is
          // off by a whole step.
          expectAllClose(ours, reference, 1e-4, 1e-6 + 1e-4 * steps * learningRate);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('moves a weight by −lr·sign(g) on the first step (bias correction makes m̂/√v̂ = ±1)', () => {
    const weight = variableOf([1, -2]);
    const adam = new Adam([weight], adamOptionsSchema.parse({ learningRate: 0.1 }));
    const gradient = tf.tensor1d([3, -0.5]);
    adam.applyGradients([gradient]);
    expectAllClose(weight.dataSync(), [0.9, -1.9], 1e-5);
    tf.dispose([weight, gradient]);
    adam.dispose();
  });

  it('continues bit for bit after its state is saved and restored into a fresh optimiser', async () => {
    await expectNoTensorLeak(async () => {
      const gradients = [tf.tensor1d([0.3, -1.2, 2]), tf.tensor1d([-0.7, 0.1, 0.5]), tf.tensor1d([1, 1, -1])];
      const straight = variableOf([0.5, 0.5, 0.5]);
      const straightAdam = new Adam([straight], adamOptionsSchema.parse({}));
      for (const gradient of gradients) straightAdam.applyGradients([gradient]);

      const resumed = variableOf([0.5, 0.5, 0.5]);
      const firstAdam = new Adam([resumed], adamOptionsSchema.parse({}));
      firstAdam.applyGradients([gradients[0] as tf.Tensor]);
      const state = await firstAdam.getState();
      firstAdam.dispose();
      const secondAdam = new Adam([resumed], adamOptionsSchema.parse({}));
      secondAdam.setState(state);
      for (const gradient of gradients.slice(1)) secondAdam.applyGradients([gradient]);

      expect(Array.from(resumed.dataSync())).toEqual(Array.from(straight.dataSync()));
      straightAdam.dispose();
      secondAdam.dispose();
      tf.dispose([...gradients, straight, resumed]);
    });
  });

  it('refuses a state whose buffers do not fit the variables', () => {
    const weight = variableOf([1, 2]);
    const adam = new Adam([weight], adamOptionsSchema.parse({}));
    expect(() => adam.setState({ step: 1, firstMoments: [new Float32Array(3)], secondMoments: [new Float32Array(3)] })).toThrow(/firstMoments\[0\] has 3 values, but variable .* has 2/);
    adam.dispose();
    weight.dispose();
  });
});
