import { agreementRuns, convGeometry, expectAgreement, fc, inLayout, padAttribute, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter';

describe('Conv2DBackpropFilter (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('Conv2DBackpropFilter'));

  it('is the registered wasm kernel', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterConfig.kernelFunc);
  });

  it('agrees with the cpu backend on random shapes, strides and paddings (NHWC and NCHW)', () => {
    fc.assert(
      fc.property(convGeometry, (g) => {
        const filterShape: [number, number, number, number] = [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];
        const xShape: [number, number, number, number] = [g.batch, g.height, g.width, g.inChannels];
        const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, g.strides, 1, padAttribute(g.pad, false) as 'same');
        const dyShape = [g.batch, info.outHeight, info.outWidth, g.outChannels];
        expectAgreement(
          'Conv2DBackpropFilter',
          {
            x: { shape: inLayout(xShape, g.channelsFirst), values: seededValues(sizeOf(xShape), g.seed) },
            dy: { shape: inLayout(dyShape, g.channelsFirst), values: seededValues(sizeOf(dyShape), g.seed + 1) },
          },
          { strides: g.strides, pad: padAttribute(g.pad, g.channelsFirst), dataFormat: g.channelsFirst ? 'NCHW' : 'NHWC', filterShape },
        );
      }),
      agreementRuns,
    );
  });

  it('computes a hand-checkable case: 1×1 filter gradient is Σ x·dy', () => {
    // x = [1, 2, 3, 4] (one channel), dy = [1, 0, 2, 0]: dW = 1·1 + 3·2 = 7.
    expectAgreement('Conv2DBackpropFilter', { x: { shape: [1, 2, 2, 1], values: Float32Array.of(1, 2, 3, 4) }, dy: { shape: [1, 2, 2, 1], values: Float32Array.of(1, 0, 2, 0) } }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [1, 1, 1, 1] });
    tf.setBackend('wasm');
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), dy: tf.tensor4d([1, 0, 2, 0], [1, 2, 2, 1]) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [1, 1, 1, 1] } as never) as tf.Tensor;
    expect(Array.from(dw.dataSync())).toEqual([7]);
    tf.dispose(dw);
  });
});
