/**
 * The convolutions at a U-Net's two edges on native/conv2d_narrow.c: the first layer's 3×3 convolution of
 * a one-channel image (forward and filter gradient) and the 1×1 head to a few classes (forward, input and
 * filter gradient). The general kernels spend these shapes' time on tile set-up and short loops (one input
 * channel: 3 taps a run; two output channels: 2 of a tile's 16 lanes), and the head's forward ran on
 * XNNPACK's single thread, repacking the filter every call. Each kernel computes the same sums in the same
 * order as the path it replaces, so the same bits: conv2d.c and conv2d_backprop_filter.c's for the first
 * layer and the head's gradients, XNNPACK's gemm order (bias first, then the input channels in order) for
 * the head's forward. Every function returns undefined where its kernel does not apply, and the caller
 * goes on with its general path.
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, type SignedPadding } from './wasm-backend';
import { nativeConvGeometry } from './conv-geometry';
import { NATIVE_BLOCK_BYTES, nativeKernels, type NativeKernels } from './native/runtime';

/**
 * Whether conv2d_single_channel takes a forward convolution: one input channel, 3×3, stride 1, output
 * channels divisible by 4, the padded input rows (12·(OW + 2) bytes) on the stack.
 */
export function singleChannelApplies(inChannels: number, filterShape: readonly number[], strides: readonly [number, number], outWidth: number): boolean {
  return inChannels === 1 && filterShape[0] === 3 && filterShape[1] === 3 && strides[0] === 1 && strides[1] === 1 && 12 * (outWidth + 2) <= NATIVE_BLOCK_BYTES;
}

/**
 * out = x ∗ w for a one-channel x and a 3×3 stride-1 filter (see {@link singleChannelApplies}), any
 * signed padding: per 4-channel column, the 9 taps' filter vectors in registers while a row is swept two
 * pixels at a time. conv2d.c's bits. One thread, batch 4, 64², 1 → 16, new ÷ old (conv2d.c) on one wasm
 * memory, alternating: 0.71–0.74.
 */
export function nativeSingleChannelConv2d(
  backend: BackendWasm,
  native: NativeKernels,
  x: TensorInfo,
  filter: TensorInfo,
  padding: SignedPadding,
  [outHeight, outWidth, outChannels]: [number, number, number],
): TensorInfo {
  const [batch, inHeight, inWidth] = x.shape as [number, number, number, number];
  const out = backend.makeOutput([batch, outHeight, outWidth, outChannels], 'float32');
  const args = [heapOffset(backend, x), heapOffset(backend, filter), heapOffset(backend, out), batch, inHeight, inWidth, 1, outHeight, outWidth, outChannels, 3, 3, 1, 1, padding.top, padding.left];
  const rows = batch * outHeight;
  native.run('conv2d_single_channel', args, Math.ceil(outChannels / 16) * rows, rows * outWidth * 9 * outChannels);
  return out;
}

/**
 * dW of a one-channel, 3×3, stride-1 convolution with output channels divisible by 4, or undefined:
 * per 4 output channels one pass over dy with the 9 taps' sums in registers (conv2d_backprop_filter.c
 * passes over dy once per tap). Its bits. One thread, batch 4, 64², 1 → 16: 0.88–0.91 of the old time.
 */
export function nativeSingleChannelFilterGradient(backend: BackendWasm, native: NativeKernels, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo | undefined {
  const fits = info.inChannels === 1 && info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1 && info.outChannels % 4 === 0;
  if (!fits) return undefined;
  const dw = backend.makeOutput([3, 3, 1, info.outChannels], 'float32');
  const args = [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dw), ...nativeConvGeometry(info)];
  native.run('conv2d_single_channel_backprop_filter', args, info.outChannels / 4, info.batchSize * info.outHeight * info.outWidth * 9 * info.outChannels);
  return dw;
}

/** Output channels up to which the 1×1 kernels take a convolution (a head's classes). */
const POINTWISE_MAX_CHANNELS = 8;
/** Input channels up to which the 1×1 kernels take one (their repacked filter lies on the stack). */
const POINTWISE_MAX_INPUTS = 4096;

/** Whether `info` is a 1×1, stride-1, unpadded, undilated NHWC convolution to at most 8 channels. */
function isNarrowPointwise(info: backend_util.Conv2DInfo): boolean {
  const { padInfo } = info;
  const unpadded = padInfo.top === 0 && padInfo.bottom === 0 && padInfo.left === 0 && padInfo.right === 0;
  const pointwise = info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1;
  return pointwise && unpadded && info.dataFormat === 'channelsLast' && info.outChannels >= 1 && info.outChannels <= POINTWISE_MAX_CHANNELS && info.inChannels <= POINTWISE_MAX_INPUTS;
}

/** Pixels per item of the 1×1 forward and input-gradient kernels (POINTWISE_PIXELS in conv2d_narrow.c). */
const POINTWISE_PIXELS = 64;

/**
 * y = bias + x·w for a 1×1 convolution to 1–8 channels not divisible by 4 (those the general native
 * kernel takes, adding the bias after the sum), or undefined. Per output channel the bias (+0 without
 * one), then x[k]·w[k] for the input channels in order, as XNNPACK's gemm adds them: XNNPACK's bits, on
 * the thread pool, without its per-call filter packing. One thread, [4,64,64,16] → 2 / 5 channels, as
 * tf kernels: 0.48 / 0.68 of XNNPACK's time.
 */
export function nativePointwiseConv2d(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, info: backend_util.Conv2DInfo): TensorInfo | undefined {
  const native = nativeKernels(backend);
  const plainBias = bias === undefined || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === info.outChannels);
  const fits = native !== undefined && x.dtype === 'float32' && filter.dtype === 'float32' && plainBias && isNarrowPointwise(info) && info.outChannels % 4 !== 0;
  if (!fits) return undefined;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32');
  const args = [heapOffset(backend, x), heapOffset(backend, filter), bias === undefined ? 0 : heapOffset(backend, bias), heapOffset(backend, out), pixels, info.inChannels, info.outChannels];
  native.run('conv2d_pointwise', args, Math.ceil(pixels / POINTWISE_PIXELS), pixels * info.inChannels * info.outChannels);
  return out;
}

/**
 * dx = dy·wᵀ of a 1×1 convolution to at most 8 channels with input channels divisible by 4, or
 * undefined: two pixels' 16 input channels at a time, the few output channels unrolled. conv2d.c's bits
 * on the flipped filter (the path it replaces). One thread, [4,64,64,C] → 16: 0.53 (C = 2), 0.82 (C = 5)
 * of the old time.
 */
export function nativePointwiseInputGradient(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo | undefined {
  const native = nativeKernels(backend);
  const fits = native !== undefined && dy.dtype === 'float32' && filter.dtype === 'float32' && isNarrowPointwise(info) && info.inChannels % 4 === 0;
  if (!fits) return undefined;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const dx = backend.makeOutput([info.batchSize, info.inHeight, info.inWidth, info.inChannels], 'float32');
  const args = [heapOffset(backend, dy), heapOffset(backend, filter), heapOffset(backend, dx), pixels, info.inChannels, info.outChannels];
  native.run('conv2d_pointwise_backprop_input', args, Math.ceil(pixels / POINTWISE_PIXELS), pixels * info.inChannels * info.outChannels);
  return dx;
}

/** conv2d_pointwise_backprop_filter's items: groups of 8 input channels up to 5 output channels, else of 4 (POINTWISE_FILTER_VECTORS). */
function pointwiseFilterGroups(inChannels: number, outChannels: number): number {
  return Math.ceil(inChannels / (outChannels <= 5 ? 8 : 4));
}

/**
 * dW = xᵀ·dy of a 1×1 convolution to at most 8 channels with input channels divisible by 4, or
 * undefined: per group of input channels one pass over x and dy with every output channel's sums in
 * registers. conv2d_backprop_filter.c's bits (each entry summed over the pixels in order from +0).
 * One thread, [4,64,64,16] → 2 / 5: 0.66 / 0.61 of the old time.
 */
export function nativePointwiseFilterGradient(backend: BackendWasm, native: NativeKernels, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo | undefined {
  if (!(isNarrowPointwise(info) && info.inChannels % 4 === 0)) return undefined;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const dw = backend.makeOutput([1, 1, info.inChannels, info.outChannels], 'float32');
  const args = [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dw), pixels, info.inChannels, info.outChannels];
  native.run('conv2d_pointwise_backprop_filter', args, pointwiseFilterGroups(info.inChannels, info.outChannels), pixels * info.inChannels * info.outChannels);
  return dw;
}
