import { agreementRuns, depthwiseCase, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput';

describe('DepthwiseConv2dNativeBackpropInput (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('DepthwiseConv2dNativeBackpropInput'));

  itIsTheRegisteredKernel(depthwiseConv2dNativeBackpropInputConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, multipliers, strides and paddings', () => {
      fc.assert(
        fc.property(depthwiseCase, (c) => {
          const dy = { shape: c.dyShape, values: seededValues(sizeOf(c.dyShape), c.seed) };
          const filter = { shape: c.filterShape, values: seededValues(sizeOf(c.filterShape), c.seed + 1) };
          expectAgreement('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...c.attributes, inputShape: c.xShape });
        }),
        agreementRuns,
      );
    });
  });

  it('trains a depthwise conv by hand: d(Σ depthwise(x, w))/dx is the sum of the filter taps that reach each pixel', () => {
    tf.setBackend('wasm');
    // One channel, 1×2 input, 1×2 filter [2, 3], 'valid': one output x0·2 + x1·3 → dx = [2, 3].
    const x = tf.tensor4d([5, 7], [1, 1, 2, 1]);
    const w = tf.tensor4d([2, 3], [1, 2, 1, 1]);
    const dx = tf.grad((input: tf.Tensor) => tf.depthwiseConv2d(input as tf.Tensor4D, w, 1, 'valid').sum())(x);
    expect(Array.from(dx.dataSync())).toEqual([2, 3]);
    tf.dispose([x, w, dx]);
  });
});
