/**
 * Add, Sub, Multiply, Relu and Step for the wasm backend split over tfseg's native threads
 * (native/elementwise.c) when more than one runs: the built-in kernels (XNNPACK) run on one thread,
 * and with two threads the full-size elementwise kernels of a training step — a ReLU's forward and
 * gradient (`mul(dy, step(y))` inside a fused convolution's gradient), batch norm's `x − mean`, the
 * gradient sums of a tensor used twice — wait for one core. float32 operands of one shape, or one of
 * them a per-channel vector (`[C]` or `[1, …, 1, C]`) of the other's last axis; everything else, and
 * everything on one thread, goes to the built-in kernel. Each element is one IEEE operation, as in the
 * built-in kernels: the same values for any thread count. Relu and Step follow the cpu backend for
 * NaN (it stays NaN).
 */
import { Multiply, Relu, Step, Sub, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { floatBits, nativeKernels, type NativeKernels } from './native/runtime';
import { heapOffset, requireInputs, runWasmKernel } from './wasm-backend';

/** The operations of native/elementwise.c's binary_elementwise. */
const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2 } as const;

/** The native kernels when they run on more than one thread (on one, XNNPACK's kernels are as fast). */
function threadedKernels(backend: BackendWasm): NativeKernels | undefined {
  const native = nativeKernels(backend);
  return native !== undefined && native.threads > 1 ? native : undefined;
}

/** Whether `vector` is a float32 `[C]` or `[1, …, 1, C]` with C the last axis of `x` (and x larger). */
function isChannelVectorOf(vector: TensorInfo, x: TensorInfo): boolean {
  const channels = x.shape[x.shape.length - 1];
  return channels !== undefined && vector.shape.length >= 1 && vector.shape.length <= x.shape.length && vector.shape.every((dimension, axis) => dimension === (axis === vector.shape.length - 1 ? channels : 1));
}

/**
 * `a op b` on the native threads, or undefined when the operands do not fit (then the caller runs the
 * built-in kernel).
 */
export function threadedBinary(kernelName: keyof typeof BINARY_OPS, backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const native = threadedKernels(backend);
  if (native === undefined) return undefined;
  const layout = util.arraysEqual(a.shape, b.shape) ? 0 : isChannelVectorOf(b, a) ? 1 : isChannelVectorOf(a, b) ? 2 : undefined;
  if (layout === undefined) return undefined;
  const shape = layout === 2 ? b.shape : a.shape;
  const size = util.sizeFromShape(shape);
  const channels = layout === 0 ? 0 : (shape[shape.length - 1] as number);
  const out = backend.makeOutput(shape, 'float32');
  if (size > 0) native.run('binary_elementwise', [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out), BINARY_OPS[kernelName], layout, channels], layout === 0 ? size : size / channels, size);
  return out;
}

function binaryKernel(kernelName: 'Sub' | 'Multiply'): KernelFunc {
  return ((args: { inputs: NamedTensorInfoMap; backend: BackendWasm }): TensorInfo => {
    const { a, b } = requireInputs(kernelName, args.inputs, ['a', 'b']);
    return threadedBinary(kernelName, args.backend, a, b) ?? runWasmKernel(args.backend, kernelName, { a, b });
  }) as unknown as KernelFunc;
}

function unaryKernel(kernelName: 'Relu' | 'Step', op: number): KernelFunc {
  return ((args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = requireInputs(kernelName, inputs, ['x']);
    const native = x.dtype === 'float32' ? threadedKernels(backend) : undefined;
    if (native === undefined) return runWasmKernel(backend, kernelName, { x }, attrs);
    const out = backend.makeOutput(x.shape, 'float32');
    const size = util.sizeFromShape(x.shape);
    const alpha = kernelName === 'Step' ? ((attrs.alpha as number | undefined) ?? 0) : 0;
    native.run('unary_elementwise', [heapOffset(backend, x), heapOffset(backend, out), op, floatBits(alpha)], size, size);
    return out;
  }) as unknown as KernelFunc;
}

/** Registers as the wasm backend's Sub (threaded native; built-in on one thread and for other shapes). */
export const subConfig: KernelConfig = { kernelName: Sub, backendName: 'wasm', kernelFunc: binaryKernel('Sub') };
/** Registers as the wasm backend's Multiply (threaded native; built-in on one thread and for other shapes). */
export const multiplyConfig: KernelConfig = { kernelName: Multiply, backendName: 'wasm', kernelFunc: binaryKernel('Multiply') };
/** Registers as the wasm backend's Relu (threaded native; built-in on one thread and for other dtypes). */
export const reluConfig: KernelConfig = { kernelName: Relu, backendName: 'wasm', kernelFunc: unaryKernel('Relu', 0) };
/** Registers as the wasm backend's Step (threaded native; built-in on one thread and for other dtypes). */
export const stepConfig: KernelConfig = { kernelName: Step, backendName: 'wasm', kernelFunc: unaryKernel('Step', 1) };
