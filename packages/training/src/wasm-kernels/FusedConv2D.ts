/**
 * FusedConv2D (conv + bias + activation, what tfjs-layers' Conv2D runs) for the wasm backend: where
 * tfseg's native kernels take the convolution (see Conv2D.ts) it runs there, then
 * native/bias_activation.c adds the bias and applies linear, relu, relu6 or leaky relu in place. Other
 * activations (prelu, elu, sigmoid), NCHW, dilations and every case where the native kernels do not
 * run go to the built-in XNNPACK kernel, with explicit padding (its own 'same' is wrong for even filters
 * with strides > 1 in tfjs-backend-wasm 4.22).
 */
import { backend_util, FusedConv2D, type FusedConv2DAttrs, type FusedConv2DInputs, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { floatBits } from './native/runtime';
import { heapOffset, requireInputs, runWasmKernel } from './wasm-backend';
import { nativeConv2d, nativeKernelsForConvolution } from './Conv2D';
import { explicitPadding } from './conv-geometry';
import { nativePointwiseConv2d } from './edge-convolutions';

/** Activation codes of native/bias_activation.c (also FusedMatMul.ts'). */
export const activationCodes: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3 };

function fusedConv2d(args: { inputs: FusedConv2DInputs; backend: BackendWasm; attrs: FusedConv2DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = requireInputs(FusedConv2D, inputs as unknown as NamedTensorInfoMap, ['x', 'filter']);
  const { bias, preluActivationWeights } = inputs;
  const activation = activationCodes[attrs.activation ?? 'linear'];
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, backend_util.convertConv2DDataFormat(attrs.dataFormat));
  const plainBias = bias === undefined || (bias.shape.length === 1 && bias.shape[0] === info.outChannels && bias.dtype === 'float32');
  const epilogueApplies = activation !== undefined && preluActivationWeights === undefined && plainBias && info.dataFormat === 'channelsLast';
  const native = epilogueApplies ? nativeKernelsForConvolution(backend, x, filter, info) : undefined;
  const padding = explicitPadding(info);
  const { top, bottom, left, right } = padding;
  // A 1×1 head to a few (not 4k) channels: XNNPACK's bits on a native kernel.
  const pointwise = activation === 0 && preluActivationWeights === undefined ? nativePointwiseConv2d(backend, x, filter, bias, info) : undefined;
  if (pointwise !== undefined) return pointwise;
  if (native === undefined || activation === undefined) {
    // Explicit padding: the built-in kernel computes 'same' wrongly for even filters with strides > 1.
    const pad = info.dataFormat === 'channelsLast' ? [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]] : attrs.pad;
    return runWasmKernel(backend, FusedConv2D, inputs as unknown as NamedTensorInfoMap, { ...attrs, pad } as unknown as NamedAttrMap);
  }
  const out = nativeConv2d(backend, native, x, filter, padding, [info.strideHeight, info.strideWidth]);
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  if (bias !== undefined || activation !== 0) {
    const epilogue = [heapOffset(backend, out), heapOffset(backend, out), bias === undefined ? 0 : heapOffset(backend, bias), info.outChannels, activation, floatBits(attrs.leakyreluAlpha ?? 0.2)];
    native.run('bias_activation', epilogue, pixels, pixels * info.outChannels);
  }
  return out;
}

/** Registers as the wasm backend's FusedConv2D (native where it applies, XNNPACK otherwise). */
export const fusedConv2DConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: 'wasm',
  kernelFunc: fusedConv2d as unknown as KernelFunc,
};
