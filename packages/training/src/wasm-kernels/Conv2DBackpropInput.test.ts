import { agreementRuns, convGeometry, convolutionCase, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput';

describe('Conv2DBackpropInput (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('Conv2DBackpropInput'));

  itIsTheRegisteredKernel(conv2DBackpropInputConfig);

  it('agrees with the cpu backend on random shapes, strides and paddings (NHWC and NCHW)', () => {
    fc.assert(
      fc.property(convGeometry, (g) => {
        const { xShape, dyShape, filterShape, attributes } = convolutionCase(g);
        const dy = { shape: dyShape, values: seededValues(sizeOf(dyShape), g.seed) };
        const filter = { shape: filterShape, values: seededValues(sizeOf(filterShape), g.seed + 1) };
        expectAgreement('Conv2DBackpropInput', { dy, filter }, { ...attributes, inputShape: xShape });
      }),
      agreementRuns,
    );
  });

  it('computes a hand-checkable transposed convolution: a 2×2 stride-2 filter tiles each input pixel', () => {
    tf.setBackend('wasm');
    // dy = [1, 2] (1×2 pixels, one channel), filter 2×2 of [1, 2, 3, 4]: each dy pixel stamps dy·filter.
    const dx = tf.conv2dTranspose(tf.tensor4d([1, 2], [1, 1, 2, 1]), tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]), [1, 2, 4, 1], 2, 'valid');
    expect(Array.from(dx.dataSync())).toEqual([1, 2, 2, 4, 3, 4, 6, 8]);
    tf.dispose(dx);
  });
});
