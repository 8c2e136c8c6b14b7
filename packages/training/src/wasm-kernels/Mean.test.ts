import { describeBothPaths, expectReductionAgreement, expectReductionCase, itIsTheRegisteredKernel, prepareBackends, tf } from './__fixtures__/agreement';
import { meanConfig } from './Mean';

describe('Mean (wasm kernel: native over leading axes, built-in otherwise)', () => {
  beforeAll(() => prepareBackends('Mean'));

  itIsTheRegisteredKernel(meanConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, axis sets and keepDims, float32 and int32', () => {
      expectReductionAgreement('Mean', 9);
    });

    it('agrees where the mean cancels to about 0 (fast-check counterexample: cpu −2.4e-7, wasm 0, within rounding of the inputs)', () => {
      expectReductionCase('Mean', { shape: [5], axes: [0], leadingOnly: false, keepDims: false, integer: true, seed: 776477084 });
    });
  });

  it('averages batch norm statistics by hand: over batch, height and width', () => {
    tf.setBackend('wasm');
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 6, 40], [2, 2, 1, 2]);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    expect(Array.from(mean.dataSync())).toEqual([3, 25]);
    expect(Array.from(variance.dataSync())).toEqual([3.5, 125]);
    tf.dispose([x, mean, variance]);
  });
});
