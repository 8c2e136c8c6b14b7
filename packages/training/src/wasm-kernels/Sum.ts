/**
 * Sum for the wasm backend, replacing the built-in one for float32 sums over leading axes — the bias
 * gradients of every convolution (a Sum of `[B, H, W, C]` over batch, height and width). The built-in
 * kernel transposes the reduced axes to the end first (a copy of the whole tensor) and then sums rows;
 * native/reduce.c sums columns in place (SIMD, threads over column groups). Every other Sum, and every
 * Sum where tfseg's native kernels do not run, goes to the built-in kernel.
 */
import { Sum, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type SumAttrs, type SumInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, requireInputs, runWasmKernel } from './wasm-backend';
import { nativeKernels } from './native/runtime';

/** The number of leading axes `axes` reduces when they are exactly 0…k−1 with k < rank, else 0. */
function leadingAxisCount(axes: readonly number[], rank: number): number {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  const leading = sorted.every((axis, index) => axis === index) ? sorted.length : 0;
  return leading < rank ? leading : 0;
}

function sum(args: { inputs: SumInputs; backend: BackendWasm; attrs: SumAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = requireInputs(Sum, inputs, ['x']);
  const axes = util.parseAxisParam(attrs.axis, x.shape);
  const leading = x.dtype === 'float32' ? leadingAxisCount(axes, x.shape.length) : 0;
  const native = leading > 0 ? nativeKernels(backend) : undefined;
  if (native === undefined) return runWasmKernel(backend, Sum, { x }, attrs as unknown as NamedAttrMap);
  const rows = util.sizeFromShape(x.shape.slice(0, leading));
  const columns = util.sizeFromShape(x.shape.slice(leading));
  const outShape = attrs.keepDims ? x.shape.map((dimension, axis) => (axis < leading ? 1 : dimension)) : x.shape.slice(leading);
  const out = backend.makeOutput(outShape, 'float32');
  if (columns > 0) native.run('sum_leading', [heapOffset(backend, x), heapOffset(backend, out), rows, columns], Math.ceil(columns / 4), rows * columns);
  return out;
}

/** Registers as the wasm backend's Sum (float32 sums over leading axes; the rest stay built-in). */
export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as KernelFunc,
};
