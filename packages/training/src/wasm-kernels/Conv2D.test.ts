import { agreementRuns, convGeometry, convolutionCase, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf, wasmNative, wideConvGeometry, winogradGeometry, type ConvGeometry } from './__fixtures__/agreement';
import { conv2DConfig, nativeFlipFilter } from './Conv2D';
import { flipFilter } from './conv-geometry';
import { expectPackedBits, packedConvCases } from './__fixtures__/packed-conv';
import { convolutionFloat64, expectFourByFourAccuracy, expectStripsBits, padAttribute, stripsConvolution } from './__fixtures__/winograd';

function expectConvolutionAgreement(g: ConvGeometry, dilations: [number, number] = [1, 1]): void {
  const { xShape, filterShape, attributes } = convolutionCase(g);
  const x = { shape: xShape, values: seededValues(sizeOf(xShape), g.seed) };
  const filter = { shape: filterShape, values: seededValues(sizeOf(filterShape), g.seed + 1) };
  expectAgreement('Conv2D', { x, filter }, { ...attributes, dilations });
}

describe('Conv2D (wasm kernel: native where it applies, XNNPACK otherwise)', () => {
  beforeAll(() => prepareBackends('Conv2D'));

  itIsTheRegisteredKernel(conv2DConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random shapes, strides and paddings (NHWC and NCHW)', () => {
      fc.assert(fc.property(convGeometry, (g) => expectConvolutionAgreement(g)), agreementRuns);
    });

    it('agrees with the cpu backend with 1–20 channels (full SIMD tiles and their remainders)', () => {
      fc.assert(fc.property(wideConvGeometry, (g) => expectConvolutionAgreement(g)), agreementRuns);
    });

    it('agrees with the cpu backend on 3×3 stride-1 convolutions large enough for Winograd (edges, odd sizes, every padding)', () => {
      fc.assert(fc.property(winogradGeometry, (g) => expectConvolutionAgreement(g)), agreementRuns);
    });

    it('agrees with the cpu backend with dilation 2 (left to XNNPACK)', () => {
      const dilated = wideConvGeometry.filter((g) => g.pad === 'same' && g.strides[0] === 1 && g.strides[1] === 1 && g.height >= 2 * g.filterHeight && g.width >= 2 * g.filterWidth);
      fc.assert(fc.property(dilated, (g) => expectConvolutionAgreement(g, [2, 2])), agreementRuns);
    });
  });

  it('takes Winograd F(4×4, 3×3) from 32 tiles, within 2e-5 (largest error) and 5e-6 (RMS) of a float64 convolution, relative to the output', () => {
    expectFourByFourAccuracy(false, (c, { x, filter }) => tf.conv2d(x, filter, 1, padAttribute(c)), (c, values) => convolutionFloat64(c, values.x, values.filter), agreementRuns);
  });

  it('reads a packed filter (conv2d_packed) with the same bits as the filter as it lies: tiling convolutions and transposed convolutions’ tiled products, NaN of both signs and ±∞ included', () => {
    fc.assert(fc.property(packedConvCases, expectPackedBits), agreementRuns);
    // The U-Net's 2×2/2 up-sampling at 4², 256 → 8², 128 (4 × 4 pixels per row: the 4-pixel tiles).
    expectPackedBits({ batch: 2, height: 4, width: 4, kernel: [2, 2], extra: [0, 0], inChannels: 128, outChannels: 256, nonFinite: true, seed: 3 });
  });

  it('computes a hand-checkable case: a 3×3 box filter sums each neighbourhood', () => {
    tf.setBackend('wasm');
    // A 10×10 image of ones with 4 channels (Winograd's path): each output channel sums 9 pixels × 4 channels, fewer at the edges.
    const out = tf.conv2d(tf.ones([1, 10, 10, 4]) as tf.Tensor4D, tf.ones([3, 3, 4, 4]) as tf.Tensor4D, 1, 'same');
    const values = out.dataSync();
    expect(values[0]).toBe(16); // corner: 2×2 pixels
    expect(values[4 * 1]).toBe(24); // edge: 2×3 pixels
    expect(values[4 * 11]).toBe(36); // inside: 3×3 pixels
    tf.dispose(out);
  });
  it('runs F(2×2) by output-channel strips with the same bits as by blocks of tiles (forward and flipped filters, 16-, 8- and 4-channel strips, edges, every padding, NaN and ±inf)', () => {
    fc.assert(fc.property(stripsConvolution(3, 20), expectStripsBits), agreementRuns);
  });

  it('runs F(2×2) by strips with the blocks’ bits on the U-Net’s deepest levels (1²–9² maps, batch 1–4, 4–512 channels, NaN and ±inf)', () => {
    tf.setBackend('wasm');
    const numTensors = tf.memory().numTensors;
    fc.assert(fc.property(stripsConvolution(4, 128), expectStripsBits), { numRuns: Math.ceil(agreementRuns.numRuns / 3) });
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('agrees with the cpu backend where F(2×2) runs by strips (4² to 10² maps, 64–72 channels), and leaves no tensor behind', () => {
    const strips = winogradGeometry.chain((g) =>
      fc.record({ inChannels: fc.integer({ min: 16, max: 18 }).map((n) => 4 * n), outChannels: fc.integer({ min: 16, max: 18 }).map((n) => 4 * n), height: fc.integer({ min: 4, max: 10 }), width: fc.integer({ min: 4, max: 10 }) }).map((wide) => ({ ...g, ...wide, pad: 'same' as const, batch: 1 })),
    );
    fc.assert(fc.property(strips, (g) => expectConvolutionAgreement(g)), { numRuns: 5 });
    tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    tf.tidy(() => tf.conv2d(tf.ones([1, 8, 8, 64]) as tf.Tensor4D, tf.ones([3, 3, 64, 64]) as tf.Tensor4D, 1, 'same').dataSync());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('flips and swaps a filter natively to the same bits as the JS flip (input gradients on the direct kernel)', () => {
    const { backend, native } = wasmNative();
    const shapes = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.nat());
    fc.assert(
      fc.property(shapes, ([height, width, inChannels, outChannels, seed]) => {
        const filter = tf.tensor4d(seededValues(height * width * inChannels * outChannels, seed), [height, width, inChannels, outChannels]);
        const [fromNative, fromJs] = [nativeFlipFilter(backend, native, filter), flipFilter(backend, filter, true)];
        const values = [fromNative, fromJs].map((info) => Float32Array.from(backend.typedArrayFromHeap(info) as Float32Array));
        expect(fromNative.shape).toEqual([height, width, outChannels, inChannels]);
        expect(Buffer.from((values[0] as Float32Array).buffer).equals(Buffer.from((values[1] as Float32Array).buffer))).toBe(true);
        [fromNative, fromJs].forEach((info) => backend.disposeData(info.dataId));
        filter.dispose();
      }),
      agreementRuns,
    );
  });
});
