import { agreementRuns, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { setNativeKernelsEnabled } from './native/runtime';
import { resizeBilinearGradConfig, resizeNearestNeighborGradConfig } from './ResizeGrad';

/**
 * Random resizes: up (the decoders' ×2 and other factors) and down, 1–11 channels (4-lane vectors and
 * remainders). With alignCorners the input is at least 2×2: tfjs 4.22's cpu nearest gradient never ends
 * for a 1-pixel axis (its search window is infinite).
 */
const resizeCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  inHeight: fc.integer({ min: 1, max: 9 }),
  inWidth: fc.integer({ min: 1, max: 9 }),
  outHeight: fc.integer({ min: 1, max: 19 }),
  outWidth: fc.integer({ min: 1, max: 19 }),
  channels: fc.integer({ min: 1, max: 11 }),
  alignCorners: fc.boolean(),
  seed: fc.nat(),
}).filter((c) => !c.alignCorners || (c.inHeight > 1 && c.inWidth > 1));

function expectResizeGradAgreement(kernelName: 'ResizeNearestNeighborGrad' | 'ResizeBilinearGrad', c: typeof resizeCase extends fc.Arbitrary<infer T> ? T : never): void {
  const imagesShape = [c.batch, c.inHeight, c.inWidth, c.channels];
  const dyShape = [c.batch, c.outHeight, c.outWidth, c.channels];
  expectAgreement(
    kernelName,
    { images: { shape: imagesShape, values: seededValues(sizeOf(imagesShape), c.seed) }, dy: { shape: dyShape, values: seededValues(sizeOf(dyShape), c.seed + 1) } },
    { alignCorners: c.alignCorners, halfPixelCenters: false },
  );
}

describe('ResizeNearestNeighborGrad and ResizeBilinearGrad (wasm training kernels)', () => {
  beforeAll(() => prepareBackends('ResizeBilinearGrad'));

  itIsTheRegisteredKernel(resizeNearestNeighborGradConfig);
  itIsTheRegisteredKernel(resizeBilinearGradConfig);

  describeBothPaths(() => {
    it('ResizeNearestNeighborGrad agrees with the cpu backend on random up- and down-sizings (one image)', () => {
      // One image: tfjs 4.22's cpu kernel offsets dy by the images' batch stride, wrong for later images
      // whenever the sizes differ (the hand test below checks a batch of two).
      fc.assert(fc.property(resizeCase, (c) => expectResizeGradAgreement('ResizeNearestNeighborGrad', { ...c, batch: 1 })), agreementRuns);
    });

    it('ResizeBilinearGrad agrees with the cpu backend on random up- and down-sizings', () => {
      fc.assert(fc.property(resizeCase, (c) => expectResizeGradAgreement('ResizeBilinearGrad', c)), agreementRuns);
    });
  });

  it.each([true, false])('sums each 2×2 block of dy into its source pixel for a nearest ×2 up-sampling of two images, by hand (native kernels %s)', (native) => {
    setNativeKernelsEnabled(native);
    tf.setBackend('wasm');
    const x = tf.zeros([2, 2, 2, 1]);
    const weights = tf.tensor4d(Array.from({ length: 32 }, (_, i) => i), [2, 4, 4, 1]);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(input as tf.Tensor4D, [4, 4]), weights)))(x);
    // Block sums of 0..15 laid out 4×4: [0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15]; image 2 adds 16 to each of 4 terms.
    expect(Array.from(dx.dataSync())).toEqual([10, 18, 42, 50, 74, 82, 106, 114]);
    setNativeKernelsEnabled(true);
    tf.dispose([x, weights, dx]);
  });
});
