/**
 * Softmax for the wasm backend, replacing the built-in one for float32 inputs with at most 64 classes on
 * the last axis (every segmentation head here: 2–5): native/softmax.c computes what the built-in kernel
 * (XNNPACK's softmax_nc_f32) computes — the same exp polynomial, the same summation order, the same bits
 * (tested) — four rows at a time instead of three microkernel calls per row, which is where XNNPACK spends
 * a head's softmax ([16384, 5], one thread: 0.8 ms). Rows split over the native threads; other inputs,
 * and every input where tfseg's native kernels do not run, go to the built-in kernel.
 */
import { Softmax, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type SoftmaxAttrs, type SoftmaxInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from './native/runtime';
import { heapOffset, requireInputs, runWasmKernel } from './wasm-backend';

/** The most classes native/softmax.c keeps on its stack (one vector per class). */
const MAX_NATIVE_CLASSES = 64;

function softmax(args: { inputs: SoftmaxInputs; backend: BackendWasm; attrs: SoftmaxAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { logits } = requireInputs(Softmax, inputs, ['logits']);
  const classes = logits.shape[logits.shape.length - 1] ?? 0;
  const lastAxis = util.parseAxisParam(attrs.dim, logits.shape)[0] === logits.shape.length - 1;
  const native = logits.dtype === 'float32' && lastAxis && classes >= 1 && classes <= MAX_NATIVE_CLASSES ? nativeKernels(backend) : undefined;
  if (native === undefined) return runWasmKernel(backend, Softmax, { logits }, attrs as unknown as NamedAttrMap);
  const out = backend.makeOutput(logits.shape, 'float32');
  const size = util.sizeFromShape(logits.shape);
  const rows = size / classes;
  if (rows > 0) native.run('softmax_rows', [heapOffset(backend, logits), heapOffset(backend, out), rows, classes], Math.ceil(rows / 4), size);
  return out;
}

/** Registers as the wasm backend's Softmax (native for float32 over the last axis, ≤ 64 classes; else built-in). */
export const softmaxConfig: KernelConfig = {
  kernelName: Softmax,
  backendName: 'wasm',
  kernelFunc: softmax as unknown as KernelFunc,
};
