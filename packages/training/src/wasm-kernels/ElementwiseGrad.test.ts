import { describeBothPaths, fc, agreementRuns, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { expectAllClose } from '@tfseg-internal/testing';
import { setNativeKernelsEnabled } from './native/runtime';
import { MEAN_GRAD, RELU_GRAD, SQUARE_GRAD, meanGradConfig, reluGradConfig, squareGradConfig } from './ElementwiseGrad';

/** Values in [−1, 1) with about a tenth exactly 0 (where step(x) switches). */
function valuesWithZeros(size: number, seed: number): Float32Array {
  return seededValues(size, seed).map((v) => (Math.abs(v) < 0.1 ? 0 : v));
}

type Op = 'relu' | 'square' | 'mean';

/** d/dx of Σ op(x)·w on the active backend: Relu, Square, or a Mean over the leading `leading` axes. */
function gradientOf(op: Op, shape: number[], leading: number, keepDims: boolean, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(valuesWithZeros(sizeOf(shape), seed), shape);
    const axes = Array.from({ length: leading }, (_, axis) => axis);
    const apply = (input: tf.Tensor): tf.Tensor => (op === 'relu' ? tf.relu(input) : op === 'square' ? tf.square(input) : tf.mean(input, axes, keepDims));
    const outShape = apply(x).shape;
    const weights = tf.tensor(seededValues(sizeOf(outShape), seed + 1), outShape);
    return Float32Array.from(tf.grad((input: tf.Tensor) => tf.sum(tf.mul(apply(input), weights)))(x).dataSync());
  });
}

const cases = fc.record({
  op: fc.constantFrom<Op>('relu', 'square', 'mean'),
  shape: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }),
  leading: fc.integer({ min: 1, max: 3 }),
  keepDims: fc.boolean(),
  seed: fc.nat(),
});

/** The case's reduced leading axes: at least one, fewer than the rank (a full reduction is not leading). */
const leadingOf = (shape: number[], leading: number): number => Math.max(1, Math.min(leading, shape.length - 1));

describe('TfsegReluGrad, TfsegSquareGrad, TfsegMeanGrad (one-pass gradients on wasm)', () => {
  beforeAll(() => prepareBackends(RELU_GRAD));

  it('are registered for wasm only, and the Relu, Square and Mean gradients are replaced', () => {
    for (const config of [reluGradConfig, squareGradConfig, meanGradConfig]) {
      expect(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc).toBe(config.kernelFunc);
      expect(tf.getKernel(config.kernelName, 'cpu')).toBeUndefined();
    }
    expect(tf.getGradient('Relu').inputsToSave).toEqual(['x']);
    expect(tf.getGradient('Mean').inputsToSave).toEqual(['x']);
  });

  describeBothPaths(() => {
    it('give gradients of relu, square and a mean over leading axes that agree with cpu (tfjs-core’s gradients) on random shapes', () => {
      fc.assert(
        fc.property(cases, (c) => {
          // Mean needs rank ≥ 2 to reduce leading axes only; rank 1 checks tfjs-core's gradient still serves it.
          const leading = leadingOf(c.shape, c.leading);
          tf.setBackend('cpu');
          const expected = gradientOf(c.op, c.shape, leading, c.keepDims, c.seed);
          tf.setBackend('wasm');
          const actual = gradientOf(c.op, c.shape, leading, c.keepDims, c.seed);
          const scale = expected.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
          expectAllClose(actual, expected, 1e-5, 1e-6 * scale + 1e-9);
        }),
        agreementRuns,
      );
    });
  });

  it('give the same bits as tfjs-core’s compositions on wasm (same arithmetic, one pass)', () => {
    tf.setBackend('wasm');
    fc.assert(
      fc.property(cases, (c) => {
        const leading = leadingOf(c.shape, c.leading);
        setNativeKernelsEnabled(false);
        const composed = gradientOf(c.op, c.shape, leading, c.keepDims, c.seed);
        setNativeKernelsEnabled(true);
        const fused = gradientOf(c.op, c.shape, leading, c.keepDims, c.seed);
        expect(Buffer.from(fused.buffer).equals(Buffer.from(composed.buffer))).toBe(true);
      }),
      agreementRuns,
    );
  });

  it('called directly, compute the same bits with and without the native kernels (JS loops), NaN through step', () => {
    tf.setBackend('wasm');
    const direct = (native: boolean): Float32Array[] => {
      setNativeKernelsEnabled(native);
      try {
        return tf.tidy(() => {
          const x = tf.tensor2d([0, -0, 1.5, -2, Number.NaN, 3, 0.25, -0.5, 7, 1e-30, -1e-30], [1, 11]);
          const dy = tf.tensor2d([-1, 2, 3, 4, 5, -6, 7, 8, -9, 10, 11], [1, 11]);
          const meanDy = tf.tensor1d([3, -6, 1e-3]);
          return [
            tf.engine().runKernel(RELU_GRAD, { x, dy }) as tf.Tensor,
            tf.engine().runKernel(SQUARE_GRAD, { x, dy }) as tf.Tensor,
            tf.engine().runKernel(MEAN_GRAD, { dy: meanDy }, { shape: [7, 3] } as unknown as tf.NamedAttrMap) as tf.Tensor,
          ].map((tensor) => Float32Array.from(tensor.dataSync()));
        });
      } finally {
        setNativeKernelsEnabled(true);
      }
    };
    const [native, loops] = [direct(true), direct(false)];
    native.forEach((values, index) => expect(Buffer.from(values.buffer).equals(Buffer.from((loops[index] as Float32Array).buffer))).toBe(true));
    expect(Array.from(native[0] as Float32Array)).toEqual([-0, 0, 3, 0, Number.NaN, -6, 7, 0, -9, 10, 0]);
    expect(Array.from((native[2] as Float32Array).slice(0, 3))).toEqual([Math.fround(3 / 7), Math.fround(-6 / 7), Math.fround(Math.fround(1e-3) / 7)]);
  });

  it('run one fused kernel per gradient (no Step or RealDiv) and leave no tensor behind', async () => {
    tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    for (const op of ['relu', 'square', 'mean'] as const) {
      const profile = await tf.profile(() => {
        gradientOf(op, [2, 5, 5, 8], 3, false, 3);
      });
      const names = profile.kernels.map((kernel) => kernel.name);
      expect(names).toContain(op === 'relu' ? RELU_GRAD : op === 'square' ? SQUARE_GRAD : MEAN_GRAD);
      expect(names.filter((name) => ['Step', 'RealDiv'].includes(name))).toEqual([]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reject a dy of another shape than x, naming the kernel', () => {
    tf.setBackend('wasm');
    const [x, dy] = [tf.zeros([2, 3]), tf.zeros([3, 2])];
    expect(() => tf.engine().runKernel(RELU_GRAD, { x, dy })).toThrow(/Error in TfsegReluGrad: expected float32 x and dy of one shape, but got x float32 \[2, 3\] and dy float32 \[3, 2\]/);
    tf.dispose([x, dy]);
  });
});
