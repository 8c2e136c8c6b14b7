import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { resizeImage, resizeMask } from '@tfseg/datasets';
import { expectAllClose } from '@tfseg-internal/testing';

const size = fc.integer({ min: 1, max: 12 });

describe('resizeImage', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('bilinear agrees with tf.image.resizeBilinear (halfPixelCenters) for any sizes and channels', () => {
    fc.assert(
      fc.property(size, size, fc.integer({ min: 1, max: 3 }), size, size, (height, width, channels, targetHeight, targetWidth) => {
        const data = Float32Array.from({ length: height * width * channels }, (_, i) => Math.sin(i * 1.7) * 0.5 + 0.5);
        const expected = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(data, [1, height, width, channels]), [targetHeight, targetWidth], false, true).dataSync());
        expectAllClose(resizeImage(data, height, width, channels, targetHeight, targetWidth, 'bilinear'), expected, 1e-5, 1e-6);
      }),
      { numRuns: 80 },
    );
  });

  it('area averages the covered source pixels (hand-computed)', () => {
    const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]); // 4×4
    expect(Array.from(resizeImage(image, 4, 4, 1, 2, 2, 'area'))).toEqual([3.5, 5.5, 11.5, 13.5]);
    // 3 → 2 columns: out[0] = (a0 + a1/2)/1.5, out[1] = (a1/2 + a2)/1.5
    expectAllClose(resizeImage(Float32Array.from([3, 6, 9]), 1, 3, 1, 1, 2, 'area'), [4, 8], 1e-6, 1e-6);
  });

  it('area keeps a constant image constant and preserves the mean for integer factors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (factor, targetHeight, targetWidth) => {
        const height = targetHeight * factor;
        const width = targetWidth * factor;
        const data = Float32Array.from({ length: height * width }, (_, i) => (i * 7919) % 13);
        const out = resizeImage(data, height, width, 1, targetHeight, targetWidth, 'area');
        const mean = (values: Float32Array): number => values.reduce((a, b) => a + b, 0) / values.length;
        expect(mean(out)).toBeCloseTo(mean(data), 4);
        expectAllClose(resizeImage(new Float32Array(height * width).fill(0.3), height, width, 1, targetHeight + 1, targetWidth, 'area'), new Array((targetHeight + 1) * targetWidth).fill(0.3), 1e-5, 1e-6);
      }),
    );
  });

  it('names bad arguments', () => {
    expect(() => resizeImage(new Float32Array(5), 2, 2, 1, 1, 1)).toThrow('Error in resizeImage: data must have height·width·channels = 4 values, but got 5');
    expect(() => resizeImage(new Float32Array(4), 2, 2, 1, 0, 1)).toThrow('Error in resizeImage: targetHeight must be a positive integer, but got 0');
  });
});

describe('resizeMask', () => {
  it('agrees with tf.image.resizeNearestNeighbor (halfPixelCenters) and never invents a class', () => {
    fc.assert(
      fc.property(size, size, size, size, (height, width, targetHeight, targetWidth) => {
        const mask = Uint8Array.from({ length: height * width }, (_, i) => (i * 31) % 5);
        const expected = tf.tidy(() => tf.image.resizeNearestNeighbor(tf.tensor4d(mask, [1, height, width, 1], 'int32'), [targetHeight, targetWidth], false, true).dataSync());
        expect(Array.from(resizeMask(mask, height, width, targetHeight, targetWidth))).toEqual(Array.from(expected));
      }),
      { numRuns: 80 },
    );
  });
});
