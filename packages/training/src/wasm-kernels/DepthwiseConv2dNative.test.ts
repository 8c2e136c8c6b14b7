import { agreementRuns, depthwiseCase, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { depthwiseConv2dNativeConfig } from './DepthwiseConv2dNative';

describe('DepthwiseConv2dNative (wasm kernel: native for multiplier 1, XNNPACK otherwise)', () => {
  beforeAll(() => prepareBackends('DepthwiseConv2dNative'));

  itIsTheRegisteredKernel(depthwiseConv2dNativeConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, multipliers, strides and paddings', () => {
      fc.assert(
        fc.property(depthwiseCase, (c) => {
          const x = { shape: c.xShape, values: seededValues(sizeOf(c.xShape), c.seed) };
          const filter = { shape: c.filterShape, values: seededValues(sizeOf(c.filterShape), c.seed + 1) };
          expectAgreement('DepthwiseConv2dNative', { x, filter }, { ...c.attributes, dataFormat: 'NHWC' });
        }),
        agreementRuns,
      );
    });
  });

  it('convolves by hand: a 1×2 filter over two channels, zero padding on the right', () => {
    tf.setBackend('wasm');
    // Channel 0: x = [1, 2], w = [1, 10] → [1 + 20, 2 + 0]; channel 1: x = [3, 4], w = [2, 0] → [6, 8].
    const out = tf.tidy(() => tf.depthwiseConv2d(tf.tensor4d([1, 3, 2, 4], [1, 1, 2, 2]), tf.tensor4d([1, 2, 10, 0], [1, 2, 2, 1]), 1, 'same'));
    expect(Array.from(out.dataSync())).toEqual([21, 6, 2, 8]);
    out.dispose();
  });

  it('runs as tfjs-layers calls it (dilations null) and agrees with the cpu backend', () => {
    const run = (backendName: 'cpu' | 'wasm'): Float32Array => {
      tf.setBackend(backendName);
      return tf.tidy(() => {
        const layer = tf.layers.depthwiseConv2d({ kernelSize: 7, padding: 'same', useBias: false, depthwiseInitializer: 'ones' });
        const x = tf.tensor4d(seededValues(2 * 8 * 8 * 12, 3), [2, 8, 8, 12]);
        return (layer.apply(x) as tf.Tensor).dataSync() as Float32Array;
      });
    };
    const expected = run('cpu');
    const actual = run('wasm');
    expect(actual.length).toBe(expected.length);
    actual.forEach((value, index) => expect(Math.abs(value - (expected[index] as number))).toBeLessThan(1e-4));
  });
});
