/** Layout and shape helpers shared by the convolution gradient kernels. */
import { backend_util, type Conv2DBackpropFilterAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { sliceWasm, transposeWasm } from './wasm-backend';

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
