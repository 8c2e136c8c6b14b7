/**
 * Test-only: the Winograd F(4×4, 3×3) convolutions against a float64 direct convolution, for
 * Conv2D.test.ts and Conv2DBackpropInput.test.ts ({@link relativeErrors} also for Conv2DBackpropFilter.test.ts). The agreement tests (agreement.ts) compare with the
 * cpu backend's float32 sums at 1e-4; these pin F(4×4)'s own rounding, which is larger than F(2×2)'s
 * (its transforms have entries up to 5 and 8) but must stay far below what a wrong transform
 * coefficient would give (errors of the order of the output itself).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fc, seededValues, tf } from './agreement';
import { winogradTileSize } from '../Conv2D';
import { nativeKernels, type NativeKernelName } from '../native/runtime';

/** A 3×3 stride-1 convolution with explicit padding: x [batch, height, width, inChannels], filter [3, 3, inChannels, outChannels]. */
export interface PaddedConvolution {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  /** [top, bottom, left, right], 0–2 each ('valid', 'same' and one-sided paddings). */
  pad: [number, number, number, number];
  seed: number;
}

/** Its output's height and width. */
function outputSize(c: PaddedConvolution): [number, number] {
  return [c.height + c.pad[0] + c.pad[1] - 2, c.width + c.pad[2] + c.pad[3] - 2];
}

/**
 * Convolutions whose Winograd convolution (the forward one, or with `inputGradient` the one that
 * computes dx, whose output is x's size) takes F(4×4, 3×3): odd sizes (clipped edge tiles), every
 * padding, 4–40 channels (the products' 16-, 8- and 4-channel tiles).
 */
export function fourByFourConvolution(inputGradient: boolean): fc.Arbitrary<PaddedConvolution> {
  return fc
    .record({
      batch: fc.integer({ min: 1, max: 2 }),
      height: fc.integer({ min: 8, max: 26 }),
      width: fc.integer({ min: 8, max: 26 }),
      inChannels: fc.integer({ min: 1, max: 10 }).map((n) => 4 * n),
      outChannels: fc.integer({ min: 1, max: 10 }).map((n) => 4 * n),
      pad: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
      seed: fc.nat(),
    })
    .filter((c) => {
      const [outHeight, outWidth] = inputGradient ? [c.height, c.width] : outputSize(c);
      return winogradTileSize(c.batch, outHeight, outWidth) === 4;
    });
}

/** The explicit NHWC `pad` attribute. */
export function padAttribute(c: PaddedConvolution): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [c.pad[0], c.pad[1]], [c.pad[2], c.pad[3]], [0, 0]];
}

/** x and the filter of a convolution: values in [−1, 1) as the agreement tests use. */
function convolutionInputs(c: PaddedConvolution): { x: Float32Array; filter: Float32Array; dy: Float32Array } {
  const [outHeight, outWidth] = outputSize(c);
  return {
    x: seededValues(c.batch * c.height * c.width * c.inChannels, c.seed),
    filter: seededValues(9 * c.inChannels * c.outChannels, c.seed + 1),
    dy: seededValues(c.batch * outHeight * outWidth * c.outChannels, c.seed + 2),
  };
}

/**
 * Calls `body` for each (output pixel, input pixel, tap) of the convolution: the flat indices of y, x
 * and the filter's [kh, kw] tap, for float64 reference sums.
 */
function forEachTap(c: PaddedConvolution, body: (yPixel: number, xPixel: number, tap: number) => void): void {
  const [outHeight, outWidth] = outputSize(c);
  for (let b = 0; b < c.batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < 3; kh++) {
          const ih = oh + kh - c.pad[0];
          if (ih < 0 || ih >= c.height) continue;
          for (let kw = 0; kw < 3; kw++) {
            const iw = ow + kw - c.pad[2];
            if (iw >= 0 && iw < c.width) body((b * outHeight + oh) * outWidth + ow, (b * c.height + ih) * c.width + iw, kh * 3 + kw);
          }
        }
      }
    }
  }
}

/** y = x ∗ filter in float64. */
export function convolutionFloat64(c: PaddedConvolution, x: Float32Array, filter: Float32Array): Float64Array {
  const [outHeight, outWidth] = outputSize(c);
  const { inChannels: ci, outChannels: co } = c;
  const y = new Float64Array(c.batch * outHeight * outWidth * co);
  forEachTap(c, (yPixel, xPixel, tap) => {
    for (let i = 0; i < ci; i++) {
      const value = x[xPixel * ci + i] as number;
      for (let o = 0; o < co; o++) {
        const at = yPixel * co + o;
        y[at] = (y[at] as number) + value * (filter[(tap * ci + i) * co + o] as number);
      }
    }
  });
  return y;
}

/** dx of that convolution for dy, in float64. */
export function inputGradientFloat64(c: PaddedConvolution, dy: Float32Array, filter: Float32Array): Float64Array {
  const { inChannels: ci, outChannels: co } = c;
  const dx = new Float64Array(c.batch * c.height * c.width * ci);
  forEachTap(c, (yPixel, xPixel, tap) => {
    for (let i = 0; i < ci; i++) {
      let sum = 0;
      for (let o = 0; o < co; o++) sum += (dy[yPixel * co + o] as number) * (filter[(tap * ci + i) * co + o] as number);
      dx[xPixel * ci + i] = (dx[xPixel * ci + i] as number) + sum;
    }
  });
  return dx;
}

/** The largest and the root-mean-square error of `actual`, relative to the reference's largest magnitude and its RMS. */
export function relativeErrors(actual: Float32Array, reference: Float64Array): { max: number; rms: number } {
  let largest = 0;
  let squares = 0;
  let maxError = 0;
  let errorSquares = 0;
  reference.forEach((value, i) => {
    const error = Math.abs((actual[i] as number) - value);
    largest = Math.max(largest, Math.abs(value));
    squares += value * value;
    maxError = Math.max(maxError, error);
    errorSquares += error * error;
  });
  return { max: maxError / largest, rms: Math.sqrt(errorSquares / squares) };
}

/** Runs `body` on the wasm backend and returns the native kernels it ran, in order. */
function nativeKernelsRun<T>(body: () => T): { result: T; kernels: NativeKernelName[] } {
  tf.setBackend('wasm');
  const native = nativeKernels(tf.backend() as BackendWasm);
  if (native === undefined) throw new Error('the native kernels did not load');
  const kernels: NativeKernelName[] = [];
  const run = native.run.bind(native);
  native.run = (kernel, args, items, work) => {
    kernels.push(kernel);
    run(kernel, args, items, work);
  };
  try {
    return { result: body(), kernels };
  } finally {
    delete (native as { run?: unknown }).run;
  }
}

/**
 * Asserts, over {@link fourByFourConvolution}(`inputGradient`) with fast-check, that `compute` (on the
 * wasm backend, from the case's inputs as tensors) runs F(4×4, 3×3)'s two kernels and nothing else, that
 * its result is within 2e-5 (largest error) and 5e-6 (RMS) of `reference` relative to the reference
 * (F(4×4) measures up to 6e-6 and 1.5e-6 here; a transform coefficient off by 1e-4 gives 6e-4), and
 * that no tensor is left behind.
 */
export function expectFourByFourAccuracy(
  inputGradient: boolean,
  compute: (c: PaddedConvolution, tensors: { x: tf.Tensor4D; filter: tf.Tensor4D; dy: tf.Tensor4D }) => tf.Tensor,
  reference: (c: PaddedConvolution, values: ReturnType<typeof convolutionInputs>) => Float64Array,
  runs: fc.Parameters<[PaddedConvolution]>,
): void {
  tf.setBackend('wasm');
  const numTensors = tf.memory().numTensors;
  fc.assert(
    fc.property(fourByFourConvolution(inputGradient), (c) => {
      const values = convolutionInputs(c);
      const [outHeight, outWidth] = outputSize(c);
      const tensors = {
        x: tf.tensor4d(values.x, [c.batch, c.height, c.width, c.inChannels]),
        filter: tf.tensor4d(values.filter, [3, 3, c.inChannels, c.outChannels]),
        dy: tf.tensor4d(values.dy, [c.batch, outHeight, outWidth, c.outChannels]),
      };
      const { result, kernels } = nativeKernelsRun(() => compute(c, tensors));
      expect(kernels).toEqual(['conv2d_winograd_filter_4x4', 'conv2d_winograd_4x4']);
      const errors = relativeErrors(result.dataSync() as Float32Array, reference(c, values));
      expect(errors.max).toBeLessThan(2e-5);
      expect(errors.rms).toBeLessThan(5e-6);
      tf.dispose([result, tensors.x, tensors.filter, tensors.dy]);
    }),
    runs,
  );
  expect(tf.memory().numTensors).toBe(numTensors);
}
