/**
 * The shared body of the wasm Sum and Mean replacements: a float32 reduction over leading axes
 * (`[B, H, W, C]` over batch, height and width: bias gradients, batch norm statistics) runs as
 * native/reduce.c's `sum_leading`, which sums columns in place (SIMD, threads over column groups, each
 * column summed in order: the same bits for any thread count) instead of transposing the reduced axes to
 * the end first as the built-in kernels do. Everything else goes to the built-in kernel.
 */
import { util, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, leadingAxisCount, runWasmKernel } from './wasm-backend';
import { floatBits, nativeKernels } from './native/runtime';

/** Sum (`divide` false) or Mean (`divide` true: the column sums divided by the row count) of `x` over `axis`. */
export function reduceLeadingAxes(kernelName: 'Sum' | 'Mean', backend: BackendWasm, x: TensorInfo, attrs: { axis: number | number[]; keepDims: boolean }, divide: boolean): TensorInfo {
  const axes = util.parseAxisParam(attrs.axis, x.shape);
  const leading = x.dtype === 'float32' ? leadingAxisCount(axes, x.shape.length) : 0;
  const native = leading > 0 ? nativeKernels(backend) : undefined;
  if (native === undefined) return runWasmKernel(backend, kernelName, { x }, attrs as unknown as NamedAttrMap);
  const rows = util.sizeFromShape(x.shape.slice(0, leading));
  const columns = util.sizeFromShape(x.shape.slice(leading));
  const outShape = attrs.keepDims ? x.shape.map((dimension, axis) => (axis < leading ? 1 : dimension)) : x.shape.slice(leading);
  const out = backend.makeOutput(outShape, 'float32');
  if (columns > 0) native.run('sum_leading', [heapOffset(backend, x), heapOffset(backend, out), rows, columns, floatBits(divide ? rows : 1)], Math.ceil(columns / 4), rows * columns);
  return out;
}
