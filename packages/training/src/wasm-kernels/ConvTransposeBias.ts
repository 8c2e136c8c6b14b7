/**
 * `TfsegConv2DTransposeBias`, the forward pass of @tfseg/models' one-operation transposed convolution +
 * bias (`conv2dTransposeBias`, which its Conv2DTranspose layer runs in training), on the wasm backend:
 * this package's Conv2DBackpropInput kernel (what tfjs' conv2dTranspose runs), then its Add (Add.ts: one
 * native/bias_activation.c pass, here in place on the convolution's output) — the kernels of tfjs-layers'
 * pass, so the same bits, without its Reshape of the bias and with one tape operation instead of three.
 */
import { Add, Conv2DBackpropInput, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { CONV2D_TRANSPOSE_BIAS, type Conv2DTransposeBiasAttrs } from '@tfseg/models';
import { nativeKernels } from './native/runtime';
import { disposeIntermediate, heapOffset, registeredWasmKernel, requireInputs } from './wasm-backend';

function conv2dTransposeBias(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: Conv2DTransposeBiasAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias } = requireInputs(CONV2D_TRANSPOSE_BIAS, inputs, ['x', 'filter', 'bias']);
  const channels = attrs.inputShape[3];
  if (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== channels) {
    throw new Error(`Error in ${CONV2D_TRANSPOSE_BIAS}: expected a float32 bias [${channels}] for the output [${attrs.inputShape.join(', ')}], but got ${bias.dtype} [${bias.shape.join(', ')}]`);
  }
  const convolution = { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', inputShape: attrs.inputShape } as unknown as NamedAttrMap;
  const y = registeredWasmKernel(CONV2D_TRANSPOSE_BIAS, Conv2DBackpropInput)({ inputs: { dy: x, filter }, backend, attrs: convolution });
  // native/bias_activation.c, which the registered Add runs for a float32 [C] bias with C divisible by 4,
  // here in place on the convolution's own output (no second buffer to fill); the same bits.
  const native = y.dtype === 'float32' && channels % 4 === 0 ? nativeKernels(backend) : undefined;
  if (native !== undefined) {
    const pixels = util.sizeFromShape(y.shape) / channels;
    native.run('bias_activation', [heapOffset(backend, y), heapOffset(backend, y), heapOffset(backend, bias), channels, 0, 0], pixels, pixels * channels);
    return y;
  }
  const out = registeredWasmKernel(CONV2D_TRANSPOSE_BIAS, Add)({ inputs: { a: y, b: bias }, backend });
  disposeIntermediate(backend, y);
  return out;
}

/** Registers `TfsegConv2DTransposeBias` (@tfseg/models' CONV2D_TRANSPOSE_BIAS) for the wasm backend. */
export const conv2dTransposeBiasConfig: KernelConfig = {
  kernelName: CONV2D_TRANSPOSE_BIAS,
  backendName: 'wasm',
  kernelFunc: conv2dTransposeBias as unknown as KernelFunc,
};
