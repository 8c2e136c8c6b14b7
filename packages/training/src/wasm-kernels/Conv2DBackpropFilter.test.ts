import { agreementRuns, convGeometry, convolutionCase, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf, wideConvGeometry, wideWinogradGeometry, winogradGeometry, type ConvGeometry } from './__fixtures__/agreement';
import { setNativeKernelsEnabled } from './native/runtime';
import { expectAllClose } from '@tfseg-internal/testing';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter';

function expectFilterGradientAgreement(g: ConvGeometry): void {
  const { xShape, dyShape, filterShape, attributes } = convolutionCase(g);
  const x = { shape: xShape, values: seededValues(sizeOf(xShape), g.seed) };
  const dy = { shape: dyShape, values: seededValues(sizeOf(dyShape), g.seed + 1) };
  expectAgreement('Conv2DBackpropFilter', { x, dy }, { ...attributes, filterShape });
}

describe('Conv2DBackpropFilter (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('Conv2DBackpropFilter'));

  itIsTheRegisteredKernel(conv2DBackpropFilterConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, strides and paddings (NHWC and NCHW)', () => {
      fc.assert(fc.property(convGeometry, expectFilterGradientAgreement), agreementRuns);
    });

    it('agrees with the cpu backend with 1–20 channels (full SIMD tiles and their remainders)', () => {
      fc.assert(fc.property(wideConvGeometry, expectFilterGradientAgreement), agreementRuns);
    });

    it('agrees with the cpu backend on 3×3 stride-1 gradients of Winograd size, with few and with many channels (edges, odd sizes, every padding)', () => {
      fc.assert(fc.property(winogradGeometry, expectFilterGradientAgreement), agreementRuns);
      fc.assert(fc.property(wideWinogradGeometry, expectFilterGradientAgreement), { numRuns: Math.ceil(agreementRuns.numRuns / 3) });
    });
  });

  it('sums several Winograd blocks per partition like the fallback does (2 × 95 × 97, 32 → 32 channels)', () => {
    // Too large for the cpu reference: the fallback (itself checked against cpu above) is the reference.
    tf.setBackend('wasm');
    const x = tf.tensor4d(seededValues(2 * 95 * 97 * 32, 5), [2, 95, 97, 32]);
    const dy = tf.tensor4d(seededValues(2 * 95 * 97 * 32, 6), [2, 95, 97, 32]);
    const gradient = (): Float32Array => {
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 32, 32] } as never) as tf.Tensor;
      const values = dw.dataSync() as Float32Array;
      dw.dispose();
      return values;
    };
    const native = gradient();
    setNativeKernelsEnabled(false);
    const fallback = gradient();
    setNativeKernelsEnabled(true);
    const scale = fallback.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    expectAllClose(native, fallback, 1e-4, 1e-4 * scale);
    tf.dispose([x, dy]);
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
