import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import fc from 'fast-check';
import { normalizationLayout, normalizeAndScale } from './normalize';

/** The op-by-op composition tfjs differentiates itself (what the layers computed before the closed form). */
function composed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor | undefined, axes: number[], epsilon: number): tf.Tensor {
  const centered = tf.sub(x, tf.mean(x, axes, true));
  const scaled = tf.mul(tf.mul(centered, tf.rsqrt(tf.add(tf.mean(tf.square(centered), axes, true), epsilon))), gamma);
  return beta === undefined ? scaled : tf.add(scaled, beta);
}

/** Value and gradients (x, γ, β) of `sum(f(x, γ, β) · r)`. */
function valueAndGradients(f: typeof composed, x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor | undefined, r: tf.Tensor, axes: number[], epsilon: number): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const value = f(x, gamma, beta, axes, epsilon).dataSync() as Float32Array;
    const inputs = beta === undefined ? [x, gamma] : [x, gamma, beta];
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(args[0] as tf.Tensor, args[1] as tf.Tensor, args[2], axes, epsilon), r)))(inputs);
    return { value, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

describeOnBackends('normalizeAndScale', () => {
  it('gives the composition’s values, and gradients equal to tfjs’ differentiation of it (layer and group norm shapes)', () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          height: fc.integer({ min: 1, max: 5 }),
          width: fc.integer({ min: 1, max: 5 }),
          groups: fc.integer({ min: 1, max: 3 }),
          perGroup: fc.integer({ min: 1, max: 4 }),
          grouped: fc.boolean(),
          center: fc.boolean(),
          epsilon: fc.constantFrom(1e-6, 1e-5, 1e-3),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        ({ batch, height, width, groups, perGroup, grouped, center, epsilon, seed }) => {
          // Group norm: [B, H, W, G, C/G] over axes 1, 2, 4 with γ, β as [G, C/G]; layer norm: [B, H, W, C] over the last axis.
          const shape = grouped ? [batch, height, width, groups, perGroup] : [batch, height, width, groups * perGroup];
          const axes = grouped ? [1, 2, 4] : [3];
          const parameterShape = grouped ? [groups, perGroup] : [groups * perGroup];
          const x = tf.randomNormal(shape, 0.5, 2, 'float32', seed);
          const gamma = tf.randomNormal(parameterShape, 1, 0.5, 'float32', seed + 1);
          const beta = center ? tf.randomNormal(parameterShape, 0, 1, 'float32', seed + 2) : undefined;
          const r = tf.randomNormal(shape, 0, 1, 'float32', seed + 3);
          const expected = valueAndGradients(composed, x, gamma, beta, r, axes, epsilon);
          const actual = valueAndGradients(normalizeAndScale, x, gamma, beta, r, axes, epsilon);
          expectAllClose(actual.value, expected.value, 1e-5, 1e-5);
          expect(actual.grads).toHaveLength(expected.grads.length);
          // The closed form sums in another order than the chain rule through the composition.
          actual.grads.forEach((gradient, i) => {
            const scale = Math.max(1, ...Array.from(expected.grads[i] as Float32Array, Math.abs));
            expectAllClose(gradient, expected.grads[i] as Float32Array, 1e-3, 1e-4 * scale);
          });
          tf.dispose([x, gamma, r, ...(beta === undefined ? [] : [beta])]);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('with a view gives the bits of reshaping around the call: value and gradients (x, γ, β) in x’s and γ’s shapes, NaN and ±∞ included', () => {
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 3e38];
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          height: fc.integer({ min: 1, max: 4 }),
          width: fc.integer({ min: 1, max: 4 }),
          groups: fc.integer({ min: 1, max: 3 }),
          perGroup: fc.integer({ min: 1, max: 4 }),
          center: fc.boolean(),
          specials: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...special)), { maxLength: 3 }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        ({ batch, height, width, groups, perGroup, center, specials, seed }) => {
          const channels = groups * perGroup;
          const shape = [batch, height, width, channels];
          const values = tf.randomNormal(shape, 0.5, 2, 'float32', seed).dataSync() as Float32Array;
          for (const [at, value] of specials) values[at % values.length] = value;
          const x = tf.tensor(values, shape);
          const gamma = tf.randomNormal([channels], 1, 0.5, 'float32', seed + 1);
          const beta = center ? tf.randomNormal([channels], 0, 1, 'float32', seed + 2) : undefined;
          const r = tf.randomNormal(shape, 0, 1, 'float32', seed + 3);
          const groupShape = [groups, perGroup];
          const view = { x: [batch, height, width, ...groupShape], scale: groupShape };
          const around = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor | undefined): tf.Tensor =>
            tf.reshape(normalizeAndScale(tf.reshape(a, view.x), tf.reshape(g, groupShape), b === undefined ? undefined : tf.reshape(b, groupShape), [1, 2, 4], 1e-5), shape);
          const viewed = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor | undefined): tf.Tensor => normalizeAndScale(a, g, b, [1, 2, 4], 1e-5, view);
          const expected = valueAndGradients(around, x, gamma, beta, r, [], 0);
          const actual = valueAndGradients(viewed, x, gamma, beta, r, [], 0);
          // Bit for bit: the view only moves the reshapes inside the op.
          expect(Array.from(new Uint32Array(actual.value.buffer))).toEqual(Array.from(new Uint32Array(expected.value.buffer)));
          expect(actual.grads.map((g) => Array.from(new Uint32Array(g.buffer)))).toEqual(expected.grads.map((g) => Array.from(new Uint32Array(g.buffer))));
          tf.dispose([x, gamma, r, ...(beta === undefined ? [] : [beta])]);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('with a view keeps no tensors after a forward and backward pass, and rejects a view of another size', async () => {
    const x = tf.randomNormal([2, 3, 3, 4]);
    const gamma = tf.ones([4]);
    const beta = tf.zeros([4]);
    const view = { x: [2, 3, 3, 2, 2], scale: [2, 2] };
    await expectNoTensorLeak(() => {
      const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(normalizeAndScale(a, g, b, [1, 2, 4], 1e-5, view)))([x, gamma, beta]);
      tf.dispose(grads);
    });
    expect(() => normalizeAndScale(x, gamma, beta, [1, 2, 4], 1e-5, { x: [2, 3, 3, 2, 3], scale: [2, 2] })).toThrow(/normalizeAndScale: view \[2,3,3,2,3\]/);
    expect(() => normalizeAndScale(x, gamma, beta, [1, 2, 4], 1e-5, { x: [2, 3, 3, 2, 2], scale: [2, 3] })).toThrow(/must have the sizes of x \[2,3,3,4\] and gamma \[4\]/);
    tf.dispose([x, gamma, beta]);
  });

  it('keeps no tensors after a forward and backward pass', async () => {
    const x = tf.randomNormal([2, 3, 3, 4]);
    const gamma = tf.ones([4]);
    const beta = tf.zeros([4]);
    await expectNoTensorLeak(() => {
      const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(normalizeAndScale(a, g, b, [3], 1e-5)))([x, gamma, beta]);
      tf.dispose(grads);
    });
    tf.dispose([x, gamma, beta]);
  });
});

describe('normalizationLayout', () => {
  it('views x as [B, M, G, K] for group and layer norm axes, and rejects axes or scales outside those runs', () => {
    expect(normalizationLayout([4, 16, 16, 32, 2], [1, 2, 4], [32, 2])).toEqual([4, 256, 32, 2]);
    expect(normalizationLayout([4, 16, 64], [2], [64])).toEqual([64, 1, 1, 64]);
    expect(normalizationLayout([2, 3, 4], [0, 1, 2], [3, 4])).toEqual([1, 2, 1, 12]);
    expect(normalizationLayout([2, 3, 4], [1], [4])).toEqual([2, 3, 4, 1]);
    expect(normalizationLayout([2, 3, 4], [0, 2], [4])).toBeUndefined();
    expect(normalizationLayout([2, 3, 4], [2], [3])).toBeUndefined();
    expect(normalizationLayout([2, 3, 4, 5], [1, 3], [3, 4, 5])).toBeUndefined();
    expect(normalizationLayout([3, 4], [1], [2, 3, 4])).toBeUndefined();
  });
});
