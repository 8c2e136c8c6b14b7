/**
 * Test-only: the Winograd F(4×4, 3×3) convolutions against a float64 direct convolution, for
 * Conv2D.test.ts and Conv2DBackpropInput.test.ts ({@link relativeErrors} also for Conv2DBackpropFilter.test.ts). The agreement tests (agreement.ts) compare with the
 * cpu backend's float32 sums at 1e-4; these pin F(4×4)'s own rounding, which is larger than F(2×2)'s
 * (its transforms have entries up to 5 and 8) but must stay far below what a wrong transform
 * coefficient would give (errors of the order of the output itself). Also F(2×2) by strips against
 * F(2×2) by blocks of tiles, bit for bit ({@link expectStripsBits}, Conv2D.test.ts and wasm-threads.test.ts).
 */
import { fc, seededValues, seededValuesWithNonFinite, tf, wasmNative } from './agreement';
import { winogradConv2d, winogradTileSize } from '../Conv2D';
import type { NativeKernelName } from '../native/runtime';

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
  const { native } = wasmNative();
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

/** A 3×3 stride-1 convolution for {@link expectStripsBits}, the filter flipped (an input gradient's) or not. */
export interface StripsConvolution {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  flipped: boolean;
  padding: { top: number; bottom: number; left: number; right: number };
  /** NaN of both signs and ±inf among the inputs (seededValuesWithNonFinite). */
  nonFinite: boolean;
  seed: number;
}

/** {@link StripsConvolution}s on 1²–9² maps, batch 1–`maxBatch`, 4–4·`maxChannelGroups` channels in and out (multiples of 4), every padding. */
export function stripsConvolution(maxBatch: number, maxChannelGroups: number): fc.Arbitrary<StripsConvolution> {
  const channels = fc.integer({ min: 1, max: maxChannelGroups }).map((n) => 4 * n);
  return fc.record({
    batch: fc.integer({ min: 1, max: maxBatch }),
    height: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 9 }),
    inChannels: channels,
    outChannels: channels,
    flipped: fc.boolean(),
    padding: fc.record({ top: fc.nat(2), bottom: fc.nat(2), left: fc.nat(2), right: fc.nat(2) }),
    nonFinite: fc.boolean(),
    seed: fc.nat(),
  });
}

/**
 * Asserts that F(2×2, 3×3) by output-channel strips (conv2d_winograd_input + conv2d_winograd_strips)
 * gives the bits of the blocks of tiles (conv2d_winograd_filter + conv2d_winograd) on the current wasm
 * backend, with however many native threads it runs: the two share every operation in the same order,
 * so every finite and infinite output matches bit for bit, and NaN where the other has NaN. Not the NaN's
 * sign: where two NaNs of opposite signs meet in a sum, x86 keeps the first operand's, and V8 may order a
 * commutative add's operands differently in the two compiled loops (measured: a 1×1 input with NaN in x
 * and the filter gave −NaN by strips and +NaN by blocks in two entries). Leaves no tensor behind.
 */
export function expectStripsBits(c: StripsConvolution): void {
  fc.pre(c.height + c.padding.top + c.padding.bottom > 2 && c.width + c.padding.left + c.padding.right > 2);
  const { backend, native } = wasmNative();
  const { batch, height, width, inChannels, outChannels, flipped, padding } = c;
  const outHeight = height + padding.top + padding.bottom - 2;
  const outWidth = width + padding.left + padding.right - 2;
  const x = tf.tensor4d(seededValuesWithNonFinite(batch * height * width * inChannels, c.seed, c.nonFinite), [batch, height, width, inChannels]);
  const filter = tf.tensor4d(seededValuesWithNonFinite(9 * inChannels * outChannels, c.seed + 1, c.nonFinite), flipped ? [3, 3, outChannels, inChannels] : [3, 3, inChannels, outChannels]);
  const results = [true, false].map((byStrips) => winogradConv2d(backend, native, x, filter, flipped, [batch, height, width, inChannels], [outHeight, outWidth, outChannels], padding, 2, byStrips));
  const [strips, blocks] = results.map((info) => Float32Array.from(backend.typedArrayFromHeap(info) as Float32Array)) as [Float32Array, Float32Array];
  expect(strips.length).toBe(batch * outHeight * outWidth * outChannels);
  const stripBits = new Uint32Array(strips.buffer);
  const blockBits = new Uint32Array(blocks.buffer);
  const differing = strips.findIndex((value, i) => (Number.isNaN(value) ? !Number.isNaN(blocks[i]) : stripBits[i] !== blockBits[i]));
  expect(differing).toBe(-1);
  results.forEach((info) => backend.disposeData(info.dataId));
  tf.dispose([x, filter]);
}
