import * as tf from '@tensorflow/tfjs';
import { agreementRuns, describeBothPaths, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, wasmOutputBytes } from './__fixtures__/agreement';
import { elementwiseCases, expectElementwiseAgreement, otherShape } from './__fixtures__/elementwise';
import { greaterEqualConfig, maximumConfig, multiplyConfig, reluConfig, stepConfig, subConfig } from './Elementwise';

describe('Add, Sub, Multiply, Maximum, GreaterEqual, Relu, Step (wasm kernels: native for broadcasts, Maximum and GreaterEqual; threaded native with more than one thread)', () => {
  beforeAll(() => prepareBackends('Relu'));

  for (const config of [subConfig, multiplyConfig, maximumConfig, greaterEqualConfig, reluConfig, stepConfig]) itIsTheRegisteredKernel(config);

  describeBothPaths(() => {
    it('agree with the cpu backend on random shapes and layouts (one thread: the built-in kernels for one shape and channel vectors)', () => {
      fc.assert(fc.property(elementwiseCases, expectElementwiseAgreement), agreementRuns);
    });
  });

  it('the native paths give the built-in kernels’ bits, NaN and signed zeros included (Maximum: XNNPACK’s x86 semantics)', () => {
    tf.setBackend('wasm');
    const numTensors = tf.memory().numTensors;
    const special = [Number.NaN, 0, -0, 1, -1, Number.POSITIVE_INFINITY];
    const cases = fc.record({
      kernel: fc.constantFrom('Add', 'Sub', 'Multiply', 'Maximum', 'GreaterEqual'),
      shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
      layout: fc.constantFrom('same', 'column-b', 'column-a', 'scalar-b', 'scalar-a'),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(cases, (c) => {
        // Every fourth value one of the special ones, so NaN, ±0 and ties meet on both sides.
        const values = (shape: number[], seed: number): Float32Array => seededValues(sizeOf(shape), seed).map((x, i) => ((i + seed) % 4 === 0 ? (special[(i + seed) % special.length] as number) : x));
        const full = tf.tensor(values(c.shape, c.seed), c.shape);
        const shape = otherShape(c.shape, c.layout, c.seed);
        const other = tf.tensor(values(shape, c.seed + 1), shape);
        const [a, b] = c.layout.endsWith('-a') ? [other, full] : [full, other];
        const run = (): tf.Tensor => tf.engine().runKernel(c.kernel, { a, b }) as tf.Tensor;
        expect(wasmOutputBytes(run, true).equals(wasmOutputBytes(run, false))).toBe(true);
        tf.dispose([full, other]);
      }),
      { numRuns: 200 },
    );
    expect(tf.memory().numTensors).toBe(numTensors);
  });
});
