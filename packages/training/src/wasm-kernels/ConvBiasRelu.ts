/**
 * The two kernels of @tfseg/models' one-operation conv + bias + ReLU (`conv2dBiasRelu`, which its Conv2D
 * layer runs) on the wasm backend:
 *
 * - `TfsegConv2DBiasRelu` (forward): this package's FusedConv2D with `activation: 'relu'` — the native
 *   convolution, then bias and ReLU in one pass (bias_activation). The same bits as the Conv2D, bias Add
 *   and Relu kernels tfjs runs under a gradient tape: the same convolution, then float32 z + b and
 *   max(·, 0).
 * - `TfsegConv2DBiasReluGrad`: dz = dy·step(y) and dbias = Σ dz per channel in one pass
 *   (native/bias_relu_grad.c), the arithmetic and order of TfsegReluGrad and this package's Sum, so the
 *   same bits as tfjs' Relu and Add gradients; threads split the channels.
 *
 * Where the native convolution does not apply (native kernels off, output channels not divisible by 4),
 * the forward pass runs the Conv2D, Add and Relu kernels that tfjs runs, and the gradient JS loops that
 * compute the same as the native kernel.
 */
import { Add, backend_util, Conv2D, FusedConv2D, Relu, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { CONV2D_BIAS_RELU, CONV2D_BIAS_RELU_GRAD, type Conv2DBiasReluAttrs } from '@tfseg/models';
import { nativeKernelsForConvolution } from './Conv2D';
import { step } from './ElementwiseGrad';
import { floatBits, nativeKernels } from './native/runtime';
import { disposeIntermediate, float32Views, heapOffset, registeredWasmKernel, requireInputs } from './wasm-backend';

function conv2dBiasRelu(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: Conv2DBiasReluAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias } = requireInputs(CONV2D_BIAS_RELU, inputs, ['x', 'filter', 'bias']);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad);
  const plainBias = bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === info.outChannels;
  if (plainBias && nativeKernelsForConvolution(backend, x, filter, info) !== undefined) {
    const fused = { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu' };
    return registeredWasmKernel(CONV2D_BIAS_RELU, FusedConv2D)({ inputs: { x, filter, bias }, backend, attrs: fused as unknown as NamedAttrMap });
  }
  // Where the native convolution does not apply: the kernels tfjs runs under a gradient tape, so the same bits.
  const z = registeredWasmKernel(CONV2D_BIAS_RELU, Conv2D)({ inputs: { x, filter }, backend, attrs: { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as NamedAttrMap });
  const shifted = registeredWasmKernel(CONV2D_BIAS_RELU, Add)({ inputs: { a: z, b: bias }, backend });
  disposeIntermediate(backend, z);
  const y = registeredWasmKernel(CONV2D_BIAS_RELU, Relu)({ inputs: { x: shifted }, backend });
  disposeIntermediate(backend, shifted);
  return y;
}

/**
 * Up to this many elements (512 KiB per tensor) the gradient is one pass (bias_relu_grad, each thread's
 * column groups over all rows: y, dy and dz stay in L2 while the groups re-read them); above it, as in a
 * 4×128×128×16 layer, where that pass took 1.7× the time of the two below, relu_grad streams dz by
 * elements and sum_leading sums its columns — the same operations in the same order, so the same bits.
 */
const FUSED_PASS_MAX_ELEMENTS = 1 << 17;

function conv2dBiasReluGrad(args: { inputs: NamedTensorInfoMap; backend: BackendWasm }): TensorInfo[] {
  const { inputs, backend } = args;
  const { y, dy } = requireInputs(CONV2D_BIAS_RELU_GRAD, inputs, ['y', 'dy']);
  const columns = y.shape[y.shape.length - 1] ?? 0;
  if (y.dtype !== 'float32' || dy.dtype !== 'float32' || y.shape.length < 2 || columns === 0 || !util.arraysEqual(y.shape, dy.shape)) {
    throw new Error(`Error in ${CONV2D_BIAS_RELU_GRAD}: expected float32 y and dy of one shape [..., C] (C > 0), but got y ${y.dtype} [${y.shape.join(', ')}] and dy ${dy.dtype} [${dy.shape.join(', ')}]`);
  }
  const size = util.sizeFromShape(y.shape);
  const rows = size / columns;
  const dz = backend.makeOutput(y.shape, 'float32');
  const dbias = backend.makeOutput([columns], 'float32');
  const native = nativeKernels(backend);
  if (native !== undefined) {
    if (size <= FUSED_PASS_MAX_ELEMENTS) {
      native.run('bias_relu_grad', [heapOffset(backend, y), heapOffset(backend, dy), heapOffset(backend, dz), heapOffset(backend, dbias), rows, columns], Math.ceil(columns / 4), size);
    } else {
      // Larger than L2: dz streamed by elements (relu_grad of y: step(y) = step(z + b)), then the column sums.
      native.run('relu_grad', [heapOffset(backend, y), heapOffset(backend, dy), heapOffset(backend, dz)], size, size);
      native.run('sum_leading', [heapOffset(backend, dz), heapOffset(backend, dbias), rows, columns, floatBits(1)], Math.ceil(columns / 4), size);
    }
    return [dz, dbias];
  }
  const [ys, gs, out, sums] = float32Views(backend, [y, dy, dz, dbias] as const);
  const f = Math.fround;
  for (let c = 0; c < columns; c++) {
    let acc = 0;
    for (let row = 0; row < rows; row++) {
      const i = row * columns + c;
      const v = ys[i] as number;
      const g = f((gs[i] as number) * step(v));
      out[i] = g;
      acc = f(acc + g);
    }
    sums[c] = acc;
  }
  return [dz, dbias];
}

/** Registers `TfsegConv2DBiasRelu` (@tfseg/models' CONV2D_BIAS_RELU) for the wasm backend. */
export const conv2dBiasReluConfig: KernelConfig = {
  kernelName: CONV2D_BIAS_RELU,
  backendName: 'wasm',
  kernelFunc: conv2dBiasRelu as unknown as KernelFunc,
};

/** Registers `TfsegConv2DBiasReluGrad` (@tfseg/models' CONV2D_BIAS_RELU_GRAD) for the wasm backend. */
export const conv2dBiasReluGradConfig: KernelConfig = {
  kernelName: CONV2D_BIAS_RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: conv2dBiasReluGrad as unknown as KernelFunc,
};
