import { agreementRuns, convolutionCase, describeBothPaths, expectAgreement, fc, hasNonEmptyOutput, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';

/**
 * Strided convolutions for the native input gradient (NHWC): 1–20 input channels (the wide kernel's blocks
 * of 4–16 when divisible by 4, the dot-product kernel otherwise, which needs output channels divisible by
 * 4 and leaves the rest to the per-phase path), filters up to 7×7 (ConvFormer's 7×7/4 stem, TransUNet's
 * 7×7/2 root), strides 2–4, every padding.
 */
const stridedGeometry = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    height: fc.integer({ min: 1, max: 17 }),
    width: fc.integer({ min: 1, max: 17 }),
    inChannels: fc.integer({ min: 1, max: 20 }),
    outChannels: fc.oneof(fc.constantFrom(4, 8, 12, 16), fc.integer({ min: 1, max: 9 })),
    filterHeight: fc.integer({ min: 1, max: 7 }),
    filterWidth: fc.integer({ min: 1, max: 7 }),
    strides: fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 4 })),
    pad: fc.oneof(fc.constant('same' as const), fc.constant('valid' as const), fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3))),
    channelsFirst: fc.constant(false),
    seed: fc.nat(),
  })
  .filter(hasNonEmptyOutput);

describe('Conv2DBackpropInput of strided convolutions (StridedConvInputGradient.ts)', () => {
  beforeAll(() => prepareBackends('Conv2DBackpropInput'));

  describeBothPaths(() => {
    it('agrees with the cpu backend on random strided geometries up to 7×7', () => {
      fc.assert(
        fc.property(stridedGeometry, (g) => {
          const { xShape, dyShape, filterShape, attributes } = convolutionCase(g);
          const dy = { shape: dyShape, values: seededValues(sizeOf(dyShape), g.seed) };
          const filter = { shape: filterShape, values: seededValues(sizeOf(filterShape), g.seed + 1) };
          expectAgreement('Conv2DBackpropInput', { dy, filter }, { ...attributes, inputShape: xShape });
        }),
        agreementRuns,
      );
    });
  });

  it('gives a stem-like 7×7/4 gradient by hand: one dy pixel spreads the filter over its window', () => {
    tf.setBackend('wasm');
    const filter = tf.tensor4d(Array.from({ length: 49 * 4 }, (_, i) => (i % 4 === 0 ? i / 4 : 0)), [7, 7, 1, 4]);
    // dy is 1 at output pixel (1, 1) of channel 0: dx is that channel's filter placed at 4 − pad = 4 − 2.
    const dy = tf.tensor4d(Array.from({ length: 16 * 4 }, (_, i) => (i === (1 * 4 + 1) * 4 ? 1 : 0)), [1, 4, 4, 4]);
    const dx = tf.conv2dTranspose(dy, filter, [1, 16, 16, 1], 4, 'same').dataSync();
    const padTop = tf.backend_util.computeConv2DInfo([1, 16, 16, 1], [7, 7, 1, 4], 4, 1, 'same').padInfo.top;
    const origin = 4 - padTop;
    for (let h = 0; h < 16; h++) {
      for (let w = 0; w < 16; w++) {
        const inWindow = h >= origin && h < origin + 7 && w >= origin && w < origin + 7;
        expect(dx[h * 16 + w]).toBe(inWindow ? (h - origin) * 7 + (w - origin) : 0);
      }
    }
    tf.dispose([filter, dy]);
  });
});
