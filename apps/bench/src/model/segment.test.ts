import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import type { InputSpec } from './model-card';
import { argmax, segmentImage, tileStarts } from './segment';

/** A per-pixel model: class 1 where the grey value is above 0.5 (1×1 convolution, softmax). */
function thresholdModel(size: number): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [size, size, 1], filters: 2, kernelSize: 1, activation: 'softmax', weights: [tf.tensor4d([-10, 10], [1, 1, 1, 2]), tf.tensor1d([5, -5])] }));
  return model;
}

const spec = (overrides: Partial<InputSpec>): InputSpec => ({ size: 16, channels: 1, scale: 1, mode: 'sliding-window', overlap: 0.5, volumeWindow: [-1250, 250], ...overrides });

describe('tileStarts', () => {
  it('covers [0, length) with tiles of `size`, every `stride`, the last flush with the end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 64 }), (size, extra, strideSeed) => {
        const length = size + extra;
        const stride = 1 + (strideSeed % size);
        const starts = tileStarts(length, size, stride);
        expect(starts[0]).toBe(0);
        expect(starts[starts.length - 1]).toBe(length - size);
        for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeLessThanOrEqual(stride);
      }),
    );
  });
});

describe('segmentImage', () => {
  it('gives every pixel of an image of any size its own class, at native size, leaving no tensors', () => {
    const model = thresholdModel(16);
    const before = tf.memory().numTensors;
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 50 }), fc.integer({ min: 5, max: 50 }), fc.double({ min: 0, max: 0.9, noNaN: true }), (height, width, overlap) => {
        const data = Float32Array.from({ length: height * width }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1 < 0 ? 0.1 : 0.9);
        const result = segmentImage(model, spec({ overlap }), 2, { height, width, channels: 1, data });
        expect([result.height, result.width, result.labels.length]).toEqual([height, width, height * width]);
        expect(Array.from(result.labels)).toEqual(Array.from(data, (value) => (value > 0.5 ? 1 : 0)));
      }),
      { numRuns: 25 },
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('resizes as the protocol did and brings the labels back to the native size', () => {
    const model = thresholdModel(16);
    // Left half dark, right half bright: the boundary survives a resize to 16² and back.
    const [height, width] = [30, 40];
    const data = Float32Array.from({ length: height * width }, (_, i) => (i % width < width / 2 ? 0.1 : 0.9));
    const result = segmentImage(model, spec({ mode: 'resize', resizeTo: 16 }), 2, { height, width, channels: 1, data });
    expect(result.labels.length).toBe(height * width);
    expect(result.labels[0]).toBe(0);
    expect(result.labels[width - 1]).toBe(1);
    model.dispose();
  });

  it('refuses an image whose channels differ from the model\'s', () => {
    const model = thresholdModel(16);
    expect(() => segmentImage(model, spec({}), 2, { height: 4, width: 4, channels: 3, data: new Float32Array(48) })).toThrow(/3 channels but the model takes 1/);
    model.dispose();
  });
});

describe('argmax', () => {
  it('picks the first largest value of each pixel', () => {
    expect(Array.from(argmax(Float32Array.from([0.2, 0.8, 0.5, 0.5, 0.1, 0.3]), 2))).toEqual([1, 0, 1]);
  });
});
