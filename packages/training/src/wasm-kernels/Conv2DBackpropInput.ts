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
import { forwardConvolutionInfo, fromChannelsLast, isTilingConv, toChannelsLast } from './conv-geometry';
import { conv2dWasm, disposeIntermediate, heapView, requireInputs, matMulWasm, padWasm, reshapeView, transposeWasm } from './wasm-backend';

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
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const swapped = flipAndSwapFilter(backend, filter);
  const strided = strideHeight > 1 || strideWidth > 1;
  const spread = strided
    ? reshapeView(
        padWasm(backend, reshapeView(dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]), [
          [0, 0],
          [0, 0],
          [0, strideHeight - 1],
          [0, 0],
          [0, strideWidth - 1],
          [0, 0],
        ]),
        [batchSize, outHeight * strideHeight, outWidth * strideWidth, outChannels],
      )
    : dy;
  const top = filterHeight - 1 - padInfo.top;
  const left = filterWidth - 1 - padInfo.left;
  const padding = {
    top,
    bottom: inHeight - outHeight * strideHeight - top + filterHeight - 1,
    left,
    right: inWidth - outWidth * strideWidth - left + filterWidth - 1,
  };
  const dx = conv2dWasm(backend, spread, swapped, padding, [1, 1], [1, 1]);
  disposeIntermediate(backend, swapped);
  if (strided) disposeIntermediate(backend, spread);
  return dx;
}

/**
 * W[KH, KW, Ci, Co] → W'[kh, kw, co, ci] = W[KH−1−kh, KW−1−kw, ci, co], in one pass over the wasm heap
 * (the built-in Reverse + Transpose take ~10 ms for a 3×3×128×128 filter, more than the conv itself).
 */
function flipAndSwapFilter(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [height, width, inChannels, outChannels] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([height, width, outChannels, inChannels], 'float32');
  const source = heapView(backend, filter);
  const target = heapView(backend, out);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const from = ((height - 1 - row) * width + (width - 1 - column)) * inChannels * outChannels;
      const to = (row * width + column) * outChannels * inChannels;
      for (let ci = 0; ci < inChannels; ci++) {
        for (let co = 0; co < outChannels; co++) target[to + co * inChannels + ci] = source[from + ci * outChannels + co] as number;
      }
    }
  }
  return out;
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
