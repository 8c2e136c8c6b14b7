/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend, which has none (ConvFormer's 7×7 depthwise
 * token mixer cannot train on wasm without it).
 *
 * With tfseg's native kernels on and a depthwise convolution they take (float32, multiplier 1, no
 * dilation: DepthwiseConv2dNative.ts), native/depthwise_conv2d.c sums each input pixel's taps directly,
 * input rows split over the native threads. Otherwise, with filter W[KH, KW, C, M] (M the channel multiplier) and dy[B, OH, OW, C·M], dx is a depthwise
 * convolution of dy (zero-spread by the stride) with the spatially flipped filter viewed as
 * `[KH, KW, C·M, 1]`, padded by K − 1 − pad and dilated like the forward pass, on XNNPACK; with M > 1 the
 * M outputs of each input channel are then summed.
 */
import {
  backend_util,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { flipFilter, spreadByStride, transposedConvolutionPadding } from './conv-geometry';
import { nativeDepthwiseGeometry } from './DepthwiseConv2dNative';
import { conv2dWasm, disposeIntermediate, heapOffset, requireInputs, reshapeView, runWasmKernel } from './wasm-backend';

function depthwiseConv2dNativeBackpropInput(args: {
  inputs: DepthwiseConv2dNativeBackpropInputInputs;
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = requireInputs(DepthwiseConv2dNativeBackpropInput, inputs, ['dy', 'filter']);
  const info = backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
  const [filterHeight, filterWidth, channels, multiplier] = filter.shape as [number, number, number, number];
  const nativeCall = nativeDepthwiseGeometry(backend, info, [dy.dtype, filter.dtype]);
  if (nativeCall !== undefined) {
    const dx = backend.makeOutput(attrs.inputShape, 'float32');
    const rows = info.batchSize * info.inHeight;
    nativeCall.native.run('depthwise_conv2d_backprop_input', [heapOffset(backend, dy), heapOffset(backend, filter), heapOffset(backend, dx), ...nativeCall.geometry], rows, rows * info.inWidth * channels * filterHeight * filterWidth);
    return dx;
  }
  const flipped = flipFilter(backend, filter, false);
  const spread = spreadByStride(backend, dy, info.strideHeight, info.strideWidth);
  const perOutput = conv2dWasm(
    backend,
    spread,
    reshapeView(flipped, [filterHeight, filterWidth, channels * multiplier, 1]),
    transposedConvolutionPadding(info),
    [1, 1],
    [info.dilationHeight, info.dilationWidth],
    true,
  );
  disposeIntermediate(backend, flipped);
  if (spread !== dy) disposeIntermediate(backend, spread);
  if (multiplier === 1) return perOutput;
  const { batchSize, inHeight, inWidth } = info;
  const dx = runWasmKernel(backend, 'Sum', { x: reshapeView(perOutput, [batchSize, inHeight, inWidth, channels, multiplier]) }, { axis: [4], keepDims: false });
  disposeIntermediate(backend, perOutput);
  return dx;
}

/** Registers as the wasm backend's DepthwiseConv2dNativeBackpropInput. */
export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
