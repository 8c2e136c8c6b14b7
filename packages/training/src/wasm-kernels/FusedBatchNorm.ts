/**
 * FusedBatchNorm (tf.batchNorm) for the wasm backend: `(x − mean)·scale/√(variance + ε) + offset` over
 * the last axis. The built-in kernel is a scalar loop on one thread; native/batch_norm.c does it in one
 * SIMD pass over rows split among the native threads (every element computed the same way on any
 * thread: the same bits for any thread count). Native when x is float32 and mean, variance, scale and
 * offset are per-channel vectors (`[C]` or `[1, …, 1, C]`, what tfjs-layers' BatchNormalization
 * passes) with at most {@link BATCH_NORM_MAX_CHANNELS} channels; everything else goes to the built-in kernel.
 *
 * `TfsegBatchNormRelu` (@tfseg/models' BATCH_NORM_RELU: a BatchNormalization → ReLU pair in inference) is
 * the same pass ending in ReLU (batch_norm_apply's `relu`: unary_elementwise's arithmetic), so the same bits
 * as FusedBatchNorm then Relu with one full-size pass and one kernel fewer; without the native kernels it
 * runs the registered FusedBatchNorm and Relu.
 */
import { FusedBatchNorm, Relu, util, type FusedBatchNormAttrs, type FusedBatchNormInputs, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_NORM_RELU } from '@tfseg/models';
import { disposeIntermediate, heapOffset, registeredWasmKernel, requireInputs, runWasmKernel } from './wasm-backend';
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

type BatchNormArgs = { inputs: FusedBatchNormInputs; backend: BackendWasm; attrs: FusedBatchNormAttrs };

function fusedBatchNorm(args: BatchNormArgs): TensorInfo {
  return nativeBatchNorm(FusedBatchNorm, args, false) ?? runWasmKernel(args.backend, FusedBatchNorm, args.inputs as never, args.attrs as unknown as NamedAttrMap);
}

/** relu(FusedBatchNorm): one native pass, or the registered FusedBatchNorm then Relu. */
function batchNormRelu(args: BatchNormArgs): TensorInfo {
  const normalised = nativeBatchNorm(BATCH_NORM_RELU, args, true);
  if (normalised !== undefined) return normalised;
  const y = registeredWasmKernel(BATCH_NORM_RELU, FusedBatchNorm)(args as never);
  const out = registeredWasmKernel(BATCH_NORM_RELU, Relu)({ inputs: { x: y }, backend: args.backend });
  disposeIntermediate(args.backend, y);
  return out;
}

/** batch_norm_apply's one pass (with `relu`: ending in ReLU), or undefined when it cannot run natively. */
function nativeBatchNorm(kernelName: string, args: BatchNormArgs, relu: boolean): TensorInfo | undefined {
  const { inputs, backend, attrs } = args;
  const { x, mean, variance } = requireInputs(kernelName, inputs, ['x', 'mean', 'variance']);
  const { scale, offset } = inputs;
  const channels = nativeBatchNormChannels(x, [mean, variance, scale, offset]);
  const native = channels !== undefined ? nativeKernels(backend) : undefined;
  if (native === undefined || channels === undefined) return undefined;
  const out = backend.makeOutput(x.shape, 'float32');
  const size = util.sizeFromShape(x.shape);
  const rows = size / channels;
  const pointer = (info: TensorInfo | undefined): number => (info === undefined ? 0 : heapOffset(backend, info));
  native.run(
    'batch_norm_apply',
    [heapOffset(backend, x), heapOffset(backend, out), pointer(mean), pointer(variance), pointer(scale), pointer(offset), rows, channels, floatBits(attrs.varianceEpsilon), relu ? 1 : 0],
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

/** Registers `TfsegBatchNormRelu` (@tfseg/models' BATCH_NORM_RELU) for the wasm backend. */
export const batchNormReluConfig: KernelConfig = {
  kernelName: BATCH_NORM_RELU,
  backendName: 'wasm',
  kernelFunc: batchNormRelu as unknown as KernelFunc,
};
