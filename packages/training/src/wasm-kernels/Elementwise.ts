/**
 * Add, Sub, Multiply, Maximum, GreaterEqual, Relu and Step for the wasm backend on tfseg's native kernels
 * (native/elementwise.c). Split over the native threads when more than one runs: the built-in kernels
 * (XNNPACK) run on one thread, and with two threads the full-size elementwise kernels of a training step —
 * a ReLU's forward and gradient (`mul(dy, step(y))` inside a fused convolution's gradient), batch norm's
 * `x − mean`, the gradient sums of a tensor used twice — wait for one core. float32 operands of one shape,
 * or one of them a per-channel vector (`[C]` or `[1, …, 1, C]`) of the other's last axis, go native on
 * more than one thread (on one, XNNPACK's kernels are as fast). On any thread count: one operand a scalar
 * or a column (`[…, 1]` beside `[…, C]`), which the built-in kernels broadcast 3–8× slower than a pass
 * over memory (a softmax gradient's `Σ_c · p`, log-softmax's `x − max`, a loss's `p · κ`; [16384, 5], one
 * thread: 0.25 ms), and Maximum and GreaterEqual in every layout above (the clipped log of the
 * probabilities' losses: `max(p, ε)` 0.46 ms, `p ≥ ε` 0.53 ms). Everything else goes to the built-in
 * kernel. Each element is one IEEE operation, as in the built-in kernels: the same values for any thread
 * count. Maximum is XNNPACK's on an x86 host (`a < b ? b : a`: a NaN in a is kept, one in b is not; the
 * ARM build of XNNPACK returns NaN for both, which only NaN inputs can tell apart). Relu and Step follow
 * the cpu backend for NaN (it stays NaN).
 */
import { GreaterEqual, Maximum, Multiply, Relu, Step, Sub, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { floatBits, nativeKernels, type NativeKernels } from './native/runtime';
import { heapOffset, requireInputs, runWasmKernel } from './wasm-backend';

/** The operations of native/elementwise.c's binary_elementwise. */
const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, Maximum: 3, GreaterEqual: 4 } as const;
/** Its operand layouts. */
const Layout = { Same: 0, VectorB: 1, VectorA: 2, ColumnB: 3, ColumnA: 4, ScalarB: 5, ScalarA: 6 } as const;
type Layout = (typeof Layout)[keyof typeof Layout];

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

/** Whether `column` is `[…, 1]` with x's leading axes and x's last axis longer than 1. */
function isColumnOf(column: TensorInfo, x: TensorInfo): boolean {
  const rank = x.shape.length;
  return rank >= 1 && column.shape.length === rank && (x.shape[rank - 1] as number) > 1 && column.shape.every((dimension, axis) => dimension === (axis === rank - 1 ? 1 : x.shape[axis]));
}

/** Whether `scalar` holds one element and broadcasts to x's shape unchanged (x larger). */
function isScalarOf(scalar: TensorInfo, x: TensorInfo): boolean {
  return scalar.shape.length <= x.shape.length && util.sizeFromShape(scalar.shape) === 1 && util.sizeFromShape(x.shape) > 1;
}

/** The layouts every thread count runs natively (the built-in kernels broadcast these slowly). */
function broadcastLayout(a: TensorInfo, b: TensorInfo): Layout | undefined {
  if (isScalarOf(b, a)) return Layout.ScalarB;
  if (isScalarOf(a, b)) return Layout.ScalarA;
  if (isColumnOf(b, a)) return Layout.ColumnB;
  if (isColumnOf(a, b)) return Layout.ColumnA;
  return undefined;
}

/** The layouts native on more than one thread (one thread: XNNPACK's Add, Sub and Multiply are as fast). */
function elementwiseLayout(a: TensorInfo, b: TensorInfo): Layout | undefined {
  if (util.arraysEqual(a.shape, b.shape)) return Layout.Same;
  if (isChannelVectorOf(b, a)) return Layout.VectorB;
  if (isChannelVectorOf(a, b)) return Layout.VectorA;
  return undefined;
}

/**
 * `a op b` on the native kernels (see the file's comment for which layouts on which thread counts), or
 * undefined when they do not take it (then the caller runs the built-in kernel).
 */
export function nativeBinary(kernelName: keyof typeof BINARY_OPS, backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const native = nativeKernels(backend);
  if (native === undefined) return undefined;
  const everyLayout = kernelName === 'Maximum' || kernelName === 'GreaterEqual';
  let layout: Layout | undefined = broadcastLayout(a, b);
  if (layout === undefined && (everyLayout || threadedKernels(backend) !== undefined)) layout = elementwiseLayout(a, b);
  if (layout === undefined) return undefined;
  const shape = layout === Layout.VectorA || layout === Layout.ColumnA || layout === Layout.ScalarA ? b.shape : a.shape;
  const size = util.sizeFromShape(shape);
  const channels = layout === Layout.Same || layout === Layout.ScalarA || layout === Layout.ScalarB ? 0 : (shape[shape.length - 1] as number);
  const out = backend.makeOutput(shape, kernelName === 'GreaterEqual' ? 'bool' : 'float32');
  if (size > 0) native.run('binary_elementwise', [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out), BINARY_OPS[kernelName], layout, channels], channels === 0 ? size : size / channels, size);
  return out;
}

function binaryKernel(kernelName: 'Sub' | 'Multiply' | 'Maximum' | 'GreaterEqual'): KernelFunc {
  return ((args: { inputs: NamedTensorInfoMap; backend: BackendWasm }): TensorInfo => {
    const { a, b } = requireInputs(kernelName, args.inputs, ['a', 'b']);
    return nativeBinary(kernelName, args.backend, a, b) ?? runWasmKernel(args.backend, kernelName, { a, b });
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

/** Registers as the wasm backend's Sub (native: broadcasts of a scalar or column, and threaded; else built-in). */
export const subConfig: KernelConfig = { kernelName: Sub, backendName: 'wasm', kernelFunc: binaryKernel('Sub') };
/** Registers as the wasm backend's Multiply (native: broadcasts of a scalar or column, and threaded; else built-in). */
export const multiplyConfig: KernelConfig = { kernelName: Multiply, backendName: 'wasm', kernelFunc: binaryKernel('Multiply') };
/** Registers as the wasm backend's Maximum (native for float32 in the layouts above; else built-in). */
export const maximumConfig: KernelConfig = { kernelName: Maximum, backendName: 'wasm', kernelFunc: binaryKernel('Maximum') };
/** Registers as the wasm backend's GreaterEqual (native for float32 in the layouts above; else built-in). */
export const greaterEqualConfig: KernelConfig = { kernelName: GreaterEqual, backendName: 'wasm', kernelFunc: binaryKernel('GreaterEqual') };
/** Registers as the wasm backend's Relu (threaded native; built-in on one thread and for other dtypes). */
export const reluConfig: KernelConfig = { kernelName: Relu, backendName: 'wasm', kernelFunc: unaryKernel('Relu', 0) };
/** Registers as the wasm backend's Step (threaded native; built-in on one thread and for other dtypes). */
export const stepConfig: KernelConfig = { kernelName: Step, backendName: 'wasm', kernelFunc: unaryKernel('Step', 1) };
