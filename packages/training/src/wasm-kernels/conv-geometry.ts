/** Layout and shape helpers shared by the convolution gradient kernels. */
import { backend_util, type Conv2DBackpropFilterAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, sliceWasm, transposeWasm, type SignedPadding } from './wasm-backend';

/** NCHW → NHWC (a transpose); NHWC is returned as is. XNNPACK convolves channels-last only. */
export function toChannelsLast(backend: BackendWasm, x: TensorInfo, format: 'channelsLast' | 'channelsFirst'): TensorInfo {
  return format === 'channelsLast' ? x : transposeWasm(backend, x, [0, 2, 3, 1]);
}

/** NHWC → the caller's layout; frees the channels-last input when it had to transpose. */
export function fromChannelsLast(backend: BackendWasm, x: TensorInfo, format: 'channelsLast' | 'channelsFirst'): TensorInfo {
  if (format === 'channelsLast') return x;
  const result = transposeWasm(backend, x, [0, 3, 1, 2]);
  backend.disposeData(x.dataId);
  return result;
}

/**
 * True when the filter windows tile the input exactly once: kernel = stride, no padding, no dilation
 * (e.g. the 2×2, stride-2 transposed convolutions of a U-Net). Then each input pixel meets one filter tap.
 */
export function isTilingConv(info: backend_util.Conv2DInfo): boolean {
  const { padInfo } = info;
  return (
    info.filterHeight === info.strideHeight &&
    info.filterWidth === info.strideWidth &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    padInfo.top === 0 &&
    padInfo.left === 0 &&
    padInfo.bottom === 0 &&
    padInfo.right === 0 &&
    info.outHeight * info.strideHeight <= info.inHeight &&
    info.outWidth * info.strideWidth <= info.inWidth
  );
}

/** The top-left `height × width` of an NHWC tensor. */
export function cropTopLeft(backend: BackendWasm, x: TensorInfo, height: number, width: number): TensorInfo {
  const [batch, , , channels] = x.shape as [number, number, number, number];
  return sliceWasm(backend, x, [0, 0, 0, 0], [batch, height, width, channels]);
}

/** The convolution attributes the two gradient kernels share (no dilations: tfjs' conv gradients have none). */
export type ConvolutionAttributes = Pick<Conv2DBackpropFilterAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'>;

/** The geometry of the forward convolution `xShape * filterShape` whose gradient is computed, and its layout. */
export function forwardConvolutionInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attributes: ConvolutionAttributes,
): { info: backend_util.Conv2DInfo; format: 'channelsLast' | 'channelsFirst' } {
  const format = backend_util.convertConv2DDataFormat(attributes.dataFormat);
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attributes.strides,
    1,
    attributes.pad,
    attributes.dimRoundingMode,
    false,
    format,
  );
  return { info, format };
}

/**
 * The filter flipped in both spatial axes, in one pass over the wasm heap (the built-in Reverse and
 * Transpose take ~10 ms for a 3×3×128×128 filter, more than the conv itself). With `swapChannels`,
 * W[KH, KW, Ci, Co] → W'[kh, kw, co, ci] = W[KH−1−kh, KW−1−kw, ci, co]; without, the last two axes stay.
 */
export function flipFilter(backend: BackendWasm, filter: TensorInfo, swapChannels: boolean): TensorInfo {
  const [height, width, inChannels, outChannels] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput(swapChannels ? [height, width, outChannels, inChannels] : [height, width, inChannels, outChannels], 'float32');
  const source = heapView(backend, filter);
  const target = heapView(backend, out);
  const tap = inChannels * outChannels;
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const from = ((height - 1 - row) * width + (width - 1 - column)) * tap;
      const to = (row * width + column) * tap;
      if (!swapChannels) {
        target.set(source.subarray(from, from + tap), to);
        continue;
      }
      for (let ci = 0; ci < inChannels; ci++) {
        for (let co = 0; co < outChannels; co++) target[to + co * inChannels + ci] = source[from + ci * outChannels + co] as number;
      }
    }
  }
  return out;
}

/**
 * NHWC `dy` with stride − 1 zero rows/columns after each pixel (itself when both strides are 1): one
 * pass over the wasm heap (a rank-6 Pad, the op-level way, takes the wasm backend's slow generic path).
 */
export function spreadByStride(backend: BackendWasm, dy: TensorInfo, strideHeight: number, strideWidth: number): TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) return dy;
  const [batch, height, width, channels] = dy.shape as [number, number, number, number];
  const spreadHeight = height * strideHeight;
  const spreadWidth = width * strideWidth;
  const out = backend.makeOutput([batch, spreadHeight, spreadWidth, channels], dy.dtype);
  const source = heapView(backend, dy);
  const target = heapView(backend, out);
  target.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let row = 0; row < height; row++) {
      for (let column = 0; column < width; column++) {
        const from = ((b * height + row) * width + column) * channels;
        const to = ((b * spreadHeight + row * strideHeight) * spreadWidth + column * strideWidth) * channels;
        for (let c = 0; c < channels; c++) target[to + c] = source[from + c] as number;
      }
    }
  }
  return out;
}

/**
 * Padding of the stride-1 convolution of the {@link spreadByStride | spread} dy with the flipped filter
 * that gives dx: K − 1 − pad before (K the effective, dilated size), and whatever makes the output
 * exactly the input size after (negative: cut).
 */
export function transposedConvolutionPadding(info: backend_util.Conv2DInfo): SignedPadding {
  const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
  const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
  return {
    top,
    bottom: info.inHeight - info.outHeight * info.strideHeight - top + info.effectiveFilterHeight - 1,
    left,
    right: info.inWidth - info.outWidth * info.strideWidth - left + info.effectiveFilterWidth - 1,
  };
}

/**
 * The explicit padding of a convolution: top and left as computed, bottom and right from the output size
 * computeConv2DInfo settled on (rounding modes included), negative where windows leave rows unused.
 */
export function explicitPadding(info: backend_util.Conv2DInfo): SignedPadding {
  const { top, left } = info.padInfo;
  return {
    top,
    bottom: (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight - info.inHeight - top,
    left,
    right: (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth - info.inWidth - left,
  };
}

/**
 * The 13 conv_geometry slots of native/kernels.h (batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w,
 * stride_h, stride_w, pad_top, pad_left) of `info`, in the order the native convolution kernels read them.
 */
export function nativeConvGeometry(info: backend_util.Conv2DInfo): number[] {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  return [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo.top, padInfo.left];
}
