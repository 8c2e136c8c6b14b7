import { agreementRuns, convGeometry, convolutionCase, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf, wideConvGeometry, winogradGeometry, type ConvGeometry } from './__fixtures__/agreement';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput';
import { expectFourByFourAccuracy, inputGradientFloat64, padAttribute, type PaddedConvolution } from './__fixtures__/winograd';

function expectInputGradientAgreement(g: ConvGeometry): void {
  const { xShape, dyShape, filterShape, attributes } = convolutionCase(g);
  const dy = { shape: dyShape, values: seededValues(sizeOf(dyShape), g.seed) };
  const filter = { shape: filterShape, values: seededValues(sizeOf(filterShape), g.seed + 1) };
  expectAgreement('Conv2DBackpropInput', { dy, filter }, { ...attributes, inputShape: xShape });
}

describe('Conv2DBackpropInput (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('Conv2DBackpropInput'));

  itIsTheRegisteredKernel(conv2DBackpropInputConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, strides and paddings (NHWC and NCHW)', () => {
      fc.assert(fc.property(convGeometry, expectInputGradientAgreement), agreementRuns);
    });

    it('agrees with the cpu backend with 1–20 channels (full SIMD tiles and their remainders)', () => {
      fc.assert(fc.property(wideConvGeometry, expectInputGradientAgreement), agreementRuns);
    });

    it('agrees with the cpu backend on 3×3 stride-1 gradients large enough for Winograd (edges, odd sizes, every padding)', () => {
      fc.assert(fc.property(winogradGeometry, expectInputGradientAgreement), agreementRuns);
    });

    it('agrees with the cpu backend on transposed convolutions whose kernel tiles the output (kernel = stride, 1–20 channels, leftover rows)', () => {
      const tiling = wideConvGeometry.chain((g) =>
        fc.integer({ min: 1, max: 3 }).map((k) => ({ ...g, filterHeight: k, filterWidth: k, strides: [k, k] as [number, number], pad: 'valid' as const, height: Math.max(g.height, k), width: Math.max(g.width, k) })),
      );
      fc.assert(fc.property(tiling, expectInputGradientAgreement), agreementRuns);
    });
  });

  it('takes Winograd F(4×4, 3×3) on the flipped filter from 32 tiles of dx, within 2e-5 (largest error) and 5e-6 (RMS) of a float64 input gradient, relative to dx', () => {
    const inputGradient = (c: PaddedConvolution, dy: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { inputShape: [c.batch, c.height, c.width, c.inChannels], strides: [1, 1], pad: padAttribute(c), dataFormat: 'NHWC' }) as tf.Tensor;
    expectFourByFourAccuracy(true, (c, { dy, filter }) => inputGradient(c, dy, filter), (c, values) => inputGradientFloat64(c, values.dy, values.filter), agreementRuns);
  });

  it('computes a hand-checkable transposed convolution: a 2×2 stride-2 filter tiles each input pixel', () => {
    tf.setBackend('wasm');
    // dy = [1, 2] (1×2 pixels, one channel), filter 2×2 of [1, 2, 3, 4]: each dy pixel stamps dy·filter.
    const dx = tf.conv2dTranspose(tf.tensor4d([1, 2], [1, 1, 2, 1]), tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]), [1, 2, 4, 1], 2, 'valid');
    expect(Array.from(dx.dataSync())).toEqual([1, 2, 2, 4, 3, 4, 6, 8]);
    tf.dispose(dx);
  });
});
