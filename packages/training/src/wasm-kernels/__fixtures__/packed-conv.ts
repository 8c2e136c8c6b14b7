/**
 * Test-only: the direct convolution from a packed filter (native/conv2d.c's conv2d_packed) against the
 * same kernel reading the filter as it lies (conv2d), bit for bit, for the convolutions that pack: tiling
 * filters (kernel = stride, the U-Net's 2×2/2 input gradients, odd maps leaving a row or column unused)
 * and the tiled product dy · Wᵀ of a transposed convolution; and the filter gradient of a tiling convolution
 * from panels packed once per call (conv2d_backprop_filter_tiling) against the packed kernel. Used on 1 thread (Conv2D.test.ts) and on 2 (wasm-threads.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { nativeConv2d, nativeTiledProduct } from '../Conv2D';
import { nativeFilterGradient } from '../Conv2DBackpropFilter';
import { seededValuesWithNonFinite, wasmNative } from './agreement';

/** A tiling convolution (or transposed convolution) and its values. */
export interface PackedConvCase {
  batch: number;
  /** The output map of the tiling convolution (the input map of the transposed one). */
  height: number;
  width: number;
  /** Kernel = stride. */
  kernel: [number, number];
  /** Input rows and columns past the last window (odd maps). */
  extra: [number, number];
  /** Channels of the tiling convolution's input (the transposed one's output). */
  inChannels: number;
  /** Of its output, the transposed one's input. */
  outChannels: number;
  /** NaN and ±∞ among the values. */
  nonFinite: boolean;
  seed: number;
}

/**
 * Batch 1–4, maps 1–16 (inputs to 33 × 33 with the extra row and column), mostly 2×2 kernels, channels
 * multiples of 4 and not (the tiled product packs whenever KH·KW·Ci is divisible by 16).
 */
export const packedConvCases: fc.Arbitrary<PackedConvCase> = fc.record({
  batch: fc.integer({ min: 1, max: 4 }),
  height: fc.integer({ min: 1, max: 16 }),
  width: fc.integer({ min: 1, max: 16 }),
  kernel: fc.oneof(fc.constant<[number, number]>([2, 2]), fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))),
  extra: fc.tuple(fc.nat(1), fc.nat(1)),
  inChannels: fc.oneof(fc.integer({ min: 1, max: 8 }).map((n) => 4 * n), fc.integer({ min: 1, max: 20 })),
  outChannels: fc.oneof(fc.integer({ min: 1, max: 6 }).map((n) => 16 * n), fc.integer({ min: 1, max: 12 }).map((n) => 4 * n)),
  nonFinite: fc.boolean(),
  seed: fc.nat(),
});

function bytesOf(backend: BackendWasm, info: tf.TensorInfo): Buffer {
  const copy = Float32Array.from(backend.typedArrayFromHeap(info) as Float32Array);
  backend.disposeData(info.dataId);
  return Buffer.from(copy.buffer);
}

/** Packed against unpacked on the current wasm backend: the forward tiling convolution and the tiled product. */
export function expectPackedBits(c: PackedConvCase): void {
  const { backend, native } = wasmNative();
  const [kh, kw] = c.kernel;
  const inHeight = c.height * kh + c.extra[0];
  const inWidth = c.width * kw + c.extra[1];
  const numTensors = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.tensor4d(seededValuesWithNonFinite(c.batch * inHeight * inWidth * c.inChannels, c.seed, c.nonFinite), [c.batch, inHeight, inWidth, c.inChannels]);
    const filter = tf.tensor4d(seededValuesWithNonFinite(kh * kw * c.inChannels * c.outChannels, c.seed + 1, c.nonFinite), [kh, kw, c.inChannels, c.outChannels]);
    const dy = tf.tensor4d(seededValuesWithNonFinite(c.batch * c.height * c.width * c.outChannels, c.seed + 2, c.nonFinite), [c.batch, c.height, c.width, c.outChannels]);
    const geometry = { top: 0, bottom: -c.extra[0], left: 0, right: -c.extra[1] };
    if (c.outChannels % 16 === 0) {
      const [packed, plain] = [true, false].map((packs) => bytesOf(backend, nativeConv2d(backend, native, x, filter, geometry, [kh, kw], false, packs)));
      expect(packed?.length).toBe(4 * c.batch * c.height * c.width * c.outChannels);
      expect(packed?.equals(plain as Buffer)).toBe(true);
    }
    if ((kh * kw * c.inChannels) % 16 === 0 && (kw * c.inChannels) % 4 === 0) {
      const [packed, plain] = [true, false].map((packs) => bytesOf(backend, nativeTiledProduct(backend, native, dy, filter, packs)));
      expect(packed?.length).toBe(4 * c.batch * c.height * kh * c.width * kw * c.inChannels);
      expect(packed?.equals(plain as Buffer)).toBe(true);
    }
  });
  expect(tf.memory().numTensors).toBe(numTensors);
}

/** A case with 16–64 input and 64–144 output channels (multiples of 16 from 64 out: where the panels kernel runs). */
export function sixteenChannels(c: PackedConvCase): PackedConvCase {
  return { ...c, inChannels: 16 * (1 + (c.inChannels % 4)), outChannels: 16 * (4 + (c.outChannels % 6)) };
}

/** The filter gradient of a tiling convolution from panels against the packed kernel, on the current wasm backend. */
export function expectPanelBits(c: PackedConvCase): void {
  const { backend, native } = wasmNative();
  const [kh, kw] = c.kernel;
  // An extra row or column is left over by a window of 2 or more; for a 1-wide kernel it is one more output.
  const extra = [kh > 1 ? c.extra[0] : 0, kw > 1 ? c.extra[1] : 0] as const;
  const xShape: [number, number, number, number] = [c.batch, c.height * kh + extra[0], c.width * kw + extra[1], c.inChannels];
  const filterShape: [number, number, number, number] = [kh, kw, c.inChannels, c.outChannels];
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, [kh, kw], 1, 'valid');
  const numTensors = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.tensor4d(seededValuesWithNonFinite(tf.util.sizeFromShape(xShape), c.seed, c.nonFinite), xShape);
    const dy = tf.tensor4d(seededValuesWithNonFinite(c.batch * c.height * c.width * c.outChannels, c.seed + 2, c.nonFinite), [c.batch, c.height, c.width, c.outChannels]);
    const [panels, rows] = [true, false].map((panels) => bytesOf(backend, nativeFilterGradient(backend, native, x, dy, info, panels)));
    expect(panels?.length).toBe(4 * kh * kw * c.inChannels * c.outChannels);
    expect(panels?.equals(rows as Buffer)).toBe(true);
  });
  expect(tf.memory().numTensors).toBe(numTensors);
}
