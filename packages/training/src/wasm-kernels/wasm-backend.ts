/**
 * Small tools the training kernels share: calling the wasm backend's own (fast, XNNPACK-backed) kernels
 * directly on `TensorInfo`s, and freeing intermediates. Calling the kernel functions directly, instead
 * of `tf.engine().runKernel`, keeps intermediates out of the engine's bookkeeping and the tape.
 */
import { getKernel, util, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The wasm backend's own kernels that a training kernel replaces, kept so the replacement can call them. */
const builtinKernels = new Map<string, KernelConfig>();

/** Remembers the wasm backend's own `kernelName` kernel (before it is replaced); returns it. */
export function rememberBuiltinKernel(kernelName: string): KernelConfig | undefined {
  const remembered = builtinKernels.get(kernelName);
  if (remembered !== undefined) return remembered;
  const current = getKernel(kernelName, 'wasm');
  if (current !== undefined) builtinKernels.set(kernelName, current);
  return current;
}

/** Runs the wasm backend's own kernel `kernelName` (the built-in one, even if replaced); returns all its outputs. */
export function runWasmKernelOutputs(backend: BackendWasm, kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo | TensorInfo[] {
  const config = builtinKernels.get(kernelName) ?? getKernel(kernelName, 'wasm');
  if (config === undefined) throw new Error(`Error in ${kernelName}: kernel '${kernelName}' is not registered for backend 'wasm'`);
  return config.kernelFunc({ inputs, attrs, backend });
}

/** Runs the wasm backend's own kernel `kernelName` (the built-in one, even if replaced) and returns its single output. */
export function runWasmKernel(backend: BackendWasm, kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const output = runWasmKernelOutputs(backend, kernelName, inputs, attrs);
  if (Array.isArray(output)) throw new Error(`Error in ${kernelName}: expected one output, got ${output.length}`);
  return output;
}

/**
 * The kernel registered for the wasm backend under `kernelName` — tfseg's where it replaced the built-in
 * one (unlike {@link runWasmKernel}, which runs the built-in one) — for a kernel `forKernel` composed of them.
 */
export function registeredWasmKernel(forKernel: string, kernelName: string): (args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs?: NamedAttrMap }) => TensorInfo {
  const config = getKernel(kernelName, 'wasm');
  if (config === undefined) throw new Error(`Error in ${forKernel}: the wasm backend has no ${kernelName} kernel (import @tensorflow/tfjs-backend-wasm)`);
  return config.kernelFunc as unknown as (args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs?: NamedAttrMap }) => TensorInfo;
}

/** Frees an intermediate produced by {@link runWasmKernel} (respects shared data of reshapes). */
export function disposeIntermediate(backend: BackendWasm, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** The number of leading axes `axes` reduces when they are exactly 0…k−1 with k < rank, else 0 (Sum and Mean). */
export function leadingAxisCount(axes: readonly number[], rank: number): number {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  const leading = sorted.every((axis, index) => axis === index) ? sorted.length : 0;
  return leading < rank ? leading : 0;
}

/**
 * A new tensor on `x`'s data (one more reference, no copy): what Identity and a same-dtype Cast return,
 * as on the cpu and webgl backends (tensors are immutable in tfjs; no wasm kernel writes its inputs).
 */
export function shareData(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** A view of `info` with another shape of the same size; shares the data, so dispose only the original. */
export function reshapeView(info: TensorInfo, shape: number[]): TensorInfo {
  if (util.sizeFromShape(shape) !== util.sizeFromShape(info.shape)) {
    throw new Error(`reshape: cannot view shape [${info.shape.join(', ')}] as [${shape.join(', ')}]`);
  }
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/**
 * Merges runs of axes that stay adjacent and in order under `perm` (e.g. `[B, OH, KH, OW, KW·Ci]` with
 * perm `[1, 3, 0, 2]`), so the permutation has the lowest rank: the wasm Transpose is fast up to rank 4
 * and ~100× slower on its generic rank-5/6 path.
 */
export function mergeTransposeAxes(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  // Groups of consecutive output axes whose input axes are consecutive too.
  const groups: number[][] = [];
  for (const axis of perm) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1] === axis - 1) last.push(axis);
    else groups.push([axis]);
  }
  const byFirstInputAxis = [...groups].sort((a, b) => (a[0] as number) - (b[0] as number));
  const mergedShape = byFirstInputAxis.map((group) => group.reduce((size, axis) => size * (shape[axis] as number), 1));
  const mergedPerm = groups.map((group) => byFirstInputAxis.indexOf(group));
  return { shape: mergedShape, perm: mergedPerm };
}

/** `Transpose` on the wasm backend, on the lowest-rank equivalent permutation (see {@link mergeTransposeAxes}). */
export function transposeWasm(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  const outShape = perm.map((axis) => x.shape[axis] as number);
  const merged = mergeTransposeAxes(x.shape, perm);
  const output = runWasmKernel(backend, 'Transpose', { x: reshapeView(x, merged.shape) }, { perm: merged.perm });
  return reshapeView(output, outShape);
}

/** `Slice` on the wasm backend. */
export function sliceWasm(backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return runWasmKernel(backend, 'Slice', { x }, { begin, size });
}

/** `PadV2` (constant 0) on the wasm backend. */
export function padWasm(backend: BackendWasm, x: TensorInfo, paddings: [number, number][]): TensorInfo {
  return runWasmKernel(backend, 'PadV2', { x }, { paddings, constantValue: 0 });
}

/**
 * `BatchMatMul` on the wasm backend with untransposed operands only: XNNPACK runs `A·B` at ~30 GFLOP/s,
 * but the built-in kernel's transposed variants fall back to a scalar loop (1–3 GFLOP/s), so a flagged
 * operand is transposed first (a fast rank-3 transpose). Batch dimensions broadcast as in `tf.matMul`.
 */
export function matMulWasm(backend: BackendWasm, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const left = transposeA ? transposeLastTwo(backend, a) : a;
  const right = transposeB ? transposeLastTwo(backend, b) : b;
  const product = runWasmKernel(backend, 'BatchMatMul', { a: left, b: right }, { transposeA: false, transposeB: false });
  if (left !== a) disposeIntermediate(backend, left);
  if (right !== b) disposeIntermediate(backend, right);
  return product;
}

/** `x` with its last two axes swapped (a fast low-rank wasm Transpose). */
export function transposeLastTwo(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = x.shape.map((_, axis) => (axis < rank - 2 ? axis : axis === rank - 2 ? rank - 1 : rank - 2));
  return transposeWasm(backend, x, perm);
}

/** Signed explicit padding of a 2-D convolution: a negative side means rows/columns cut off the input. */
export interface SignedPadding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Forward NHWC convolution (or, with `depthwise`, depthwise convolution) on the wasm backend (XNNPACK)
 * with explicit, possibly negative, padding:
 * negative sides are cut off the input with a `Slice` first, so callers can express any window.
 */
export function conv2dWasm(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  padding: SignedPadding,
  strides: [number, number],
  dilations: [number, number],
  depthwise = false,
): TensorInfo {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const cutTop = Math.max(0, -padding.top);
  const cutBottom = Math.max(0, -padding.bottom);
  const cutLeft = Math.max(0, -padding.left);
  const cutRight = Math.max(0, -padding.right);
  const needsCut = cutTop + cutBottom + cutLeft + cutRight > 0;
  const keptHeight = height - cutTop - cutBottom;
  const keptWidth = width - cutLeft - cutRight;
  if (keptHeight <= 0 || keptWidth <= 0) {
    // Every window lies in the zero padding (XNNPACK rejects an empty input): the result is zeros.
    const [filterHeight, filterWidth, filterIn, filterOut] = filter.shape as [number, number, number, number];
    const outChannels = depthwise ? filterIn * filterOut : filterOut;
    // The signed sizes: input + padding (cuts count negative) is the extent the windows sweep.
    const outputSize = (extent: number, size: number, stride: number, dilation: number) => Math.floor((extent - ((size - 1) * dilation + 1)) / stride) + 1;
    const zeros = backend.makeOutput(
      [
        batch,
        outputSize(height + padding.top + padding.bottom, filterHeight, strides[0], dilations[0]),
        outputSize(width + padding.left + padding.right, filterWidth, strides[1], dilations[1]),
        outChannels,
      ],
      'float32',
    );
    heapView(backend, zeros).fill(0);
    return zeros;
  }
  const input = needsCut
    ? sliceWasm(backend, x, [0, cutTop, cutLeft, 0], [batch, keptHeight, keptWidth, channels])
    : x;
  const pad = [
    [0, 0],
    [Math.max(0, padding.top), Math.max(0, padding.bottom)],
    [Math.max(0, padding.left), Math.max(0, padding.right)],
    [0, 0],
  ];
  const output = runWasmKernel(backend, depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x: input, filter }, { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as NamedAttrMap);
  if (needsCut) disposeIntermediate(backend, input);
  return output;
}

/**
 * A typed-array view of a tensor's data inside the wasm heap. Take views only after the last
 * `makeOutput` of a kernel: allocating may grow the heap, which detaches earlier views.
 */
export function heapView(backend: BackendWasm, info: TensorInfo): HeapArray {
  return backend.typedArrayFromHeap(info);
}

/** {@link heapView}s of float32 tensors, one per tensor, in order (the same rule: after the last `makeOutput`). */
export function float32Views<const T extends readonly TensorInfo[]>(backend: BackendWasm, infos: T): { [K in keyof T]: Float32Array } {
  return infos.map((info) => heapView(backend, info) as Float32Array) as { [K in keyof T]: Float32Array };
}

/** Byte offset of a tensor's data in the wasm heap (where tfseg's native kernels read and write it). */
export function heapOffset(backend: BackendWasm, info: TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('wasm backend: a tensor given to a kernel has no data (disposed?)');
  return data.memoryOffset;
}

/** The named inputs of a kernel call, each checked present (tfjs types them as possibly undefined). */
export function requireInputs<Name extends string>(kernelName: string, inputs: NamedTensorInfoMap, names: readonly Name[]): Record<Name, TensorInfo> {
  const result = {} as Record<Name, TensorInfo>;
  for (const name of names) {
    const input = inputs[name];
    if (input === undefined) throw new Error(`Error in ${kernelName}: input '${name}' is missing`);
    result[name] = input;
  }
  return result;
}

/** A typed array of the wasm heap (float32, int32 or bool data). */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

/**
 * Copies `rows` runs of `run` values: row r from `source[sourceOffset + r·sourceStride …]` to
 * `target[targetOffset + r·targetStride …]`. A plain indexed loop: for the short runs of channel
 * concatenation it beats `subarray().set()`, which allocates per run.
 */
export function copyRuns(
  source: HeapArray,
  sourceOffset: number,
  sourceStride: number,
  target: HeapArray,
  targetOffset: number,
  targetStride: number,
  rows: number,
  run: number,
): void {
  for (let row = 0; row < rows; row++) {
    const from = sourceOffset + row * sourceStride;
    const to = targetOffset + row * targetStride;
    for (let i = 0; i < run; i++) target[to + i] = source[from + i] as number;
  }
}
