/**
 * Identity for the wasm backend without a copy. tfjs-backend-wasm 4.22's Identity allocates a new
 * tensor and copies the data, and the engine runs Identity for every `tf.clone`, `keep`, gradient of a
 * reshape, variable read and custom-gradient output: ~580 calls in one training step of the `small`
 * U-Net, 40 of them copies of a whole [4, 64, 64, 16] activation. Tensors are immutable in tfjs (no
 * wasm kernel, built-in or tfseg's, writes into its inputs), so like the cpu and webgl backends this
 * one shares the data and counts a reference, as the wasm backend's own Reshape does. Strings keep the
 * built-in kernel.
 */
import { Identity, type IdentityInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInputs, runWasmKernel, shareData } from './wasm-backend';

function identity(args: { inputs: IdentityInputs; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const { x } = requireInputs(Identity, inputs, ['x']);
  if (x.dtype === 'string') return runWasmKernel(backend, Identity, { x });
  return shareData(backend, x);
}

/** Registers as the wasm backend's Identity (shares the data; strings built-in). */
export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelFunc,
};
