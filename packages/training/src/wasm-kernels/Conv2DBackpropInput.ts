/**
 * Conv2DBackpropInput for the wasm backend, replacing the built-in one (a scalar loop at ~3 GFLOP/s).
 * It is also the forward pass of a transposed convolution (`tf.layers.conv2dTranspose`).
 *
 * dx is a forward convolution of dy with the spatially flipped filter whose in/out channels are swapped,
 * padded by K − 1 − pad; a stride s first spreads dy out with s − 1 zeros between pixels. That runs on
 * XNNPACK's conv. When the kernel equals the stride and nothing is padded (the 2×2/2 up-sampling of a
 * U-Net), every dx pixel comes from exactly one dy pixel and one matrix product does it.
 */
import type {
  backend_util} from '@tensorflow/tfjs-core';
import {
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { flipFilter, forwardConvolutionInfo, fromChannelsLast, isTilingConv, spreadByStride, toChannelsLast, transposedConvolutionPadding } from './conv-geometry';
import { conv2dWasm, disposeIntermediate, requireInputs, matMulWasm, padWasm, reshapeView, transposeWasm } from './wasm-backend';

function conv2DBackpropInput(args: { inputs: Conv2DBackpropInputInputs; backend: BackendWasm; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const given = requireInputs(Conv2DBackpropInput, inputs, ['dy', 'filter']);
  const { info: convInfo, format } = forwardConvolutionInfo(attrs.inputShape, given.filter.shape, attrs);
  const dy = toChannelsLast(backend, given.dy, format);
  const dx = isTilingConv(convInfo) ? inputGradientOfTiling(backend, dy, given.filter, convInfo) : inputGradientAsConv(backend, dy, given.filter, convInfo);
  if (dy !== given.dy) disposeIntermediate(backend, dy);
  return fromChannelsLast(backend, dx, format);
}

/** The general case: zero-spread dy (stride > 1), then a forward conv with the flipped, swapped filter. */
function inputGradientAsConv(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const swapped = flipFilter(backend, filter, true);
  const spread = spreadByStride(backend, dy, info.strideHeight, info.strideWidth);
  const padding = transposedConvolutionPadding(info);
  const dx = conv2dWasm(backend, spread, swapped, padding, [1, 1], [1, 1]);
  disposeIntermediate(backend, swapped);
  if (spread !== dy) disposeIntermediate(backend, spread);
  return dx;
}

/** Kernel = stride, no padding: dx tiles = dy(N × Co) · Wᵀ(Co × KH·KW·Ci), then tiles back into place. */
function inputGradientOfTiling(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const pixels = batchSize * outHeight * outWidth;
  const taps = matMulWasm(
    backend,
    reshapeView(dy, [1, pixels, outChannels]),
    reshapeView(filter, [1, filterHeight * filterWidth * inChannels, outChannels]),
    false,
    true,
  );
  const tiled = transposeWasm(backend, reshapeView(taps, [batchSize, outHeight, outWidth, filterHeight, filterWidth, inChannels]), [0, 1, 3, 2, 4, 5]);
  disposeIntermediate(backend, taps);
  const usedHeight = outHeight * filterHeight;
  const usedWidth = outWidth * filterWidth;
  const dx = reshapeView(tiled, [batchSize, usedHeight, usedWidth, inChannels]);
  if (usedHeight === inHeight && usedWidth === inWidth) return dx;
  // Rows/columns past the last window get no gradient.
  const padded = padWasm(backend, dx, [
    [0, 0],
    [0, inHeight - usedHeight],
    [0, inWidth - usedWidth],
    [0, 0],
  ]);
  disposeIntermediate(backend, tiled);
  return padded;
}

/** Registers as the wasm backend's Conv2DBackpropInput, replacing the built-in one. */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
