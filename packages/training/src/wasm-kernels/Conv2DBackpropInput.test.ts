import { agreementRuns, convGeometry, expectAgreement, fc, inLayout, padAttribute, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput';

describe('Conv2DBackpropInput (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('Conv2DBackpropInput'));

  it('replaces the built-in wasm kernel', () => {
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(conv2DBackpropInputConfig.kernelFunc);
  });

  it('agrees with the cpu backend on random shapes, strides and paddings (NHWC and NCHW)', () => {
    fc.assert(
      fc.property(convGeometry, (g) => {
        const filterShape: [number, number, number, number] = [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];
        const xShape: [number, number, number, number] = [g.batch, g.height, g.width, g.inChannels];
        const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, g.strides, 1, padAttribute(g.pad, false) as 'same');
        const dyShape = [g.batch, info.outHeight, info.outWidth, g.outChannels];
        expectAgreement(
          'Conv2DBackpropInput',
          {
            dy: { shape: inLayout(dyShape, g.channelsFirst), values: seededValues(sizeOf(dyShape), g.seed) },
            filter: { shape: filterShape, values: seededValues(sizeOf(filterShape), g.seed + 1) },
          },
          { strides: g.strides, pad: padAttribute(g.pad, g.channelsFirst), dataFormat: g.channelsFirst ? 'NCHW' : 'NHWC', inputShape: inLayout(xShape, g.channelsFirst) },
        );
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
