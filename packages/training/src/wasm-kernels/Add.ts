/**
 * Add for the wasm backend, replacing the built-in one for the bias of a convolution: a float32
 * `[…, C]` tensor plus a `[C]` vector (either order), C divisible by 4 — what tfjs-layers' Conv2D adds
 * when a ReLU keeps tfjs from fusing it (fused ops are not recorded for gradients with an activation).
 * native/bias_activation.c does it in one SIMD pass split over the native threads; other float32 Adds
 * of one shape or with a channel vector run on the native threads when more than one runs, and those
 * with a scalar or a column on any thread count (Elementwise.ts); every other Add goes to the built-in kernel.
 */
import { Add, util, type BinaryInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from './native/runtime';
import { heapOffset, requireInputs, runWasmKernel } from './wasm-backend';
import { nativeBinary } from './Elementwise';

/** The tensor and the bias of a bias Add, or undefined when `a + b` is not one. */
function biasOperands(a: TensorInfo, b: TensorInfo): { x: TensorInfo; bias: TensorInfo } | undefined {
  for (const [x, bias] of [
    [a, b],
    [b, a],
  ] as const) {
    const channels = bias.shape[0] as number;
    const isBias = bias.shape.length === 1 && x.shape.length >= 2 && x.shape[x.shape.length - 1] === channels && channels % 4 === 0;
    if (isBias && x.dtype === 'float32' && bias.dtype === 'float32') return { x, bias };
  }
  return undefined;
}

function add(args: { inputs: BinaryInputs; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const { a, b } = requireInputs(Add, inputs, ['a', 'b']);
  const operands = biasOperands(a, b);
  const native = operands !== undefined ? nativeKernels(backend) : undefined;
  if (operands === undefined || native === undefined) return nativeBinary('Add', backend, a, b) ?? runWasmKernel(backend, Add, { a, b });
  const { x, bias } = operands;
  const out = backend.makeOutput(x.shape, 'float32');
  const channels = bias.shape[0] as number;
  const pixels = util.sizeFromShape(x.shape) / channels;
  native.run('bias_activation', [heapOffset(backend, x), heapOffset(backend, out), heapOffset(backend, bias), channels, 0, 0], pixels, pixels * channels);
  return out;
}

/** Registers as the wasm backend's Add (native bias adds; everything else built-in). */
export const addConfig: KernelConfig = {
  kernelName: Add,
  backendName: 'wasm',
  kernelFunc: add as unknown as KernelFunc,
};
