import { agreementRuns, describeBothPaths, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { setNativeKernelsEnabled } from './native/runtime';
import { TILE_GRAD, tileGradConfig } from './TileGrad';

/** d(Σ w ⊙ tile(x, reps))/dx on one backend: the Tile gradient of dy = w. */
function tileGradientOn(backendName: 'cpu' | 'wasm', shape: number[], reps: number[], seed: number): Float32Array {
  tf.setBackend(backendName);
  return tf.tidy(() => {
    const x = tf.tensor(seededValues(sizeOf(shape), seed), shape);
    const tiledShape = shape.map((size, axis) => size * (reps[axis] as number));
    const w = tf.tensor(seededValues(sizeOf(tiledShape), seed + 1), tiledShape);
    return tf.grad((input: tf.Tensor) => tf.tile(input, reps).mul(w).sum())(x).dataSync() as Float32Array;
  });
}

describe('TfsegTileGrad (the Tile gradient on wasm)', () => {
  beforeAll(() => prepareBackends(TILE_GRAD));

  itIsTheRegisteredKernel(tileGradConfig);

  describeBothPaths(() => {
    it('gives the cpu backend’s bits for random shapes and repetitions of rank 1–4', () => {
      const tiling = fc.record({
        dims: fc.array(fc.record({ size: fc.integer({ min: 1, max: 5 }), reps: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 4 }),
        seed: fc.nat(),
      });
      fc.assert(
        fc.property(tiling, ({ dims, seed }) => {
          const shape = dims.map((d) => d.size);
          const reps = dims.map((d) => d.reps);
          const expected = tileGradientOn('cpu', shape, reps, seed);
          const actual = tileGradientOn('wasm', shape, reps, seed);
          // Same repetition order from zero as tfjs-core's gradient: equal, not just close.
          expect(Buffer.from(actual.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
        }),
        agreementRuns,
      );
    });
  });

  it('sums the repetitions by hand and leaks nothing', () => {
    tf.setBackend('wasm');
    const x = tf.tensor3d([1, 2, 3, 4], [2, 1, 2]);
    const before = tf.memory().numTensors;
    // dy = 1, 2, 3, … over the [2, 3, 4] tiling: element (i, 0, k) collects dy at (i, j, k + 2t).
    const dy = tf.tidy(() => tf.range(1, 25).reshape([2, 3, 4]));
    const dx = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.tile(input, [1, 3, 2]).mul(dy).sum())(x));
    expect(Array.from(dx.dataSync())).toEqual([1 + 3 + 5 + 7 + 9 + 11, 2 + 4 + 6 + 8 + 10 + 12, 13 + 15 + 17 + 19 + 21 + 23, 14 + 16 + 18 + 20 + 22 + 24]);
    tf.dispose([dx, dy]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('is used only with the native kernels on (tfjs-core’s Slice/Add gradient otherwise)', async () => {
    tf.setBackend('wasm');
    const x = tf.tensor2d([1, 2], [1, 2]);
    const kernelsOfGradient = async (): Promise<string[]> => {
      const { kernels } = await tf.profile(() => tf.grad((input: tf.Tensor) => tf.tile(input, [4, 1]).sum())(x));
      return kernels.map((kernel) => kernel.name);
    };
    expect(await kernelsOfGradient()).toContain(TILE_GRAD);
    setNativeKernelsEnabled(false);
    try {
      const names = await kernelsOfGradient();
      expect(names).not.toContain(TILE_GRAD);
      expect(names.filter((name) => name === 'Slice')).toHaveLength(4);
    } finally {
      setNativeKernelsEnabled(true);
    }
    x.dispose();
  });
});
