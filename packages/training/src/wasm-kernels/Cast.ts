/**
 * Cast for the wasm backend without a copy when the dtype does not change. tfjs-core casts float32 to
 * float32 in every `tf.moments` (so in every training-time batch norm) and in the gradients of ReLU and
 * Square, and tfjs-backend-wasm 4.22's Cast always allocates and copies: here, like the cpu backend and
 * this package's Identity, the output shares the input's data and counts a reference (tensors are
 * immutable in tfjs). Casts to another dtype, and strings, keep the built-in kernel.
 */
import { Cast, type CastAttrs, type CastInputs, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInputs, runWasmKernel, shareData } from './wasm-backend';

function cast(args: { inputs: CastInputs; backend: BackendWasm; attrs: CastAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = requireInputs(Cast, inputs, ['x']);
  if (x.dtype !== attrs.dtype || x.dtype === 'string') return runWasmKernel(backend, Cast, { x }, attrs as unknown as NamedAttrMap);
  return shareData(backend, x);
}

/** Registers as the wasm backend's Cast (same-dtype casts share the data; the rest built-in). */
export const castConfig: KernelConfig = {
  kernelName: Cast,
  backendName: 'wasm',
  kernelFunc: cast as unknown as KernelFunc,
};
