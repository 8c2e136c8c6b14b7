import { agreementRuns, depthwiseCase, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { depthwiseConv2dNativeBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter';

describe('DepthwiseConv2dNativeBackpropFilter (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('DepthwiseConv2dNativeBackpropFilter'));

  itIsTheRegisteredKernel(depthwiseConv2dNativeBackpropFilterConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, multipliers, strides and paddings', () => {
      fc.assert(
        fc.property(depthwiseCase, (c) => {
          const x = { shape: c.xShape, values: seededValues(sizeOf(c.xShape), c.seed) };
          const dy = { shape: c.dyShape, values: seededValues(sizeOf(c.dyShape), c.seed + 1) };
          expectAgreement('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...c.attributes, filterShape: c.filterShape });
        }),
        agreementRuns,
      );
    });
  });

  it('sums over the batch by hand: a 1×1 depthwise filter gradient is Σ x·dy per channel', () => {
    tf.setBackend('wasm');
    // Two images of one pixel, two channels: x = [[1, 2], [3, 4]], dy = [[1, 1], [2, 0]] → [1·1 + 3·2, 2·1 + 4·0].
    const x = tf.tensor4d([1, 2, 3, 4], [2, 1, 1, 2]);
    const dy = tf.tensor4d([1, 1, 2, 0], [2, 1, 1, 2]);
    const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: 1, dilations: 1, pad: 'valid', filterShape: [1, 1, 2, 1] } as never) as tf.Tensor;
    expect(Array.from(dw.dataSync())).toEqual([7, 2]);
    tf.dispose([x, dy, dw]);
  });
});
