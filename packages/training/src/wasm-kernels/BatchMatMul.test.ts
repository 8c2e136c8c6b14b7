import { agreementRuns, describeBothPaths, itIsTheRegisteredKernel, expectAgreement, fc, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { batchMatMulConfig } from './BatchMatMul';

/**
 * A random product: 1–2 batch axes (either operand possibly broadcast with batch size 1), sizes 1–21 so
 * that the native kernel's 4-row blocks, 16- and 4-column tiles, 4-lane dot products and their
 * remainders are all reached, and every transpose combination.
 */
const product = fc.record({
  batchAxes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
  broadcastA: fc.boolean(),
  broadcastB: fc.boolean(),
  rows: fc.integer({ min: 1, max: 21 }),
  inner: fc.integer({ min: 1, max: 21 }),
  columns: fc.integer({ min: 1, max: 21 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  seed: fc.nat(),
});

describe('BatchMatMul (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('BatchMatMul'));

  itIsTheRegisteredKernel(batchMatMulConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend for every transpose combination and broadcast batches', () => {
      fc.assert(
        fc.property(product, (p) => {
          const batchOf = (broadcast: boolean) => (broadcast ? p.batchAxes.map(() => 1) : p.batchAxes);
          const aShape = [...batchOf(p.broadcastA), ...(p.transposeA ? [p.inner, p.rows] : [p.rows, p.inner])];
          const bShape = [...batchOf(p.broadcastB), ...(p.transposeB ? [p.columns, p.inner] : [p.inner, p.columns])];
          expectAgreement(
            'BatchMatMul',
            { a: { shape: aShape, values: seededValues(sizeOf(aShape), p.seed) }, b: { shape: bShape, values: seededValues(sizeOf(bShape), p.seed + 1) } },
            { transposeA: p.transposeA, transposeB: p.transposeB },
          );
        }),
        agreementRuns,
      );
    });

    it('computes a hand-checkable product with both operands transposed', () => {
      tf.setBackend('wasm');
      // Aᵀ = [[1, 3], [2, 4]], Bᵀ = [[1, 0], [1, 1]] → AᵀBᵀ = [[4, 3], [6, 4]].
      const c = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 1, 0, 1], [2, 2]), true, true);
      expect(Array.from(c.dataSync())).toEqual([4, 3, 6, 4]);
      tf.dispose(c);
    });
  });

  it('gives zeros for an empty inner dimension and an empty result for an empty batch', () => {
    tf.setBackend('wasm');
    const zeros = tf.matMul(tf.zeros([2, 3, 0]), tf.zeros([2, 0, 5]));
    expect(zeros.shape).toEqual([2, 3, 5]);
    expect(Array.from(zeros.dataSync())).toEqual(new Array(30).fill(0));
    const empty = tf.matMul(tf.zeros([0, 3, 4]), tf.zeros([0, 4, 5]), false, false);
    expect(empty.shape).toEqual([0, 3, 5]);
    tf.dispose([zeros, empty]);
  });
});
