import { describeBothPaths, fc, prepareBackends, seededValues, tf } from './__fixtures__/agreement';
import { ADAM_UPDATE, ADAM_VARIABLES_PER_CALL, adamUpdateConfig, applyAdamUpdate, type AdamUpdateAttrs, type AdamUpdateGroup } from './AdamUpdate';

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

/** A variable holding `values`, without leaving the initial tensor behind (so it owns its data). */
function variableOf(values: Float32Array, shape = [values.length]): tf.Variable {
  const initial = tf.tensor(values, shape);
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

/** Values of one variable's w, m, v (≥ 0) and g. */
function groupValues(size: number, seed: number): Float32Array[] {
  const values = [0, 1, 2, 3].map((k) => seededValues(size, seed + k));
  values[2] = Float32Array.from(values[2] as Float32Array, Math.abs);
  return values;
}

function attrsOf(step: number, learningRate: number, beta1: number, beta2: number): AdamUpdateAttrs {
  return { beta1, beta2, epsilon: 1e-7, learningRate, firstCorrection: 1 / (1 - beta1 ** step), secondCorrection: 1 / (1 - beta2 ** step) };
}

describe('TfsegAdamUpdate (fused multi-tensor Adam step on wasm, in place)', () => {
  beforeAll(() => prepareBackends(ADAM_UPDATE));

  it('is registered for wasm only', () => {
    expect(tf.getKernel(ADAM_UPDATE, 'wasm')?.kernelFunc).toBe(adamUpdateConfig.kernelFunc);
    expect(tf.getKernel(ADAM_UPDATE, 'cpu')).toBeUndefined();
  });

  describeBothPaths(() => {
    it('updates every variable and its moments in place with the same bits as the op-by-op update on cpu (any sizes, SIMD body and scalar tail), in one kernel call, without new tensors', async () => {
      const cases = fc.record({
        sizes: fc.array(fc.integer({ min: 1, max: 37 }), { minLength: 1, maxLength: 5 }),
        step: fc.integer({ min: 1, max: 5000 }),
        learningRate: fc.constantFrom(1e-3, 0.05, 1),
        beta1: fc.constantFrom(0.9, 0.5),
        beta2: fc.constantFrom(0.999, 0.9),
        seed: fc.nat(),
      });
      await fc.assert(
        fc.asyncProperty(cases, async (c) => {
          const attrs = attrsOf(c.step, c.learningRate, c.beta1, c.beta2);
          const values = c.sizes.map((size, index) => groupValues(size, c.seed + 4 * index));
          tf.setBackend('cpu');
          const expected = values.map((group) => {
            const inputs = group.map((array) => tf.tensor1d(array)) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
            const result = opByOpUpdate(...inputs, attrs);
            tf.dispose(inputs);
            return result;
          });
          tf.setBackend('wasm');
          const groups = values.map((group) => [...group.slice(0, 3).map((array) => variableOf(array)), tf.tensor1d(group[3] as Float32Array)] as unknown as AdamUpdateGroup);
          const numTensors = tf.memory().numTensors;
          const { kernels } = await tf.profile(() => applyAdamUpdate(groups, attrs));
          expect(kernels.map((kernel) => kernel.name)).toEqual([ADAM_UPDATE]);
          expect(tf.memory().numTensors).toBe(numTensors);
          groups.forEach((group, index) => group.slice(0, 3).forEach((tensor, role) => expect(bits(tensor.dataSync() as Float32Array)).toEqual(bits(expected[index]?.[role] as Float32Array))));
          tf.dispose(groups.flat());
        }),
        { numRuns: 40 },
      );
    });
  });

  describeBothPaths(() => {
    it('leaves no stale packed weights behind: a convolution with an updated variable as its filter equals one with a fresh tensor of the same values', () => {
      tf.setBackend('wasm');
      const x = tf.tensor4d(seededValues(2 * 5 * 5 * 1, 11), [2, 5, 5, 1]);
      const [w, m, v, g] = groupValues(3 * 3 * 1 * 4, 5);
      const [variable, ...moments] = [w, m, v].map((values) => variableOf(values as Float32Array, [3, 3, 1, 4])) as [tf.Variable<tf.Rank.R4>, tf.Variable, tf.Variable];
      expect(tf.backend().refCount(variable.dataId)).toBe(1); // updated in place, not copied first
      const gradient = tf.tensor4d(g as Float32Array, [3, 3, 1, 4]);
      // A first convolution lets the backend derive what it caches from the filter (XNNPACK packs it by tensor id).
      tf.conv2d(x, variable, 1, 'same').dispose();
      applyAdamUpdate([[variable, ...moments, gradient]], attrsOf(1, 0.5, 0.9, 0.999));
      const fresh = tf.tensor4d(variable.dataSync() as Float32Array, [3, 3, 1, 4]);
      expect(Array.from(fresh.dataSync())).not.toEqual(Array.from(w as Float32Array));
      const [actual, expected] = [variable as tf.Tensor4D, fresh].map((filter) => tf.tidy(() => tf.conv2d(x, filter, 1, 'same').dataSync() as Float32Array));
      expect(bits(actual as Float32Array)).toEqual(bits(expected as Float32Array));
      tf.dispose([x, variable, ...moments, gradient, fresh]);
    });
  });

  it('gives a variable whose data a clone shares its own copy first, and leaves the clone as it was', () => {
    tf.setBackend('wasm');
    const [w, m, v, g] = groupValues(6, 7);
    const variable = variableOf(w as Float32Array);
    const firstMoment = variableOf(m as Float32Array);
    const secondMoment = variableOf(v as Float32Array);
    const gradient = tf.tensor1d(g as Float32Array);
    const clone = tf.clone(variable);
    expect(clone.dataId).toBe(variable.dataId); // tfseg's Identity shares the data
    const numTensors = tf.memory().numTensors;
    applyAdamUpdate([[variable, firstMoment, secondMoment, gradient]], attrsOf(1, 0.1, 0.9, 0.999));
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(Array.from(clone.dataSync())).toEqual(Array.from(w as Float32Array));
    expect(Array.from(variable.dataSync())).not.toEqual(Array.from(w as Float32Array));
    tf.dispose([variable, firstMoment, secondMoment, gradient, clone]);
  });

  it('updates more variables than one native call takes (several calls, same bits as one variable at a time)', () => {
    tf.setBackend('wasm');
    const count = ADAM_VARIABLES_PER_CALL + 3;
    const attrs = attrsOf(3, 1e-3, 0.9, 0.999);
    const make = (): AdamUpdateGroup[] => Array.from({ length: count }, (_, index) => {
      const values = groupValues(1 + (index % 5), index);
      return [...values.slice(0, 3).map((array) => variableOf(array)), tf.tensor1d(values[3] as Float32Array)] as unknown as AdamUpdateGroup;
    });
    const together = make();
    const oneByOne = make();
    applyAdamUpdate(together, attrs);
    for (const group of oneByOne) applyAdamUpdate([group], attrs);
    together.forEach((group, index) => group.slice(0, 3).forEach((tensor, role) => expect(bits(tensor.dataSync() as Float32Array)).toEqual(bits(oneByOne[index]?.[role]?.dataSync() as Float32Array))));
    tf.dispose([...together.flat(), ...oneByOne.flat()]);
  });

  it('names a mismatched input, a shared or repeated updated tensor, and inputs not in fours in its errors', () => {
    tf.setBackend('wasm');
    const [w, m, v] = [tf.zeros([3]), tf.zeros([3]), tf.zeros([3])];
    const g = tf.zeros([4]);
    const attrs = attrsOf(1, 1e-3, 0.9, 0.999) as unknown as tf.NamedAttrMap;
    const run = (inputs: tf.Tensor[]) => () => tf.engine().runKernel(ADAM_UPDATE, inputs as unknown as tf.NamedTensorMap, attrs);
    expect(run([w, m, v, g])).toThrow('Error in TfsegAdamUpdate: gradient 0 must be float32 of shape [3], but got float32 [4]');
    expect(run([w, m, v])).toThrow('Error in TfsegAdamUpdate: inputs must come in fours (variable, first moment, second moment, gradient), but got 3');
    expect(run([w, m, w, m])).toThrow('Error in TfsegAdamUpdate: secondMoment 0 shares its data with another tensor, but is updated in place');
    const clone = tf.clone(m);
    expect(run([w, m, v, w])).toThrow('Error in TfsegAdamUpdate: firstMoment 0 shares its data with another tensor, but is updated in place');
    tf.dispose([w, m, v, g, clone]);
  });
});
