import { describeBothPaths, expectReductionAgreement, itIsTheRegisteredKernel, prepareBackends, tf } from './__fixtures__/agreement';
import { sumConfig } from './Sum';

describe('Sum (wasm kernel: native over leading axes, built-in otherwise)', () => {
  beforeAll(() => prepareBackends('Sum'));

  itIsTheRegisteredKernel(sumConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, axis sets and keepDims, float32 and int32', () => {
      expectReductionAgreement('Sum', 7);
    });
  });

  it('sums the bias gradient of a convolution by hand: over batch, height and width', () => {
    tf.setBackend('wasm');
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [2, 2, 1, 2]);
    const kept = tf.sum(x, [0, 1, 2], true);
    expect(kept.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(kept.dataSync())).toEqual([10, 100]);
    tf.dispose([x, kept]);
  });
});
