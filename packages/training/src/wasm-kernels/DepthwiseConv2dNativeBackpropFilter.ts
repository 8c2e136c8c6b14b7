/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend, which has none.
 *
 * With tfseg's native kernels on and a depthwise convolution they take (float32, multiplier 1, no
 * dilation: DepthwiseConv2dNative.ts), native/depthwise_conv2d.c sums x·dy over every pixel per filter
 * tap, taps split over the native threads. Otherwise:
 *
 * dW[kh, kw, c, m] = Σ_{b, oh, ow} x[b, oh·s + kh·d − top, ow·s + kw·d − left, c] · dy[b, oh, ow, c·M + m]
 * is a depthwise convolution once the batch joins the channels: the input x as `[1, H, W, B·C]`, the
 * filter dy as `[OH, OW, B·C, M]` (channel multiplier M), stride d and dilation s (roles swapped) give
 * `[1, KH, KW, B·C·M]`; summing over the batch leaves the filter gradient. One XNNPACK call.
 */
import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeDepthwiseGeometry } from './DepthwiseConv2dNative';
import { conv2dWasm, disposeIntermediate, heapOffset, requireInputs, reshapeView, runWasmKernel, transposeWasm } from './wasm-backend';

function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: DepthwiseConv2dNativeBackpropFilterInputs;
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = requireInputs(DepthwiseConv2dNativeBackpropFilter, inputs, ['x', 'dy']);
  const { filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const [filterHeight, filterWidth, channels, multiplier] = filterShape;
  const nativeCall = nativeDepthwiseGeometry(backend, info, [x.dtype, dy.dtype]);
  if (nativeCall !== undefined) {
    const dw = backend.makeOutput(filterShape, 'float32');
    const taps = filterHeight * filterWidth;
    nativeCall.native.run('depthwise_conv2d_backprop_filter', [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dw), ...nativeCall.geometry], taps, taps * batchSize * outHeight * outWidth * channels);
    return dw;
  }
  const xSwapped = transposeWasm(backend, x, [1, 2, 0, 3]);
  const dySwapped = transposeWasm(backend, dy, [1, 2, 0, 3]);
  const neededHeight = (outHeight - 1) * strideHeight + info.effectiveFilterHeight;
  const neededWidth = (outWidth - 1) * strideWidth + info.effectiveFilterWidth;
  const padding = { top: padInfo.top, bottom: neededHeight - padInfo.top - inHeight, left: padInfo.left, right: neededWidth - padInfo.left - inWidth };
  const perBatch = conv2dWasm(
    backend,
    reshapeView(xSwapped, [1, inHeight, inWidth, batchSize * channels]),
    reshapeView(dySwapped, [outHeight, outWidth, batchSize * channels, multiplier]),
    padding,
    [dilationHeight, dilationWidth],
    [strideHeight, strideWidth],
    true,
  );
  disposeIntermediate(backend, xSwapped);
  disposeIntermediate(backend, dySwapped);
  if (batchSize === 1) return reshapeView(perBatch, filterShape);
  const dw = runWasmKernel(backend, 'Sum', { x: reshapeView(perBatch, [filterHeight, filterWidth, batchSize, channels * multiplier]) }, { axis: [2], keepDims: false });
  disposeIntermediate(backend, perBatch);
  return reshapeView(dw, filterShape);
}

/** Registers as the wasm backend's DepthwiseConv2dNativeBackpropFilter. */
export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
