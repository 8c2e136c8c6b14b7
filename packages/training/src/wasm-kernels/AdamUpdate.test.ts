import { describeBothPaths, fc, prepareBackends, seededValues, tf } from './__fixtures__/agreement';
import { ADAM_UPDATE, adamUpdateConfig, type AdamUpdateAttrs } from './AdamUpdate';

/** The op-by-op update of adam.ts (its non-fused path), on the active backend. */
function opByOpUpdate(w: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, a: AdamUpdateAttrs): Float32Array[] {
  return tf.tidy(() => {
    const newFirst = tf.add(tf.mul(m, a.beta1), tf.mul(g, 1 - a.beta1));
    const newSecond = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
    const update = tf.div(tf.mul(newFirst, a.firstCorrection), tf.add(tf.sqrt(tf.mul(newSecond, a.secondCorrection)), a.epsilon));
    return [tf.sub(w, tf.mul(update, a.learningRate)), newFirst, newSecond].map((tensor) => tensor.dataSync() as Float32Array);
  });
}

function bits(values: Float32Array): number[] {
  return Array.from(new Int32Array(values.buffer, values.byteOffset, values.length));
}

describe('TfsegAdamUpdate (fused Adam step on wasm)', () => {
  beforeAll(() => prepareBackends(ADAM_UPDATE));

  it('is registered for wasm only', () => {
    expect(tf.getKernel(ADAM_UPDATE, 'wasm')?.kernelFunc).toBe(adamUpdateConfig.kernelFunc);
    expect(tf.getKernel(ADAM_UPDATE, 'cpu')).toBeUndefined();
  });

  describeBothPaths(() => {
    it('gives the same bits as the op-by-op update on cpu (any size, SIMD body and scalar tail)', () => {
      const cases = fc.record({
        size: fc.integer({ min: 1, max: 37 }),
        step: fc.integer({ min: 1, max: 5000 }),
        learningRate: fc.constantFrom(1e-3, 0.05, 1),
        beta1: fc.constantFrom(0.9, 0.5),
        beta2: fc.constantFrom(0.999, 0.9),
        seed: fc.nat(),
      });
      fc.assert(
        fc.property(cases, (c) => {
          const attrs: AdamUpdateAttrs = {
            beta1: c.beta1,
            beta2: c.beta2,
            epsilon: 1e-7,
            learningRate: c.learningRate,
            firstCorrection: 1 / (1 - c.beta1 ** c.step),
            secondCorrection: 1 / (1 - c.beta2 ** c.step),
          };
          const values = [0, 1, 2, 3].map((k) => seededValues(c.size, c.seed + k));
          values[2] = Float32Array.from(values[2] as Float32Array, Math.abs); // v ≥ 0
          tf.setBackend('cpu');
          const inputs = values.map((array) => tf.tensor1d(array));
          const expected = opByOpUpdate(...(inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]), attrs);
          tf.dispose(inputs);
          tf.setBackend('wasm');
          const [variable, firstMoment, secondMoment, gradient] = values.map((array) => tf.tensor1d(array));
          const outputs = tf.engine().runKernel(ADAM_UPDATE, { variable, firstMoment, secondMoment, gradient } as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
          const actual = outputs.map((tensor) => tensor.dataSync() as Float32Array);
          tf.dispose([variable, firstMoment, secondMoment, gradient, ...outputs] as tf.Tensor[]);
          actual.forEach((result, index) => expect(bits(result)).toEqual(bits(expected[index] as Float32Array)));
        }),
        { numRuns: 40 },
      );
    });
  });

  it('names a mismatched input in its error', () => {
    tf.setBackend('wasm');
    const [w, m, v] = [tf.zeros([3]), tf.zeros([3]), tf.zeros([3])];
    const g = tf.zeros([4]);
    const attrs = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 1e-3, firstCorrection: 10, secondCorrection: 1000 };
    expect(() => tf.engine().runKernel(ADAM_UPDATE, { variable: w, firstMoment: m, secondMoment: v, gradient: g }, attrs)).toThrow('Error in TfsegAdamUpdate: gradient must be float32 of shape [3], but got float32 [4]');
    tf.dispose([w, m, v, g]);
  });
});
