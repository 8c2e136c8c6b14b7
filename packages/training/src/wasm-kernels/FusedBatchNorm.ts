/**
 * FusedBatchNorm (tf.batchNorm) for the wasm backend: `(x − mean)·scale/√(variance + ε) + offset` over
 * the last axis. The built-in kernel is a scalar loop on one thread; native/batch_norm.c does it in one
 * SIMD pass over rows split among the native threads (every element computed the same way on any
 * thread: the same bits for any thread count). Native when x is float32 and mean, variance, scale and
 * offset are per-channel vectors (`[C]` or `[1, …, 1, C]`, what tfjs-layers' BatchNormalization
 * passes) with at most {@link BATCH_NORM_MAX_CHANNELS} channels; everything else goes to the built-in kernel.
 */
import { FusedBatchNorm, util, type FusedBatchNormAttrs, type FusedBatchNormInputs, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, requireInputs, runWasmKernel } from './wasm-backend';
import { floatBits, nativeKernels } from './native/runtime';

/** The most channels native/batch_norm.c keeps per-channel factors for on its stack (MAX_CHANNELS there). */
export const BATCH_NORM_MAX_CHANNELS = 4096;

/** Whether `parameter` is absent or a float32 per-channel vector of x's last axis (`[C]`, `[1, …, 1, C]`). */
export function isChannelVector(parameter: TensorInfo | undefined, channels: number): boolean {
  if (parameter === undefined) return true;
  const { shape } = parameter;
  return parameter.dtype === 'float32' && shape.length >= 1 && shape.every((dimension, axis) => dimension === (axis === shape.length - 1 ? channels : 1));
}

/** The channel count when batch norm of `x` with these parameters can run natively, else undefined. */
export function nativeBatchNormChannels(x: TensorInfo, parameters: readonly (TensorInfo | undefined)[]): number | undefined {
  const channels = x.shape[x.shape.length - 1];
  if (x.dtype !== 'float32' || channels === undefined || channels < 1 || channels > BATCH_NORM_MAX_CHANNELS) return undefined;
  return parameters.every((parameter) => isChannelVector(parameter, channels)) ? channels : undefined;
}

function fusedBatchNorm(args: { inputs: FusedBatchNormInputs; backend: BackendWasm; attrs: FusedBatchNormAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, mean, variance } = requireInputs(FusedBatchNorm, inputs, ['x', 'mean', 'variance']);
  const { scale, offset } = inputs;
  const channels = nativeBatchNormChannels(x, [mean, variance, scale, offset]);
  const native = channels !== undefined ? nativeKernels(backend) : undefined;
  if (native === undefined || channels === undefined) return runWasmKernel(backend, FusedBatchNorm, inputs as never, attrs as unknown as NamedAttrMap);
  const out = backend.makeOutput(x.shape, 'float32');
  const size = util.sizeFromShape(x.shape);
  const rows = size / channels;
  const pointer = (info: TensorInfo | undefined): number => (info === undefined ? 0 : heapOffset(backend, info));
  native.run(
    'batch_norm_apply',
    [heapOffset(backend, x), heapOffset(backend, out), pointer(mean), pointer(variance), pointer(scale), pointer(offset), rows, channels, floatBits(attrs.varianceEpsilon), 0],
    rows,
    size,
  );
  return out;
}

/** Registers as the wasm backend's FusedBatchNorm (native per-channel batch norm; the rest built-in). */
export const fusedBatchNormConfig: KernelConfig = {
  kernelName: FusedBatchNorm,
  backendName: 'wasm',
  kernelFunc: fusedBatchNorm as unknown as KernelFunc,
};
