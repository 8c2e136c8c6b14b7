/**
 * DepthwiseConv2dNative for the wasm backend, replacing the built-in one (XNNPACK on one thread): with
 * tfseg's native kernels on, a float32 NHWC depthwise convolution with channel multiplier 1 and no
 * dilation (ConvFormer's 7×7 token mixer) runs in native/depthwise_conv2d.c, output rows split over the
 * native threads. Other NHWC convolutions go to XNNPACK with explicit padding (the built-in kernel
 * computes 'same' padding wrongly for even filters with strides > 1 and returns zeros there), NCHW to
 * the built-in kernel. The two gradient kernels
 * (DepthwiseConv2dNativeBackpropInput.ts, …Filter.ts) use the same geometry and applicability.
 */
import {
  backend_util,
  DepthwiseConv2dNative,
  type DepthwiseConv2dNativeAttrs,
  type DepthwiseConv2dNativeInputs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, type NativeKernels } from './native/runtime';
import { conv2dWasm, heapOffset, requireInputs, runWasmKernel } from './wasm-backend';

/** Channels the native filter gradient keeps on its stack (native/depthwise_conv2d.c's DEPTHWISE_MAX_CHANNELS). */
const MAX_NATIVE_CHANNELS = 8192;
/** Filter rows and columns the native input gradient's tap tables hold (native/depthwise_conv2d.c's DEPTHWISE_MAX_TAPS). */
const MAX_NATIVE_TAPS = 64;

/**
 * The native kernels and the 12 geometry slots of native/depthwise_conv2d.c (batch, in_h, in_w, channels,
 * out_h, out_w, k_h, k_w, stride_h, stride_w, pad_top, pad_left) when they take the depthwise convolution
 * `info` (float32, multiplier 1, no dilation, NHWC, filters up to 64 × 64), else undefined.
 */
export function nativeDepthwiseGeometry(backend: BackendWasm, info: backend_util.Conv2DInfo, dtypes: readonly string[]): { native: NativeKernels; geometry: number[] } | undefined {
  const applies =
    dtypes.every((dtype) => dtype === 'float32') &&
    info.dataFormat === 'channelsLast' &&
    info.outChannels === info.inChannels &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.inChannels <= MAX_NATIVE_CHANNELS &&
    info.filterHeight <= MAX_NATIVE_TAPS &&
    info.filterWidth <= MAX_NATIVE_TAPS;
  const native = applies ? nativeKernels(backend) : undefined;
  if (native === undefined) return undefined;
  const geometry = [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
  return { native, geometry };
}

function depthwiseConv2dNative(args: { inputs: DepthwiseConv2dNativeInputs; backend: BackendWasm; attrs: DepthwiseConv2dNativeAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = requireInputs(DepthwiseConv2dNative, inputs, ['x', 'filter']);
  // tfjs-layers passes dilations (and may pass the data format) as null for the defaults.
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
  const dilations = attrs.dilations ?? 1;
  const info =
    x.shape.length === 4 && filter.shape.length === 4
      ? backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs.strides, dilations, attrs.pad, attrs.dimRoundingMode, true, dataFormat)
      : undefined;
  const nativeCall = info === undefined ? undefined : nativeDepthwiseGeometry(backend, info, [x.dtype, filter.dtype]);
  if (info === undefined || info.dataFormat !== 'channelsLast') return runWasmKernel(backend, DepthwiseConv2dNative, { x, filter }, attrs as unknown as NamedAttrMap);
  if (nativeCall === undefined) {
    const { top, bottom, left, right } = info.padInfo;
    return conv2dWasm(backend, x, filter, { top, bottom, left, right }, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], true);
  }
  const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32');
  const rows = info.batchSize * info.outHeight;
  nativeCall.native.run('depthwise_conv2d', [heapOffset(backend, x), heapOffset(backend, filter), heapOffset(backend, out), ...nativeCall.geometry], rows, rows * info.outWidth * info.outChannels * info.filterHeight * info.filterWidth);
  return out;
}

/** Registers as the wasm backend's DepthwiseConv2dNative (native where it applies, XNNPACK otherwise). */
export const depthwiseConv2dNativeConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNative,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNative as unknown as KernelFunc,
};
