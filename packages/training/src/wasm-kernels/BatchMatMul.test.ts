import { agreementRuns, itIsTheRegisteredKernel, expectAgreement, fc, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { batchMatMulConfig } from './BatchMatMul';

describe('BatchMatMul (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('BatchMatMul'));

  itIsTheRegisteredKernel(batchMatMulConfig);

  it('agrees with the cpu backend for every transpose combination and broadcast batches', () => {
    const product = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      broadcastA: fc.boolean(),
      broadcastB: fc.boolean(),
      rows: fc.integer({ min: 1, max: 9 }),
      inner: fc.integer({ min: 1, max: 9 }),
      columns: fc.integer({ min: 1, max: 9 }),
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(product, (p) => {
        const aShape = [p.broadcastA ? 1 : p.batch, ...(p.transposeA ? [p.inner, p.rows] : [p.rows, p.inner])];
        const bShape = [p.broadcastB ? 1 : p.batch, ...(p.transposeB ? [p.columns, p.inner] : [p.inner, p.columns])];
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
